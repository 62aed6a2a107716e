"""Type-ahead for lookup fields: ``/<set>/lookup/?q=`` answers JSON or, for htmx, list options.

Matches come from the quick-find search function over the record filter, so a lookup never
offers a record the user may not read; active records only where the entity has a state.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from rapport.core.entities import EntitySpec, FieldSpec
from rapport.core.permissions.fields import field_readable
from rapport.core.search import quick_find_q
from rapport.core.serialization import lookup_display, select_related_for
from rapport.core.views.common import entity_page
from rapport.core.views.display import show

LOOKUP_ROWS = 10


def hint_field(spec: EntitySpec, user) -> FieldSpec | None:
    """A second column that tells records with the same name apart (the city beside a name)."""
    for name in spec.default_columns:
        fs = spec.field_map.get(name)
        if (fs is not None and name != spec.primary_field and fs.type in {"text", "email", "phone", "lookup"}
                and field_readable(user, spec, name)):
            return fs
    return None


@entity_page
def lookup_view(request, spec: EntitySpec):
    user = request.user
    text = (request.GET.get("q") or "").strip()[:200]
    rows = spec.model.objects.for_user(user, "read")
    if text:
        rows = rows.filter(quick_find_q(spec, user, text))
    if spec.has_state:
        rows = rows.filter(state=spec.initial_state)
    hint = hint_field(spec, user)
    if hint is not None and hint.type == "lookup":
        rows = rows.select_related(*select_related_for(spec, [hint.name]))
    primary = spec.field_map[spec.primary_field]
    order = [primary.column or primary.name] if primary.sortable and primary.type not in {"json", "regarding", "polylookup"} else []
    rows = list(rows.order_by(*order, "id")[:LOOKUP_ROWS])
    results = [{"id": str(row.pk), "name": lookup_display(spec.set_name, row) or str(row.pk),
                "hint": show(spec, hint, row).text if hint is not None else ""} for row in rows]
    wants_json = "application/json" in request.headers.get("Accept", "") or request.GET.get("format") == "json"
    if wants_json or not request.htmx:
        return JsonResponse({"results": results})
    return render(request, "core/_lookup_options.html", {"results": results, "spec": spec})
