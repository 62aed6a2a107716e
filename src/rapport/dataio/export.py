"""Exports (PLT-14): a list's rows as .xlsx or CSV, streamed, with formatted values.

Rows come from the same list parameters and query as the list API (``core.listing``), read in
keyset chunks so a million rows never sit in memory. Only readable fields are exported. A text
cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return is written as text, never as
a formula: in CSV prefixed with ``'``, in .xlsx as an explicit string cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from rapport.core.entities import EntitySpec, FieldSpec
from rapport.core.listing import fetch_page
from rapport.core.permissions.fields import field_readable
from rapport.core.query.compile import user_zone
from rapport.core.serialization import lookup_display, polylookup_type, select_related_for

CHUNK = 1000
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_TYPES = {"text", "textarea", "email", "phone", "url", "integer", "decimal", "money", "date", "datetime",
                "boolean", "choice", "lookup", "polylookup", "regarding", "uuid"}


def export_columns(spec: EntitySpec, user, query, params) -> list[FieldSpec]:
    """The ``fields`` asked for, else the view's columns, else every readable field."""
    if params.get("fields"):
        names = query.fields
    elif query.view is not None and query.view.columns:
        names = query.view.columns
    else:
        names = query.fields
    return [spec.field_map[n] for n in names if n in spec.field_map and spec.field_map[n].type in EXPORT_TYPES
            and field_readable(user, spec, n)]


def is_dangerous(text: str) -> bool:
    return bool(text) and text.startswith(DANGEROUS_START)


def cell_value(spec: EntitySpec, fs: FieldSpec, record, zone):
    """The value of one cell: labels of choices, names of lookups, local dates; numbers stay numbers."""
    if fs.type == "lookup":
        related = getattr(record, fs.column, None)
        return lookup_display(fs.target, related) if related is not None else ""
    if fs.type == "polylookup":
        set_name = polylookup_type(fs, record)
        related = getattr(record, fs.targets[set_name]) if set_name else None
        return lookup_display(set_name, related) if related is not None else ""
    if fs.type == "regarding":
        pk = getattr(record, f"{fs.column}_id", None)
        return str(pk) if pk else ""
    value = getattr(record, fs.column or fs.name, None)
    if value is None:
        return ""
    if fs.type == "choice":
        return fs.choice_label(value) if value else ""
    if fs.type == "boolean":
        return _("Yes") if value else _("No")
    if fs.type == "datetime":
        return timezone.localtime(value, zone).replace(tzinfo=None) if timezone.is_aware(value) else value
    if fs.type == "uuid":
        return str(value)
    return value


def rows(query, columns: list[FieldSpec]) -> Iterator[list]:
    """Every row of the list, in its order, in keyset chunks."""
    spec = query.spec
    zone = user_zone(query.user)
    query.page_size = CHUNK
    query.cursor = None
    query.count = False
    joins = select_related_for(spec, [fs.name for fs in columns])
    while True:
        page = fetch_page(query, select_related=joins)
        for record in page.rows:
            yield [cell_value(spec, fs, record, zone) for fs in columns]
        if not page.next_cursor:
            return
        query.cursor = page.next_cursor


def header_row(columns: list[FieldSpec]) -> list[str]:
    return [capfirst(str(fs.label)) if fs.label else fs.name for fs in columns]


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if is_dangerous(text) else text


def stream_csv(query, columns: list[FieldSpec]) -> Iterator[bytes]:
    """UTF-8 with BOM (Excel opens Chinese correctly), CRLF lines, chunks of about 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    writer.writerow([csv_text(h) for h in header_row(columns)])
    for values in rows(query, columns):
        writer.writerow([csv_text(v) for v in values])
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode("utf-8", "replace")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8", "replace")


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, bool) or value is None:
        value = "" if value is None else str(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, int | float | dt.date | dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        return cell
    text = _clean_xml(str(value))
    cell = WriteOnlyCell(sheet, value=None)
    # Set the value and force the type: openpyxl would make any "=…" string a live formula.
    cell._value = text
    cell.data_type = "s"
    return cell


def _clean_xml(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32767]


def write_xlsx(query, columns: list[FieldSpec], title: str):
    """The workbook written row by row (openpyxl write-only) to a temporary file, returned open for reading."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([_xlsx_cell(sheet, h) for h in header_row(columns)])
    for values in rows(query, columns):
        sheet.append([_xlsx_cell(sheet, v) for v in values])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    return cleaned or "Export"
