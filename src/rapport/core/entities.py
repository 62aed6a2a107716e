"""Entity metadata: ``EntitySpec`` / ``FieldSpec`` and ``register()``.

An entity is registered once (in its app's ``entities.py``, from ``AppConfig.ready()``); the
generic list, form, detail, API, query language, search, audit and permission code reads only
the *effective* metadata returned by :func:`get_entity` — the code spec plus, later, the
organisation's customizations from the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.core.registry import registry

# Field types understood by every generic component.
TEXT_TYPES = {"text", "textarea", "email", "phone", "url"}
NUMBER_TYPES = {"integer", "decimal", "money"}
DATE_TYPES = {"date", "datetime"}
FIELD_TYPES = TEXT_TYPES | NUMBER_TYPES | DATE_TYPES | {"boolean", "choice", "lookup", "polylookup", "regarding", "uuid", "json"}

SYSTEM_FIELDS = ("id", "created_on", "modified_on", "created_by", "modified_by", "version")
OWNER_FIELDS = ("owner", "owning_business_unit")
STATE_FIELDS = ("state", "status_reason")


@dataclass
class FieldSpec:
    """One field of an entity as every generic component sees it."""

    name: str
    type: str
    label: Any
    required: bool = False
    read_only: bool = False
    max_length: int | None = None
    choices: list[tuple[str, Any]] | None = None
    target: str | None = None  # entity set of a lookup ("users", "accounts")
    targets: dict[str, str] | None = None  # polylookup: entity set -> model column (FK name)
    column: str | None = None  # model attribute / ORM path
    filterable: bool = True
    sortable: bool = True
    nullable: bool = True
    decimal_places: int | None = None
    max_digits: int | None = None
    system: bool = False
    help_text: Any = ""
    lookup_url: str | None = None  # polylookup over entity sets: the type-ahead URL of its form input

    def choice_label(self, code):
        for value, label in self.choices or ():
            if value == code:
                return str(label)
        return code or ""

    @property
    def choice_codes(self) -> set[str]:
        return {c for c, _label in self.choices or ()}


@dataclass
class Section:
    """A form section: a title and its fields (two columns on wide screens)."""

    title: Any
    fields: list[str]


@dataclass
class Tab:
    title: Any
    sections: list[Section]


@dataclass
class SubGrid:
    """A related list on the detail page: records of ``entity_set`` whose ``lookup`` is this record."""

    entity_set: str
    lookup: str
    title: Any = None
    columns: list[str] | None = None


@dataclass
class DetailPanel:
    """An entity-specific panel on the detail page: a template and what it needs to draw.

    ``context(request, spec, record) -> dict`` reads what the panel shows (through the record
    filter); the template gets that plus ``spec`` and ``record``.
    """

    template: str
    context: Callable | None = None


# Panels every entity's detail page shows after its own (e.g. the activities timeline), added by
# apps from ``ready()``; a panel whose ``context`` returns None is left out for that record.
COMMON_DETAIL_PANELS: list[DetailPanel] = []


def add_common_detail_panel(panel: DetailPanel) -> None:
    """Show ``panel`` on the detail page of every entity (call from an app's ``ready()``)."""
    COMMON_DETAIL_PANELS.append(panel)


@dataclass(eq=False)
class EntitySpec:
    """Everything the generic layer needs to know about one entity."""

    set_name: str
    model: type[models.Model]
    label: Any
    label_plural: Any
    primary_field: str
    fields: list[str]
    quick_find: list[str] = field(default_factory=list)
    default_columns: list[str] = field(default_factory=list)
    default_ordering: list[str] = field(default_factory=lambda: ["-modified_on"])
    tabs: list[Tab] = field(default_factory=list)
    area: str = "sales"
    features: frozenset[str] = frozenset({"audit"})
    states: list[tuple[str, Any]] = field(default_factory=lambda: [("active", _("Active")), ("inactive", _("Inactive"))])
    status_reasons: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    read_only_states: frozenset[str] = frozenset({"inactive"})
    initial_state: str = "active"
    actions: list = field(default_factory=list)
    field_overrides: dict[str, dict] = field(default_factory=dict)
    sub_grids: list[SubGrid] = field(default_factory=list)
    detail_panels: list[DetailPanel] = field(default_factory=list)
    extra_list_params: dict[str, Callable] = field(default_factory=dict)
    read_filter: Callable | None = None  # (user, privilege) -> Q for entities whose access follows another record
    creatable: bool = True
    deletable: bool = True
    icon: str = "record"
    # filled by finalize()
    field_map: dict[str, FieldSpec] = field(default_factory=dict, repr=False)
    action_map: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- derived facts -------------------------------------------------------------------------
    @property
    def is_owned(self) -> bool:
        from rapport.core.models.base import OwnedRecord

        return issubclass(self.model, OwnedRecord)

    @property
    def has_state(self) -> bool:
        return "state" in self.features

    def get_field(self, name: str) -> FieldSpec | None:
        return self.field_map.get(name)

    @property
    def api_fields(self) -> list[str]:
        """Every field a record reads, in order: id and business fields first, system last."""
        names = ["id", *self.fields]
        if self.is_owned:
            names += list(OWNER_FIELDS)
        if self.has_state:
            names += list(STATE_FIELDS)
        names += [n for n in SYSTEM_FIELDS if n != "id"]
        names.append("custom")
        return names

    @property
    def writable_fields(self) -> list[str]:
        return [n for n in self.fields if not self.field_map[n].read_only]

    def state_label(self, code: str) -> str:
        for value, label in self.states:
            if value == code:
                return str(label)
        return code

    def status_reason_label(self, code: str) -> str:
        for reasons in self.status_reasons.values():
            for value, label in reasons:
                if value == code:
                    return str(label)
        return code

    def url_name(self, view: str) -> str:
        return f"entity-{view}"

    def __str__(self) -> str:
        return self.set_name


_MODEL_TYPE_MAP = {
    models.UUIDField: "uuid",
    models.EmailField: "email",
    models.URLField: "url",
    models.TextField: "textarea",
    models.CharField: "text",
    models.BooleanField: "boolean",
    models.DateTimeField: "datetime",
    models.DateField: "date",
    models.DecimalField: "decimal",
    models.IntegerField: "integer",
    models.PositiveIntegerField: "integer",
    models.PositiveSmallIntegerField: "integer",
    models.SmallIntegerField: "integer",
    models.BigIntegerField: "integer",
    models.JSONField: "json",
}


def _type_of(model_field: models.Field) -> str:
    for cls in type(model_field).__mro__:
        if cls in _MODEL_TYPE_MAP:
            return _MODEL_TYPE_MAP[cls]
    return "text"


def field_from_model(spec: EntitySpec, name: str) -> FieldSpec:
    """Derive a FieldSpec from the model field of that name, then apply the spec's overrides."""
    overrides = dict(spec.field_overrides.get(name, {}))
    model = spec.model
    if name == "owner":
        fs = FieldSpec(
            name="owner", type="polylookup", label=_("Owner"), read_only=True,
            targets={"users": "owner_user", "teams": "owner_team"}, system=True, sortable=False,
        )
    elif _has_field(model, f"{name}_entity") and _has_field(model, f"{name}_id"):
        # A reference to a record of any entity, read and written as {"entity", "id"}.
        id_field = model._meta.get_field(f"{name}_id")
        fs = FieldSpec(
            name=name, type="regarding", label=id_field.verbose_name, column=name, sortable=False,
            required=not id_field.null,
        )
    elif not _has_field(model, name) and "type" in overrides:
        # A virtual field declared wholly by the spec, e.g. a polymorphic ``customer`` over two
        # foreign keys (``targets``); every generic component reads it through its FieldSpec.
        fs = FieldSpec(name=name, type=overrides["type"], label=overrides.get("label", name))
    elif name == "custom":
        fs = FieldSpec(name="custom", type="json", label=_("Custom fields"), filterable=False, sortable=False, system=True)
    else:
        model_field = model._meta.get_field(name)
        ftype = _type_of(model_field)
        target = None
        if isinstance(model_field, models.ForeignKey):
            ftype = "lookup"
            target_spec = registry["models"].get(model_field.related_model)
            target = target_spec.set_name if target_spec else _security_set(model_field.related_model)
        choices = None
        if model_field.choices:
            ftype = "choice"
            choices = [(value, label) for value, label in model_field.flatchoices]
        nullable = bool(model_field.null)
        required = not model_field.blank and not model_field.has_default() and ftype not in {"boolean"}
        if model_field.primary_key:
            required = False
        fs = FieldSpec(
            name=name,
            type=ftype,
            label=model_field.verbose_name,
            required=required,
            max_length=getattr(model_field, "max_length", None) if ftype in TEXT_TYPES else None,
            choices=choices,
            target=target,
            column=name,
            nullable=nullable,
            decimal_places=getattr(model_field, "decimal_places", None),
            max_digits=getattr(model_field, "max_digits", None),
            help_text=model_field.help_text,
        )
        if name in SYSTEM_FIELDS or name in STATE_FIELDS or name == "owning_business_unit":
            fs.read_only = True
            fs.system = True
            fs.required = False
        if name == "state":
            fs.type = "choice"
            fs.choices = list(spec.states)
        if name == "status_reason":
            reasons = [c for reasons in spec.status_reasons.values() for c in reasons]
            if reasons:  # without declared reasons it stays free text (an empty enum is no schema)
                fs.type = "choice"
                fs.choices = reasons
            fs.nullable = True
    for key, value in overrides.items():
        setattr(fs, key, value)
    return fs


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _security_set(model) -> str | None:
    name = model._meta.model_name
    return {"user": "users", "team": "teams", "businessunit": "business-units"}.get(name)


def finalize(spec: EntitySpec) -> EntitySpec:
    """Build the field and action maps; raise on any inconsistency (fails at start-up)."""
    spec.field_map = {}
    for name in spec.api_fields:
        spec.field_map[name] = field_from_model(spec, name)
    problems = []
    for name in [spec.primary_field, *spec.quick_find, *spec.default_columns]:
        if name not in spec.field_map:
            problems.append(f"unknown field {name!r}")
    for name in spec.default_ordering:
        if name.lstrip("-") not in spec.field_map:
            problems.append(f"unknown ordering field {name!r}")
    for tab in spec.tabs:
        for section in tab.sections:
            for name in section.fields:
                if name not in spec.field_map:
                    problems.append(f"form field {name!r} is unknown")
    if problems:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"entity {spec.set_name}: " + "; ".join(problems))
    if not spec.tabs:
        spec.tabs = [Tab(_("General"), [Section(_("General"), list(spec.writable_fields))])]
    if not spec.default_columns:
        spec.default_columns = [spec.primary_field]
    spec.action_map = {}
    from rapport.core.actions.crud import generic_actions

    for action in [*generic_actions(spec), *spec.actions]:
        spec.action_map[action.name] = action
    return spec


def register(spec: EntitySpec) -> EntitySpec:
    """Register an entity (call from the app's ``ready()``)."""
    registry["entities"].add(spec.set_name, spec)
    registry["models"].add(spec.model, spec)
    return spec


_finalized = False


def _ensure_finalized() -> None:
    global _finalized
    if not _finalized:
        # Lookups to entities registered later resolve only when every app is ready.
        for spec in registry["entities"].values():
            finalize(spec)
        _finalized = True


def get_entity(set_name: str) -> EntitySpec | None:
    """The effective metadata of one entity set (code spec + organisation overlay)."""
    _ensure_finalized()
    return registry["entities"].get(set_name)


def entity_for_model(model) -> EntitySpec | None:
    _ensure_finalized()
    if hasattr(model, "_meta"):
        model = model._meta.concrete_model
    return registry["models"].get(model)


def all_entities() -> list[EntitySpec]:
    _ensure_finalized()
    return list(registry["entities"].values())


def label_of(value) -> str:
    return str(value) if isinstance(value, Promise | str) else str(value or "")
