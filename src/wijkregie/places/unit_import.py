"""The CSV unit import (BAG extract or housing-ERP export): every row checked, then all or
nothing.

The file
  - UTF-8, with or without a byte-order mark (what "CSV UTF-8" in a spreadsheet program
    writes). Other encodings are refused with a message saying how to save the file:
    Windows-1252 would decode *any* bytes, so accepting it would turn a file in the wrong
    encoding into wrong addresses instead of a clear error. Plain-ASCII files (the usual
    BAG extract) are UTF-8 anyway.
  - A header row naming the columns, in any order, case-insensitive; other columns are
    ignored. Required: bag_id, postcode, house_number, floor, entrance; optional:
    house_letter, house_number_addition, and the unit's point: x, y (RD, EPSG:28992, in
    metres, as a BAG extract gives the verblijfsobject's point; also named rd_x, rd_y)
    and/or lat, lon (WGS84 degrees). Separated by "," or ";" (what a Dutch Excel writes)
    or a tab: the separator is the one that makes the header name the required columns.
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

Nothing is half-imported: the rows are first checked (in chunks, reporting progress),
then checked against the database and written in one transaction with bulk statements.
A re-import updates units matched by BAG id, else by address, instead of adding them
again. An empty BAG id in the file never erases a known one.

When the file gives points, a successful import sets the building's point
(`Building.latitude`/`longitude`, what an Open311 lat/long resolves to) to their centroid.
Only the building's point is stored: a unit's point is never kept nor published.
"""

import csv
import io
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wijkregie.core import jobs
from wijkregie.core.access import Viewer
from wijkregie.core.logging import log_event
from wijkregie.places import selectors
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
DELIMITERS = (",", ";", "\t")
CHUNK_ROWS = 2000  # rows checked between two progress updates
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
    return _("The file is larger than the maximum of %(max)s.") % {
        "max": filesizeformat(settings.WIJKREGIE_IMPORT_MAX_BYTES)
    }


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
    if not content.strip():
        report.add(None, "", _("The file is empty."))
        return None
    if len(content) > settings.WIJKREGIE_IMPORT_MAX_BYTES:
        report.add(None, "", too_large_message())
        return None
    message = _(
        "The file is not encoded as UTF-8. Save it as “CSV UTF-8” in your spreadsheet "
        "program and upload it again."
    )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4096]:
        report.add(None, "", message)  # UTF-16, as some programs write "Unicode text"
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.add(content[: exc.start].count(b"\n") + 1, "", message)
        return None


class Header(NamedTuple):
    delimiter: str
    positions: dict[str, int]  # column name -> index
    width: int  # number of fields in the header


def _first_line(text: str) -> str:
    return text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")


def _header(text: str, report: jobs.JobErrors) -> Header | None:
    """The delimiter and the position of each known column, from the first line."""
    first_line = _first_line(text)
    parsed = {
        d: [name.strip().lower() for name in next(csv.reader([first_line], delimiter=d), [])]
        for d in DELIMITERS
    }
    delimiter = next(
        (d for d in DELIMITERS if set(REQUIRED_COLUMNS) <= set(parsed[d])),
        max(DELIMITERS, key=lambda d: len(parsed[d])),
    )
    names = [ALIASES.get(name, name) for name in parsed[delimiter]]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        report.add(
            1,
            "",
            _(
                "Missing columns: %(missing)s. The first row must name the columns "
                "%(expected)s, separated by commas or semicolons."
            )
            % {"missing": ", ".join(missing), "expected": ", ".join(COLUMNS)},
        )
        return None
    known = (*COLUMNS, *POINT_COLUMNS)
    duplicates = sorted({n for n in names if n in known and names.count(n) > 1})
    if duplicates:
        report.add(
            1,
            "",
            _("These columns appear more than once: %(columns)s.")
            % {"columns": ", ".join(duplicates)},
        )
        return None
    for pair in (("x", "y"), ("lat", "lon")):
        if (pair[0] in names) != (pair[1] in names):
            report.add(
                1,
                "",
                _("The columns %(first)s and %(second)s go together: give both or neither.")
                % {"first": pair[0], "second": pair[1]},
            )
            return None
    return Header(
        delimiter, {name: names.index(name) for name in known if name in names}, len(names)
    )


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
    header: Header,
    building: Building,
    report: jobs.JobErrors,
    progress: Progress | None,
) -> tuple[list[UnitRow], int]:
    """Every row checked on its own and against the other rows of the file."""
    records = []
    reader = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=header.delimiter)
    try:
        next(reader)
        for number, fields in enumerate(reader, start=2):
            if any(f.strip() for f in fields):
                records.append((number, fields))
    except csv.Error as exc:
        report.add(
            reader.line_num,
            "",
            _("The file cannot be read as CSV from this row on: %(detail)s")
            % {"detail": str(exc)[:200]},
        )
        return [], len(records)
    total = len(records)
    if total == 0:
        report.add(None, "", _("The file has a header but no rows of units."))
        return [], 0
    if progress:
        progress(0, total)

    width = max(header.positions.values()) + 1
    header_width = header.width
    top_floor = building.floors - 1
    entrances = list(building.entrances or [])
    entrance_set = set(entrances)
    entrances_text = ", ".join(entrances) or _("none")
    get = {name: header.positions.get(name) for name in COLUMNS}
    point_get = {n: i for n, i in header.positions.items() if n in POINT_COLUMNS}
    seen_bag: dict[str, int] = {}
    seen_address: dict[tuple, int] = {}
    rows: list[UnitRow] = []
    add = report.add

    for start in range(0, total, CHUNK_ROWS):
        for number, fields in records[start : start + CHUNK_ROWS]:
            if len(fields) < width or (
                len(fields) > header_width and any(f.strip() for f in fields[header_width:])
            ):
                add(
                    number,
                    "",
                    _("This row has %(found)s fields; the header has %(expected)s.")
                    % {"found": len(fields), "expected": header_width},
                )
                continue
            values = {name: (fields[i].strip() if i is not None else "") for name, i in get.items()}
            point_values = {name: fields[i].strip() for name, i in point_get.items()}
            bad = False
            for name, value in (*values.items(), *point_values.items()):
                if len(value) > MAX_LENGTH[name]:
                    add(
                        number,
                        name,
                        ngettext(
                            "Too long: at most %(max)s character, not %(length)s.",
                            "Too long: at most %(max)s characters, not %(length)s.",
                            MAX_LENGTH[name],
                        )
                        % {"max": MAX_LENGTH[name], "length": len(value)},
                    )
                    bad = True
            if bad:
                continue

            bag_id = values["bag_id"] or None
            if bag_id is not None and not BAG_ID_RE.fullmatch(bag_id):
                bad = True
                if DIGITS_RE.fullmatch(bag_id):
                    add(
                        number,
                        "bag_id",
                        _(
                            "A BAG id has exactly 16 digits; “%(value)s” has %(count)s. Did a "
                            "spreadsheet program remove leading zeros?"
                        )
                        % {"value": bag_id, "count": len(bag_id)},
                    )
                else:
                    add(
                        number,
                        "bag_id",
                        _("“%(value)s” is not a BAG id: a BAG id has exactly 16 digits.")
                        % {"value": bag_id},
                    )

            postcode = parse_postcode(values["postcode"])
            if not values["postcode"].strip():
                add(number, "postcode", _("A postcode is required."))
                bad = True
            elif not postcode:
                add(
                    number,
                    "postcode",
                    _("“%(value)s” is not a Dutch postcode such as 3521AB.")
                    % {"value": values["postcode"]},
                )
                bad = True

            raw_number = values["house_number"]
            house_number = 0
            if not raw_number:
                add(number, "house_number", _("A house number is required."))
                bad = True
            elif not DIGITS_RE.fullmatch(raw_number):
                add(
                    number,
                    "house_number",
                    _(
                        "“%(value)s” is not a house number: use digits only, and put letters "
                        "in house_letter or house_number_addition."
                    )
                    % {"value": raw_number},
                )
                bad = True
            else:
                house_number = int(raw_number)
                if not 1 <= house_number <= 99999:
                    add(number, "house_number", _("A house number lies between 1 and 99999."))
                    bad = True

            letter = values["house_letter"].upper()
            if letter and not LETTER_RE.fullmatch(letter):
                add(
                    number,
                    "house_letter",
                    _("“%(value)s” is not a house letter: use one letter from A to Z.")
                    % {"value": values["house_letter"]},
                )
                bad = True
            addition = values["house_number_addition"].upper()
            if addition and not ADDITION_RE.fullmatch(addition):
                add(
                    number,
                    "house_number_addition",
                    _("“%(value)s” is not an addition: use letters and digits only.")
                    % {"value": values["house_number_addition"]},
                )
                bad = True

            raw_floor = values["floor"]
            floor = 0
            if not raw_floor:
                add(number, "floor", _("A floor is required: 0 is the ground floor."))
                bad = True
            elif not FLOOR_RE.fullmatch(raw_floor):
                add(
                    number,
                    "floor",
                    _(
                        "“%(value)s” is not a floor number: use 0 for the ground floor and "
                        "-1 for the first basement."
                    )
                    % {"value": raw_floor},
                )
                bad = True
            else:
                floor = int(raw_floor)
                if not MIN_FLOOR <= floor <= top_floor:
                    add(
                        number,
                        "floor",
                        _(
                            "Floor %(floor)s is outside this building: its floors run from "
                            "%(min)s to %(max)s."
                        )
                        % {"floor": floor, "min": MIN_FLOOR, "max": top_floor},
                    )
                    bad = True

            entrance = values["entrance"]
            if not entrance and entrances:
                add(
                    number,
                    "entrance",
                    _("An entrance is required: one of %(entrances)s.")
                    % {"entrances": entrances_text},
                )
                bad = True
            elif entrance and entrance not in entrance_set:
                add(
                    number,
                    "entrance",
                    _("“%(value)s” is not one of this building's entrances (%(entrances)s).")
                    % {"value": entrance, "entrances": entrances_text},
                )
                bad = True

            point = _row_point(number, point_values, add) if point_get else None
            if point is False:
                bad = True

            if bag_id is not None and not bad:
                if (first := seen_bag.get(bag_id)) is not None:
                    add(
                        number,
                        "bag_id",
                        _("BAG id %(bag_id)s also appears in row %(row)s.")
                        % {"bag_id": bag_id, "row": first},
                    )
                    bad = True
                else:
                    seen_bag[bag_id] = number
            if bad:
                continue
            key = (postcode, house_number, letter, addition)
            if (first := seen_address.get(key)) is not None:
                add(
                    number,
                    "house_number",
                    _("The address %(address)s also appears in row %(row)s.")
                    % {"address": address_text(*key), "row": first},
                )
                continue
            seen_address[key] = number
            rows.append(
                UnitRow(
                    number,
                    bag_id,
                    postcode,
                    house_number,
                    letter,
                    addition,
                    floor,
                    entrance,
                    *(point or (None, None)),
                )
            )
        if progress:
            progress(min(start + CHUNK_ROWS, total), total)
    if point_get:
        _check_spread(rows, "x" if "x" in point_get else "lat", report)
    return rows, total


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


def _held_units(building: Building, rows: list[UnitRow]) -> list[tuple]:
    """The building's units, and every unit elsewhere with a BAG id or a postcode of the
    file (`_HELD` tuples): on PostgreSQL one query with arrays, elsewhere in chunks (SQLite
    takes at most 999 parameters a statement)."""
    bag_ids = sorted({r.bag_id for r in rows if r.bag_id})
    postcodes = sorted({r.postcode for r in rows})
    if connection.vendor == "postgresql":
        columns = ", ".join(f'"{Unit._meta.get_field(n).column}"' for n in _HELD)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT {columns} FROM "{Unit._meta.db_table}" '
                "WHERE building_id = %s OR bag_id = ANY(%s) OR postcode = ANY(%s)",
                [building.pk, bag_ids, postcodes],
            )
            return cursor.fetchall()
    held = {
        u[0]: u for u in Unit.objects.filter(building_id=building.pk).order_by().values_list(*_HELD)
    }
    for chunk in _chunks(bag_ids):
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


def _write(
    building: Building, rows: list[UnitRow], report: jobs.JobErrors, result: UnitImportResult
) -> bool:
    """Match rows to units, check what only the database knows, then write (or not):
    new units with COPY on PostgreSQL (`bulk_create` elsewhere), changed ones with
    `bulk_update`.

    Runs inside the import's transaction with the building row locked, so two imports
    of one building cannot interleave.
    """
    held = _held_units(building, rows)
    mine = [u for u in held if u[1] == building.pk]
    by_bag = {u[2]: u for u in mine if u[2]}
    by_address = {u[3:7]: u for u in mine}
    elsewhere_bag = {u[2] for u in held if u[1] != building.pk and u[2]}
    elsewhere_address = {u[3:7] for u in held if u[1] != building.pk}

    now = timezone.now()
    matched: dict[int, int] = {}  # unit id -> row number
    to_create: list[UnitRow] = []
    to_update: list[Unit] = []
    for r in rows:
        key = r.address_key
        if r.bag_id and r.bag_id in elsewhere_bag:
            report.add(
                r.row,
                "bag_id",
                _("BAG id %(bag_id)s belongs to a unit of another building.")
                % {"bag_id": r.bag_id},
            )
            continue
        if key in elsewhere_address:
            report.add(
                r.row,
                "house_number",
                _("The address %(address)s belongs to a unit of another building.")
                % {"address": address_text(*key)},
            )
            continue
        unit = by_bag.get(r.bag_id) if r.bag_id else None
        holder = by_address.get(key)
        if unit is None and holder is not None:
            if r.bag_id and holder[2] and holder[2] != r.bag_id:
                report.add(
                    r.row,
                    "bag_id",
                    _(
                        "The address %(address)s has BAG id %(known)s in this building, "
                        "not %(bag_id)s."
                    )
                    % {"address": address_text(*key), "known": holder[2], "bag_id": r.bag_id},
                )
                continue
            unit = holder
        elif unit is not None and holder is not None and holder[0] != unit[0]:
            report.add(
                r.row,
                "house_number",
                _("The address %(address)s belongs to another unit of this building.")
                % {"address": address_text(*key)},
            )
            continue
        if unit is None:
            to_create.append(r)
            continue
        if (first := matched.get(unit[0])) is not None:
            report.add(
                r.row,
                "",
                _("This row describes the same unit as row %(row)s.") % {"row": first},
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
        try:
            with transaction.atomic():
                Building.objects.select_for_update().filter(pk=building.pk).first()
                if _write(building, rows, report, result) and on_success is not None:
                    on_success(result)
        except IntegrityError:
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
