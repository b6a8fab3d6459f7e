"""The reporter as a principal: proven for one report by the tracking code and passphrase
(or the signed e-mail link), and the only key to the reporter-side services."""

import inspect
import io

from django.core.exceptions import ImproperlyConfigured

import pytest
from PIL import Image

from tests.reports.factories import reporter_of, submit
from wijkregie.core.access import (
    PrincipalIssuer,
    ResidentPrincipal,
    principal_issuer,
    system_viewer,
)
from wijkregie.core.exceptions import NotFound
from wijkregie.reports import services
from wijkregie.reports.models import (
    ContactMode,
    ReporterIdentity,
    ReportEvent,
    ReportMessage,
    ReportPhoto,
)
from wijkregie.reports.passphrases import follow_up_link_token
from wijkregie.reports.photos import sanitise_photo
from wijkregie.reports.selectors import reporter_report_get

REPORTER_SERVICES = (
    services.report_message_from_reporter,
    services.report_photo_add,
    services.reporter_contact_update,
)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_passphrase_check_proves_the_reporter_of_that_report_only(world):
    mine, theirs = submit(world), submit(world)

    reporter = reporter_of(mine)

    assert reporter.proof == "passphrase"
    assert reporter.is_for(mine.report) is True
    assert reporter.is_for(theirs.report) is False
    assert reporter.is_for(world.building) is False  # another kind of object, same id space
    assert reporter_report_get(reporter=reporter) == mine.report


def test_nobody_but_the_proving_function_makes_a_principal(world):
    report = submit(world).report

    with pytest.raises(TypeError):
        ResidentPrincipal(subject_type="reports.report", subject_id=report.pk, proof="passphrase")
    with pytest.raises(TypeError):
        PrincipalIssuer("reports.report")
    with pytest.raises(ImproperlyConfigured):  # reports.passphrases holds it
        principal_issuer("reports.report")
    with pytest.raises(AttributeError):
        reporter_of(submit(world)).subject_id = report.pk


def test_reporter_services_take_the_principal(world):
    for service in REPORTER_SERVICES:
        parameter = inspect.signature(service).parameters["actor"]
        assert parameter.annotation is ResidentPrincipal, service.__name__
        assert parameter.default is inspect.Parameter.empty, service.__name__


@pytest.mark.parametrize("who", ["other_reporter", "system", "nobody"])
def test_reporter_services_refuse_anyone_but_the_reporter_of_that_report(world, who):
    report = submit(world).report
    actor = {
        "other_reporter": reporter_of(submit(world)),
        "system": system_viewer(),
        "nobody": None,
    }[who]
    events_before = ReportEvent.objects.filter(report=report).count()

    with pytest.raises(NotFound):
        services.report_message_from_reporter(actor=actor, report=report, body="Ik niet.")
    with pytest.raises(NotFound):
        services.report_photo_add(actor=actor, report=report, photo=sanitise_photo(_png()))
    with pytest.raises(NotFound):
        services.reporter_contact_update(actor=actor, report=report, email="x@example.org")

    assert ReportMessage.objects.filter(report=report).count() == 0
    assert ReportPhoto.objects.filter(report=report).count() == 0
    assert ReporterIdentity.objects.get(report_id=report.pk).email == "ann@example.org"
    assert ReportEvent.objects.filter(report=report).count() == events_before


def test_reporter_services_act_for_the_proven_reporter(world):
    result = submit(world)
    reporter = reporter_of(result)

    services.report_message_from_reporter(actor=reporter, report=result.report, body="Nog iets.")
    services.report_photo_add(actor=reporter, report=result.report, photo=sanitise_photo(_png()))
    services.reporter_contact_update(actor=reporter, report=result.report, email="b@example.org")

    assert list(ReportMessage.objects.values_list("body", flat=True)) == ["Nog iets."]
    assert ReportPhoto.objects.get(report=result.report).uploaded_by_reporter is True
    assert ReporterIdentity.objects.get(report_id=result.report.pk).email == "b@example.org"


def test_a_sealed_principal_resumes_while_the_session_lasts(world, settings):
    reporter = reporter_of(submit(world))
    sealed = services.reporter_principal_seal(reporter)

    resumed = services.reporter_principal_resume(sealed)
    assert (resumed, resumed.proof) == (reporter, "passphrase")
    assert services.reporter_principal_resume(sealed[:-2] + "xx") is None
    assert services.reporter_principal_resume({"id": reporter.subject_id}) is None
    settings.WIJKREGIE_FOLLOW_UP_SESSION_SECONDS = -1
    assert services.reporter_principal_resume(sealed) is None


def test_the_follow_up_link_proves_a_reporter_who_left_an_address_only(world):
    shielded = submit(world).report
    anonymous = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter=None).report

    reporter = services.report_follow_up_link_check(token=follow_up_link_token(shielded.pk))

    assert (reporter.is_for(shielded), reporter.proof) == (True, "link")
    with pytest.raises(services.FollowUpRefused):
        services.report_follow_up_link_check(token=follow_up_link_token(anonymous.pk))
    with pytest.raises(services.FollowUpRefused):
        services.report_follow_up_link_check(token="not-a-token")
