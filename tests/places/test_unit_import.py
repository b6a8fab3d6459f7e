from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

import pytest
from django_tasks_db.models import DBTaskResult

from tests.places.factories import BuildingFactory, UnitFactory, units_csv
from wijkregie.core import jobs
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.models import Job
from wijkregie.places import services, unit_import
from wijkregie.places.models import Unit

HORIZON_ROWS = [
    ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
    ("0344010000000002", "3521 hz", 2, "a", "", 0, "A"),
    ("0344010000000003", "3521HZ", 3, "", "bis", 3, "B"),
    ("", "3521HZ", 4, "", "", -1, "B"),
]


def unit_values(building):
    return list(
        Unit.objects.filter(building=building)
        .order_by("house_number")
        .values_list(
            "bag_id",
            "postcode",
            "house_number",
            "house_letter",
            "house_number_addition",
            "floor",
            "entrance",
        )
    )


def run(manager, building, content, language="en"):
    return services.units_import(
        actor=manager, building_id=building.pk, content=content, language=language
    )


def start(manager, building, content, language="en", organisation_id=None):
    return services.units_import_start(
        actor=manager,
        organisation_id=organisation_id or building.owner_id,
        building_id=building.pk,
        file_name="eenheden.csv",
        content=content,
        language=language,
    )


# --- happy paths ----------------------------------------------------------------------


def test_units_import_creates_every_row_keeping_bag_ids_as_text(manager, building):
    result = run(manager, building, units_csv(HORIZON_ROWS))

    assert (result.ok, result.total_rows, result.created, result.updated) == (True, 4, 4, 0)
    assert result.errors == []
    assert unit_values(building) == [
        ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
        ("0344010000000002", "3521HZ", 2, "A", "", 0, "A"),
        ("0344010000000003", "3521HZ", 3, "", "BIS", 3, "B"),
        (None, "3521HZ", 4, "", "", -1, "B"),
    ]


@pytest.mark.parametrize(
    "case",
    ["semicolon", "tab", "bom", "crlf_and_blank_lines", "columns_in_other_order", "no_optional"],
)
def test_units_import_reads_the_usual_variants_of_a_csv_file(manager, building, case):
    rows = [("0344010000000001", "3521HZ", "1", "", "", "0", "A")]
    content = {
        "semicolon": units_csv(rows, delimiter=";"),
        "tab": units_csv(rows, delimiter="\t"),
        "bom": b"\xef\xbb\xbf" + units_csv(rows),
        "crlf_and_blank_lines": units_csv(rows) + b"\r\n,,,,,,\r\n , ,,,,,\r\n",
        "columns_in_other_order": b"Entrance,FLOOR,house_number,postcode,bag_id,remark\n"
        b"A,0,1,3521HZ,0344010000000001,corner flat\n",
        "no_optional": b"bag_id,postcode,house_number,floor,entrance\n"
        b"0344010000000001,3521HZ,1,0,A\n",
    }[case]

    result = run(manager, building, content)

    assert (result.ok, result.created, result.errors) == (True, 1, [])
    assert unit_values(building) == [("0344010000000001", "3521HZ", 1, "", "", 0, "A")]


def test_units_import_again_changes_nothing_and_duplicates_nothing(manager, building):
    run(manager, building, units_csv(HORIZON_ROWS))

    result = run(manager, building, units_csv(HORIZON_ROWS))

    assert (result.ok, result.created, result.updated, result.unchanged) == (True, 0, 0, 4)
    assert Unit.objects.count() == 4


def test_units_import_again_updates_units_matched_by_bag_id_then_by_address(manager, building):
    run(manager, building, units_csv(HORIZON_ROWS))
    ids = dict(Unit.objects.values_list("house_number", "pk"))
    changed = [
        ("0344010000000001", "3521HZ", 1, "", "", 2, "A"),  # moved floor (by BAG id)
        ("0344010000000002", "3521HZ", 12, "", "", 0, "A"),  # renumbered (by BAG id)
        ("0344010000000003", "3521HZ", 3, "", "BIS", 3, "B"),  # unchanged
        ("0344010000000004", "3521HZ", 4, "", "", -1, "B"),  # BAG id added (by address)
        ("0344010000000005", "3521HZ", 5, "", "", 1, "B"),  # new
    ]

    result = run(manager, building, units_csv(changed))

    assert (result.ok, result.created, result.updated, result.unchanged) == (True, 1, 3, 1)
    assert Unit.objects.count() == 5
    assert unit_values(building) == [
        ("0344010000000001", "3521HZ", 1, "", "", 2, "A"),
        ("0344010000000003", "3521HZ", 3, "", "BIS", 3, "B"),
        ("0344010000000004", "3521HZ", 4, "", "", -1, "B"),
        ("0344010000000005", "3521HZ", 5, "", "", 1, "B"),
        ("0344010000000002", "3521HZ", 12, "", "", 0, "A"),
    ]
    assert Unit.objects.get(bag_id="0344010000000002").pk == ids[2]
    assert Unit.objects.get(bag_id="0344010000000004").pk == ids[4]


def test_units_import_keeps_a_known_bag_id_when_the_file_has_none(manager, building):
    run(manager, building, units_csv(HORIZON_ROWS[:1]))

    result = run(manager, building, units_csv([("", "3521HZ", 1, "", "", 1, "A")]))

    assert (result.ok, result.updated) == (True, 1)
    assert unit_values(building) == [("0344010000000001", "3521HZ", 1, "", "", 1, "A")]


def test_units_import_runs_no_query_per_row(manager, owner_org):
    small = BuildingFactory(owner=owner_org, postcode="3521AA", floors=10, entrances=["A"])
    large = BuildingFactory(owner=owner_org, postcode="3521BB", floors=10, entrances=["A"])

    def rows(postcode, n, offset):
        return [
            (f"03440100{offset + i:08d}", postcode, i + 1, "", "", i % 10, "A") for i in range(n)
        ]

    with CaptureQueriesContext(connection) as small_queries:
        assert run(manager, small, units_csv(rows("3521AA", 10, 0))).created == 10
    with CaptureQueriesContext(connection) as large_queries:
        assert run(manager, large, units_csv(rows("3521BB", 600, 1000))).created == 600

    def split(queries):
        inserts = [q for q in queries if q["sql"].startswith("INSERT")]
        return len(queries) - len(inserts), len(inserts)

    small_other, small_inserts = split(small_queries.captured_queries)
    large_other, large_inserts = split(large_queries.captured_queries)
    assert small_other == large_other
    if connection.vendor == "postgresql":
        # One COPY, on the driver's cursor, which the capture does not see.
        assert (small_inserts, large_inserts) == (0, 0)
    else:
        # Bulk inserts: at least 85 rows a statement (SQLite's 999-parameter limit).
        assert small_inserts == 1
        assert large_inserts <= 600 // 85


def test_units_import_reports_progress_per_chunk(monkeypatch, building):
    monkeypatch.setattr(unit_import, "CHUNK_ROWS", 2)
    rows = [(f"03440100000000{i:02d}", "3521HZ", i, "", "", 0, "A") for i in range(1, 6)]
    calls = []

    result = unit_import._import(
        building, units_csv(rows), progress=lambda done, total: calls.append((done, total))
    )

    assert result.created == 5
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]


# --- COPY on PostgreSQL: new units in the import's transaction -----------------------------

original_held = unit_import._held_units
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is what the import uses on PostgreSQL only"
)


def copied_units(building):
    return list(
        Unit.objects.filter(building=building)
        .order_by("house_number")
        .values_list(
            "building_id",
            "bag_id",
            "postcode",
            "house_number",
            "house_letter",
            "house_number_addition",
            "floor",
            "entrance",
        )
    )


@on_postgresql
def test_units_import_copies_the_rows_exactly_as_imported(manager, building):
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        result = run(manager, building, units_csv(HORIZON_ROWS))

    assert (result.ok, result.created) == (True, 4)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert copied_units(building) == [
        (building.pk, "0344010000000001", "3521HZ", 1, "", "", 0, "A"),
        (building.pk, "0344010000000002", "3521HZ", 2, "A", "", 0, "A"),
        (building.pk, "0344010000000003", "3521HZ", 3, "", "BIS", 3, "B"),
        (building.pk, None, "3521HZ", 4, "", "", -1, "B"),
    ]
    stamps = set(Unit.objects.values_list("created_at", "updated_at"))
    assert len(stamps) == 1
    created, updated = stamps.pop()
    assert created == updated and before <= created <= timezone.now()
    # The ids come from the table's sequence: a unit made afterwards gets the next one.
    ids = sorted(Unit.objects.values_list("pk", flat=True))
    assert ids == list(range(ids[0], ids[0] + 4))
    assert UnitFactory(building=building, house_number=99, postcode="3521HZ").pk > ids[-1]


@on_postgresql
def test_units_import_copies_new_units_and_updates_known_ones_in_one_go(manager, building):
    run(manager, building, units_csv(HORIZON_ROWS[:2]))
    content = units_csv(
        [
            ("0344010000000001", "3521HZ", 1, "", "", 3, "B"),  # moved
            ("0344010000000005", "3521HZ", 5, "", "", 1, "A"),  # new
        ]
    )

    result = run(manager, building, content)

    assert (result.ok, result.created, result.updated, result.unchanged) == (True, 1, 1, 0)
    assert copied_units(building) == [
        (building.pk, "0344010000000001", "3521HZ", 1, "", "", 3, "B"),
        (building.pk, "0344010000000002", "3521HZ", 2, "A", "", 0, "A"),
        (building.pk, "0344010000000005", "3521HZ", 5, "", "", 1, "A"),
    ]


@on_postgresql
def test_units_import_with_copy_writes_nothing_when_the_last_row_fails(manager, building):
    rows = [(f"03440100000010{i:02d}", "3521HZ", i, "", "", 0, "A") for i in range(1, 50)]
    rows.append(("0344010000001050", "3521HZ", 50, "", "", 9, "A"))

    result = run(manager, building, units_csv(rows))

    assert as_tuples(result.errors) == [
        (51, "floor", "Floor 9 is outside this building: its floors run from -3 to 3.")
    ]
    assert (result.created, Unit.objects.count()) == (0, 0)


@on_postgresql
def test_units_import_rolls_back_everything_when_copy_meets_a_unit_added_meanwhile(
    monkeypatch, manager, building, owner_org
):
    # Another building gets BAG id …0003 after the checks ran (as a concurrent import would).
    elsewhere = BuildingFactory(owner=owner_org, postcode="3521AA")
    UnitFactory(building=elsewhere, bag_id="0344010000000003", postcode="3521AA", house_number=3)
    run(manager, building, units_csv(HORIZON_ROWS[:1]))
    monkeypatch.setattr(
        unit_import,
        "_held_units",
        lambda building, rows, **kwargs: [
            u for u in original_held(building, rows, **kwargs) if u[1] == building.pk
        ],
    )
    changed = [("0344010000000001", "3521HZ", 1, "", "", 2, "A"), *HORIZON_ROWS[1:]]

    result = run(manager, building, units_csv(changed))

    assert as_tuples(result.errors) == [
        (
            None,
            "",
            "The units of this building changed during the import. Nothing was imported; "
            "please upload the file again.",
        )
    ]
    assert (result.ok, result.created, result.updated, result.point) == (False, 0, 0, None)
    # The update of unit 1 went too: the whole import was rolled back.
    assert copied_units(building) == [
        (building.pk, "0344010000000001", "3521HZ", 1, "", "", 0, "A")
    ]
    assert Unit.objects.count() == 2


@on_postgresql
def test_units_import_job_with_copy_fails_whole_on_a_collision(
    monkeypatch, manager, building, owner_org
):
    elsewhere = BuildingFactory(owner=owner_org, postcode="3521HZ")
    UnitFactory(building=elsewhere, postcode="3521HZ", house_number=4)
    monkeypatch.setattr(unit_import, "_held_units", lambda building, rows, **kwargs: [])

    job = start(manager, building, units_csv(HORIZON_ROWS))

    assert (job.status, job.created_count, job.processed_rows) == (Job.Status.FAILED, 0, 4)
    assert [e["message"] for e in job.errors] == [
        "The units of this building changed during the import. Nothing was imported; "
        "please upload the file again."
    ]
    assert Unit.objects.filter(building=building).count() == 0


def test_units_import_finds_duplicates_across_chunks_and_reports_in_row_order(
    monkeypatch, manager, building
):
    monkeypatch.setattr(unit_import, "CHUNK_ROWS", 2)
    rows = [
        ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
        ("0344010000000002", "3521HZ", 2, "", "", 7, "Z"),  # floor and entrance
        ("0344010000000003", "3521HZ", 1, "", "", 0, "A"),  # row 2's address
        ("0344010000000001", "3521HZ", 4, "", "", 0, "A"),  # row 2's BAG id
        ("x", "3521HZ", "", "", "", 0, "A"),  # BAG id and house number
    ]

    result = run(manager, building, units_csv(rows))

    assert as_tuples(result.errors) == [
        (3, "floor", "Floor 7 is outside this building: its floors run from -3 to 3."),
        (3, "entrance", "“Z” is not one of this building's entrances (A, B)."),
        (4, "house_number", "The address 3521HZ 1 also appears in row 2."),
        (5, "bag_id", "BAG id 0344010000000001 also appears in row 2."),
        (6, "bag_id", "“x” is not a BAG id: a BAG id has exactly 16 digits."),
        (6, "house_number", "A house number is required."),
    ]
    assert Unit.objects.count() == 0


# --- bad input: a per-row report and nothing imported ---------------------------------------


BAD_FILES = {
    "wrong_delimiter": (
        b"bag_id|postcode|house_number|house_letter|house_number_addition|floor|entrance\n"
        b"0344010000000001|3521HZ|1|||0|A\n",
        [
            (
                1,
                "",
                "Missing columns: bag_id, postcode, house_number, floor, entrance. The first row "
                "must name the columns bag_id, postcode, house_number, house_letter, "
                "house_number_addition, floor, entrance, separated by commas or semicolons.",
            )
        ],
    ),
    "missing_columns": (
        b"bag_id;postcode;house_number\n0344010000000001;3521HZ;1\n",
        [
            (
                1,
                "",
                "Missing columns: floor, entrance. The first row must name the columns bag_id, "
                "postcode, house_number, house_letter, house_number_addition, floor, entrance, "
                "separated by commas or semicolons.",
            )
        ],
    ),
    "duplicate_column": (
        b"bag_id,postcode,house_number,floor,entrance,floor\n",
        [(1, "", "These columns appear more than once: floor.")],
    ),
    "latin1_encoding": (
        units_csv([("0344010000000001", "3521HZ", 1, "", "", 0, "A")])
        + "0344010000000002,3521HZ,2,,\u00e9,0,A\r\n".encode("cp1252"),
        [
            (
                3,
                "",
                "The file is not encoded as UTF-8. Save it as “CSV UTF-8” in your spreadsheet "
                "program and upload it again.",
            )
        ],
    ),
    "utf16_encoding": (
        units_csv([("0344010000000001", "3521HZ", 1, "", "", 0, "A")], encoding="utf-16"),
        [
            (
                None,
                "",
                "The file is not encoded as UTF-8. Save it as “CSV UTF-8” in your spreadsheet "
                "program and upload it again.",
            )
        ],
    ),
    "empty_file": (b"", [(None, "", "The file is empty.")]),
    "blank_file": (b" \r\n\r\n", [(None, "", "The file is empty.")]),
    "header_only": (units_csv([]), [(None, "", "The file has a header but no rows of units.")]),
    "duplicate_bag_ids": (
        units_csv(
            [
                ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
                ("0344010000000001", "3521HZ", 2, "", "", 0, "A"),
            ]
        ),
        [(3, "bag_id", "BAG id 0344010000000001 also appears in row 2.")],
    ),
    "duplicate_address": (
        units_csv(
            [
                ("0344010000000001", "3521HZ", 1, "a", "", 0, "A"),
                ("0344010000000002", "3521 hz", 1, "A", "", 1, "A"),
            ]
        ),
        [(3, "house_number", "The address 3521HZ 1A also appears in row 2.")],
    ),
    "house_number_not_a_number": (
        units_csv([("0344010000000001", "3521HZ", "12a", "", "", 0, "A")]),
        [
            (
                2,
                "house_number",
                "“12a” is not a house number: use digits only, and put letters in house_letter "
                "or house_number_addition.",
            )
        ],
    ),
    "house_number_zero": (
        units_csv([("0344010000000001", "3521HZ", "0", "", "", 0, "A")]),
        [(2, "house_number", "A house number lies between 1 and 99999.")],
    ),
    "house_number_missing": (
        units_csv([("0344010000000001", "3521HZ", "", "", "", 0, "A")]),
        [(2, "house_number", "A house number is required.")],
    ),
    "floor_above_the_building": (
        units_csv([("0344010000000001", "3521HZ", 1, "", "", 4, "A")]),
        [(2, "floor", "Floor 4 is outside this building: its floors run from -3 to 3.")],
    ),
    "floor_too_deep": (
        units_csv([("0344010000000001", "3521HZ", 1, "", "", -4, "A")]),
        [(2, "floor", "Floor -4 is outside this building: its floors run from -3 to 3.")],
    ),
    "floor_not_a_number": (
        units_csv([("0344010000000001", "3521HZ", 1, "", "", "1e", "A")]),
        [
            (
                2,
                "floor",
                "“1e” is not a floor number: use 0 for the ground floor and -1 for "
                "the first basement.",
            )
        ],
    ),
    "entrance_unknown": (
        units_csv([("0344010000000001", "3521HZ", 1, "", "", 0, "C")]),
        [(2, "entrance", "“C” is not one of this building's entrances (A, B).")],
    ),
    "entrance_missing": (
        units_csv([("0344010000000001", "3521HZ", 1, "", "", 0, "")]),
        [(2, "entrance", "An entrance is required: one of A, B.")],
    ),
    "over_long_fields": (
        units_csv([("03440100000000011", "3521HZ", 1, "AB", "12345", 0, "Hoofdingang")]),
        [
            (2, "bag_id", "Too long: at most 16 characters, not 17."),
            (2, "house_letter", "Too long: at most 1 character, not 2."),
            (2, "house_number_addition", "Too long: at most 4 characters, not 5."),
            (2, "entrance", "Too long: at most 10 characters, not 11."),
        ],
    ),
    "a_huge_number": (
        units_csv([("0344010000000001", "3521HZ", "9" * 5000, "", "", "1" * 5000, "A")]),
        [
            (2, "house_number", "Too long: at most 5 characters, not 5000."),
            (2, "floor", "Too long: at most 3 characters, not 5000."),
        ],
    ),
    "bag_id_lost_its_leading_zero": (
        units_csv([("344010000000001", "3521HZ", 1, "", "", 0, "A")]),
        [
            (
                2,
                "bag_id",
                "A BAG id has exactly 16 digits; “344010000000001” has 15. Did a spreadsheet "
                "program remove leading zeros?",
            )
        ],
    ),
    "bag_id_in_scientific_notation": (
        units_csv([("3.44E+14", "3521HZ", 1, "", "", 0, "A")]),
        [(2, "bag_id", "“3.44E+14” is not a BAG id: a BAG id has exactly 16 digits.")],
    ),
    "bad_postcode_letter_and_addition": (
        units_csv([("0344010000000001", "0521HZ", 1, "1", "a-b", 0, "A")]),
        [
            (2, "postcode", "“0521HZ” is not a Dutch postcode such as 3521AB."),
            (2, "house_letter", "“1” is not a house letter: use one letter from A to Z."),
            (
                2,
                "house_number_addition",
                "“a-b” is not an addition: use letters and digits only.",
            ),
        ],
    ),
    "fields_missing_in_a_row": (
        units_csv(["0344010000000001,3521HZ,1"]),
        [(2, "", "This row has 3 fields; the header has 7.")],
    ),
    "good_rows_and_one_bad_row": (
        units_csv(
            [
                ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
                ("0344010000000002", "3521HZ", 2, "", "", 9, "A"),
                ("0344010000000003", "3521HZ", 3, "", "", 0, "B"),
            ]
        ),
        [(3, "floor", "Floor 9 is outside this building: its floors run from -3 to 3.")],
    ),
}


def as_tuples(errors):
    return [(e["row"], e["column"], e["message"]) for e in errors]


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_units_import_rejects_a_bad_file_with_a_report_and_imports_nothing(manager, building, case):
    content, expected = BAD_FILES[case]

    result = run(manager, building, content)

    assert as_tuples(result.errors) == expected
    assert (result.ok, result.error_count, result.created, result.updated) == (
        False,
        len(expected),
        0,
        0,
    )
    assert Unit.objects.count() == 0


def test_units_import_rejects_a_bag_id_or_address_of_another_building(manager, building, owner_org):
    elsewhere = BuildingFactory(owner=owner_org, postcode="3521HZ")
    UnitFactory(building=elsewhere, bag_id="0344010000000009", postcode="3521HZ", house_number=9)
    content = units_csv(
        [
            ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
            ("0344010000000009", "3521HZ", 10, "", "", 0, "A"),
            ("0344010000000002", "3521HZ", 9, "", "", 0, "A"),
        ]
    )

    result = run(manager, building, content)

    assert as_tuples(result.errors) == [
        (3, "bag_id", "BAG id 0344010000000009 belongs to a unit of another building."),
        (4, "house_number", "The address 3521HZ 9 belongs to a unit of another building."),
    ]
    assert Unit.objects.filter(building=building).count() == 0


def test_units_import_names_the_row_whose_bag_id_another_building_holds(
    manager, building, owner_org
):
    # Only the BAG id is wrong: the write meets the unique constraint, and the rows are
    # then checked against every building's BAG ids.
    elsewhere = BuildingFactory(owner=owner_org, postcode="3521AA")
    UnitFactory(building=elsewhere, bag_id="0344010000000003", postcode="3521AA", house_number=3)
    run(manager, building, units_csv(HORIZON_ROWS[:1]))
    changed = [("0344010000000001", "3521HZ", 1, "", "", 2, "A"), *HORIZON_ROWS[1:]]

    result = run(manager, building, units_csv(changed))

    assert as_tuples(result.errors) == [
        (4, "bag_id", "BAG id 0344010000000003 belongs to a unit of another building.")
    ]
    assert (result.ok, result.created, result.updated) == (False, 0, 0)
    assert unit_values(building) == [("0344010000000001", "3521HZ", 1, "", "", 0, "A")]


def test_units_import_rejects_rows_that_would_merge_or_swap_units(manager, building):
    run(manager, building, units_csv(HORIZON_ROWS[:2]))
    content = units_csv(
        [
            ("0344010000000001", "3521HZ", 2, "A", "", 0, "A"),  # takes unit 2's address
            ("0344010000000007", "3521HZ", 1, "", "", 0, "A"),  # unit 1's address, other BAG id
        ]
    )

    result = run(manager, building, content)

    assert as_tuples(result.errors) == [
        (2, "house_number", "The address 3521HZ 2A belongs to another unit of this building."),
        (
            3,
            "bag_id",
            "The address 3521HZ 1 has BAG id 0344010000000001 in this building, not "
            "0344010000000007.",
        ),
    ]
    assert unit_values(building) == [
        ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
        ("0344010000000002", "3521HZ", 2, "A", "", 0, "A"),
    ]


def test_units_import_reports_two_rows_for_the_same_unit(manager, building):
    run(manager, building, units_csv(HORIZON_ROWS[:1]))
    content = units_csv(
        [
            ("0344010000000001", "3521HZ", 5, "", "", 0, "A"),  # unit 1, renumbered
            ("", "3521HZ", 1, "", "", 1, "A"),  # unit 1 by its old address
        ]
    )

    result = run(manager, building, content)

    assert as_tuples(result.errors) == [(3, "", "This row describes the same unit as row 2.")]


def test_units_import_caps_the_report_and_says_how_many_more(monkeypatch, manager, building):
    monkeypatch.setattr(jobs, "MAX_REPORTED_ERRORS", 2)
    rows = [(f"03440100000000{i:02d}", "3521HZ", "x", "", "", 0, "A") for i in range(1, 6)]

    result = run(manager, building, units_csv(rows))

    assert result.error_count == 5
    assert [e["row"] for e in result.errors] == [2, 3, None]
    assert result.errors[-1]["message"] == "3 more errors are not shown."


def test_units_import_rejects_a_file_over_the_size_limit(settings, manager, building):
    settings.WIJKREGIE_IMPORT_MAX_BYTES = 100
    content = units_csv(HORIZON_ROWS)

    result = run(manager, building, content)

    assert as_tuples(result.errors) == [
        (None, "", "The file is larger than the maximum of 100\xa0bytes.")
    ]
    assert Unit.objects.count() == 0


def test_units_import_reports_in_dutch(manager, building):
    content = units_csv([("0344010000000001", "3521HZ", "12a", "", "", 7, "A")])

    result = run(manager, building, content, language="nl")

    assert as_tuples(result.errors) == [
        (
            2,
            "house_number",
            "“12a” is geen huisnummer: gebruik alleen cijfers, en zet letters in house_letter "
            "of house_number_addition.",
        ),
        (2, "floor", "Verdieping 7 ligt buiten dit gebouw: de verdiepingen lopen van -3 tot 3."),
    ]


def test_units_import_needs_the_import_permission_in_the_owner_organisation(
    partner, outsider, building
):
    content = units_csv(HORIZON_ROWS)

    with pytest.raises(PermissionDenied):
        run(partner, building, content)
    with pytest.raises(NotFound):
        run(outsider, building, content)
    assert Unit.objects.count() == 0


def test_units_import_refuses_an_unknown_language(manager, building):
    with pytest.raises(ApplicationError):
        run(manager, building, units_csv(HORIZON_ROWS), language="xx")


# --- the background job ----------------------------------------------------------------------


def test_units_import_start_runs_the_job_and_records_its_progress(
    manager, manager_user, building, owner_org
):
    job = start(manager, building, units_csv(HORIZON_ROWS))

    assert (
        job.kind,
        job.status,
        job.created_by_id,
        job.organisation_id,
        job.target_id,
        job.file_name,
        job.language,
    ) == (
        "units",
        Job.Status.SUCCEEDED,
        manager_user.pk,
        owner_org.pk,
        building.pk,
        "eenheden.csv",
        "en",
    )
    assert (job.total_rows, job.processed_rows, job.created_count, job.updated_count) == (
        4,
        4,
        4,
        0,
    )
    assert (job.errors, job.progress_percent, job.finished_at is not None) == ([], 100, True)
    assert Unit.objects.count() == 4


def test_units_import_start_stores_the_report_of_a_rejected_file(manager, building):
    content = units_csv([("0344010000000001", "3521HZ", 1, "", "", 0, "Z")])

    job = start(manager, building, content)

    assert (job.status, job.total_rows, job.processed_rows, job.created_count) == (
        Job.Status.FAILED,
        1,
        1,
        0,
    )
    assert job.errors == [
        {
            "row": 2,
            "column": "entrance",
            "message": "“Z” is not one of this building's entrances (A, B).",
        }
    ]
    assert Unit.objects.count() == 0


def test_units_import_start_enqueues_the_task_in_the_database(settings, manager, building):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    job = start(manager, building, units_csv(HORIZON_ROWS))

    assert job.status == Job.Status.QUEUED
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs) == (
        "wijkregie.core.tasks.job_run_task",
        {"args": [], "kwargs": {"job_id": job.pk}},
    )
    assert Unit.objects.count() == 0

    assert jobs.job_run(job_id=job.pk) == Job.Status.SUCCEEDED
    assert jobs.job_run(job_id=job.pk) == "skipped"  # a retry does nothing twice
    job.refresh_from_db()
    assert (job.status, job.created_count) == (Job.Status.SUCCEEDED, 4)
    assert Unit.objects.count() == 4


def test_units_import_run_marks_a_crashed_job_failed(monkeypatch, settings, manager, building):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = start(manager, building, units_csv(HORIZON_ROWS))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(unit_import, "_write", boom)
    with pytest.raises(RuntimeError):
        jobs.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.errors == [
        {
            "row": None,
            "column": "",
            "message": "The job stopped because of an unexpected error. Nothing was "
            "changed. Please try again later.",
        }
    ]
    assert Unit.objects.count() == 0


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "The file is empty."),
        ("too_large", "The file is larger than the maximum of 10\xa0bytes."),
        ("language", "Unknown language code: xx. Use one of: nl, en."),
    ],
)
def test_units_import_start_refuses_at_once(settings, manager, building, case, message):
    settings.WIJKREGIE_IMPORT_MAX_BYTES = 10
    content = {"empty": b"", "too_large": b"x" * 11, "language": b"x"}[case]

    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        start(manager, building, content, language="xx" if case == "language" else "en")

    assert str(exc.value.message) == message
    assert Job.objects.count() == 0


def test_units_import_start_checks_permission_and_organisation(
    partner, outsider, manager, building, other_org
):
    content = units_csv(HORIZON_ROWS)

    with pytest.raises(PermissionDenied):
        start(partner, building, content)
    with pytest.raises(NotFound):
        start(outsider, building, content)
    with pytest.raises(PermissionDenied):
        start(manager, building, content, organisation_id=other_org.pk)
    assert Job.objects.count() == 0


def test_units_import_start_by_the_platform_records_it_without_an_invented_account(building):
    job = start(system_viewer(label="demo"), building, units_csv(HORIZON_ROWS))

    assert (job.status, job.created_by_id, job.created_by_label) == ("succeeded", None, "demo")
    assert Unit.objects.count() == 4


# --- the BAG point: the building's point from its units' points ---------------------------

POINT_HEADER = (*unit_import.COLUMNS, "x", "y")


def point_rows(*points):
    """Rows of De Horizon's units 1, 2, … with the given (x, y) or (lat, lon)."""
    return [
        (f"03440100000000{i:02d}", "3521HZ", i, "", "", 0, "A", *point)
        for i, point in enumerate(points, start=1)
    ]


def building_point(building):
    building.refresh_from_db()
    return (building.latitude, building.longitude)


def test_units_import_sets_the_building_point_from_an_rd_point(manager, building):
    # The RD reference point (the tower of Amersfoort) is 52.15517 N, 5.38721 E.
    content = units_csv(point_rows((155000, 463000)), header=POINT_HEADER)

    result = run(manager, building, content)

    assert (result.ok, result.created) == (True, 1)
    assert result.point == (Decimal("52.155174"), Decimal("5.387206"))
    assert building_point(building) == (Decimal("52.155174"), Decimal("5.387206"))


def test_units_import_sets_the_building_point_to_the_centroid_of_its_units(manager, building):
    # 10 m either side of De Horizon's point (RD 136220, 458670: 52.115938 N, 5.113022 E).
    content = units_csv(
        [
            "136210;458660;0344010000000001;3521HZ;1;;;0;A",
            "136230,0;458680,0;0344010000000002;3521HZ;2;;;0;A",
            ";;0344010000000003;3521HZ;3;;;0;A",
        ],
        header=("rd_x", "rd_y", *unit_import.COLUMNS),
        delimiter=";",
    )

    result = run(manager, building, content)

    assert (result.ok, result.created, result.errors) == (True, 3, [])
    assert building_point(building) == (Decimal("52.115938"), Decimal("5.113022"))


def test_units_import_takes_lat_lon_and_checks_them_against_the_rd_point(manager, building):
    header = (*POINT_HEADER, "lat", "lon")
    agreeing = units_csv(
        point_rows(
            (136220, 458670, "52.11594", "5.11302"),  # the same point, 1.5 m apart
            ("", "", "52.1160", "5.1131"),  # lat/lon only
        ),
        header=header,
    )

    result = run(manager, building, agreeing)

    assert (result.ok, result.created, result.errors) == (True, 2, [])
    assert building_point(building) == (Decimal("52.115969"), Decimal("5.113061"))


def test_units_import_without_points_leaves_the_building_point_alone(manager, building):
    building.latitude, building.longitude = Decimal("52.1"), Decimal("5.1")
    building.save()

    result = run(manager, building, units_csv(HORIZON_ROWS))

    assert (result.ok, result.point) == (True, None)
    assert building_point(building) == (Decimal("52.100000"), Decimal("5.100000"))


def test_units_import_publishes_no_unit_point(manager, building):
    run(manager, building, units_csv(point_rows((136210, 458660)), header=POINT_HEADER))

    assert {f.name for f in Unit._meta.get_fields()} & {"x", "y", "lat", "lon", "latitude"} == set()


BAD_POINTS = {
    "x_without_y": (
        ("x", "y"),
        [(155000, "")],
        [(2, "y", "Give both x and y, or neither.")],
    ),
    "lat_without_lon": (
        ("lat", "lon"),
        [("", "5.1")],
        [(2, "lat", "Give both lat and lon, or neither.")],
    ),
    "not_a_number": (
        ("x", "y"),
        [("136 220", "4.5e5")],
        [
            (2, "x", "“136 220” is not an RD coordinate in metres such as 136220.5."),
            (2, "y", "“4.5e5” is not an RD coordinate in metres such as 458670.5."),
        ],
    ),
    "rd_outside_the_netherlands": (
        ("x", "y"),
        [("-10", "630000")],
        [
            (2, "x", "x -10 lies outside the Netherlands: it runs from 0 to 300000 metres here."),
            (
                2,
                "y",
                "y 630000 lies outside the Netherlands: it runs from 289000 to 629000 metres here.",
            ),
        ],
    ),
    "lat_lon_swapped": (
        ("lat", "lon"),
        [("5.11302", "52.11594")],
        [
            (
                2,
                "lat",
                "lat 5.11302 lies outside the Netherlands: it runs from 50.7 to 53.7 degrees here.",
            ),
            (
                2,
                "lon",
                "lon 52.11594 lies outside the Netherlands: it runs from 3.2 to 7.3 degrees here.",
            ),
        ],
    ),
    "lat_lon_not_a_number": (
        ("lat", "lon"),
        [("52°6'", "5.1")],
        [(2, "lat", "“52°6'” is not a number of degrees such as 52.11594.")],
    ),
    "rd_and_lat_lon_disagree": (
        ("x", "y", "lat", "lon"),
        [(136220, 458670, "52.1165", "5.1130")],
        [
            (
                2,
                "lat",
                "lat/lon lies 63 metres from the point x/y of this row; they must agree to "
                "within 50 metres. Give one of them, or correct it.",
            )
        ],
    ),
    "a_unit_far_from_the_others": (
        ("x", "y"),
        [(136210, 458660), (136230, 458680), (137220, 458670)],  # the third 1 km east
        [
            (
                4,
                "x",
                "This point lies 987 metres from the middle of the other units' points (at "
                "most 500): is it a unit of this building?",
            )
        ],
    ),
    "only_one_column_of_a_pair": (
        ("x",),
        [(155000,)],
        [(1, "", "The columns x and y go together: give both or neither.")],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_POINTS))
def test_units_import_rejects_a_bad_point_and_imports_nothing(manager, building, case):
    extra, points, expected = BAD_POINTS[case]
    content = units_csv(point_rows(*points), header=(*unit_import.COLUMNS, *extra))

    result = run(manager, building, content)

    assert as_tuples(result.errors) == expected
    assert (result.ok, result.point, Unit.objects.count()) == (False, None, 0)
    assert building_point(building) == (None, None)


def test_units_import_reports_a_bad_point_in_dutch(manager, building):
    content = units_csv(point_rows((155000, "")), header=POINT_HEADER)

    result = run(manager, building, content, language="nl")

    assert as_tuples(result.errors) == [(2, "y", "Geef zowel x als y, of geen van beide.")]


def test_units_import_makes_every_process_forget_the_kept_floor_plan(
    manager, building, django_capture_on_commit_callbacks
):
    from wijkregie.places.selectors import building_floor_plan

    assert building_floor_plan(building=building).unit_count == 0  # kept now
    with django_capture_on_commit_callbacks(execute=True):
        run(manager, building, units_csv(HORIZON_ROWS))

    assert building_floor_plan(building=building).unit_count == 4
