"""Reading uploaded CSV and .xlsx files as a stream of rows, with constant memory.

The type is told from the content, never from the name: an .xlsx is a ZIP holding
``xl/workbook.xml``; anything else must be text (no NUL bytes) and is read as CSV. CSV is decoded
as UTF-8 (with or without BOM); a file that is not UTF-8 but is valid GB18030 (Chinese Excel) is
read as that; bytes that are still not valid leave the cells they are in marked, and those rows are
reported (the others import). Nothing in a file is evaluated: a formula cell is its text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

SAMPLE_BYTES = 64 * 1024
# No cell may be longer than this (the longest text field takes 100,000 characters).
MAX_CELL_CHARS = 100_000
DELIMITERS = ",;\t|"
_BAD_BYTE = re.compile("[\udc80-\udcff]")


class FileProblem(Exception):
    """The file as a whole cannot be imported (wrong type, encoding, delimiter, empty)."""


@dataclass
class FileInfo:
    file_type: str  # "csv" | "xlsx"
    encoding: str = ""
    delimiter: str = ""


def sniff_type(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise FileProblem(_("The file is neither a CSV file nor an Excel workbook (.xlsx)."))
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise FileProblem(_("The file is neither a CSV file nor an Excel workbook (.xlsx)."))
    if b"\x00" in head:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FileProblem(_("The file is in UTF-16; save it as CSV UTF-8 and upload it again."))
        raise FileProblem(_("The file is neither a CSV file nor an Excel workbook (.xlsx)."))
    if head.startswith((b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise FileProblem(_("The file is neither a CSV file nor an Excel workbook (.xlsx)."))
    return "csv"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """utf-8-sig when the file is UTF-8 (or mostly: bad bytes are reported per row), else gb18030.

    GB18030 is chosen only when the whole file decodes as it and the start of the file gives no
    evidence of UTF-8 (non-ASCII text that is valid UTF-8): a UTF-8 file with one stray byte stays
    UTF-8 and that row is reported, rather than the whole file being read as the wrong script.
    """
    if _decodes(path, "utf-8"):
        return "utf-8-sig"
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    try:
        sample.decode("utf-8")
        utf8_evidence = not sample.isascii()
    except UnicodeDecodeError as error:
        # A cut multi-byte character at the very end of the sample is not an error.
        utf8_evidence = error.start >= len(sample) - 3 and not sample[:error.start].isascii()
    if not utf8_evidence and _decodes(path, "gb18030"):
        return "gb18030"
    return "utf-8-sig"


def detect_delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as handle:
        sample = handle.read(SAMPLE_BYTES // 4)
    lines = sample.splitlines()
    if not lines:
        raise FileProblem(_("The file is empty."))
    try:
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def inspect(path: Path) -> FileInfo:
    file_type = sniff_type(path)
    if file_type == "xlsx":
        return FileInfo("xlsx")
    encoding = detect_encoding(path)
    return FileInfo("csv", encoding, detect_delimiter(path, encoding))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    return str(value)


def iter_rows(path: Path, info: FileInfo) -> Iterator[list[str]]:
    """Every row of the file (the header first) as a list of strings; never the whole file in memory."""
    if info.file_type == "xlsx":
        from openpyxl import load_workbook

        # A file object: openpyxl would refuse a stored name without the .xlsx extension.
        with open(path, "rb") as handle:
            try:
                workbook = load_workbook(handle, read_only=True, data_only=False)
            except Exception:  # a corrupt workbook: openpyxl raises many kinds
                raise FileProblem(_("The Excel workbook cannot be read."))
            try:
                sheet = workbook.worksheets[0]
                for values in sheet.iter_rows(values_only=True):
                    yield [_cell_text(v) for v in values]
            finally:
                workbook.close()
        return
    csv.field_size_limit(1 << 30)
    with open(path, encoding=info.encoding or "utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter=info.delimiter or ",")
        try:
            yield from reader
        except csv.Error as error:
            raise FileProblem(_("The CSV file cannot be read past row %(row)d: %(reason)s")
                              % {"row": reader.line_num, "reason": error})


def has_bad_bytes(text: str) -> bool:
    return bool(_BAD_BYTE.search(text))


def header_problem(headers: list[str]) -> str | None:
    """Why the header row cannot be used, or None."""
    names = [h.strip() for h in headers]
    if not any(names):
        return _("The first row must name the columns.")
    if len(names) == 1 and any(d in names[0] for d in DELIMITERS):
        return _("The file was read as one column; its columns seem to be separated by another character "
                 "than the one detected. Save it as CSV with commas or semicolons and try again.")
    if any(has_bad_bytes(n) for n in names):
        return _("The file is not valid UTF-8 (or GB18030); save it as CSV UTF-8 and upload it again.")
    return None


def count_rows(path: Path, info: FileInfo) -> int:
    """Data rows (after the header, blank rows left out), read once as a stream."""
    total = 0
    for index, row in enumerate(iter_rows(path, info)):
        if index and any(cell.strip() for cell in row):
            total += 1
    return total
