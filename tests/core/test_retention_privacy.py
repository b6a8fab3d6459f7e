"""The privacy officer's tools: data-subject export (art. 15) and erasure (art. 17)."""

import io
import json
from datetime import date

from django.urls import reverse

import pytest
from pypdf import PdfReader

from tests.core.test_retention import EMAIL, FAMILY, GIVEN, NAME, PHONE, plant, traces
from tests.residents.factories import make_token
from wijkregie.core import privacy
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry, DataSubjectRequest
from wijkregie.partners.models import Organisation
from wijkregie.partners.roles import DEFAULT_ROLES
from wijkregie.partners.selectors import viewer_for
from wijkregie.reports.models import ReporterIdentity
from wijkregie.residents import selectors as resident_selectors
from wijkregie.residents.models import ContactMoment, Resident

OFFICER = ["core.handle_data_subject_requests", "core.view_auditentry"]
RESIDENT = "residents.resident"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def case(db, make_professional, media):
    """A moved-out resident of De Kas (landlord Plant) with every kind of data; the
    landlord's officer and staff, and the officer of another corporation."""
    planted = plant(closed_days_ago=10)
    other = Organisation.objects.create(name="Woonstichting Elders", slug="elders")
    users = {
        "officer": make_professional("officer", organisation=planted.landlord, permissions=OFFICER),
        "staff": make_professional(
            "staff",
            organisation=planted.landlord,
            permissions=["residents.view_resident", "residents.view_resident_contact"],
        ),
        "other_officer": make_professional(
            "other_officer", organisation=other, permissions=OFFICER
        ),
        "auditor": make_professional(
            "auditor", organisation=planted.landlord, permissions=["core.view_auditentry"]
        ),
    }
    planted.users = users
    planted.other = other
    return planted


def test_the_privacy_officer_role_handles_data_subject_requests():
    assert "core.handle_data_subject_requests" in DEFAULT_ROLES["privacy-officer"][1]
    others = [
        s for s, (_, codes) in DEFAULT_ROLES.items() if "core.handle_data_subject_requests" in codes
    ]
    assert others == ["privacy-officer"]


def test_the_export_holds_the_data_of_every_app_and_who_read_it(case):
    officer = viewer_for(case.users["officer"])
    resident_selectors.resident_get(
        viewer=viewer_for(case.users["staff"]), id=case.resident.pk, include_contact_history=True
    )

    export = privacy.data_subject_export(
        viewer=officer, subject_type=RESIDENT, subject_id=case.resident.pk
    ).as_json()

    assert export["subject"] == {"type": RESIDENT, "id": case.resident.pk}
    assert [c["key"] for c in export["categories"]] == [
        "residents.resident",
        "residents.contact_history",
        "reports.reporter_contact",
        "chat.members",
    ]
    resident, contact, reports, _chat = (c["records"] for c in export["categories"])
    assert len(resident) == 1
    assert (resident[0]["given_name"], resident[0]["family_name"]) == (GIVEN, FAMILY)
    assert (resident[0]["email"], resident[0]["phone"]) == (EMAIL, PHONE)
    assert resident[0]["occupancies"] == [
        {
            "building": "De Kas",
            "address": case.resident.occupancies.get().unit.address,
            "kind": "Hoofdhuurder",
            "from": "2015-01-01",
            "until": "2020-03-31",
        }
    ]
    assert [m["summary"] for m in contact] == ["Bewoner belde over de lift."]
    assert [
        (r["tracking_code"], r["name"], r["email"], r["phone"], r["photos"]) for r in reports
    ] == [(case.report.tracking_code, NAME, EMAIL, PHONE, 1)]
    log = [(e["actor"], e["action"], e["object_type"]) for e in export["access_log"]]
    assert log == [
        ("anonymous", "create", "reports.reporteridentity"),
        ("staff", "view", RESIDENT),
        ("officer", "export", RESIDENT),
    ]
    assert DataSubjectRequest.objects.get().kind == "export"


def test_another_organisation_and_people_without_the_permission_find_nobody(case):
    other = viewer_for(case.users["other_officer"])
    with pytest.raises(NotFound):
        privacy.data_subject_export(
            viewer=other, subject_type=RESIDENT, subject_id=case.resident.pk
        )
    assert privacy.data_subject_search(viewer=other, query=FAMILY) == []
    for name in ("staff", "auditor"):
        with pytest.raises(PermissionDenied):
            privacy.data_subject_search(viewer=viewer_for(case.users[name]), query=FAMILY)
        with pytest.raises(PermissionDenied):
            privacy.data_subject_erase(
                actor=viewer_for(case.users[name]),
                subject_type=RESIDENT,
                subject_id=case.resident.pk,
                reason="Verzoek per brief van 3 december.",
            )
    assert Resident.objects.filter(pk=case.resident.pk).exists()
    assert DataSubjectRequest.objects.count() == 0


def test_search_finds_own_residents_by_name_email_phone_or_number_and_is_audited(case):
    officer = viewer_for(case.users["officer"])
    for query in (FAMILY.lower(), f"{GIVEN} {FAMILY[:5]}", EMAIL.upper(), PHONE, "p0001"):
        found = privacy.data_subject_search(viewer=officer, query=query)
        assert [(s.id, s.label) for s in found] == [(case.resident.pk, NAME)], query
    assert privacy.data_subject_search(viewer=officer, query="z") == []
    entry = AuditEntry.objects.filter(action="list", object_type=RESIDENT).first()
    assert (entry.actor_label, entry.object_ids) == ("officer", [str(case.resident.pk)])


def test_erasure_of_a_moved_out_resident_leaves_nothing_behind(case, media):
    officer = viewer_for(case.users["officer"])

    done = privacy.data_subject_erase(
        actor=officer,
        subject_type=RESIDENT,
        subject_id=case.resident.pk,
        reason="Verzoek per brief van 3 december; geen bewaarplicht.",
    )

    assert done.erased == {
        "reports.reporter_contact": 1,
        "residents.contact_history": 1,
        "residents.resident": 1,
        "chat.members": 0,
    }
    assert done.held == {}
    assert (done.kind, done.reason, done.actor_label) == (
        "erasure",
        "Verzoek per brief van 3 december; geen bewaarplicht.",
        "officer",
    )
    # The import file is not the resident's record: the import-file retention empties it.
    assert traces() == ["core.Job.content", "core.Job.errors"]
    entry = AuditEntry.objects.filter(action="erase", object_type=RESIDENT).first()
    assert entry.context_label == "Verzoek per brief van 3 december; geen bewaarplicht."
    assert entry.fields == sorted(done.erased)
    assert ReporterIdentity.objects.get(report=case.report).contact_erased_at is not None


def test_a_running_tenancy_keeps_the_resident_but_erases_the_rest(case):
    case.resident.occupancies.update(end_date=None)
    officer = viewer_for(case.users["officer"])

    plan = privacy.data_subject_erasure_plan(
        viewer=officer, subject_type=RESIDENT, subject_id=case.resident.pk
    )
    assert [c.key for c in plan.erasable] == [
        "residents.contact_history",
        "reports.reporter_contact",
        "chat.members",
    ]
    assert [c.key for c, _why in plan.held] == ["residents.resident"]

    done = privacy.data_subject_erase(
        actor=officer,
        subject_type=RESIDENT,
        subject_id=case.resident.pk,
        reason="Verzoek per e-mail van 2 december.",
    )

    assert done.erased == {
        "reports.reporter_contact": 1,
        "residents.contact_history": 1,
        "chat.members": 0,
    }
    assert list(done.held) == ["residents.resident"]
    assert done.held["residents.resident"].startswith("De huur loopt nog")
    assert Resident.objects.filter(pk=case.resident.pk).exists()
    assert not ContactMoment.objects.exists()
    assert ReporterIdentity.objects.get(report=case.report).email == ""


def test_erasure_needs_a_reason(case):
    officer = viewer_for(case.users["officer"])
    for reason in ("", "   kort   "):
        with pytest.raises(ApplicationError) as raised:
            privacy.data_subject_erase(
                actor=officer, subject_type=RESIDENT, subject_id=case.resident.pk, reason=reason
            )
        assert raised.value.message == ("Geef de reden voor de verwijdering (minstens 10 tekens).")
    assert Resident.objects.filter(pk=case.resident.pk).exists()


# --- pages -------------------------------------------------------------------------------


def test_the_pages_find_show_export_and_erase(case, login):
    client = login(case.users["officer"])
    index = client.get(reverse("core:privacy"), {"q": FAMILY}, HTTP_ACCEPT_LANGUAGE="en")
    assert index.status_code == 200
    subject_url = reverse(
        "core:privacy_subject", kwargs={"subject_type": RESIDENT, "subject_id": case.resident.pk}
    )
    assert f'href="{subject_url}">{NAME}</a>' in index.content.decode()

    page = client.get(subject_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<td class="utrecht-table__cell">730 dagen na de verhuizing</td>' in html
    assert html.count('<td class="utrecht-table__cell">Mogelijk</td>') == 4
    assert "Nu niet: er geldt een bewaarplicht" not in html
    case.resident.occupancies.update(end_date=None)
    held = client.get(subject_url).content.decode()
    assert held.count('<td class="utrecht-table__cell">Mogelijk</td>') == 3
    assert (
        held.count('<td class="utrecht-table__cell">Nu niet: er geldt een bewaarplicht</td>') == 1
    )
    case.resident.occupancies.update(end_date=date(2020, 3, 31))

    json_url = reverse(
        "core:privacy_export",
        kwargs={"subject_type": RESIDENT, "subject_id": case.resident.pk, "export_format": "json"},
    )
    answer = client.get(json_url)
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert answer["Content-Disposition"].startswith('attachment; filename="data-subject-resident-')
    assert json.loads(answer.content)["categories"][0]["records"][0]["email"] == EMAIL

    pdf = client.get(json_url.replace("export.json", "export.pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert EMAIL in text and "Bewoner belde over de lift." in text
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert reader.metadata.title == "Uw persoonsgegevens bij Wijkregie"

    bad = client.post(subject_url, {"reason": "kort"})
    assert bad.status_code == 400
    assert Resident.objects.filter(pk=case.resident.pk).exists()

    done = client.post(
        subject_url, {"reason": "Verzoek per brief van 3 december.", "confirm": "on"}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("core:privacy")
    assert not Resident.objects.filter(pk=case.resident.pk).exists()


def test_the_pages_refuse_others(case, login):
    subject_url = reverse(
        "core:privacy_subject", kwargs={"subject_type": RESIDENT, "subject_id": case.resident.pk}
    )
    client = login(case.users["other_officer"])
    assert client.get(subject_url).status_code == 404
    assert (
        client.post(subject_url, {"reason": "Verzoek per brief.", "confirm": "on"}).status_code
        == 404
    )
    assert client.get(subject_url.replace(RESIDENT, "reports.report")).status_code == 404
    client = login(case.users["staff"])
    assert client.get(reverse("core:privacy")).status_code == 403
    assert client.get(subject_url).status_code == 403
    assert Resident.objects.filter(pk=case.resident.pk).exists()


# --- API ---------------------------------------------------------------------------------


def test_the_api_exports_and_erases(case, client):
    key = make_token(case.users["officer"], case.landlord)
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    url = f"/api/v1/residents/{case.resident.pk}/data-subject-export/"
    answer = client.get(url, **headers)
    assert answer.status_code == 200
    assert answer.json()["subject"] == {"type": RESIDENT, "id": case.resident.pk}

    erase = f"/api/v1/residents/{case.resident.pk}/data-subject-erasure/"
    assert (
        client.post(erase, {"reason": "x"}, content_type="application/json", **headers).status_code
        == 400
    )
    answer = client.post(
        erase,
        {"reason": "Verzoek via de API, 3 december."},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 201
    assert answer.json()["erased"]["residents.resident"] == 1

    other = make_token(case.users["other_officer"], case.other)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {other}").status_code == 404
