"""THE SHIELDING TEST (BRIEF 2).

A report is submitted with unique marker values for everything that identifies its
reporter. Then every professional page and API endpoint of the reports app, the resident
pages and Open311 are requested as every persona: members with and without intake roles of
the receiving organisation, intake members of organisations of every kind (and staff of
the police and the municipality), a superuser and an anonymous visitor. The markers may
appear only for the receiving organisation's intake with `reports.view_reporter_identity`,
and only where the identity block is shown. The passphrase appears nowhere.
"""

import io

from django.contrib.auth import get_user_model
from django.test import Client

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from PIL import Image

from tests.partners.factories import OrganisationFactory
from tests.places.factories import BuildingContactFactory, BuildingFactory, UnitFactory
from tests.reports.conftest import INTAKE
from wijkregie.core.access import ANONYMOUS
from wijkregie.partners.models import Membership, OrganisationKind
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import CommonArea, CommonAreaKind
from wijkregie.reports import services
from wijkregie.reports.models import Category, ContactMode, LocationKind
from wijkregie.reports.photos import sanitise_photo

NAME = "Zxqmarkername"
EMAIL = "zxqmarker@example.org"
PHONE = "0612345678"
IP = "203.0.113.77"
PASSPHRASE = "ZXQP-ASSP-HRSE"
MARKERS = (NAME, EMAIL, PHONE, IP)

STAFF = ["places.view_building", "residents.view_resident", "partners.view_directory"]
RECEIVER_ROLES = {
    "intake": INTAKE,
    "triage": ["reports.receive_reports", "places.view_building"],
    "wijkbeheerder": [
        *STAFF,
        "residents.view_resident_contact",
        "places.change_building",
    ],
    "privacy": ["core.view_auditentry", "partners.view_directory"],
    "beheerder": ["partners.manage_partners", "partners.view_directory", "places.view_building"],
}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def flat(db, make_professional, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    owner = OrganisationFactory(name="Woonstichting Markers", slug="ws-markers")
    building = BuildingFactory(name="De Markertoren", owner=owner, floors=4, entrances=["A", "B"])
    UnitFactory(building=building, floor=1, entrance="A", house_number=7)
    lift = CommonArea.objects.create(
        building=building, kind=CommonAreaKind.LIFT, name="Lift A", entrance="A"
    )
    users = {}
    for role, perms in RECEIVER_ROLES.items():
        users[f"owner_{role}"] = make_professional(
            f"owner_{role}", organisation=owner, permissions=perms
        )
    organisations = {}
    for kind in OrganisationKind.values:
        org = OrganisationFactory(name=f"Org {kind}", slug=f"org-{kind}", kind=kind)
        organisations[kind] = org
        roles = [("intake", INTAKE)]
        if kind in (OrganisationKind.POLICE, OrganisationKind.MUNICIPALITY):
            roles.append(("staff", STAFF))
        for role, perms in roles:
            user = make_professional(f"{kind}_{role}", organisation=org, permissions=perms)
            users[f"{kind}_{role}"] = user
            if kind != OrganisationKind.MEDIATION:  # every partner but one, as in the demo
                BuildingContactFactory(
                    building=building, membership=Membership.objects.get(user=user)
                )
    superuser = get_user_model().objects.create_superuser(
        "root", "root@example.org", "x-test-password-1"
    )
    Membership.objects.create(user=superuser, organisation=owner)
    TOTP.activate(superuser, generate_totp_secret())
    users["superuser"] = superuser

    reporter = services.ReporterDetails(
        name=NAME, email=EMAIL, phone=PHONE, ip=IP, passphrase=PASSPHRASE
    )
    common = {
        "actor": ANONYMOUS,
        "building": building,
        "category": Category.objects.get(slug="drug-dealing"),
        "location_kind": LocationKind.COMMON_AREA,
        "common_area": lift,
        "contact_mode": ContactMode.SHIELDED,
    }
    kept_result = services.report_submit(
        **common,
        description="Handel bij de lift.",
        reporter=reporter,
        photos=[sanitise_photo(_png())],
    )
    forwarded_result = services.report_submit(
        **common, description="Weer handel bij de lift.", reporter=reporter
    )
    kept, forwarded = kept_result.report, forwarded_result.report
    intake = viewer_for(users["owner_intake"])
    for result in (kept_result, forwarded_result):
        report = result.report
        services.report_status_change(
            actor=intake, report_id=report.pk, to_status="in_triage", internal_note="intern"
        )
        services.report_message_to_reporter(actor=intake, report_id=report.pk, body="Wanneer?")
        proven = services.report_passphrase_check(
            tracking_code=result.tracking_code, passphrase=result.passphrase
        )
        services.report_message_from_reporter(actor=proven, report=report, body="Elke avond.")
    police = organisations[OrganisationKind.POLICE]
    services.report_forward(actor=intake, report_id=forwarded.pk, to_organisation_id=police.pk)
    return {
        "users": users,
        "building": building,
        "kept": kept,
        "forwarded": forwarded,
        "photo": kept.photos.get(),
    }


def _requests(flat) -> list[tuple[str, str, dict]]:
    """(method, path, data) for every endpoint; per report where it takes one."""
    building = flat["building"]
    out = [
        ("get", "/", {}),
        ("get", "/reports/", {}),
        ("get", "/reports/", {"page_size": 100, "status": "in_triage"}),
        ("get", "/reports/observation/", {}),
        ("get", "/reports/observation/", {"building": building.pk}),
        ("get", "/api/v1/reports/", {}),
        ("get", "/api/v1/reports/", {"page_size": 200}),
        ("get", "/api/v1/reports/categories/", {}),
        ("get", "/melden/", {}),
        ("get", f"/melden/{building.public_code}/", {}),
        ("get", f"/melden/{building.public_code}/melding/", {}),
        ("get", f"/melden/{building.public_code}/contact/", {}),
        ("get", "/melden/volgen/", {}),
        ("get", "/open311/v2/discovery.json", {}),
        ("get", "/open311/v2/services.json", {}),
        ("get", "/open311/v2/requests.json", {}),
        ("get", "/open311/v2/requests.xml", {}),
    ]
    for report in (flat["kept"], flat["forwarded"]):
        pk = report.pk
        out += [
            ("get", f"/reports/{pk}/", {}),
            ("get", f"/reports/{pk}/status/text/", {"to_status": "resolved"}),
            ("post", f"/reports/{pk}/message/", {"body": ""}),
            ("post", f"/reports/{pk}/status/", {"to_status": "bogus"}),
            ("post", f"/reports/{pk}/forward/", {}),
            ("post", f"/reports/{pk}/category/", {}),
            ("get", f"/api/v1/reports/{pk}/", {}),
            ("get", f"/api/v1/reports/{pk}/timeline/", {}),
            ("get", f"/api/v1/reports/{pk}/messages/", {}),
            ("get", f"/api/v1/reports/{pk}/reporter/", {}),
            ("get", f"/open311/v2/requests/{pk}.json", {}),
            ("get", f"/open311/v2/requests/{pk}.xml", {}),
            ("get", f"/open311/v2/requests/{report.tracking_code}.json", {}),
        ]
    out.append(("get", f"/reports/{flat['kept'].pk}/photos/{flat['photo'].pk}/", {}))
    return out


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode("utf-8", errors="replace")


def _sweep(client, flat, *, schema: bool = False) -> dict[str, set[str]]:
    """Which markers each request's answer shows (only answers that show any)."""
    found = {}
    # The schema is the same for everyone (and slow to build): asked by a few only.
    extra = [("get", "/api/schema/", {})] if schema else []
    for method, path, data in _requests(flat) + extra:
        response = getattr(client, method)(path, data)
        assert response.status_code < 500, (method, path, response.status_code)
        body = _body(response)
        assert PASSPHRASE not in body and PASSPHRASE.replace("-", "") not in body, path
        shown = {m for m in MARKERS if m in body}
        if shown:
            found[f"{method} {path}"] = shown
    return found


def test_markers_appear_only_for_the_receiving_intake(flat):
    kept = flat["kept"].pk
    allowed = {
        # the report page and its forms re-rendered with an error, and the identity API
        f"get /reports/{kept}/",
        f"post /reports/{kept}/message/",
        f"post /reports/{kept}/status/",
        f"post /reports/{kept}/forward/",
        f"post /reports/{kept}/category/",
        f"get /api/v1/reports/{kept}/reporter/",
    }
    seen = {}
    for name, user in flat["users"].items():
        client = Client()
        client.force_login(user)
        seen[name] = _sweep(client, flat, schema=name in ("owner_intake", "police_intake"))
    seen["anonymous"] = _sweep(Client(), flat, schema=True)

    intake = seen.pop("owner_intake")
    assert set(intake) == allowed
    assert all(markers == set(MARKERS) for markers in intake.values())
    # The police receives the forwarded report, without the reporter's consent: pseudonym.
    assert {name: found for name, found in seen.items() if found} == {}


def test_reporter_follow_up_shows_no_contact_data(flat):
    client = Client()
    response = client.post(
        "/melden/volgen/",
        {"tracking_code": flat["kept"].tracking_code, "passphrase": PASSPHRASE},
    )
    assert response.status_code in (200, 302)
    page = client.get("/melden/volgen/melding/")
    body = _body(page)
    assert "Elke avond." in body  # the reporter's own thread is there
    assert not [m for m in (*MARKERS, PASSPHRASE) if m in body]
