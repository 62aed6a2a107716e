"""Personal saved views (PLT-3): save the list's columns, sort and filter under a name; share by URL."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.entities import EntitySpec
from rapport.core.errors import ErrorCollector, NotFound, RecordValidationError
from rapport.core.models import SavedView
from rapport.core.permissions.fields import field_readable
from rapport.core.query import QueryError, compile_filter, parse_ordering
from rapport.core.views.common import entity_page, safe_next


def save_view(spec: EntitySpec, user, *, name: str, tree, ordering: str, columns: list[str], shared: bool,
              replace=None) -> SavedView:
    """Validate and store a personal view; the filter and sort are checked like an API request."""
    errors = ErrorCollector()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("Give the view a name."), "required")
    elif len(name) > 120:
        errors.add("name", _("Ensure this value has at most %(limit)d characters (it has %(length)d).")
                   % {"limit": 120, "length": len(name)}, "too-long")
    if not isinstance(tree, dict):
        errors.add("filter", _("The filter is not valid JSON."), "malformed")
        tree = {}
    else:
        try:
            compile_filter(spec, tree, user)
        except QueryError as problem:
            errors.add("filter", problem.detail, "invalid")
    try:
        order = parse_ordering(spec, ordering or ",".join(spec.default_ordering), user)
    except QueryError as problem:
        errors.add("ordering", problem.detail, "invalid")
        order = []
    columns = list(dict.fromkeys(c for c in columns if c))
    for column in columns:
        fs = spec.get_field(column)
        if fs is None or fs.type == "json" or not field_readable(user, spec, column):
            errors.add("columns", _("Unknown field \"%(field)s\".") % {"field": column}, "unknown-field")
    if not columns:
        errors.add("columns", _("Choose at least one column."), "required")
    errors.raise_if_any()
    ordering_list = [("-" if desc else "") + field_name for field_name, desc in order]
    with transaction.atomic():
        if replace:
            saved = SavedView.objects.filter(pk=replace, owner_id=user.pk, entity=spec.set_name).first()
            if saved is None:
                raise NotFound()
        else:
            saved = SavedView(entity=spec.set_name, owner=user)
        saved.name, saved.is_shared, saved.filter = name, shared, tree
        saved.ordering, saved.columns, saved.modified_on = ordering_list, columns, timezone.now()
        saved.save()
    return saved


@require_POST
@entity_page
def create_view(request, spec: EntitySpec):
    back = safe_next(request.POST.get("next"), f"/{spec.set_name}/")
    try:
        tree = json.loads(request.POST.get("filter") or "{}")
    except ValueError:
        tree = None
    try:
        saved = save_view(
            spec, request.user, name=request.POST.get("name", ""), tree=tree,
            ordering=request.POST.get("ordering", ""), columns=request.POST.getlist("columns"),
            shared=request.POST.get("is_shared") in {"on", "true"},
            replace=request.POST.get("replace") or None,
        )
    except RecordValidationError as problem:
        messages.error(request, " ".join(m for items in problem.errors.values() for m in items))
        return redirect(back)
    messages.success(request, _("The view \"%(name)s\" was saved. Its address can be shared.") % {"name": saved.name})
    return redirect(f"/{spec.set_name}/?view={saved.pk}")


@require_POST
@entity_page
def delete_view(request, spec: EntitySpec, pk):
    deleted, _counts = SavedView.objects.filter(pk=pk, owner_id=request.user.pk, entity=spec.set_name).delete()
    if not deleted:
        raise NotFound()
    messages.success(request, _("The view was deleted."))
    return redirect(f"/{spec.set_name}/")
