"""The one background-job lifecycle (core.jobs) and that both imports run on it."""

import ast
import datetime
import re
from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.utils import timezone

import pytest

from tests.partners.factories import OrganisationFactory
from tests.places.factories import BuildingFactory
from wijkregie.core import jobs
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.models import Job
from wijkregie.places import services as places_services
from wijkregie.places.models import Unit
from wijkregie.residents import services as residents_services

SRC = Path(__file__).resolve().parents[2] / "src" / "wijkregie"
UNITS_CSV = (
    b"bag_id,postcode,house_number,floor,entrance\r\n"
    b"0344010000000001,3521HZ,1,0,A\r\n"
    b"0344010000000002,3521HZ,2,1,A\r\n"
)


def _imports(module: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.fixture
def building(db):
    return BuildingFactory(owner=OrganisationFactory(slug="de-vaart"), floors=2, entrances=["A"])


def test_the_imports_and_letters_are_registered_kinds_of_the_one_job_model():
    assert [(k.name, k.run) for k in jobs.job_kinds()] == [
        (
            "letter_deliveries",
            "wijkregie.communications.services.letters.letter_batch_send_job",
        ),
        ("letters", "wijkregie.communications.services.letters.letter_batch_make_job"),
        ("residents", "wijkregie.residents.services.residents_import_job"),
        ("units", "wijkregie.places.unit_import.units_job"),
    ]
    job_models = [m._meta.label for m in apps.get_models() if m.__name__.endswith("Job")]
    assert job_models == ["core.Job"]
    assert [f.name for f in Job._meta.get_fields() if f.name == "kind"] == ["kind"]
    assert Job._meta.get_field("kind").choices is None  # kinds live in the registry


def test_no_app_enqueues_or_finishes_a_job_itself():
    """The lifecycle lives in core.jobs: no app claims, finishes or enqueues a job."""
    writes = re.compile(r"Job(\.objects\b[^\n]*\.(update|create|bulk_create)\(|\()")
    for app in ("partners", "places", "residents", "reports", "demo"):
        for module in (SRC / app).rglob("*.py"):
            text = module.read_text()
            assert not writes.search(text), module
            assert "core.tasks" not in text, module
            if app in ("places", "residents"):
                assert ".enqueue(" not in text, module
    for app in ("places", "residents"):
        assert not (SRC / app / "tasks.py").exists()


def test_no_app_has_a_services_tasks_cycle():
    for services in SRC.glob("*/services.py"):
        tasks = services.with_name("tasks.py")
        if not tasks.exists():
            continue
        app = f"wijkregie.{services.parent.name}"
        assert not (
            f"{app}.tasks" in _imports(services) and f"{app}.services" in _imports(tasks)
        ), services.parent.name


def test_unit_and_resident_imports_both_start_a_core_job(building):
    system = system_viewer(label="import script")

    units = places_services.units_import_start(
        actor=system,
        organisation_id=building.owner_id,
        building_id=building.pk,
        file_name="units.csv",
        content=UNITS_CSV,
        language="en",
    )
    residents = residents_services.residents_import_start(
        actor=system,
        organisation_id=building.owner_id,
        file_name="residents.csv",
        content=b"relation_number;given_name\r\n",
        language="en",
    )

    assert list(
        Job.objects.order_by("pk").values_list(
            "kind", "status", "created_by", "created_by_label", "attempts"
        )
    ) == [
        ("units", "succeeded", None, "import script", 1),
        ("residents", "failed", None, "import script", 1),
    ]
    assert (units.pk, residents.pk) == tuple(
        Job.objects.order_by("pk").values_list("pk", flat=True)
    )


@pytest.mark.parametrize("start", ["units", "residents"])
def test_both_imports_refuse_an_unknown_report_language_alike(building, start):
    arguments = {
        "actor": system_viewer(),
        "organisation_id": building.owner_id,
        "file_name": "x.csv",
        "content": UNITS_CSV,
        "language": "tr",
    }
    if start == "units":
        arguments["building_id"] = building.pk
    service = {
        "units": places_services.units_import_start,
        "residents": residents_services.residents_import_start,
    }[start]

    with pytest.raises(ApplicationError) as raised:
        service(**arguments)

    assert raised.value.message == "Onbekende taalcode: tr. Gebruik een van: nl, en."
    assert Job.objects.count() == 0


def test_register_refuses_a_second_runner_for_a_kind_and_job_start_an_unknown_kind(db):
    with pytest.raises(ValueError):
        jobs.register("units", label="units", run="somewhere.else")
    assert jobs.register("units", label="units", run="wijkregie.places.unit_import.units_job")
    with pytest.raises(LookupError):
        jobs.job_start(actor=system_viewer(), kind="posters", organisation_id=1, language="nl")


def _stale_running_job(building, settings) -> Job:
    """A unit import whose worker died while checking rows."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = places_services.units_import_start(
        actor=system_viewer(),
        organisation_id=building.owner_id,
        building_id=building.pk,
        file_name="units.csv",
        content=UNITS_CSV,
        language="en",
    )
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        status="running", attempts=1, processed_rows=1, total_rows=2, updated_at=an_hour_ago
    )
    return job


def test_a_job_whose_worker_died_is_resumed_and_runs_once(building, settings):
    job = _stale_running_job(building, settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    fresh = places_services.units_import_start(
        actor=system_viewer(),
        organisation_id=building.owner_id,
        building_id=building.pk,
        file_name="again.csv",
        content=UNITS_CSV,
        language="en",
    )

    assert jobs.job_resume_stale() == 1
    assert jobs.job_resume_stale() == 0  # finished now: nothing to resume

    job.refresh_from_db()
    assert (job.status, job.attempts, job.processed_rows, job.updated_count) == (
        "succeeded",
        2,
        2,
        0,
    )
    assert jobs.job_run(job_id=job.pk) == "skipped"
    assert Unit.objects.count() == 2
    assert Job.objects.get(pk=fresh.pk).attempts == 1  # a finished job is never resumed


def test_a_superseded_attempt_cannot_finish_the_job_and_rolls_its_write_back(building, settings):
    job = _stale_running_job(building, settings)
    old = jobs.JobRun(Job.objects.get(pk=job.pk))
    Job.objects.filter(pk=job.pk).update(attempts=2)  # resumed and claimed by a new worker

    with pytest.raises(jobs.JobSuperseded), transaction.atomic():
        Unit.objects.create(building=building, postcode="3521HZ", house_number=9, floor=0)
        old.succeed(total_rows=2, created=1)

    with pytest.raises(jobs.JobSuperseded):
        old.progress(2, 2)
    assert Unit.objects.count() == 0
    assert Job.objects.get(pk=job.pk).status == "running"


def test_a_runner_that_raises_leaves_the_job_failed_with_one_message(building, monkeypatch):
    def broken(run):
        raise RuntimeError("disk full")

    monkeypatch.setattr("wijkregie.places.unit_import.units_job", broken)

    job = places_services.units_import_start(
        actor=system_viewer(),
        organisation_id=building.owner_id,
        building_id=building.pk,
        file_name="units.csv",
        content=UNITS_CSV,
        language="nl",
    )

    assert (job.status, job.error_count, job.errors) == (
        "failed",
        1,
        [
            {
                "row": None,
                "column": "",
                "message": "De taak is gestopt door een onverwachte fout. Er is niets "
                "veranderd. Probeer het later opnieuw.",
            }
        ],
    )


def test_job_errors_keep_the_cap_count_all_and_sort_by_row_and_column(monkeypatch):
    monkeypatch.setattr(jobs, "MAX_REPORTED_ERRORS", 3)
    errors = jobs.JobErrors(["b", "a"])
    for row, column in [(3, "a"), (2, "a"), (2, "b"), (9, "b")]:
        errors.add(row, column, f"{row}{column}")

    assert errors.count == 4
    assert [e["message"] for e in errors.report()] == [
        "2b",
        "2a",
        "3a",
        "Nog 1 fouten worden niet getoond.",
    ]
