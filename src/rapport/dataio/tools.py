"""Links on every list's toolbar: export the current view (xlsx, CSV), print it, import into it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapport.core.permissions.filter import can_create
from rapport.core.permissions.privileges import has_misc_privilege


def _with(list_query: str, extra: str) -> str:
    return f"{list_query}&{extra}" if list_query else extra


def export_tools(file_format: str):
    def tool(spec, request, list_query):
        if not has_misc_privilege(request.user, "export"):
            return None
        label = _("Export to Excel") if file_format == "xlsx" else _("Export to CSV")
        fields = _visible_fields(spec, request)
        extra = f"format={file_format}" + (f"&fields={fields}" if fields else "")
        return {"label": label, "url": f"/{spec.set_name}/export/?{_with(list_query, extra)}"}

    tool.__name__ = f"export_{file_format}"
    return tool


def _visible_fields(spec, request) -> str:
    """The list's visible columns when the URL names none (a view's columns are used otherwise)."""
    if request.GET.get("fields") or request.GET.get("view"):
        return ""
    return ",".join(spec.default_columns)


def print_tool(spec, request, list_query):
    return {"label": _("Print"), "url": f"/{spec.set_name}/print/?{list_query}"}


def import_tool(spec, request, list_query):
    if not spec.creatable or not has_misc_privilege(request.user, "import") or not can_create(request.user, spec):
        return None
    return {"label": _("Import"), "url": f"/imports/new/?entity={spec.set_name}"}
