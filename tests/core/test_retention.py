"""The retention registry and the one scheduled purge (core.retention)."""

import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone, translation

import pytest
from PIL import Image

from tests.places.factories import BuildingFactory, UnitFactory
from tests.residents.factories import make_contact_moment, make_occupancy, make_resident
from wijkregie.core import retention
from wijkregie.core.access import ANONYMOUS, system_viewer
from wijkregie.core.models import Job
from wijkregie.partners.models import Organisation
from wijkregie.reports.models import Category, ContactMode, Report, ReporterIdentity, ReportPhoto
from wijkregie.reports.photos import sanitise_photo
from wijkregie.reports.services import ReporterDetails, report_submit
from wijkregie.residents.models import ContactMoment, Resident

# What a purge or an erasure must leave nowhere (unusual, so no other row holds them).
NAME = "Zwaantje Plantinga-Oosterwold"
GIVEN, FAMILY = NAME.split(" ", 1)
EMAIL = "zwaantje.planted@example.test"
PHONE = "0687654321"
PLANTED = (GIVEN, FAMILY, EMAIL, PHONE)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Planted:
    landlord: Organisation
    resident: Resident
    report: Report
    photo_files: list[str]
    job: Job


def plant(*, landlord=None, moved_out: date | None = date(2020, 3, 31), closed_days_ago=None):
    """A resident with every kind of personal data the apps keep: the resident, a
    tenancy, contact history, a report they made (with contact details and a photo,
    closed `closed_days_ago` days ago, or open) and an import file naming them."""
    landlord = landlord or Organisation.objects.create(name="Woonstichting Plant", slug="plant")
    building = BuildingFactory(owner=landlord, name="De Kas")
    unit = UnitFactory(building=building, floor=1, entrance="A", house_number=7)
    resident = make_resident(
        landlord, "P0001", given_name=GIVEN, family_name=FAMILY, email=EMAIL, phone=PHONE
    )
    make_occupancy(resident, unit, start=date(2015, 1, 1), end=moved_out)
    make_contact_moment(resident, landlord, "Bewoner belde over de lift.")
    result = report_submit(
        actor=ANONYMOUS,
        building=building,
        category=Category.objects.get(slug="litter"),
        description="Afval bij de ingang.",
        contact_mode=ContactMode.SHIELDED,
        reporter=ReporterDetails(name=NAME, email=EMAIL, phone=PHONE, ip="198.51.100.9"),
        photos=[sanitise_photo(png())],
    )
    report = result.report
    if closed_days_ago is not None:
        closed = datetime.now(UTC) - timedelta(days=closed_days_ago)
        Report.objects.filter(pk=report.pk).update(status="closed", closed_at=closed)
    job = Job.objects.create(
        kind="residents",
        status=Job.Status.SUCCEEDED,
        created_by=_any_user(),
        organisation_id=landlord.pk,
        file_name="bewoners.csv",
        content=f"P0001;{GIVEN};{FAMILY};{EMAIL};{PHONE}\n".encode(),
        errors=[{"row": 2, "message": f"{EMAIL} twice"}],
        finished_at=datetime(2020, 4, 1, tzinfo=UTC),
    )
    files = list(ReportPhoto.objects.filter(report=report).values_list("file", flat=True))
    return Planted(landlord, resident, report, files, job)


def _any_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="importer")
    return user


SCANNED = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.BinaryField,
    models.GenericIPAddressField,
)


def traces(values=PLANTED, media_root=None) -> list[str]:
    """Every table column (all models, auto-created ones too) and uploaded file that
    still holds one of `values`, as "app.model.field" or "media:path"."""
    needles = [v.lower() for v in values]
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields if isinstance(f, SCANNED)]
        if not fields:
            continue
        names = [f.attname for f in fields]
        for row in model._base_manager.values_list(*names).iterator():
            for name, value in zip(names, row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes | memoryview):
                    text = bytes(value).decode("utf-8", "replace").lower()
                else:
                    text = str(value).lower()
                for needle in needles:
                    if needle in text:
                        found.append(f"{model._meta.label}.{name}")
    if media_root:
        for folder, _dirs, files in os.walk(media_root):
            for file_name in files:
                path = os.path.join(folder, file_name)
                content = open(path, "rb").read().lower()  # noqa: SIM115
                hit = any(n.encode() in content for n in needles)
                found.append(f"media:{os.path.relpath(path, media_root)}" + (" (data)" * hit))
    return sorted(set(found))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


def test_every_app_registers_its_categories():
    assert [c.key for c in retention.categories()] == [
        "residents.resident",
        "residents.contact_history",
        "reports.reporter_contact",
        "reports.report",
        "core.import_files",
        "chat.messages",
        "chat.members",
    ]
    assert [s.type for s in retention.subject_sources()] == ["residents.resident"]
    held = {c.key for c in retention.categories() if c.legal_hold}
    assert held == {"residents.resident"}


def test_the_retention_texts_follow_the_settings_and_the_language(settings):
    settings.WIJKREGIE_RESIDENT_RETENTION_DAYS = 400
    settings.WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS = 90
    with translation.override("en"):
        texts = {c.key: str(c.retention) for c in retention.categories()}
    assert texts["residents.resident"] == "400 days after moving out"
    assert texts["reports.reporter_contact"] == "90 days after the report was closed"
    assert texts["core.import_files"] == "30 days after the import finished"
    with translation.override("nl"):
        assert str(retention.category("residents.resident").retention) == (
            "400 dagen na de verhuizing"
        )


@pytest.mark.django_db
def test_a_purge_leaves_nothing_behind_in_any_table_or_file(
    media, django_capture_on_commit_callbacks
):
    planted = plant(closed_days_ago=6 * 365)
    before = traces(media_root=media)
    # The planted data is everywhere the apps keep personal data (so the scan can fail).
    assert before == sorted(
        [
            f"media:{planted.photo_files[0]}",
            "core.Job.content",
            "core.Job.errors",
            "reports.ReporterIdentity.email",
            "reports.ReporterIdentity.name",
            "reports.ReporterIdentity.phone",
            "residents.Resident.email",
            "residents.Resident.family_name",
            "residents.Resident.given_name",
            "residents.Resident.phone",
        ]
    )

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # photo files go on commit
        call_command("retention_purge", stdout=out)

    assert out.getvalue().splitlines() == [
        "residents.resident: 1",
        "reports.reporter_contact: 1",
        "reports.report: 1",
        "core.import_files: 1",
        "chat.messages: 0",
    ]
    assert traces(media_root=media) == []
    assert not Resident.objects.exists()
    assert not ContactMoment.objects.exists()
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_purge_keeps_what_is_within_its_retention(media):
    planted = plant(moved_out=None, closed_days_ago=30)
    Job.objects.filter(pk=planted.job.pk).update(finished_at=datetime.now(UTC))

    result = retention.retention_purge()

    assert result.counts == {
        "residents.resident": 0,
        "reports.reporter_contact": 0,
        "reports.report": 0,
        "core.import_files": 0,
        "chat.messages": 0,
    }
    assert result.failed == {}
    assert ReporterIdentity.objects.get(report=planted.report).email == EMAIL
    assert Resident.objects.filter(pk=planted.resident.pk).exists()
    assert len(traces(media_root=media)) == 10


@pytest.mark.django_db
def test_a_resident_is_purged_the_set_number_of_days_after_moving_out(settings, media):
    settings.WIJKREGIE_RESIDENT_RETENTION_DAYS = 100
    planted = plant(moved_out=timezone.localdate() - timedelta(days=99))
    assert retention.retention_purge().counts["residents.resident"] == 0
    Resident.objects.get(pk=planted.resident.pk).occupancies.update(
        end_date=timezone.localdate() - timedelta(days=101)
    )
    assert retention.retention_purge().counts["residents.resident"] == 1
    assert not Resident.objects.filter(pk=planted.resident.pk).exists()


@pytest.mark.django_db
def test_a_failing_purger_is_reported_and_the_others_still_run(monkeypatch, media):
    plant(closed_days_ago=6 * 365)

    def broken(now):
        raise RuntimeError("disk full")

    registry = dict(retention._categories)
    registry["aaa.broken"] = retention.PersonalDataCategory(
        key="aaa.broken", label="Broken", retention="never", purge=broken, order=0
    )
    monkeypatch.setattr(retention, "_categories", registry)

    with pytest.raises(CommandError) as raised:
        call_command("retention_purge", stdout=io.StringIO())

    assert str(raised.value) == "retention purge failed for: aaa.broken (RuntimeError)"
    assert not Resident.objects.exists()
    assert not Report.objects.exists()


def test_the_system_viewer_is_not_an_officer_of_any_organisation():
    assert system_viewer().organisations_with("core.handle_data_subject_requests") == frozenset()
