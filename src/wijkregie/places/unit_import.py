"""The CSV unit import (BAG extract or housing-ERP export): every row checked, then all or
nothing.

The file is read as `places.csvfile` reads every import: UTF-8 (other encodings refused
with a message saying how to save the file), a header row naming the columns in any
order, "," ";" or a tab between them. Other columns are ignored.
  - Required: bag_id, postcode, house_number, floor, entrance; optional: house_letter,
    house_number_addition, and the unit's point: x, y (RD, EPSG:28992, in metres, as a
    BAG extract gives the verblijfsobject's point; also named rd_x, rd_y) and/or lat,
    lon (WGS84 degrees).
  - bag_id: 16 digits, kept as text (leading zeros matter), may be empty. postcode as
    1234AB (a space is allowed). floor: 0 is the ground floor, -1 the first basement, up
    to the building's top storey. entrance: one of the building's entrances.
  - The point, per row both coordinates or neither, "." or "," as the decimal sign: x
    from 0 to 300000 and y from 289000 to 629000 (RD's range over the Netherlands); lat
    from 50.7 to 53.7 and lon from 3.2 to 7.3. A row with both an RD point and lat/lon
    must have them agree to within 50 metres, and every point must lie within 500
    metres of the middle (the median) of the file's points: a unit of another building
    would move this one's point.

Row numbers in the report are those a spreadsheet shows: the header is row 1.

Nothing is half-imported: the rows are first checked (in chunks of CHUNK_ROWS, column by
column, reporting progress per chunk), then checked against the database (one query) and
written in one transaction: changed units with bulk UPDATEs, new ones with COPY on
PostgreSQL (bulk INSERTs on SQLite). A BAG id held by another building's unit is found by
the unique constraint during the write; the import then rolls back and checks again,
looking the file's BAG ids up, so that the report names the rows. A re-import updates
units matched by BAG id, else by address, instead of adding them again. An empty BAG id
in the file never erases a known one.

When the file gives points, a successful import sets the building's point
(`Building.latitude`/`longitude`, what an Open311 lat/long resolves to) to their centroid.
Only the building's point is stored: a unit's point is never kept nor published.
"""

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wijkregie.core import jobs
from wijkregie.core.access import Viewer
from wijkregie.core.logging import log_event
from wijkregie.places import csvfile, selectors
from wijkregie.places.addresses import parse_postcode
from wijkregie.places.geo import as_coordinate, distance_m, rd_to_wgs84
from wijkregie.places.models import MIN_FLOOR, Building, Unit

REQUIRED_COLUMNS = ("bag_id", "postcode", "house_number", "floor", "entrance")
OPTIONAL_COLUMNS = ("house_letter", "house_number_addition")
COLUMNS = (
    "bag_id",
    "postcode",
    "house_number",
    "house_letter",
    "house_number_addition",
    "floor",
    "entrance",
)
MAX_LENGTH = {
    "bag_id": 16,
    "postcode": 7,
    "house_number": 5,
    "house_letter": 1,
    "house_number_addition": 4,
    "floor": 3,
    "entrance": 10,
    "x": 20,
    "y": 20,
    "lat": 20,
    "lon": 20,
}
POINT_COLUMNS = ("x", "y", "lat", "lon")
ALIASES = {"rd_x": "x", "rd_y": "y"}
REPORT_COLUMNS = (*COLUMNS, *POINT_COLUMNS)  # the order of a row's errors
# RD's range over the Netherlands (EPSG:28992), and the Netherlands in WGS84 degrees.
POINT_BOUNDS = {
    "x": (0.0, 300_000.0),
    "y": (289_000.0, 629_000.0),
    "lat": (50.7, 53.7),
    "lon": (3.2, 7.3),
}
POINT_AGREE_M = 50  # an RD point and a lat/lon of one row at most this far apart
POINT_SPREAD_M = 500  # every point at most this far from the median of the file's points
CHUNK_ROWS = 10_000  # rows checked between two progress updates (each one a commit)
JOB_KIND = selectors.UNITS_JOB_KIND  # registered in PlacesConfig.ready()
UPDATE_FIELDS = [
    "bag_id",
    "postcode",
    "house_number",
    "house_letter",
    "house_number_addition",
    "floor",
    "entrance",
    "updated_at",
]

BAG_ID_RE = re.compile(r"[0-9]{16}")
DIGITS_RE = re.compile(r"[0-9]+")
FLOOR_RE = re.compile(r"-?[0-9]+")
LETTER_RE = re.compile(r"[A-Z]")
ADDITION_RE = re.compile(r"[A-Z0-9]{1,4}")
NUMBER_RE = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")

Progress = Callable[[int, int], None]


def too_large_message() -> str:
    return csvfile.too_large_message(settings.WIJKREGIE_IMPORT_MAX_BYTES)


class UnitRow(NamedTuple):
    row: int
    bag_id: str | None
    postcode: str
    house_number: int
    house_letter: str
    house_number_addition: str
    floor: int
    entrance: str
    latitude: float | None = None  # the unit's point, WGS84 (never stored)
    longitude: float | None = None

    @property
    def address_key(self) -> tuple[str, int, str, str]:
        return (self.postcode, self.house_number, self.house_letter, self.house_number_addition)


def address_text(postcode: str, number: int, letter: str, addition: str) -> str:
    return f"{postcode} {number}{letter}{'-' + addition if addition else ''}"


@dataclass
class UnitImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0  # matched units whose fields changed
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "column", "message"}
    error_count: int = 0
    point: tuple[Decimal, Decimal] | None = None  # the building's point, when set

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _new_report() -> jobs.JobErrors:
    return jobs.JobErrors(REPORT_COLUMNS)


# --- Reading the file --------------------------------------------------------------------


def _decode(content: bytes, report: jobs.JobErrors) -> str | None:
    text, problem = csvfile.decode(content, max_bytes=settings.WIJKREGIE_IMPORT_MAX_BYTES)
    if problem:
        report.add(*problem)
    return text


def _header(text: str, report: jobs.JobErrors) -> csvfile.Header | None:
    """The delimiter and the position of each known column, from the first line."""
    header = csvfile.read_header(
        text, columns=(*COLUMNS, *POINT_COLUMNS), required=REQUIRED_COLUMNS, aliases=ALIASES
    )
    if header.missing:
        report.add(
            1,
            "",
            _(
                "Missing columns: %(missing)s. The first row must name the columns "
                "%(expected)s, separated by commas or semicolons."
            )
            % {"missing": ", ".join(header.missing), "expected": ", ".join(COLUMNS)},
        )
        return None
    if header.duplicates:
        report.add(
            1,
            "",
            _("These columns appear more than once: %(columns)s.")
            % {"columns": ", ".join(header.duplicates)},
        )
        return None
    for pair in (("x", "y"), ("lat", "lon")):
        if (pair[0] in header.positions) != (pair[1] in header.positions):
            report.add(
                1,
                "",
                _("The columns %(first)s and %(second)s go together: give both or neither.")
                % {"first": pair[0], "second": pair[1]},
            )
            return None
    return header


def _coordinate(number: int, name: str, raw: str, add) -> float | None:
    """One coordinate of a row's point, checked against the Netherlands; None if bad."""
    if not NUMBER_RE.fullmatch(raw):
        example = {"x": "136220.5", "y": "458670.5", "lat": "52.11594", "lon": "5.11302"}[name]
        what = _("an RD coordinate in metres") if name in ("x", "y") else _("a number of degrees")
        add(
            number,
            name,
            _("“%(value)s” is not %(what)s such as %(example)s.")
            % {"value": raw, "what": what, "example": example},
        )
        return None
    value = float(raw.replace(",", "."))
    low, high = POINT_BOUNDS[name]
    if not low <= value <= high:
        unit = _("metres") if name in ("x", "y") else _("degrees")
        add(
            number,
            name,
            _(
                "%(name)s %(value)s lies outside the Netherlands: it runs from %(low)s to "
                "%(high)s %(unit)s here."
            )
            % {"name": name, "value": raw, "low": f"{low:g}", "high": f"{high:g}", "unit": unit},
        )
        return None
    return value


def _row_point(number: int, values: dict, add) -> tuple[float, float] | None | bool:
    """The row's point in WGS84 from x/y (RD) and/or lat/lon: None when the row gives
    none, False when what it gives is wrong (reported)."""
    points = []
    for first, second in (("x", "y"), ("lat", "lon")):
        a, b = values.get(first, ""), values.get(second, "")
        if not a and not b:
            continue
        if not a or not b:
            add(
                number,
                second if a else first,
                _("Give both %(first)s and %(second)s, or neither.")
                % {"first": first, "second": second},
            )
            return False
        u, v = _coordinate(number, first, a, add), _coordinate(number, second, b, add)
        if u is None or v is None:
            return False
        points.append(rd_to_wgs84(u, v) if first == "x" else (u, v))
    if not points:
        return None
    if len(points) == 2:
        apart = distance_m(*points[0], *points[1])
        if apart > POINT_AGREE_M:
            add(
                number,
                "lat",
                _(
                    "lat/lon lies %(distance)s metres from the point x/y of this row; they "
                    "must agree to within %(limit)s metres. Give one of them, or correct it."
                )
                % {"distance": round(apart), "limit": POINT_AGREE_M},
            )
            return False
    return points[0]


def _check_spread(rows: list[UnitRow], column: str, report: jobs.JobErrors) -> bool:
    """Every point near the median of the file's points (a unit of another building
    would move this one's point)."""
    points = [r for r in rows if r.latitude is not None]
    if len(points) < 2:
        return True
    middle = (
        statistics.median(r.latitude for r in points),
        statistics.median(r.longitude for r in points),
    )
    ok = True
    for r in points:
        away = distance_m(r.latitude, r.longitude, *middle)
        if away > POINT_SPREAD_M:
            report.add(
                r.row,
                column,
                _(
                    "This point lies %(distance)s metres from the middle of the other units' "
                    "points (at most %(limit)s): is it a unit of this building?"
                )
                % {"distance": round(away), "limit": POINT_SPREAD_M},
            )
            ok = False
    return ok


def _check_rows(
    text: str,
    header: csvfile.Header,
    building: Building,
    report: jobs.JobErrors,
    progress: Progress | None,
) -> tuple[list[UnitRow], int]:
    """Every row checked on its own and against the other rows of the file, a chunk of
    rows at a time (progress is reported per chunk)."""
    records, problem = csvfile.read_rows(text, header.delimiter)
    if problem:
        report.add(*problem)
        return [], len(records)
    total = len(records)
    if total == 0:
        report.add(None, "", _("The file has a header but no rows of units."))
        return [], 0
    if progress:
        progress(0, total)

    checks = _Checks(header, building)
    rows: list[UnitRow] = []
    for start in range(0, total, CHUNK_ROWS):
        errors: list[tuple[int, int, str, str]] = []  # (row, column order, column, message)
        rows.extend(checks.chunk(records[start : start + CHUNK_ROWS], errors))
        errors.sort(key=lambda e: (e[0], e[1]))
        for number, _order, column, message in errors:
            report.add(number, column, message)
        if progress:
            progress(min(start + CHUNK_ROWS, total), total)
    if checks.point_positions:
        _check_spread(rows, "x" if "x" in checks.point_positions else "lat", report)
    return rows, total


class _Checks:
    """The checks of `_check_rows`, column by column over a chunk of rows: a value that
    repeats (postcodes, floors, entrances, letters) is checked once."""

    def __init__(self, header: csvfile.Header, building: Building):
        self.width = max(header.positions.values()) + 1
        self.header_width = header.width
        self.positions = {name: header.positions.get(name) for name in COLUMNS}
        self.point_positions = {n: i for n, i in header.positions.items() if n in POINT_COLUMNS}
        self.order = {name: i for i, name in enumerate(REPORT_COLUMNS)}
        self.order[""] = -1
        self.top_floor = building.floors - 1
        self.entrances = list(building.entrances or [])
        self.entrance_set = set(self.entrances)
        self.entrances_text = ", ".join(self.entrances) or _("none")
        self.seen_bag: dict[str, int] = {}
        self.seen_address: dict[tuple, int] = {}
        # Distinct values checked once: value -> (parsed, message or None).
        self.postcodes: dict[str, tuple[str, str | None]] = {}
        self.letters: dict[str, tuple[str, str | None]] = {}
        self.additions: dict[str, tuple[str, str | None]] = {}
        self.floors: dict[str, tuple[int, str | None]] = {}
        self.entrance_messages: dict[str, tuple[str, str | None]] = {}

    def chunk(self, records: list[tuple[int, list[str]]], errors: list) -> list[UnitRow]:
        order = self.order
        bad: set[int] = set()  # positions in `checked` with an error

        def add(k: int, column: str, message: str) -> None:
            bad.add(k)
            errors.append((numbers[k], order[column], column, message))

        width, header_width = self.width, self.header_width
        checked = [record for record in records if len(record[1]) == header_width]
        for number, fields in records if len(checked) < len(records) else ():
            if len(fields) == header_width:
                continue
            if len(fields) < width or (
                len(fields) > header_width and any(f.strip() for f in fields[header_width:])
            ):
                errors.append(
                    (
                        number,
                        -1,
                        "",
                        _("This row has %(found)s fields; the header has %(expected)s.")
                        % {"found": len(fields), "expected": header_width},
                    )
                )
            else:
                checked.append((number, fields))
        if len(checked) < len(records) and checked:
            checked.sort(key=lambda record: record[0])  # the rows in the file's order
        numbers = [number for number, _fields in checked]
        n = len(checked)
        empty = [""] * n
        columns = {
            name: [f[i].strip() for _number, f in checked] if i is not None else empty
            for name, i in self.positions.items()
        }
        points = {
            name: [f[i].strip() for _number, f in checked]
            for name, i in self.point_positions.items()
        }

        # Too long: the row's other checks are left out (their messages would mislead).
        for name, values in (*columns.items(), *points.items()):
            limit = MAX_LENGTH[name]
            for k in [k for k, v in enumerate(values) if len(v) > limit]:
                add(
                    k,
                    name,
                    ngettext(
                        "Too long: at most %(max)s character, not %(length)s.",
                        "Too long: at most %(max)s characters, not %(length)s.",
                        limit,
                    )
                    % {"max": limit, "length": len(values[k])},
                )
        too_long = set(bad)

        bag_ids = columns["bag_id"]
        for k in [
            k
            for k, v in enumerate(bag_ids)
            if v and not (len(v) == 16 and v.isascii() and v.isdigit())
        ]:
            if k in too_long:
                continue
            value = bag_ids[k]
            if value.isascii() and value.isdigit():
                add(
                    k,
                    "bag_id",
                    _(
                        "A BAG id has exactly 16 digits; “%(value)s” has %(count)s. Did a "
                        "spreadsheet program remove leading zeros?"
                    )
                    % {"value": value, "count": len(value)},
                )
            else:
                add(
                    k,
                    "bag_id",
                    _("“%(value)s” is not a BAG id: a BAG id has exactly 16 digits.")
                    % {"value": value},
                )

        postcodes = self._each(columns["postcode"], self.postcodes, self._postcode)
        letters = self._each(columns["house_letter"], self.letters, self._letter)
        additions = self._each(columns["house_number_addition"], self.additions, self._addition)
        floors = self._each(columns["floor"], self.floors, self._floor)
        entrances = columns["entrance"]
        checked_entrances = self._each(entrances, self.entrance_messages, self._entrance)
        for name, parsed, known in (
            ("postcode", postcodes, self.postcodes),
            ("house_letter", letters, self.letters),
            ("house_number_addition", additions, self.additions),
            ("floor", floors, self.floors),
            ("entrance", checked_entrances, self.entrance_messages),
        ):
            if not any(message for _value, message in known.values()):
                continue  # no value of this column is wrong (the usual case)
            for k, (_value, message) in enumerate(parsed):
                if message is not None and k not in too_long:
                    add(k, name, message)

        house_numbers = columns["house_number"]
        parsed_numbers = [
            int(v) if v.isascii() and v.isdigit() and 1 <= len(v) <= 5 else 0 for v in house_numbers
        ]
        for k in [k for k, v in enumerate(parsed_numbers) if not v]:
            if k not in too_long:
                add(k, "house_number", self._house_number(house_numbers[k]))

        row_points: list = [None] * n
        if points:
            for k in range(n):
                if k in too_long:
                    continue
                values = {name: points[name][k] for name in points}
                point = _row_point(numbers[k], values, lambda _n, c, m, k=k: add(k, c, m))
                row_points[k] = point

        rows = []
        seen_bag, seen_address = self.seen_bag, self.seen_address
        for k in range(n):
            if k in bad:
                continue
            number = numbers[k]
            bag_id = bag_ids[k] or None
            if bag_id is not None:
                if (first := seen_bag.get(bag_id)) is not None:
                    add(
                        k,
                        "bag_id",
                        _("BAG id %(bag_id)s also appears in row %(row)s.")
                        % {"bag_id": bag_id, "row": first},
                    )
                    continue
                seen_bag[bag_id] = number
            key = (postcodes[k][0], parsed_numbers[k], letters[k][0], additions[k][0])
            if (first := seen_address.get(key)) is not None:
                add(
                    k,
                    "house_number",
                    _("The address %(address)s also appears in row %(row)s.")
                    % {"address": address_text(*key), "row": first},
                )
                continue
            seen_address[key] = number
            point = row_points[k]
            rows.append(
                UnitRow(number, bag_id, *key, floors[k][0], entrances[k], *(point or (None, None)))
            )
        return rows

    @staticmethod
    def _each(values: list[str], known: dict, check) -> list[tuple]:
        """`check(value)` for each value, once per distinct value."""
        for value in set(values) - known.keys():
            known[value] = check(value)
        return [known[v] for v in values]

    @staticmethod
    def _postcode(value: str) -> tuple[str, str | None]:
        if not value:
            return "", _("A postcode is required.")
        postcode = parse_postcode(value)
        if not postcode:
            return "", _("“%(value)s” is not a Dutch postcode such as 3521AB.") % {"value": value}
        return postcode, None

    @staticmethod
    def _letter(value: str) -> tuple[str, str | None]:
        letter = value.upper()
        if letter and not LETTER_RE.fullmatch(letter):
            return "", _("“%(value)s” is not a house letter: use one letter from A to Z.") % {
                "value": value
            }
        return letter, None

    @staticmethod
    def _addition(value: str) -> tuple[str, str | None]:
        addition = value.upper()
        if addition and not ADDITION_RE.fullmatch(addition):
            return "", _("“%(value)s” is not an addition: use letters and digits only.") % {
                "value": value
            }
        return addition, None

    def _floor(self, value: str) -> tuple[int, str | None]:
        if len(value) > MAX_LENGTH["floor"]:
            return 0, None  # reported as too long
        if not value:
            return 0, _("A floor is required: 0 is the ground floor.")
        if not FLOOR_RE.fullmatch(value):
            return 0, _(
                "“%(value)s” is not a floor number: use 0 for the ground floor and -1 for "
                "the first basement."
            ) % {"value": value}
        floor = int(value)
        if not MIN_FLOOR <= floor <= self.top_floor:
            return 0, _(
                "Floor %(floor)s is outside this building: its floors run from %(min)s to %(max)s."
            ) % {"floor": floor, "min": MIN_FLOOR, "max": self.top_floor}
        return floor, None

    def _entrance(self, value: str) -> tuple[str, str | None]:
        if not value and self.entrances:
            return value, _("An entrance is required: one of %(entrances)s.") % {
                "entrances": self.entrances_text
            }
        if value and value not in self.entrance_set:
            return value, _(
                "“%(value)s” is not one of this building's entrances (%(entrances)s)."
            ) % {"value": value, "entrances": self.entrances_text}
        return value, None

    @staticmethod
    def _house_number(value: str) -> str:
        if not value:
            return _("A house number is required.")
        if not (value.isascii() and value.isdigit()):
            return _(
                "“%(value)s” is not a house number: use digits only, and put letters in "
                "house_letter or house_number_addition."
            ) % {"value": value}
        return _("A house number lies between 1 and 99999.")


# --- Checking against the database and writing ----------------------------------------------


def _chunks(items: list, size: int = 2000):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# What the database holds of a unit, as the checks read it.
_HELD = (
    "id",
    "building_id",
    "bag_id",
    "postcode",
    "house_number",
    "house_letter",
    "house_number_addition",
    "floor",
    "entrance",
)


def _held_units(building: Building, rows: list[UnitRow], *, bag_ids: bool) -> list[tuple]:
    """The building's units and every unit elsewhere at a postcode of the file and, with
    `bag_ids`, with a BAG id of the file (`_HELD` tuples): on PostgreSQL one query,
    elsewhere in chunks (SQLite takes at most 999 parameters a statement)."""
    postcodes = sorted({r.postcode for r in rows})
    bags = sorted({r.bag_id for r in rows if r.bag_id}) if bag_ids else []
    if connection.vendor == "postgresql":
        columns = ", ".join(f'"{Unit._meta.get_field(n).column}"' for n in _HELD)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT {columns} FROM "{Unit._meta.db_table}" '
                "WHERE building_id = %s OR postcode = ANY(%s)"
                + (" OR bag_id = ANY(string_to_array(%s, ','))" if bags else ""),
                [building.pk, postcodes, *([",".join(bags)] if bags else [])],
            )
            return cursor.fetchall()
    held = {
        u[0]: u for u in Unit.objects.filter(building_id=building.pk).order_by().values_list(*_HELD)
    }
    for chunk in _chunks(bags):
        held.update(
            (u[0], u) for u in Unit.objects.filter(bag_id__in=chunk).order_by().values_list(*_HELD)
        )
    for chunk in _chunks(postcodes, 500):
        held.update(
            (u[0], u)
            for u in Unit.objects.filter(postcode__in=chunk).order_by().values_list(*_HELD)
        )
    return list(held.values())


def _copy_plan() -> tuple[str, str]:
    """The COPY statement for new units and the text of the columns the import does not
    fill (their model defaults, so that a new field with a default needs no change here)."""
    given = ("building_id", *_HELD[2:], "created_at", "updated_at")
    rest = [f for f in Unit._meta.concrete_fields if not f.primary_key and f.attname not in given]
    columns = ", ".join(f'"{Unit._meta.get_field(n).column}"' for n in given)
    columns += "".join(f', "{f.column}"' for f in rest)
    tail = "".join("\t" + _copy_text(f.get_db_prep_save(f.get_default(), connection)) for f in rest)
    return f'COPY "{Unit._meta.db_table}" ({columns}) FROM STDIN', tail


NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES)


def _copy_units(building: Building, rows: list[UnitRow], now) -> None:
    """Write new units with COPY (PostgreSQL), in the caller's transaction. A unique
    constraint the checks could not foresee (a unit added meanwhile) raises
    `IntegrityError`, as `bulk_create` would."""
    import psycopg

    statement, tail = _copy_plan()
    stamp = "\t" + now.isoformat()
    stamps = stamp + stamp + tail
    prefix = f"{building.pk}\t"
    entrances = {e: _copy_text(e) for e in {r.entrance for r in rows}}
    try:
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for chunk in _chunks(rows, 5000):
                copy.write(
                    "".join(
                        [
                            f"{prefix}{r.bag_id or NULL}\t{r.postcode}\t{r.house_number}\t"
                            f"{r.house_letter}\t{r.house_number_addition}\t{r.floor}\t"
                            f"{entrances[r.entrance]}{stamps}\n"
                            for r in chunk
                        ]
                    )
                )
    except psycopg.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc


def _match(
    building: Building, rows: list[UnitRow], held: list[tuple], now
) -> tuple[list[tuple[int, str, str]], list[UnitRow], list[Unit]]:
    """Rows to units: the errors (row, column, message), the rows of new units and the
    changed units."""
    mine = [u for u in held if u[1] == building.pk]
    by_bag = {u[2]: u for u in mine if u[2]}
    by_address = {u[3:7]: u for u in mine}
    elsewhere_bag = {u[2] for u in held if u[1] != building.pk and u[2]}
    elsewhere_address = {u[3:7] for u in held if u[1] != building.pk}

    errors: list[tuple[int, str, str]] = []
    matched: dict[int, int] = {}  # unit id -> row number
    to_create: list[UnitRow] = []
    to_update: list[Unit] = []
    for r in rows:
        key = r.address_key
        if r.bag_id and r.bag_id in elsewhere_bag:
            errors.append(
                (
                    r.row,
                    "bag_id",
                    _("BAG id %(bag_id)s belongs to a unit of another building.")
                    % {"bag_id": r.bag_id},
                )
            )
            continue
        if key in elsewhere_address:
            errors.append(
                (
                    r.row,
                    "house_number",
                    _("The address %(address)s belongs to a unit of another building.")
                    % {"address": address_text(*key)},
                )
            )
            continue
        unit = by_bag.get(r.bag_id) if r.bag_id else None
        holder = by_address.get(key)
        if unit is None and holder is not None:
            if r.bag_id and holder[2] and holder[2] != r.bag_id:
                errors.append(
                    (
                        r.row,
                        "bag_id",
                        _(
                            "The address %(address)s has BAG id %(known)s in this building, "
                            "not %(bag_id)s."
                        )
                        % {"address": address_text(*key), "known": holder[2], "bag_id": r.bag_id},
                    )
                )
                continue
            unit = holder
        elif unit is not None and holder is not None and holder[0] != unit[0]:
            errors.append(
                (
                    r.row,
                    "house_number",
                    _("The address %(address)s belongs to another unit of this building.")
                    % {"address": address_text(*key)},
                )
            )
            continue
        if unit is None:
            to_create.append(r)
            continue
        if (first := matched.get(unit[0])) is not None:
            errors.append(
                (
                    r.row,
                    "",
                    _("This row describes the same unit as row %(row)s.") % {"row": first},
                )
            )
            continue
        matched[unit[0]] = r.row
        new = (
            r.bag_id or unit[2],
            r.postcode,
            r.house_number,
            r.house_letter,
            r.house_number_addition,
            r.floor,
            r.entrance,
        )
        if new != unit[2:]:
            to_update.append(Unit(pk=unit[0], building_id=building.pk, updated_at=now))
            (
                to_update[-1].bag_id,
                to_update[-1].postcode,
                to_update[-1].house_number,
                to_update[-1].house_letter,
                to_update[-1].house_number_addition,
                to_update[-1].floor,
                to_update[-1].entrance,
            ) = new
    return errors, to_create, to_update


def _write(
    building: Building,
    rows: list[UnitRow],
    report: jobs.JobErrors,
    result: UnitImportResult,
    *,
    thorough: bool = False,
) -> bool:
    """Match rows to units, check what only the database knows, then write (or not):
    changed units with `bulk_update`, new ones with COPY on PostgreSQL (`bulk_create`
    elsewhere).

    Checking a BAG id against every other building's units would look up each row's BAG
    id; the unique constraint checks the same during the write. So the BAG ids are looked
    up only when `thorough` (the second attempt, after the write met the constraint) or
    when the file has other errors (so that the report names every row).

    Runs inside the import's transaction with the building row locked, so two imports
    of one building cannot interleave.
    """
    now = timezone.now()
    thorough = thorough or bool(report.count)  # a report already: nothing is written
    held = _held_units(building, rows, bag_ids=thorough)
    errors, to_create, to_update = _match(building, rows, held, now)
    if errors and not thorough:
        held = _held_units(building, rows, bag_ids=True)
        errors, to_create, to_update = _match(building, rows, held, now)
    for error in errors:
        report.add(*error)
    if report.count:
        return False
    if to_update:
        # Before the new units: an address or BAG id a unit gives up is free for them.
        Unit.objects.bulk_update(to_update, UPDATE_FIELDS, batch_size=500)
    if to_create and connection.vendor == "postgresql":
        _copy_units(building, to_create, now)
    elif to_create:
        Unit.objects.bulk_create(
            [
                Unit(
                    building_id=building.pk,
                    bag_id=r.bag_id,
                    postcode=r.postcode,
                    house_number=r.house_number,
                    house_letter=r.house_letter,
                    house_number_addition=r.house_number_addition,
                    floor=r.floor,
                    entrance=r.entrance,
                    created_at=now,
                    updated_at=now,
                )
                for r in to_create
            ],
            batch_size=1000,
        )
    if to_create or to_update:
        selectors.FLOOR_PLANS.changed()  # written without signals: every process forgets its plans
    result.point = _set_point(building, rows)
    result.created = len(to_create)
    result.updated = len(to_update)
    result.unchanged = len(rows) - result.created - result.updated
    return True


def _set_point(building: Building, rows: list[UnitRow]) -> tuple[Decimal, Decimal] | None:
    """The building's point: the centroid of the file's unit points (none: unchanged).
    A save, so that the buildings kept per process are forgotten (places/apps.py)."""
    points = [(r.latitude, r.longitude) for r in rows if r.latitude is not None]
    if not points:
        return None
    building.latitude = as_coordinate(sum(p[0] for p in points) / len(points))
    building.longitude = as_coordinate(sum(p[1] for p in points) / len(points))
    building.save(update_fields=["latitude", "longitude", "updated_at"])
    return building.latitude, building.longitude


def _import(
    building: Building,
    content: bytes,
    *,
    progress: Progress | None = None,
    on_success: Callable[[UnitImportResult], None] | None = None,
    report: jobs.JobErrors | None = None,
) -> UnitImportResult:
    """Check every row (outside any transaction, so progress is visible), then check
    against the database and write in one transaction. Messages in the active language.
    """
    report = report if report is not None else _new_report()
    result = UnitImportResult()
    text = _decode(content, report)
    header = _header(text, report) if text is not None else None
    rows: list[UnitRow] = []
    if header is not None:
        rows, result.total_rows = _check_rows(text, header, building, report, progress)
    if rows:
        # A BAG id held elsewhere shows as the unique constraint failing (see `_write`):
        # then once more, looking the BAG ids up, for the rows to name.
        for thorough in (False, True):
            try:
                with transaction.atomic():
                    Building.objects.select_for_update().filter(pk=building.pk).first()
                    if (
                        _write(building, rows, report, result, thorough=thorough)
                        and on_success is not None
                    ):
                        on_success(result)
                break
            except IntegrityError:
                if not thorough:
                    continue
                # A unit changed between the checks and the write (another import, an edit).
                report.add(
                    None,
                    "",
                    _(
                        "The units of this building changed during the import. Nothing was "
                        "imported; please upload the file again."
                    ),
                )
    result.errors = report.report()
    result.error_count = report.count
    if not result.ok:
        result.created = result.updated = result.unchanged = 0
        result.point = None
    return result


# --- Interfaces ------------------------------------------------------------------------------


def units_import(
    *, actor: Viewer, building_id: int, content: bytes, language: str = "nl"
) -> UnitImportResult:
    """Import units from CSV bytes now, in this process (commands, the demo).

    Needs `places.import_units` in the building's owner organisation. Returns the
    result; when `result.ok` is false, `result.errors` says per row what is wrong (in
    `language`) and nothing was changed.
    """
    building = selectors.building_get_for_change(
        viewer=actor, id=building_id, permission=selectors.IMPORT_UNITS
    )
    jobs.check_language(language)
    with translation.override(language):
        result = _import(building, content)
    _log(actor, building, result)
    return result


def units_job(run: jobs.JobRun) -> None:
    """The runner of a unit import job (kind "units", see `core.jobs`).

    Progress (`total_rows`, `processed_rows`) is committed while rows are checked; the
    units and the succeeded job are committed together, or the job fails with its per-row
    report and no unit changed. The permission was checked when the job was started
    (`services.units_import_start`).
    """
    job = run.job
    run.set_columns(REPORT_COLUMNS)
    building = Building.objects.filter(pk=job.target_id).first()
    if building is None:
        run.errors.add(None, "", _("The building is gone."))
        run.fail(total_rows=0)
        return

    def succeeded(result: UnitImportResult) -> None:
        run.succeed(total_rows=result.total_rows, created=result.created, updated=result.updated)

    result = _import(
        building, bytes(job.content), progress=run.progress, on_success=succeeded, report=run.errors
    )
    if not result.ok:
        run.fail(total_rows=result.total_rows)
    _log(
        Viewer(user_id=job.created_by_id, label=job.created_by_label, origin="task"),
        building,
        result,
        job_id=job.pk,
    )


def _log(viewer: Viewer, building: Building | None, result: UnitImportResult, **extra) -> None:
    log_event(
        "units_import",
        actor=viewer.label,
        action="import",
        object=f"places.building:{building.pk if building else ''}",
        result="imported" if result.ok else "rejected",
        origin=viewer.origin,
        rows=result.total_rows,
        created_count=result.created,
        updated_count=result.updated,
        error_count=result.error_count,
        point_set=result.point is not None,
        **extra,
    )
