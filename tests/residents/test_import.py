from datetime import date

from django.contrib.auth import get_user_model
from django.test import override_settings

import pytest
from django_tasks import default_task_backend

from tests.residents.factories import (
    make_building,
    make_organisation,
    make_person,
    make_unit,
    viewer,
)
from wijkregie.core import jobs
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError, PermissionDenied
from wijkregie.core.models import AuditEntry, Job
from wijkregie.residents import importing, services
from wijkregie.residents.models import ContactConsent, Occupancy, Resident

pytestmark = pytest.mark.django_db

HEADER = importing.COLUMNS
DEFAULT_ROW = {
    "relation_number": "1001",
    "given_name": "Ayla",
    "family_name": "Demir",
    "email": "ayla@example.org",
    "phone": "06 1234 5678",
    "preferred_language": "tr",
    "bag_id": "0344010000000001",
    "occupancy_kind": "main_tenant",
    "start_date": "2020-01-01",
    "consent_newsletter_email": "ja",
    "consent_chat": "nee",
    "consent_share_with_partners": "no",
}


def csv_bytes(*rows: dict, header=HEADER, delimiter=";", encoding="utf-8") -> bytes:
    lines = [delimiter.join(header)]
    for row in rows:
        values = {**DEFAULT_ROW, **row}
        lines.append(delimiter.join(values.get(column, "") for column in header))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def landlord():
    return make_organisation("de-vaart")


@pytest.fixture
def units(landlord):
    building = make_building(landlord)
    return {
        "one": make_unit(building, 1, bag_id="0344010000000001"),
        "two": make_unit(building, 2, bag_id="0344010000000002"),
        "three_a": make_unit(building, 3, letter="A"),
        "four_2": make_unit(building, 4, addition="2"),
    }


@pytest.fixture
def foreign_unit():
    building = make_building(make_organisation("oostwaard"), "Het Baken", "3522BK")
    return make_unit(building, 1, bag_id="0344010000000099")


@pytest.fixture
def importer(landlord):
    return viewer(make_person("importer", landlord, ["residents.import_residents"]))


@pytest.fixture
def run(importer, landlord, units, foreign_unit):
    def do(content: bytes, language: str = "en") -> Job:
        return services.residents_import_start(
            actor=importer,
            organisation_id=landlord.pk,
            file_name="export.csv",
            content=content,
            language=language,
        )

    return do


# --- a good file ------------------------------------------------------------------------------


def test_import_creates_residents_and_occupancies(run, landlord, units):
    content = csv_bytes(
        {},
        {
            "start_date": "01-02-2015",
            "end_date": "31-12-2019",
            "bag_id": "",
            "postcode": "3521 hz",
            "house_number": "3",
            "house_letter": "a",
        },
        {
            "relation_number": "1002",
            "given_name": "Jan",
            "family_name": "de Vries",
            "email": "",
            "phone": "",
            "preferred_language": "NL-be",
            "bag_id": "",
            "postcode": "3521HZ",
            "house_number": "4",
            "house_number_addition": "2",
            "occupancy_kind": "Medehuurder",
            "consent_newsletter_email": "",
            "consent_chat": "1",
            "consent_share_with_partners": "JA",
        },
    )

    job = run(content)

    assert (job.status, job.errors) == ("succeeded", [])
    assert (job.total_rows, job.processed_rows, job.created_count, job.updated_count) == (
        3,
        3,
        2,
        0,
    )
    ayla = Resident.objects.get(external_id="1001")
    jan = Resident.objects.get(external_id="1002")
    assert (ayla.landlord, ayla.email, ayla.phone, ayla.preferred_language) == (
        landlord,
        "ayla@example.org",
        "06 1234 5678",
        "tr",
    )
    consents = ContactConsent.objects.order_by("resident__external_id", "purpose")
    assert list(
        consents.values_list(
            "resident__external_id", "purpose", "given_source", "source_type", "withdrawn_at"
        )
    ) == [
        ("1001", "newsletter_email", "import", "core.job", None),
        ("1002", "chat", "import", "core.job", None),
        ("1002", "share_with_partners", "import", "core.job", None),
    ]
    assert set(consents.values_list("source_id", flat=True)) == {str(job.pk)}
    assert jan.preferred_language == "nl"
    assert set(
        Occupancy.objects.values_list(
            "resident__external_id", "unit", "kind", "start_date", "end_date"
        )
    ) == {
        ("1001", units["one"].pk, "main_tenant", date(2020, 1, 1), None),
        ("1001", units["three_a"].pk, "main_tenant", date(2015, 2, 1), date(2019, 12, 31)),
        ("1002", units["four_2"].pk, "co_tenant", date(2020, 1, 1), None),
    }
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.actor_label, entry.organisation_id) == (
        "import",
        "residents.resident",
        "importer",
        landlord.pk,
    )
    assert entry.object_ids == [str(pk) for pk in sorted([ayla.pk, jan.pk])]
    assert entry.fields == [
        "consents",
        "email",
        "family_name",
        "given_name",
        "occupancies",
        "phone",
        "preferred_language",
        "relation_number",
    ]
    assert (entry.context_type, entry.context_id, entry.context_label) == (
        "core.job",
        str(job.pk),
        "export.csv",
    )


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_import_accepts_semicolons_commas_and_tabs_and_a_byte_order_mark(run, delimiter):
    content = b"\xef\xbb\xbf" + csv_bytes({}, delimiter=delimiter)

    job = run(content)

    assert (job.status, job.created_count) == ("succeeded", 1)


def test_import_accepts_a_file_with_only_the_required_columns_and_an_address(run, units):
    header = (
        "relation_number",
        "given_name",
        "family_name",
        "postcode",
        "house_number",
        "occupancy_kind",
        "start_date",
    )
    content = csv_bytes(
        {"postcode": "3521HZ", "house_number": "3", "house_letter": "A"}, header=header
    )

    job = run(content)

    # house_letter is not a column here, so 3521HZ 3 (no letter) does not exist
    assert job.status == "failed"
    assert job.errors == [
        {"row": 2, "column": "postcode", "message": "There is no unit at 3521HZ 3."}
    ]
    content = csv_bytes({"bag_id": "", "postcode": "3521HZ", "house_number": "1"}, header=header)
    assert run(content).status == "succeeded"
    assert Resident.objects.get().email == ""


def test_the_example_file_imports(importer, landlord):
    building = make_building(landlord, postcode="3521AB")
    make_unit(building, 12, bag_id="0363010000123456")
    make_unit(building, 12, letter="A")
    make_unit(building, 14, addition="2")

    job = services.residents_import_start(
        actor=importer,
        organisation_id=landlord.pk,
        file_name="example.csv",
        content=importing.EXAMPLE_CSV.encode(),
        language="nl",
    )

    assert (job.status, job.errors, job.created_count) == ("succeeded", [], 2)
    assert Occupancy.objects.count() == 3


# --- re-import --------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(run):
    content = csv_bytes({}, {"relation_number": "1002", "bag_id": "0344010000000002"})
    run(content)

    again = run(content)

    assert (again.status, again.created_count, again.updated_count) == ("succeeded", 0, 0)
    assert (Resident.objects.count(), Occupancy.objects.count()) == (2, 2)
    assert AuditEntry.objects.order_by("-id").first().object_ids == []


def test_reimport_updates_residents_and_occupancies_without_duplicates(run):
    run(csv_bytes({}, {"relation_number": "1002", "bag_id": "0344010000000002"}))
    first = Resident.objects.get(external_id="1001")

    job = run(
        csv_bytes(
            {"email": "ayla.new@example.org"},
            {"relation_number": "1002", "bag_id": "0344010000000002", "end_date": "2025-06-30"},
            {
                "relation_number": "1003",
                "bag_id": "0344010000000002",
                "occupancy_kind": "other_occupant",
            },
        )
    )

    assert (job.status, job.created_count, job.updated_count) == ("succeeded", 1, 2)
    assert (Resident.objects.count(), Occupancy.objects.count()) == (3, 3)
    assert Resident.objects.get(pk=first.pk).email == "ayla.new@example.org"
    assert Occupancy.objects.get(resident__external_id="1002").end_date == date(2025, 6, 30)
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.object_ids == [
        str(pk) for pk in sorted(Resident.objects.values_list("pk", flat=True))
    ]


def test_reimport_of_another_landlord_with_the_same_relation_number_is_separate(run, foreign_unit):
    oostwaard = foreign_unit.building.owner
    other_importer = viewer(make_person("other", oostwaard, ["residents.import_residents"]))
    run(csv_bytes({}))

    job = services.residents_import_start(
        actor=other_importer,
        organisation_id=oostwaard.pk,
        file_name="x.csv",
        content=csv_bytes({"bag_id": "0344010000000099"}),
        language="en",
    )

    assert (job.status, job.created_count) == ("succeeded", 1)
    assert Resident.objects.filter(external_id="1001").count() == 2


def test_repeated_identical_rows_make_one_resident_and_one_occupancy(run):
    job = run(csv_bytes({}, {}))

    assert (job.status, job.created_count) == ("succeeded", 1)
    assert (Resident.objects.count(), Occupancy.objects.count()) == (1, 1)


# --- a bad file: nothing is imported, every problem is reported --------------------------------


def bad(content, *errors):
    return pytest.param(
        content, [dict(zip(("row", "column", "message"), e, strict=True)) for e in errors]
    )


MISSING = (
    "is missing. Separate the columns with a semicolon or a comma and use the column "
    "names of the example file."
)

BAD_FILES = {
    "empty_file": bad(b"", (None, "", "The file is empty.")),
    "only_whitespace": bad(b"  \r\n\r\n", (None, "", "The file is empty.")),
    "header_only": bad(csv_bytes(), (None, "", "The file contains no rows below the header.")),
    "not_utf8": bad(
        csv_bytes({"family_name": "Müller"}, encoding="latin-1"),
        (
            2,
            "",
            "The file is not encoded as UTF-8. Save it as “CSV UTF-8” in your spreadsheet "
            "program and upload it again.",
        ),
    ),
    "nul_byte": bad(
        csv_bytes({"given_name": "A\x00B"}),
        (2, "", "The file contains a NUL character: it is not a CSV."),
    ),
    "wrong_delimiter": bad(
        csv_bytes({}, delimiter="|"),
        (1, "relation_number", f"Column “relation_number” {MISSING}"),
        (1, "given_name", f"Column “given_name” {MISSING}"),
        (1, "family_name", f"Column “family_name” {MISSING}"),
        (1, "bag_id", "Give the column bag_id, or the columns postcode and house_number."),
        (1, "occupancy_kind", f"Column “occupancy_kind” {MISSING}"),
        (1, "start_date", f"Column “start_date” {MISSING}"),
    ),
    "missing_column": bad(
        csv_bytes({}, header=[c for c in HEADER if c != "family_name"]),
        (1, "family_name", f"Column “family_name” {MISSING}"),
    ),
    "no_unit_columns": bad(
        csv_bytes({}, header=[c for c in HEADER if c not in ("bag_id", "house_number")]),
        (1, "bag_id", "Give the column bag_id, or the columns postcode and house_number."),
    ),
    "duplicate_column": bad(
        csv_bytes({}, header=[*HEADER, "email"]),
        (1, "email", "Column “email” appears more than once."),
    ),
    "wrong_field_count": bad(
        csv_bytes({}) + b"1002;Jan;Jansen\r\n",
        (3, "", "This row has 3 fields; the header has 17."),
    ),
    "required_fields_empty": bad(
        csv_bytes(
            {"relation_number": "", "given_name": "", "occupancy_kind": "", "start_date": ""}
        ),
        (2, "relation_number", "This field is required."),
        (2, "given_name", "This field is required."),
        (2, "occupancy_kind", "This field is required."),
        (2, "start_date", "This field is required."),
    ),
    "bad_email": bad(csv_bytes({"email": "ayla@"}), (2, "email", "Enter a valid e-mail address.")),
    "bad_phone": bad(
        csv_bytes({"phone": "bel me"}),
        (2, "phone", "Enter a phone number of digits, spaces and + ( ) - . / only."),
    ),
    "unknown_language": bad(
        csv_bytes({"preferred_language": "klingon"}),
        (
            2,
            "preferred_language",
            "“klingon” is not a language code (ISO 639-1, two letters such as nl or tr).",
        ),
    ),
    "three_letter_language": bad(
        csv_bytes({"preferred_language": "nld"}),
        (
            2,
            "preferred_language",
            "“nld” is not a language code (ISO 639-1, two letters such as nl or tr).",
        ),
    ),
    "bad_bag_id": bad(
        csv_bytes({"bag_id": "34401000000001"}), (2, "bag_id", "A BAG id has exactly 16 digits.")
    ),
    "bad_address": bad(
        csv_bytes(
            {"bag_id": "", "postcode": "0521XX", "house_number": "12b", "house_letter": "AB"}
        ),
        (2, "postcode", "Enter a Dutch postcode such as 3521AB."),
        (2, "house_number", "“12b” is not a house number."),
        (2, "house_letter", "A house letter is a single letter."),
    ),
    "no_unit_at_all": bad(
        csv_bytes({"bag_id": ""}), (2, "bag_id", "Give a BAG id, or a postcode and a house number.")
    ),
    "unknown_bag_id": bad(
        csv_bytes({"bag_id": "0344010000000050"}),
        (2, "bag_id", "There is no unit with BAG id 0344010000000050."),
    ),
    "unknown_address": bad(
        csv_bytes({"bag_id": "", "postcode": "3521HZ", "house_number": "3"}),
        (2, "postcode", "There is no unit at 3521HZ 3."),
    ),
    "unit_of_another_owner_by_bag_id": bad(
        csv_bytes({"bag_id": "0344010000000099"}),
        (2, "bag_id", "Unit 0344010000000099 is in a building that Org de-vaart does not own."),
    ),
    "unit_of_another_owner_by_address": bad(
        csv_bytes({"bag_id": "", "postcode": "3522BK", "house_number": "1"}),
        (2, "postcode", "Unit 3522BK 1 is in a building that Org de-vaart does not own."),
    ),
    "bad_kind": bad(
        csv_bytes({"occupancy_kind": "onderhuurder"}),
        (
            2,
            "occupancy_kind",
            "“onderhuurder” is not a kind of occupancy: use main_tenant, co_tenant or "
            "other_occupant (or hoofdhuurder, medehuurder, overige bewoner).",
        ),
    ),
    "bad_dates": bad(
        csv_bytes({"start_date": "2020/01/01", "end_date": "31-02-2024"}),
        (2, "start_date", "“2020/01/01” is not a date: use YYYY-MM-DD or DD-MM-YYYY."),
        (2, "end_date", "“31-02-2024” is not a date: use YYYY-MM-DD or DD-MM-YYYY."),
    ),
    "end_before_start": bad(
        csv_bytes({"start_date": "2020-01-01", "end_date": "31-12-2019"}),
        (2, "end_date", "The end date lies before the start date."),
    ),
    "bad_consent": bad(
        csv_bytes({"consent_chat": "misschien"}),
        (2, "consent_chat", "“misschien” is not yes or no: use ja, nee, yes, no, 1 or 0."),
    ),
    "over_long_fields": bad(
        csv_bytes({"relation_number": "9" * 41, "family_name": "x" * 151}),
        (2, "relation_number", "At most 40 characters (this one has 41)."),
        (2, "family_name", "At most 150 characters (this one has 151)."),
    ),
    "conflicting_duplicate_relation_number": bad(
        csv_bytes(
            {}, {"bag_id": "0344010000000002", "family_name": "Demir-Yilmaz", "consent_chat": "ja"}
        ),
        (
            3,
            "family_name",
            "Relation number 1001 appears on row 2 with a different value in this column.",
        ),
        (
            3,
            "consent_chat",
            "Relation number 1001 appears on row 2 with a different value in this column.",
        ),
    ),
    "conflicting_duplicate_occupancy": bad(
        csv_bytes({}, {"occupancy_kind": "co_tenant"}),
        (
            3,
            "start_date",
            "Row 2 has the same resident, unit and start date with a different kind or end date.",
        ),
    ),
    "one_bad_row_among_good_ones": bad(
        csv_bytes(
            {},
            {"relation_number": "1002", "bag_id": "0344010000000002", "email": "x"},
            {"relation_number": "1003"},
        ),
        (3, "email", "Enter a valid e-mail address."),
    ),
}


@pytest.mark.parametrize("content, errors", list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_a_bad_file_is_reported_per_row_and_nothing_is_imported(run, content, errors):
    job = run(content)

    assert job.status == "failed"
    assert job.errors == errors
    assert (Resident.objects.count(), Occupancy.objects.count()) == (0, 0)
    assert (job.created_count, job.updated_count) == (0, 0)
    assert AuditEntry.objects.count() == 0


def test_a_bad_file_changes_no_existing_resident(run):
    run(csv_bytes({}))

    job = run(
        csv_bytes({"email": "changed@example.org"}, {"relation_number": "1002", "email": "bad"})
    )

    assert job.status == "failed"
    assert Resident.objects.get().email == "ayla@example.org"


def test_the_report_is_in_the_language_of_the_job(run):
    job = run(csv_bytes({"email": "ayla@", "start_date": "gisteren"}), language="nl")

    assert job.errors == [
        {"row": 2, "column": "email", "message": "Vul een geldig e-mailadres in."},
        {
            "row": 2,
            "column": "start_date",
            "message": "“gisteren” is geen datum: gebruik JJJJ-MM-DD of DD-MM-JJJJ.",
        },
    ]


def test_a_very_long_report_is_cut_off(run, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_REPORTED_ERRORS", 2)

    job = run(csv_bytes(*({"relation_number": str(n), "email": "x"} for n in range(4))))

    assert [e["row"] for e in job.errors] == [2, 3, None]
    assert job.errors[-1]["message"] == "2 more errors are not shown."


# --- starting and running ---------------------------------------------------------------------


def test_import_start_needs_the_import_permission_in_that_organisation(landlord, units):
    staff = viewer(make_person("staff", landlord, ["residents.view_resident"]))

    with pytest.raises(PermissionDenied):
        services.residents_import_start(
            actor=staff,
            organisation_id=landlord.pk,
            file_name="x.csv",
            content=csv_bytes({}),
            language="en",
        )

    assert Job.objects.count() == 0


def test_import_start_refuses_an_organisation_token_of_another_organisation(importer, foreign_unit):
    with pytest.raises(PermissionDenied):
        services.residents_import_start(
            actor=importer,
            organisation_id=foreign_unit.building.owner_id,
            file_name="x.csv",
            content=csv_bytes({}),
            language="en",
        )

    assert Job.objects.count() == 0


@override_settings(WIJKREGIE_IMPORT_MAX_BYTES=100)
def test_import_start_refuses_a_file_that_is_too_large(run):
    with pytest.raises(ApplicationError) as raised:
        run(csv_bytes({}))

    assert raised.value.message == "Het bestand is groter dan 0 MB."
    assert Job.objects.count() == 0


def test_import_start_enqueues_the_run_in_the_same_transaction(settings, run, landlord):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()

    job = run(csv_bytes({}), language="en")

    assert (job.status, job.kind, job.language, job.file_name) == (
        "queued",
        "residents",
        "en",
        "export.csv",
    )
    [result] = default_task_backend.results
    assert (result.task.name, result.kwargs) == ("job_run_task", {"job_id": job.pk})
    assert Resident.objects.count() == 0

    assert jobs.job_run(job_id=job.pk) == "succeeded"
    assert jobs.job_run(job_id=job.pk) == "skipped"  # claimed once: a retry does nothing twice
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("succeeded", 1, 1)
    assert Resident.objects.count() == 1


def test_import_start_refuses_an_unknown_report_language(run):
    with pytest.raises(ApplicationError) as raised:
        run(csv_bytes({}), language="xx")

    assert raised.value.message == "Onbekende taalcode: xx. Gebruik een van: nl, en."
    assert Job.objects.count() == 0


def test_import_run_saves_progress_in_batches(run, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    seen = []
    original = jobs.JobRun.progress

    def spy(self, done, total):
        seen.append(done)
        original(self, done, total)

    monkeypatch.setattr(jobs.JobRun, "progress", spy)

    job = run(csv_bytes(*({"relation_number": str(n)} for n in range(5))))

    assert seen == [0, 2, 4, 5]
    assert (job.status, job.total_rows, job.processed_rows, job.progress_percent) == (
        "succeeded",
        5,
        5,
        100,
    )


def test_import_started_by_the_system_names_no_invented_account(landlord, units):
    job = services.residents_import_start(
        actor=system_viewer(),
        organisation_id=landlord.pk,
        file_name="demo.csv",
        content=csv_bytes({}),
        language="nl",
    )

    assert (job.status, job.created_by, job.created_by_label) == ("succeeded", None, "system")
    assert not get_user_model().objects.filter(username="wijkregie-system").exists()
    entry = AuditEntry.objects.get()
    assert (entry.actor_label, entry.action, entry.origin) == ("system", "import", "task")


def test_an_unexpected_error_fails_the_job_and_imports_nothing(run, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Occupancy.objects, "bulk_create", explode)

    job = run(csv_bytes({}))

    assert job.status == "failed"
    assert job.errors == [
        {
            "row": None,
            "column": "",
            "message": "The job stopped because of an unexpected error. Nothing was changed. "
            "Please try again later.",
        }
    ]
    assert (Resident.objects.count(), AuditEntry.objects.count()) == (0, 0)
