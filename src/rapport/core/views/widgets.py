"""Form inputs generated from ``FieldSpec``s (record forms, quick create, action inputs, filter bar).

Forms submit strings that ``clean_values`` understands for every type: dates ``YYYY-MM-DD``,
datetimes ``YYYY-MM-DDTHH:MM`` (read in the user's time zone), numbers with a dot (number inputs
send that whatever the language), booleans ``true``/``false`` and lookups as ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.entities import EntitySpec, FieldSpec, get_entity
from rapport.core.serialization import lookup_display, polylookup_type
from rapport.core.views.common import ui_entity
from rapport.core.views.display import field_label, show

INPUT_TYPES = {
    "text": "text", "email": "email", "phone": "tel", "url": "url", "integer": "number",
    "decimal": "number", "money": "number", "date": "date", "datetime": "datetime-local", "uuid": "text",
}


@dataclass
class Widget:
    """What ``core/_field.html`` needs to draw one input."""

    name: str
    label: str
    type: str
    html_id: str
    value: str = ""
    required: bool = False
    read_only: bool = False
    display: str = ""  # lookups: the chosen record's name; read-only fields: the shown value
    display_url: str | None = None
    input_type: str = "text"
    choices: list = field(default_factory=list)
    groups: list = field(default_factory=list)  # polylookup: [(group label, [(id, name)])]
    errors: list = field(default_factory=list)
    help_text: str = ""
    max_length: int | None = None
    step: str | None = None
    lookup_url: str | None = None
    quick_create_url: str | None = None
    quick_create_label: str = ""

    @property
    def selected(self) -> list:
        """The ticked codes of a list input (its value is the list the form sent)."""
        return list(self.value) if isinstance(self.value, list | tuple) else []

    @property
    def checked(self) -> bool:
        return self.value in {"true", "on", "1", "True"}

    @property
    def error_id(self) -> str:
        return f"{self.html_id}-error"


def form_value(spec: EntitySpec, fs: FieldSpec, record) -> tuple[str, str]:
    """The input value of a field of a stored record, and the display name of a lookup."""
    if record is None:
        return "", ""
    if fs.type == "lookup":
        related = getattr(record, fs.column, None)
        if related is None:
            return "", ""
        return str(related.pk), lookup_display(fs.target, related)
    if fs.type == "polylookup":
        set_name = polylookup_type(fs, record)
        related = getattr(record, fs.targets[set_name]) if set_name else None
        return (str(related.pk), lookup_display(set_name, related)) if related is not None else ("", "")
    value = getattr(record, fs.column or fs.name, None)
    if value is None:
        return "", ""
    if fs.type == "boolean":
        return ("true" if value else "false"), ""
    if fs.type == "datetime":
        return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M"), ""
    if fs.type == "date":
        return value.isoformat(), ""
    return str(value), ""


def model_default(spec: EntitySpec, fs: FieldSpec) -> str:
    """The model's default for a new record's input (e.g. the base currency)."""
    try:
        model_field = spec.model._meta.get_field(fs.column or fs.name)
    except Exception:
        return ""
    if not model_field.has_default() or fs.type in {"lookup", "polylookup", "regarding", "uuid", "json"}:
        return ""
    value = model_field.get_default()
    if value is None:
        return ""
    if fs.type == "boolean":
        return "true" if value else "false"
    return str(value)


def principal_groups():
    """Users and teams a record can be assigned to (the owner input)."""
    from rapport.security.models import Team, User

    users = [(str(u.pk), str(u)) for u in User.objects.filter(is_active=True).order_by("full_name", "username")[:500]]
    teams = [(str(t.pk), str(t)) for t in Team.objects.order_by("name")[:200]]
    groups = [(_("Users"), users)]
    if teams:
        groups.append((_("Teams"), teams))
    return groups


def build_widget(spec: EntitySpec | None, fs: FieldSpec, *, value: str = "", display: str = "", errors=None,
                 prefix: str = "", record=None, read_only: bool = False) -> Widget:
    """One input for ``fs``; ``read_only`` fields show the record's value instead of an input."""
    html_id = f"{prefix}id_{fs.name}"
    widget = Widget(
        name=fs.name, label=field_label(fs), type=fs.type, html_id=html_id, value=value or "", display=display or "",
        required=fs.required, read_only=read_only, errors=list(errors or []), help_text=str(fs.help_text or ""),
        max_length=fs.max_length, input_type=INPUT_TYPES.get(fs.type, "text"),
    )
    if read_only:
        if record is not None and spec is not None:
            shown = show(spec, fs, record)
            widget.display, widget.display_url = shown.text, shown.url
        return widget
    if fs.type == "integer":
        widget.step = "1"
    elif fs.type in {"decimal", "money"}:
        places = fs.decimal_places if fs.decimal_places is not None else 2
        widget.step = "1" if places == 0 else "0." + "0" * (places - 1) + "1"
    if fs.type in {"choice", "list"}:
        widget.choices = [(code, str(label)) for code, label in fs.choices or []]
    if fs.type == "lookup":
        target = ui_entity(fs.target or "")
        if target is not None:
            widget.lookup_url = f"/{target.set_name}/lookup/"
            if target.creatable:
                widget.quick_create_url = f"/{target.set_name}/quick-create/"
                widget.quick_create_label = _("New %(entity)s") % {"entity": str(target.label).lower()}
        elif get_entity(fs.target or "") is None and (fs.target in {"users", "teams"}):
            widget.type = "polylookup"
            widget.groups = principal_groups()
    if fs.type == "polylookup":
        if fs.lookup_url:  # over entity sets (e.g. an account or a contact): a type-ahead
            widget.type, widget.lookup_url = "lookup", fs.lookup_url
        else:
            widget.groups = principal_groups()
    return widget


def submitted_value(fs: FieldSpec, post) -> str:
    """The string a form sent for ``fs`` (an unticked checkbox sends nothing: false)."""
    if fs.type == "boolean":
        return "true" if post.get(fs.name) in {"true", "on", "1"} else "false"
    return post.get(fs.name, "")
