"""Reading an uploaded CSV file, the one way both imports read theirs (the unit import
`places.unit_import` and the residents import `residents.importing`): its encoding, its
delimiter, its header and its rows. What the columns mean is the importer's.

The file
  - UTF-8, with or without a byte-order mark (what "CSV UTF-8" in a spreadsheet program
    writes). Other encodings are refused with a message saying how to save the file:
    Windows-1252 would decode *any* bytes, so accepting it would turn a file in the wrong
    encoding into wrong names and addresses instead of a clear error. UTF-16 ("Unicode
    text") is recognised by its byte-order mark or its NUL bytes.
  - A header row naming the columns, in any order: names are compared case-insensitively,
    without surrounding quotes and with spaces and hyphens read as underscores ("House
    number" is house_number). The delimiter is the first of "," ";" and tab that makes the
    header name every required column, else the one naming the most known columns.
  - Blank rows (also rows of empty fields, as spreadsheets write) are left out.

Row numbers are those a spreadsheet shows: the header is row 1.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import NamedTuple

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DELIMITERS = (",", ";", "\t")


class Problem(NamedTuple):
    row: int | None  # None: the file as a whole
    column: str
    message: str


def too_large_message(max_bytes: int) -> str:
    return _("The file is larger than the maximum of %(max)s.") % {"max": filesizeformat(max_bytes)}


def not_utf8_message() -> str:
    return _(
        "The file is not encoded as UTF-8. Save it as “CSV UTF-8” in your spreadsheet "
        "program and upload it again."
    )


def decode(content: bytes, *, max_bytes: int | None = None) -> tuple[str | None, Problem | None]:
    """The file's text, or the one problem that stops reading it: empty, larger than
    `max_bytes`, not UTF-8 (the row of the first wrong byte) or holding a NUL character."""
    if not content.strip():
        return None, Problem(None, "", _("The file is empty."))
    if max_bytes is not None and len(content) > max_bytes:
        return None, Problem(None, "", too_large_message(max_bytes))
    start = content[:4096]
    if start.startswith((b"\xff\xfe", b"\xfe\xff")) or start.count(b"\x00") > len(start) // 4:
        return None, Problem(None, "", not_utf8_message())  # UTF-16: a NUL in every other byte
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, Problem(content[: exc.start].count(b"\n") + 1, "", not_utf8_message())
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, Problem(line, "", _("The file contains a NUL character: it is not a CSV."))
    return text.lstrip("\r\n"), None


def normalise_column(name: str) -> str:
    return name.strip().strip('"').strip().lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class Header:
    delimiter: str
    names: list[str]  # every field of the header row, normalised, aliases applied
    positions: dict[str, int]  # known column -> its index (the first, if named twice)
    missing: list[str] = field(default_factory=list)  # required columns not named
    duplicates: list[str] = field(default_factory=list)  # known columns named twice

    @property
    def width(self) -> int:
        return len(self.names)


def _names(line: str, delimiter: str, aliases: dict[str, str]) -> list[str]:
    try:
        names = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []
    return [aliases.get(n, n) for n in map(normalise_column, names)]


def read_header(
    text: str,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    aliases: dict[str, str] | None = None,
) -> Header:
    """The delimiter and the columns of the first line. `columns`: every known column
    (others are ignored); `aliases`: other names of known columns."""
    aliases = aliases or {}
    first_line = text.split("\n", 1)[0].rstrip("\r")
    parsed = {d: _names(first_line, d, aliases) for d in DELIMITERS}
    known = set(columns)
    delimiter = next(
        (d for d in DELIMITERS if set(required) <= set(parsed[d])),
        max(DELIMITERS, key=lambda d: (len(known & set(parsed[d])), len(parsed[d]))),
    )
    names = parsed[delimiter]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in known:
            positions.setdefault(name, index)
    return Header(
        delimiter=delimiter,
        names=names,
        positions=positions,
        missing=[c for c in required if c not in positions],
        duplicates=sorted({n for n in names if n in known and names.count(n) > 1}),
    )


def read_rows(text: str, delimiter: str) -> tuple[list[tuple[int, list[str]]], Problem | None]:
    """The rows below the header with their row numbers, blank rows left out; and the
    problem where the csv module could read no further (the rows before it are kept)."""
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        next(reader, None)
        for number, fields in enumerate(reader, start=2):
            if any(fields) and "".join(fields).strip():
                rows.append((number, fields))
    except csv.Error as exc:
        return rows, Problem(
            reader.line_num,
            "",
            _("The file cannot be read as CSV from this row on: %(detail)s")
            % {"detail": str(exc)[:200]},
        )
    return rows, None
