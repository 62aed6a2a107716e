"""Field values as people read them: localized dates, numbers and money, labels of choices, links.

Dates and numbers follow the active language's formats (Django l10n); times are shown in the
user's time zone (activated by ``UserTimezoneMiddleware``) and stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from rapport.core.entities import EntitySpec, FieldSpec, get_entity
from rapport.core.serialization import lookup_display, polylookup_type
from rapport.core.views.common import record_url


@dataclass
class Shown:
    """One value on a page: its text and, for references, where it links."""

    text: str
    url: str | None = None
    kind: str = "text"
    multiline: bool = False

    def __str__(self) -> str:
        return self.text


def field_label(fs: FieldSpec) -> str:
    return capfirst(str(fs.label)) if fs.label else fs.name


def format_number(value, places: int | None = None) -> str:
    return formats.number_format(value, decimal_pos=places, force_grouping=True)


def format_money(value, currency: str | None) -> str:
    return f"{format_number(value, 2)} {currency or settings.RAPPORT_BASE_CURRENCY}"


def format_date(value: dt.date, *, long: bool = False) -> str:
    return formats.date_format(value, "DATE_FORMAT" if long else "SHORT_DATE_FORMAT")


def format_datetime(value: dt.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def show(spec: EntitySpec, fs: FieldSpec, record, *, long: bool = False) -> Shown:
    """The value of ``fs`` on ``record`` (lookups must be joined by the caller to stay one query)."""
    if fs.type == "lookup":
        related = getattr(record, fs.column, None)
        if related is None:
            return Shown("")
        return Shown(lookup_display(fs.target, related), record_url(fs.target or "", related.pk), "lookup")
    if fs.type == "polylookup":
        set_name = polylookup_type(fs, record)
        related = getattr(record, fs.targets[set_name]) if set_name else None
        if related is None:
            return Shown("")
        return Shown(lookup_display(set_name, related), record_url(set_name, related.pk), "lookup")
    if fs.type == "regarding":
        entity = getattr(record, f"{fs.column}_entity", "")
        pk = getattr(record, f"{fs.column}_id", None)
        target = get_entity(entity) if entity else None
        if pk is None or target is None:
            return Shown("")
        return Shown(capfirst(str(target.label)), record_url(entity, pk), "lookup")
    value = getattr(record, fs.column or fs.name, None)
    currency = getattr(record, "currency", None) if fs.type == "money" else None
    return show_plain(fs, value, currency=currency, long=long)


def show_plain(fs: FieldSpec, value, *, currency: str | None = None, long: bool = False) -> Shown:
    """A stored (or JSON) value of a non-reference field."""
    if value is None or value == "":
        return Shown("")
    if fs.type == "boolean":
        return Shown(yes_no(bool(value)), kind="boolean")
    if fs.type == "choice":
        return Shown(fs.choice_label(value))
    if fs.type == "datetime":
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                return Shown(value)
        return Shown(format_datetime(value), kind="datetime")
    if fs.type == "date":
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return Shown(value)
        return Shown(format_date(value, long=long), kind="date")
    if fs.type in {"integer", "decimal", "money"}:
        try:
            number = Decimal(str(value)) if fs.type != "integer" else int(value)
        except (InvalidOperation, ValueError):
            return Shown(str(value))
        if fs.type == "money":
            return Shown(format_money(number, currency), kind="number")
        return Shown(format_number(number, fs.decimal_places if fs.type == "decimal" else None), kind="number")
    if fs.type == "email":
        return Shown(str(value), f"mailto:{value}", "email")
    if fs.type == "url":
        return Shown(str(value), str(value) if str(value).startswith(("http://", "https://")) else None, "url")
    if fs.type == "phone":
        return Shown(str(value), "tel:" + "".join(c for c in str(value) if c.isdigit() or c == "+"), "phone")
    if fs.type == "textarea":
        return Shown(str(value), multiline=True)
    if fs.type == "json":
        return Shown("" if value in ({}, []) else str(value))
    return Shown(str(value))


def reference_names(pairs) -> dict:
    """Group ``(set_name, id)`` pairs by set (ids parsed; bad ids dropped)."""
    wanted: dict[str, set] = {}
    for set_name, pk in pairs:
        try:
            wanted.setdefault(set_name, set()).add(uuid.UUID(str(pk)))
        except (ValueError, TypeError):
            continue
    return wanted


def resolve_reference_names(user, pairs) -> dict:
    """``{(set_name, "id"): name}`` for the references ``user`` may read, one query per set.

    Used where values are stored ids (audit history), so a page of history costs a fixed number
    of queries however many references it shows.
    """
    from rapport.security.models import BusinessUnit, Team, User

    names: dict = {}
    for set_name, ids in reference_names(pairs).items():
        spec = get_entity(set_name)
        if spec is not None:
            rows = spec.model.objects.for_user(user, "read").filter(pk__in=ids)
            for row in rows:
                names[(set_name, str(row.pk))] = lookup_display(set_name, row)
            continue
        model = {"users": User, "teams": Team, "business-units": BusinessUnit}.get(set_name)
        if model is not None:
            for row in model.objects.filter(pk__in=ids):
                names[(set_name, str(row.pk))] = str(row)
    return names


def reference_pairs(fs: FieldSpec, value) -> list[tuple[str, str]]:
    """The ``(set, id)`` pairs a JSON value of a reference field may name."""
    if value in (None, ""):
        return []
    if fs.type == "lookup" and fs.target:
        return [(fs.target, str(value))]
    if fs.type == "polylookup":
        return [(set_name, str(value)) for set_name in (fs.targets or {})]
    if fs.type == "regarding" and isinstance(value, dict):
        return [(str(value.get("entity")), str(value.get("id")))]
    return []


def show_json(fs: FieldSpec | None, value, names: dict) -> Shown:
    """A JSON value (as stored in audit history) for people: references by name where readable."""
    if fs is None:
        return Shown("" if value is None else str(value))
    if fs.type in {"lookup", "polylookup", "regarding"}:
        for pair in reference_pairs(fs, value):
            if pair in names:
                return Shown(names[pair], record_url(pair[0], pair[1]), "lookup")
        if value in (None, ""):
            return Shown("")
        return Shown(_("(a record you may not see)"))
    return show_plain(fs, value)
