"""Open311 GeoReport v2 at /open311/v2/, checked against the specification's tables
(https://wiki.open311.org/GeoReport_v2): field names and order, required and optional
arguments, the error format and codes, XML and JSON. The read side must publish nothing
that identifies a reporter or the unit."""

import importlib
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

import pytest

from tests.places.factories import BuildingFactory, UnitFactory
from tests.reports.factories import submit
from wijkregie.core.access import system_viewer
from wijkregie.partners.models import ApiToken
from wijkregie.reports import services
from wijkregie.reports.models import (
    Category,
    Channel,
    ContactMode,
    LocationKind,
    Report,
    ReporterIdentity,
    ReportIdempotencyKey,
    ReportStatusChange,
)
from wijkregie.reports.open311 import render as open311_render
from wijkregie.reports.open311 import views as open311_views
from wijkregie.reports.workflows import ReportStatus

BASE = "/open311/v2"
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_CODES = [
    "crime-in-progress",
    "threats",
    "arson-fire-risk",
    "nitrous-oxide",
    "drug-dealing",
    "litter",
    "vandalism",
    "illegal-subletting",
    "noise-nuisance",
    "unsafe-common-area",
    "other",
]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def _database_up():
    open311_views._database_down_until = 0.0
    yield
    open311_views._database_down_until = 0.0


def place(building, lat="52.115938", long="5.113022"):
    building.latitude, building.longitude = Decimal(lat), Decimal(long)
    building.save(update_fields=["latitude", "longitude"])
    return building


def make_token(organisation, name="Buurt-app") -> tuple[ApiToken, str]:
    user = get_user_model().objects.create_user(username=f"app-{organisation.slug}-{name}")
    prefix, key = ApiToken.new_key()
    token = ApiToken.objects.create(
        organisation=organisation,
        user=user,
        name=name,
        prefix=prefix,
        key_hash=ApiToken.hash_key(key),
    )
    return token, key


@pytest.fixture
def api_key(world):
    return make_token(world.owner)[1]


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def xml_errors(response) -> list[tuple[str, str]]:
    root = xml_of(response)
    assert root.tag == "errors"
    return [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]


def create(client, world, api_key, fmt="json", **params):
    data = {
        "api_key": api_key,
        "service_code": "litter",
        "attribute[building_code]": world.building.public_code,
        "description": "Vuilniszakken bij de ingang.",
    }
    data.update(params)
    data = {k: v for k, v in data.items() if v is not None}
    headers = data.pop("headers", {})
    return client.post(f"{BASE}/requests.{fmt}", data, headers=headers)


# --- Discovery and services ---------------------------------------------------------------


def test_discovery_in_xml_and_json(world, client):
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    data = json_of(client.get(f"{BASE}/discovery.json"))

    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert [child.tag for child in endpoint] == [
        "specification",
        "url",
        "changeset",
        "type",
        "formats",
    ]
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2/"
    assert data["endpoints"][0]["type"] == "production"


def test_the_service_list_has_the_specifications_fields_in_order(world, client):
    root = xml_of(client.get(f"{BASE}/services.xml"))
    data = json_of(client.get(f"{BASE}/services.json"))

    services_xml = root.findall("service")
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in services_xml] == SERVICE_CODES
    for service in services_xml:
        assert [child.tag for child in service] == SERVICE_FIELDS
        assert service.findtext("metadata") == "true"
        assert service.findtext("type") == "realtime"
    assert [list(s) for s in data] == [SERVICE_FIELDS] * len(SERVICE_CODES)
    litter = next(s for s in data if s["service_code"] == "litter")
    assert litter["service_name"] == "Litter and pollution"
    assert litter["description"] == "Rubbish, bulky waste or dirt in and around the building."
    assert litter["metadata"] is True
    assert "litter" in litter["keywords"]


def test_the_contact_request_is_not_a_service(world, client):
    data = json_of(client.get(f"{BASE}/services.json"))

    assert "contact" not in [s["service_code"] for s in data]
    assert client.get(f"{BASE}/services/contact.json").status_code == 404


def test_service_names_follow_the_accept_language_of_the_professional_languages(world, client):
    data = json_of(client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="nl"))

    assert next(s for s in data if s["service_code"] == "litter")["service_name"] == (
        "Afval en vervuiling"
    )


def test_the_service_definition_lists_its_attributes(world, client):
    root = xml_of(client.get(f"{BASE}/services/litter.xml"))
    data = json_of(client.get(f"{BASE}/services/litter.json"))

    assert root.tag == "service_definition"
    assert [child.tag for child in root] == ["service_code", "attributes"]
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == [
        "building_code",
        "location",
        "floor",
        "entrance",
        "common_area",
        "occurred_at",
        "contact_mode",
    ]
    for attribute in attributes:
        assert [child.tag for child in attribute] == ATTRIBUTE_FIELDS
        assert attribute.findtext("variable") == "true"
    location = next(a for a in data["attributes"] if a["code"] == "location")
    assert location["datatype"] == "singlevaluelist"
    assert [v["key"] for v in location["values"]] == LocationKind.values
    assert list(location["values"][0]) == ["key", "name"]
    floor = next(a for a in data["attributes"] if a["code"] == "floor")
    assert (floor["datatype"], floor["required"], floor["order"]) == ("number", False, 3)
    assert data["service_code"] == "litter"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_an_unknown_service_code_is_a_404_in_the_error_format(world, client, fmt):
    response = client.get(f"{BASE}/services/no-such-thing.{fmt}")

    assert response.status_code == 404
    if fmt == "xml":
        assert xml_errors(response) == [("404", "Unknown service_code: no-such-thing.")]
    else:
        assert json_of(response) == [
            {"code": 404, "description": "Unknown service_code: no-such-thing."}
        ]


# --- POST a service request ------------------------------------------------------------------


def test_post_creates_a_report_through_the_report_service(world, client, api_key):
    response = create(client, world, api_key)

    assert response.status_code == 200
    data = json_of(response)
    report = Report.objects.get()
    assert [list(row) for row in data] == [
        ["service_request_id", "token", "service_notice", "account_id"]
    ]
    assert data[0]["service_request_id"] == str(report.pk)
    assert data[0]["account_id"] is None
    assert (report.channel, report.building, report.category.slug) == (
        Channel.OPEN311,
        world.building,
        "litter",
    )
    assert report.contact_mode == ContactMode.ANONYMOUS
    assert report.receiving_organisation == world.owner


def test_post_in_xml(world, client, api_key):
    response = create(client, world, api_key, fmt="xml", service_code="threats")

    root = xml_of(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [c.tag for c in request] == [
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    ]
    assert request.findtext("service_request_id") == str(Report.objects.get().pk)
    assert request.findtext("service_notice") == "Is there danger right now? Call 112 first."


def test_post_with_contact_data_is_shielded_and_the_app_sees_no_passphrase(world, client, api_key):
    response = create(
        client,
        world,
        api_key,
        email="ann@example.org",
        first_name="Ann",
        last_name="Melder",
        phone="0612345678",
        device_id="DEVICE-MARKER",
        account_id="ACCOUNT-MARKER",
    )

    assert response.status_code == 200
    report = Report.objects.get()
    identity = ReporterIdentity.objects.get(report_id=report.pk)
    assert report.contact_mode == ContactMode.SHIELDED
    assert (identity.name, identity.email, identity.phone) == (
        "Ann Melder",
        "ann@example.org",
        "0612345678",
    )
    body = response.content.decode()
    assert report.tracking_code not in body
    assert "DEVICE-MARKER" not in str(Report.objects.values()) + str(
        ReporterIdentity.objects.values()
    )


def test_post_with_the_attributes(world, client, api_key):
    response = create(
        client,
        world,
        api_key,
        **{
            "attribute[location]": "common_area",
            "attribute[common_area]": "lift",
            "attribute[entrance]": "A",
            "attribute[floor]": "2",
            "attribute[occurred_at]": "2024-05-06T21:30:00+02:00",
        },
    )

    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.location_kind, report.common_area, report.floor, report.entrance) == (
        LocationKind.COMMON_AREA,
        world.lift,
        2,
        "A",
    )
    assert report.occurred_at.isoformat() == "2024-05-06T19:30:00+00:00"


def test_post_finds_the_building_by_address_string(world, client, api_key):
    UnitFactory(building=world.building, house_number=30, postcode="3521HZ")

    response = create(
        client,
        world,
        api_key,
        **{
            "attribute[building_code]": None,
            "address_string": "Horizonlaan 30, 3521 HZ Rivierstad",
        },
    )

    assert response.status_code == 200
    assert Report.objects.get().building == world.building


def test_post_finds_the_building_by_address_id(world, client, api_key):
    response = create(
        client,
        world,
        api_key,
        **{"attribute[building_code]": None, "address_id": world.building.public_code},
    )

    assert response.status_code == 200
    assert Report.objects.get().building == world.building


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_wrong_api_key_is_a_403_and_nothing_is_stored(world, client, fmt):
    make_token(world.owner)

    response = create(client, world, "wr_deadbeef_not-the-key", fmt=fmt)

    assert response.status_code == 403
    expected = [("403", "Invalid api_key.")]
    if fmt == "xml":
        assert xml_errors(response) == expected
    else:
        assert json_of(response) == [{"code": 403, "description": "Invalid api_key."}]
    assert Report.objects.count() == 0


def test_a_revoked_key_is_a_403(world, client):
    token, key = make_token(world.owner)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])

    response = create(client, world, key)

    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_a_missing_api_key_is_a_400(world, client):
    response = create(client, world, None)

    assert response.status_code == 400
    assert json_of(response) == [{"code": 400, "description": "api_key is required."}]


def test_an_unknown_service_code_on_post_is_a_404_and_nothing_is_stored(world, client, api_key):
    response = create(client, world, api_key, fmt="xml", service_code="potholes")

    assert response.status_code == 404
    assert xml_errors(response) == [("404", "Unknown service_code: potholes.")]
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"service_code": None}, "service_code is required."),
        (
            {"attribute[building_code]": None},
            "A location is required: lat and long, attribute[building_code], address_id "
            "or address_string.",
        ),
        (
            {"attribute[building_code]": "NOPE"},
            "No building has this code. Check attribute[building_code] or address_id.",
        ),
        ({"attribute[floor]": "tweede"}, "attribute[floor] must be a whole number."),
        ({"attribute[floor]": "99"}, "floor: This building has no such floor."),
        (
            {"attribute[occurred_at]": "gisteren"},
            "attribute[occurred_at] must be a W3C date and time, e.g. "
            "2026-03-01T21:30:00+01:00 or 2026-03-01T21:30.",
        ),
        (
            {"attribute[location]": "roof-top"},
            "attribute[location] is not one of the listed values.",
        ),
        ({"lat": "north"}, "lat must be a number of degrees from -90 to 90 (WGS84)."),
        (
            {"lat": "52.1", "long": "nan"},
            "long must be a number of degrees from -180 to 180 (WGS84).",
        ),
        ({"lat": "52.1"}, "Send lat and long together."),
        (
            {"attribute[building_code]": None, "address_string": "Nergensweg 1, 9999 ZZ Nergens"},
            "address_string does not name an address we know. Send the postcode and "
            "house number, e.g. Horizonlaan 12, 3521 HZ Rivierstad.",
        ),
        (
            {"attribute[common_area]": "swimming_pool"},
            "attribute[common_area] is not one of the listed values.",
        ),
        (
            {"attribute[contact_mode]": "public"},
            "attribute[contact_mode] is not one of the listed values.",
        ),
        (
            {"attribute[contact_mode]": "shielded"},
            "email: Leave an e-mail address or a phone number, or report anonymously.",
        ),
        ({"description": ""}, "description is required: tell what happened."),
        (
            {"description": "x" * 1_000_000},
            "description may be at most 20,000 characters; this one has 1,000,000.",
        ),
        ({"attribute[floor": "2"}, "Malformed attribute parameter: attribute[floor."),
        (
            {"attribute[location][]": ["common_area", "outside"]},
            "attribute[location] takes one value; 2 were sent.",
        ),
        ({"description": "Rommel\x00"}, "description contains a NUL character."),
        ({"attribute[entrance]": "A\x00"}, "attribute[entrance] contains a NUL character."),
    ],
)
def test_bad_parameters_are_400_in_the_error_format_and_nothing_is_stored(
    world, client, api_key, params, description
):
    response = create(client, world, api_key, **params)

    assert response.status_code == 400
    assert json_of(response) == [{"code": 400, "description": description}]
    assert (Report.objects.count(), ReporterIdentity.objects.count()) == (0, 0)


def test_a_malformed_json_body_is_a_400(world, client, api_key):
    response = client.post(
        f"{BASE}/requests.json", data=b'{"api_key": "', content_type="application/json"
    )

    assert response.status_code == 400
    assert json_of(response) == [
        {"code": 400, "description": "The request body could not be read."}
    ]
    assert Report.objects.count() == 0


def test_an_xml_body_is_a_400(world, client, api_key):
    response = client.post(
        f"{BASE}/requests.xml",
        data=b"<request><api_key>x</api_key></request>",
        content_type="application/xml",
    )

    assert response.status_code == 400
    assert xml_errors(response) == [
        (
            "400",
            "Send the parameters form-encoded (application/x-www-form-urlencoded).",
        )
    ]
    assert Report.objects.count() == 0


def test_a_json_body_with_an_attribute_object_is_accepted(world, client, api_key):
    body = {
        "api_key": api_key,
        "service_code": "vandalism",
        "description": "De liftdeur is kapot.",
        "attribute": {"building_code": world.building.public_code, "floor": 1},
    }

    response = client.post(
        f"{BASE}/requests.json", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200
    assert Report.objects.get().floor == 1


def test_a_json_body_that_is_not_an_object_is_a_400(world, client):
    response = client.post(f"{BASE}/requests.json", data="[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_the_idempotency_key_header_makes_a_retry_return_the_same_request(world, client, api_key):
    first = create(client, world, api_key, headers={"Idempotency-Key": "app-42"})
    second = create(client, world, api_key, headers={"Idempotency-Key": "app-42"})

    assert json_of(first)[0]["service_request_id"] == json_of(second)[0]["service_request_id"]
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert (Report.objects.count(), ReportIdempotencyKey.objects.count()) == (1, 1)


def test_two_apps_with_the_same_key_do_not_collide(world, client, api_key):
    other_key = make_token(world.police, name="Politie-app")[1]

    create(client, world, api_key, headers={"Idempotency-Key": "same"})
    create(client, world, other_key, headers={"Idempotency-Key": "same"})

    assert Report.objects.count() == 2


def test_without_an_idempotency_key_each_different_post_is_a_request(world, client, api_key):
    create(client, world, api_key)
    create(client, world, api_key, description="Nog meer vuilniszakken.")

    assert Report.objects.count() == 2


def test_the_token_resolves_to_the_request_id(world, client, api_key):
    token = json_of(create(client, world, api_key))[0]["token"]

    data = json_of(client.get(f"{BASE}/tokens/{token}.json"))
    root = xml_of(client.get(f"{BASE}/tokens/{token}.xml"))

    report = Report.objects.get()
    assert data == [{"service_request_id": str(report.pk), "token": token}]
    assert [c.tag for c in root.find("request")] == ["service_request_id", "token"]


def test_an_unknown_token_is_a_404(world, client):
    response = client.get(f"{BASE}/tokens/forged.json")

    assert response.status_code == 404
    assert json_of(response) == [{"code": 404, "description": "Unknown token."}]


# --- GET service requests ------------------------------------------------------------------


MARKERS = ("MARKER-DESCRIPTION", "marker@example.org", "MARKER NAME", "0699999999", "MARKER-NOTE")


@pytest.fixture
def marked(world):
    """A shielded report about a unit, with marker values everywhere a reporter or intake
    can write, a status change with a custom resident text and an internal note."""
    unit = UnitFactory(building=world.building, house_number=77, floor=3, entrance="B")
    result = submit(
        world,
        description="MARKER-DESCRIPTION about number 77",
        location_kind=LocationKind.OTHER_UNIT,
        unit=unit,
        common_area=None,
        floor=3,
        entrance="B",
        reporter={
            "name": "MARKER NAME",
            "email": "marker@example.org",
            "phone": "0699999999",
            "ip": "198.51.100.99",
        },
    )
    services.report_status_change(
        actor=world.viewer("intake"),
        report_id=result.report.pk,
        to_status=ReportStatus.IN_TRIAGE,
        internal_note="MARKER-NOTE internal",
        resident_text="Beste MARKER NAME, we kijken ernaar.",
    )
    return result.report


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_the_read_side_publishes_nothing_identifying(world, client, marked, fmt):
    for url in (f"{BASE}/requests.{fmt}", f"{BASE}/requests/{marked.pk}.{fmt}"):
        body = client.get(url).content.decode()

        for marker in (*MARKERS, "77", "198.51.100.99", "Beste", marked.tracking_code):
            assert marker not in body, (url, marker)


def test_a_request_has_the_specifications_fields_in_order(world, client, marked):
    place(world.building)
    UnitFactory(building=world.building)  # units have no point of their own to leak
    data = json_of(client.get(f"{BASE}/requests/{marked.pk}.json"))
    root = xml_of(client.get(f"{BASE}/requests/{marked.pk}.xml"))

    assert [list(row) for row in data] == [REQUEST_FIELDS]
    assert [c.tag for c in root.find("request")] == REQUEST_FIELDS
    row = data[0]
    assert row["service_request_id"] == str(marked.pk)
    assert row["status"] == "open"
    assert row["status_notes"] == "We are looking at your report and deciding who will handle it."
    assert (row["service_code"], row["service_name"]) == ("litter", "Litter and pollution")
    assert row["description"] is None
    assert row["agency_responsible"] == "Woonstichting Test"
    assert row["address"] == "Horizonlaan, Rivierstad"
    assert (row["address_id"], row["zipcode"], row["lat"], row["long"], row["media_url"]) == (
        None,
        None,
        52.115938,
        5.113022,
        None,
    )
    assert row["requested_datetime"] == timezone.localtime(marked.created_at).isoformat(
        timespec="seconds"
    )


def test_a_closed_request(world, client, marked):
    services.report_status_change(
        actor=world.viewer("intake"),
        report_id=marked.pk,
        to_status=ReportStatus.RESOLVED,
        internal_note="opgeruimd",
    )

    row = json_of(client.get(f"{BASE}/requests/{marked.pk}.json"))[0]

    assert row["status"] == "closed"
    assert row["expected_datetime"] is None
    assert row["status_notes"] == "We have dealt with your report. Thank you for letting us know."


@pytest.mark.parametrize("path", ["requests/999999.json", "requests/abc.json", "requests/1.2.json"])
def test_an_unknown_request_id_is_a_404(world, client, path):
    response = client.get(f"{BASE}/{path}")

    assert response.status_code == 404
    assert json_of(response) == [{"code": 404, "description": "Unknown service_request_id."}]


def test_a_contact_request_is_not_published(world, client):
    contact = submit(world, category=Category.objects.get(slug="contact")).report

    assert client.get(f"{BASE}/requests/{contact.pk}.json").status_code == 404
    assert json_of(client.get(f"{BASE}/requests.json")) == []


def _report_at(world, when, **overrides):
    return submit(world, now=when, **overrides).report


def test_the_request_list_filters(world, client):
    now = timezone.now()
    old = _report_at(world, now - timedelta(days=120))
    litter = _report_at(world, now - timedelta(days=2))
    threat = _report_at(world, now - timedelta(days=1), category=world.urgent)
    services.report_status_change(
        actor=system_viewer(), report_id=litter.pk, to_status=ReportStatus.IN_TRIAGE
    )
    services.report_status_change(
        actor=system_viewer(), report_id=litter.pk, to_status=ReportStatus.RESOLVED
    )

    def ids(query):
        return [
            r["service_request_id"] for r in json_of(client.get(f"{BASE}/requests.json?{query}"))
        ]

    assert ids("") == [str(threat.pk), str(litter.pk)]  # the last 90 days, newest first
    assert ids("status=open") == [str(threat.pk)]
    assert ids("status=closed") == [str(litter.pk)]
    assert ids("status=open,closed") == [str(threat.pk), str(litter.pk)]
    assert ids("service_code=litter") == [str(litter.pk)]
    assert ids("service_code=litter,threats") == [str(threat.pk), str(litter.pk)]
    start = (now - timedelta(days=130)).isoformat()
    end = (now - timedelta(days=100)).isoformat()
    assert ids(f"start_date={start}&end_date={end}".replace("+", "%2B")) == [str(old.pk)]
    # service_request_id overrides all other parameters (the specification)
    assert ids(f"service_request_id={old.pk},{litter.pk}&status=open") == [
        str(litter.pk),
        str(old.pk),
    ]


def test_the_request_list_is_capped(world, client, monkeypatch):
    monkeypatch.setattr(open311_views, "MAX_RESULTS", 2)
    for _ in range(3):
        submit(world)

    assert len(json_of(client.get(f"{BASE}/requests.json"))) == 2


@pytest.mark.parametrize(
    ("query", "description"),
    [
        (
            "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            "The date range may not span more than 90 days.",
        ),
        (
            "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
            "start_date must be before end_date.",
        ),
        (
            "start_date=yesterday",
            "start_date must be a W3C date and time, e.g. 2026-03-01T21:30:00+01:00 or "
            "2026-03-01T21:30.",
        ),
        ("status=pending", "status must be open, closed or both."),
        ("service_request_id=1,x", "service_request_id must be a list of request ids."),
        ("service_code=lit%00ter", "A parameter contains a NUL character."),
    ],
)
def test_malformed_list_parameters_are_400(world, client, query, description):
    response = client.get(f"{BASE}/requests.xml?{query}")

    assert response.status_code == 400
    assert xml_errors(response) == [("400", description)]


def test_a_put_is_refused_in_the_error_format(world, client):
    response = client.put(f"{BASE}/requests.json")

    assert response.status_code == 405
    assert json_of(response)[0]["code"] == 405


def test_xml_text_is_escaped_and_cleaned():
    body = open311_render.to_xml("errors", [{"code": 400, "description": "<b>&\x00\x07 é"}])

    assert b"<description>&lt;b&gt;&amp; \xc3\xa9</description>" in body
    ET.fromstring(body)


# --- A third-party client ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_georeport_client_reads_the_endpoints(live_server):
    from georeport import GeoReport

    # A transactional test starts from a flushed database: seed the categories again
    # (not serialized_rollback, whose restored rows clash with re-created content types).
    seed_migration = importlib.import_module("wijkregie.reports.migrations.0002_seed_categories")
    seed_migration.seed(django_apps, None)

    from tests.partners.factories import OrganisationFactory
    from tests.places.factories import BuildingFactory

    owner = OrganisationFactory(name="Woonstichting Live", slug="ws-live")
    building = BuildingFactory(name="Live Flat", owner=owner, street="Liveweg", city="Rivierstad")
    report = services.report_submit(
        actor=system_viewer(),
        building=building,
        category=Category.objects.get(slug="vandalism"),
        description="Lift vernield",
    ).report

    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)

        service_list = client.get_service_list()
        assert [s["service_code"] for s in service_list] == SERVICE_CODES
        definition = client.get_service_definition("litter")
        assert definition["service_code"] == "litter"
        requests = client.get_service_requests()
        single = requests if isinstance(requests, dict) else requests[0]
        assert single["service_request_id"] == str(report.pk)
        assert single["address"] == "Liveweg, Rivierstad"
        one = client.get_service_request(str(report.pk))
        assert one["status"] == "open"
        assert one["service_code"] == "vandalism"


# --- Third-party apps: lat/long, attributes, idempotency -----------------------------------


def test_the_service_definition_requires_no_attribute_and_says_lat_long_will_do(world, client):
    data = json_of(client.get(f"{BASE}/services/litter.json"))

    assert [(a["code"], a["required"]) for a in data["attributes"]] == [
        ("building_code", False),
        ("location", False),
        ("floor", False),
        ("entrance", False),
        ("common_area", False),
        ("occurred_at", False),
        ("contact_mode", False),
    ]
    assert data["attributes"][0]["description"] == (
        "The building's public code, from its report link or QR code. Not needed when lat "
        "and long, address_id or address_string locate the building (lat/long: the nearest "
        "building within 100 metres)."
    )


def test_lat_long_alone_makes_a_report_at_the_nearest_building(world, client, api_key):
    place(world.building)
    place(BuildingFactory(owner=world.owner), lat="52.116400")  # 51 m north
    point = {"attribute[building_code]": None, "lat": "52.116000", "long": "5.113022"}

    response = create(client, world, api_key, **point)  # 7 m from world.building

    assert response.status_code == 200
    assert Report.objects.get().building == world.building


def test_lat_long_resolves_to_the_building_whose_point_a_unit_import_set(world, client, api_key):
    from wijkregie.places import unit_import

    place(BuildingFactory(owner=world.owner), lat="52.116400")  # 51 m north of De Toren
    rows = [  # RD 10 m either side of 136220, 458670: 52.115938 N, 5.113022 E
        "0344010000009001,9999ZZ,1,,,0,A,136210,458660",
        "0344010000009002,9999ZZ,2,,,1,A,136230,458680",
    ]
    content = ("\r\n".join([",".join((*unit_import.COLUMNS, "x", "y")), *rows]) + "\r\n").encode()
    result = unit_import.units_import(
        actor=system_viewer(), building_id=world.building.pk, content=content
    )
    assert (result.ok, result.point) == (True, (Decimal("52.115938"), Decimal("5.113022")))

    point = {"attribute[building_code]": None, "lat": "52.116000", "long": "5.113022"}
    response = create(client, world, api_key, **point)  # 7 m from De Toren's new point

    assert response.status_code == 200
    assert Report.objects.get().building == world.building


def test_a_point_beyond_the_radius_is_a_400_naming_the_nearest_buildings(
    world, client, api_key, settings
):
    settings.WIJKREGIE_OPEN311_POINT_RADIUS_M = 50
    place(world.building)
    place(BuildingFactory(name="Het Baken", street="Bakenplein"), lat="52.118000")
    point = {"attribute[building_code]": None, "lat": "52.115000", "long": "5.113022"}

    response = create(client, world, api_key, **point)

    assert response.status_code == 400
    assert json_of(response) == [
        {
            "code": 400,
            "description": "No building we know lies within 50 metres of this lat/long. The "
            "nearest: De Toren, Horizonlaan, Rivierstad (104 m); Het Baken, Bakenplein, "
            "Rivierstad (334 m). Send a point on the building, or address_string or "
            "attribute[building_code].",
        }
    ]
    assert Report.objects.count() == 0


def test_a_point_far_from_any_building_says_so(world, client, api_key):
    point = {"attribute[building_code]": None, "lat": "51.0", "long": "4.0"}

    response = create(client, world, api_key, fmt="xml", **point)

    assert xml_errors(response) == [
        (
            "400",
            "No building we know lies within 100 metres of this lat/long, nor within 25 km. "
            "Check the coordinates (WGS84 degrees), or send address_string or "
            "attribute[building_code].",
        )
    ]


def test_a_datetime_local_value_is_the_buildings_local_time(world, client, api_key):
    response = create(client, world, api_key, **{"attribute[occurred_at]": "2025-12-02T14:27"})

    assert response.status_code == 200
    occurred = Report.objects.get().occurred_at
    assert occurred == datetime(2025, 12, 2, 14, 27, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert occurred == datetime(2025, 12, 2, 13, 27, tzinfo=UTC)


def test_a_long_description_is_stored_whole(world, client, api_key):
    text = "De lift staat al weken stil. " * 500  # 14,500 characters

    response = create(client, world, api_key, description=text)

    assert response.status_code == 200
    assert Report.objects.get().description == text.strip()


def test_list_attributes_in_the_multivaluelist_form_are_accepted(world, client, api_key):
    response = create(
        client,
        world,
        api_key,
        **{
            "attribute[location][]": ["common_area"],
            "attribute[common_area][]": ["lift", "lift"],
            "attribute[entrance][]": "A",
        },
    )

    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.location_kind, report.common_area, report.entrance) == (
        LocationKind.COMMON_AREA,
        world.lift,
        "A",
    )


def test_a_json_body_with_a_list_attribute_is_accepted(world, client, api_key):
    body = {
        "api_key": api_key,
        "service_code": "vandalism",
        "description": "De liftdeur is kapot.",
        "attribute": {"building_code": world.building.public_code, "location": ["outside"]},
    }

    response = client.post(
        f"{BASE}/requests.json", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200
    assert Report.objects.get().location_kind == LocationKind.OUTSIDE


def test_a_reused_idempotency_key_with_another_body_is_a_409(world, client, api_key):
    first = create(client, world, api_key, headers={"Idempotency-Key": "app-7"})
    second = create(
        client,
        world,
        api_key,
        fmt="xml",
        description="Iets heel anders.",
        headers={"Idempotency-Key": "app-7"},
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert xml_errors(second) == [
        (
            "409",
            "This Idempotency-Key was used before for a request with other parameters. Use "
            "a new key for a new request.",
        )
    ]
    assert Report.objects.count() == 1


def test_an_exact_repeat_without_a_key_gets_the_first_request_back(world, client, api_key):
    first = create(client, world, api_key, email="ann@example.org", first_name="Ann")
    second = create(client, world, api_key, email="ann@example.org", first_name="Ann")

    assert json_of(second)[0]["service_request_id"] == json_of(first)[0]["service_request_id"]
    assert second["Idempotent-Replayed"] == "true"
    assert (Report.objects.count(), ReporterIdentity.objects.count()) == (1, 1)


def test_an_exact_repeat_from_another_app_is_a_request_of_its_own(world, client, api_key):
    other_key = make_token(world.owner, name="Andere app")[1]

    create(client, world, api_key)
    create(client, world, other_key)

    assert Report.objects.count() == 2


def test_an_exact_repeat_after_the_window_is_a_new_request(world, client, api_key):
    first = create(client, world, api_key)
    ReportIdempotencyKey.objects.update(
        created_at=timezone.now() - open311_views.REPEAT_WINDOW - timedelta(seconds=1)
    )

    second = create(client, world, api_key)

    assert json_of(second)[0]["service_request_id"] != json_of(first)[0]["service_request_id"]
    assert "Idempotent-Replayed" not in second
    assert Report.objects.count() == 2
    assert ReportIdempotencyKey.objects.get().report_id == int(
        json_of(second)[0]["service_request_id"]
    )


# --- Errors: format, language, faults --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("nothing.json", "json"),
        ("requests/", "xml"),
        ("requests/1/updates.xml", "xml"),
        ("", "xml"),
    ],
)
def test_an_unknown_path_is_a_404_in_the_error_format(world, client, path, fmt):
    response = client.get(f"{BASE}/{path}")
    posted = client.post(f"{BASE}/{path}", {"api_key": "x"})

    expected = [("404", "There is no Open311 method at this address.")]
    for answer in (response, posted):
        assert answer.status_code == 404
        if fmt == "xml":
            assert xml_errors(answer) == expected
        else:
            assert json_of(answer) == [
                {"code": 404, "description": "There is no Open311 method at this address."}
            ]


def test_errors_are_english_by_default_and_dutch_on_request(world, client):
    default = client.get(f"{BASE}/tokens/forged.json")
    dutch = client.get(f"{BASE}/tokens/forged.json", HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9")
    english = client.get(f"{BASE}/tokens/forged.json", HTTP_ACCEPT_LANGUAGE="nl;q=0.5,en")
    client.cookies["django_language"] = "nl"
    cookie = client.get(f"{BASE}/tokens/forged.json")

    assert json_of(default) == [{"code": 404, "description": "Unknown token."}]
    assert json_of(dutch) == [{"code": 404, "description": "Onbekend token."}]
    assert json_of(english) == [{"code": 404, "description": "Unknown token."}]
    assert json_of(cookie) == [{"code": 404, "description": "Unknown token."}]


@pytest.mark.parametrize("path", ["requests/ab%00cd.json", "services/lit%00ter.json"])
def test_a_nul_byte_in_the_path_is_a_400(world, client, path):
    response = client.get(f"{BASE}/{path}")

    assert response.status_code == 400
    assert json_of(response) == [
        {"code": 400, "description": "A parameter contains a NUL character."}
    ]


def test_a_nul_byte_in_a_json_body_is_a_400(world, client, api_key):
    body = {"api_key": api_key, "service_code": "litter", "description": "x\u0000y"}

    response = client.post(
        f"{BASE}/requests.json", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert json_of(response) == [
        {"code": 400, "description": "description contains a NUL character."}
    ]


def test_a_database_outage_is_a_503_with_retry_after_at_once(world, client, monkeypatch):
    calls = []

    def unreachable():
        calls.append(1)
        raise OperationalError("connection refused")

    monkeypatch.setattr(open311_views.selectors, "open311_published_reports", unreachable)

    first = client.get(f"{BASE}/requests.xml")
    second = client.get(f"{BASE}/requests/1.json")

    assert (first.status_code, first["Retry-After"]) == (503, "5")
    assert xml_errors(first) == [
        ("503", "The service is temporarily unavailable. Try again in 5 seconds.")
    ]
    assert (second.status_code, second["Retry-After"]) == (503, "5")
    assert json_of(second)[0]["code"] == 503
    assert len(calls) == 1  # the second answer did not wait for the database again


def test_an_unexpected_error_is_a_500_in_the_error_format(world, client, monkeypatch):
    def broken():
        raise RuntimeError("bug")

    monkeypatch.setattr(open311_views.selectors, "open311_published_reports", broken)

    response = client.get(f"{BASE}/requests.json")

    assert response.status_code == 500
    assert json_of(response) == [{"code": 500, "description": "Something went wrong on our side."}]


# --- Times and updates -----------------------------------------------------------------------


def test_times_are_published_to_the_second(world, client):
    created = timezone.now().replace(microsecond=0) - timedelta(hours=3, minutes=17, seconds=9)
    report = submit(world, now=created).report
    closed = created + timedelta(minutes=21, seconds=4)
    services.report_status_change(
        actor=system_viewer(), report_id=report.pk, to_status=ReportStatus.IN_TRIAGE, now=closed
    )
    services.report_status_change(
        actor=system_viewer(), report_id=report.pk, to_status=ReportStatus.RESOLVED, now=closed
    )

    row = json_of(client.get(f"{BASE}/requests/{report.pk}.json"))[0]

    assert row["requested_datetime"] == timezone.localtime(created).isoformat()
    assert row["updated_datetime"] == timezone.localtime(closed).isoformat()


def _xml_rows(response, item):
    return [{c.tag: c.text for c in element} for element in xml_of(response).findall(item)]


def test_a_reporting_app_creates_a_report_from_lat_long_and_follows_it(world, client):
    """As FixMyStreet's Open311 integration does: lat/long, a description, the service's
    attributes and the reporter's name and e-mail; then requests.xml for the status and
    servicerequestupdates.xml for the progress."""
    place(world.building)
    token, app_key = make_token(world.owner, name="FixMyStreet")
    posted = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": app_key,
            "service_code": "vandalism",
            "lat": "52.115950",
            "long": "5.113010",
            "description": "Iemand heeft de liftknoppen vernield.",
            "first_name": "Ann",
            "last_name": "Melder",
            "email": "ann@example.org",
            "attribute[location]": "common_area",
            "attribute[common_area]": "lift",
            "attribute[entrance]": "A",
            "attribute[occurred_at]": "2025-12-01T21:30",
        },
    )
    assert posted.status_code == 200
    request_id = xml_of(posted).findtext("request/service_request_id")
    report = Report.objects.get(pk=int(request_id))
    assert (report.building, report.common_area, report.contact_mode) == (
        world.building,
        world.lift,
        ContactMode.SHIELDED,
    )

    status = _xml_rows(
        client.get(f"{BASE}/requests.xml?service_request_id={request_id}"), "request"
    )
    assert [(r["status"], r["lat"], r["long"]) for r in status] == [
        ("open", "52.115938", "5.113022")
    ]

    intake = world.viewer("intake")
    services.report_status_change(
        actor=intake,
        report_id=report.pk,
        to_status=ReportStatus.IN_TRIAGE,
        internal_note="SECRET-NOTE dader bekend",
        resident_text="Dank u, Ann. We laten de lift maken.",
    )
    services.report_status_change(
        actor=intake, report_id=report.pk, to_status=ReportStatus.RESOLVED
    )
    start = (timezone.now() - timedelta(hours=1)).isoformat().replace("+", "%2B")

    own = client.get(f"{BASE}/servicerequestupdates.xml?api_key={app_key}&start_date={start}")
    anyone = client.get(f"{BASE}/servicerequestupdates.json")

    assert xml_of(own).tag == "service_requests_updates"
    changes = list(ReportStatusChange.objects.filter(report=report).order_by("id"))
    times = [timezone.localtime(c.created_at).isoformat(timespec="seconds") for c in changes]
    assert _xml_rows(own, "request_update") == [
        {
            "update_id": f"{request_id}-1",
            "service_request_id": request_id,
            "status": "open",
            "updated_datetime": times[0],
            "description": "We have received your report. We will look at it soon.",
            "media_url": None,
        },
        {
            "update_id": f"{request_id}-2",
            "service_request_id": request_id,
            "status": "investigating",
            "updated_datetime": times[1],
            "description": "Dank u, Ann. We laten de lift maken.",
            "media_url": None,
        },
        {
            "update_id": f"{request_id}-3",
            "service_request_id": request_id,
            "status": "fixed",
            "updated_datetime": times[2],
            "description": "We have dealt with your report. Thank you for letting us know.",
            "media_url": None,
        },
    ]
    assert [(u["update_id"], u["description"]) for u in json_of(anyone)] == [
        (f"{request_id}-1", "We have received your report. We will look at it soon."),
        (f"{request_id}-2", "We are looking at your report and deciding who will handle it."),
        (f"{request_id}-3", "We have dealt with your report. Thank you for letting us know."),
    ]
    closed = _xml_rows(client.get(f"{BASE}/requests.xml?status=closed"), "request")
    assert [(r["service_request_id"], r["updated_datetime"]) for r in closed] == [
        (request_id, times[2])
    ]
    for body in (own.content.decode(), anyone.content.decode()):
        for secret in ("SECRET-NOTE", "ann@example.org", "Melder", report.tracking_code):
            assert secret not in body


def test_updates_of_other_apps_reports_carry_only_the_standard_texts(world, client, marked):
    other_key = make_token(world.owner, name="Andere app")[1]

    rows = json_of(client.get(f"{BASE}/servicerequestupdates.json?api_key={other_key}"))

    assert [(r["status"], r["description"]) for r in rows] == [
        ("open", "We have received your report. We will look at it soon."),
        ("investigating", "We are looking at your report and deciding who will handle it."),
    ]


def test_updates_refuse_a_wrong_api_key_and_bad_dates(world, client):
    wrong = client.get(f"{BASE}/servicerequestupdates.xml?api_key=wr_x_y")
    dates = client.get(f"{BASE}/servicerequestupdates.json?start_date=gisteren")

    assert (wrong.status_code, xml_errors(wrong)) == (403, [("403", "Invalid api_key.")])
    assert dates.status_code == 400
    assert json_of(dates)[0]["description"].startswith("start_date must be a W3C date and time")


def test_updates_of_a_contact_request_are_not_published(world, client):
    submit(world, category=Category.objects.get(slug="contact"))

    assert json_of(client.get(f"{BASE}/servicerequestupdates.json")) == []


# --- The demo's reporting app ----------------------------------------------------------------


def test_the_demo_makes_one_open311_key_that_works(world, client, settings):
    from tests.partners.factories import OrganisationFactory
    from wijkregie.demo.open311 import APP_NAME, build_open311_app

    settings.DEMO_MODE = True
    OrganisationFactory(name="Woonstichting De Vaart", slug="de-vaart")

    first = build_open311_app()
    again = build_open311_app()

    assert first == again
    assert first["key"].startswith("wr_")
    assert ApiToken.objects.filter(name=APP_NAME).count() == 1
    assert create(client, world, first["key"]).status_code == 200


def test_the_demo_command_prints_the_open311_key_with_the_logins(world, settings, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from tests.partners.factories import OrganisationFactory
    from wijkregie.demo import (
        cases,
        chat,
        letters,
        newsletters,
        partners,
        places,
        reports,
        residents,
    )
    from wijkregie.demo.open311 import demo_api_key

    settings.DEMO_MODE = True
    OrganisationFactory(name="Woonstichting De Vaart", slug="de-vaart")
    monkeypatch.setattr(partners, "build_partners", lambda: {"personas": {}})
    for module, name in ((places, "build_places"), (residents, "build_residents")):
        monkeypatch.setattr(module, name, lambda: {})
    monkeypatch.setattr(reports, "build_reports", lambda: {})
    monkeypatch.setattr(cases, "build_cases", lambda: {})
    monkeypatch.setattr(newsletters, "build_newsletters", lambda: {})
    monkeypatch.setattr(letters, "build_letters", lambda: {})
    monkeypatch.setattr(chat, "build_chat", lambda: {})
    out = StringIO()

    call_command("demo", stdout=out)

    assert out.getvalue().splitlines()[-1] == (
        f"Open311 demo reporting app (Woonstichting De Vaart): api_key {demo_api_key()}  "
        "(GeoReport v2 at /open311/v2/; De Horizon is at lat 52.115938, long 5.113022)"
    )


def test_the_demo_open311_key_is_refused_outside_demo_mode(world, settings):
    from wijkregie.demo.open311 import build_open311_app

    settings.DEMO_MODE = False

    with pytest.raises(RuntimeError):
        build_open311_app()


@pytest.mark.django_db(transaction=True)
def test_a_stopped_database_server_gives_a_503_with_retry_after(client):
    """PostgreSQL only: the connection is pointed at an address where no server listens
    (what a stopped server gives), through the connection pool as in production."""
    import socket

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]  # closed again: nothing listens there
    saved = connection.settings_dict.copy()
    saved_options = {**saved["OPTIONS"]}
    connection.close()
    connection.close_pool()
    try:
        connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": str(free_port)})
        if "pool" in saved_options:
            connection.settings_dict["OPTIONS"] = {
                **saved_options,
                "pool": {**saved_options["pool"], "timeout": 1},
            }

        first = client.get(f"{BASE}/requests.xml")
        second = client.post(f"{BASE}/requests.json", {"api_key": "wr_x_y"})
    finally:
        connection.close()
        connection.close_pool()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        connection.settings_dict["OPTIONS"] = saved_options

    assert (first.status_code, first["Retry-After"]) == (503, "5")
    assert xml_errors(first) == [
        ("503", "The service is temporarily unavailable. Try again in 5 seconds.")
    ]
    assert (second.status_code, second["Retry-After"]) == (503, "5")
    assert json_of(second)[0]["code"] == 503
