"""Open311 GeoReport v2 at /open311/v2/, checked against the specification's tables
(https://wiki.open311.org/GeoReport_v2): field names and order, required and optional
arguments, the error format and codes, XML and JSON. The read side must publish nothing
that identifies a reporter or the unit."""

import importlib
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

import pytest

from tests.places.factories import UnitFactory
from tests.reports.factories import submit
from wijkregie.core.access import system_viewer
from wijkregie.partners.models import ApiToken
from wijkregie.reports import open311, services
from wijkregie.reports.models import (
    Channel,
    ContactMode,
    LocationKind,
    Report,
    ReporterIdentity,
    ReportIdempotencyKey,
)
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
    assert litter["service_name"] == "Afval en vervuiling"
    assert litter["description"] == "Afval, grofvuil of vuil in en rond het gebouw."
    assert litter["metadata"] is True
    assert "litter" in litter["keywords"]


def test_the_contact_request_is_not_a_service(world, client):
    data = json_of(client.get(f"{BASE}/services.json"))

    assert "contact" not in [s["service_code"] for s in data]
    assert client.get(f"{BASE}/services/contact.json").status_code == 404


def test_service_names_follow_the_accept_language_of_the_professional_languages(world, client):
    data = json_of(client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en"))

    assert next(s for s in data if s["service_code"] == "litter")["service_name"] == (
        "Litter and pollution"
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
        "idempotency_key",
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
        assert xml_errors(response) == [("404", "Onbekende service_code: no-such-thing.")]
    else:
        assert json_of(response) == [
            {"code": 404, "description": "Onbekende service_code: no-such-thing."}
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
    assert request.findtext("service_notice") == "Is er nu gevaar? Bel eerst 112."


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
    expected = [("403", "Ongeldige api_key.")]
    if fmt == "xml":
        assert xml_errors(response) == expected
    else:
        assert json_of(response) == [{"code": 403, "description": "Ongeldige api_key."}]
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
    assert json_of(response) == [{"code": 400, "description": "api_key is verplicht."}]


def test_an_unknown_service_code_on_post_is_a_404_and_nothing_is_stored(world, client, api_key):
    response = create(client, world, api_key, fmt="xml", service_code="potholes")

    assert response.status_code == 404
    assert xml_errors(response) == [("404", "Onbekende service_code: potholes.")]
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"service_code": None}, "service_code is verplicht."),
        (
            {"attribute[building_code]": None, "lat": "52.09", "long": "5.12"},
            "Met lat en long weten we niet welk gebouw en welke verdieping het is. Stuur "
            "attribute[building_code] of address_string.",
        ),
        (
            {"attribute[building_code]": None},
            "Een plaats is verplicht: attribute[building_code], address_id of address_string.",
        ),
        (
            {"attribute[building_code]": "NOPE"},
            "Geen gebouw heeft deze code. Kijk attribute[building_code] of address_id na.",
        ),
        ({"attribute[floor]": "tweede"}, "attribute[floor] moet een heel getal zijn."),
        ({"attribute[floor]": "99"}, "floor: Dit gebouw heeft deze verdieping niet."),
        (
            {"attribute[occurred_at]": "gisteren"},
            "attribute[occurred_at] moet een W3C-datum en -tijd met tijdzone zijn, "
            "bijvoorbeeld 2026-03-01T21:30:00+01:00.",
        ),
        (
            {"attribute[location]": "roof-top"},
            "attribute[location] is niet een van de genoemde waarden.",
        ),
        ({"lat": "north"}, "lat moet een getal zijn."),
        (
            {"attribute[building_code]": None, "address_string": "Nergensweg 1, 9999 ZZ Nergens"},
            "address_string noemt geen adres dat we kennen. Stuur de postcode en het "
            "huisnummer, bijvoorbeeld Horizonlaan 12, 3521 HZ Rivierstad.",
        ),
        (
            {"attribute[common_area]": "swimming_pool"},
            "attribute[common_area] is niet een van de genoemde waarden.",
        ),
        (
            {"attribute[contact_mode]": "public"},
            "attribute[contact_mode] is niet een van de genoemde waarden.",
        ),
        (
            {"attribute[contact_mode]": "shielded"},
            "email: Laat een e-mailadres of telefoonnummer achter, of meld anoniem.",
        ),
        ({"description": ""}, "description is verplicht: vertel wat er is gebeurd."),
        ({"description": "x" * 1_000_000}, "description: Gebruik hoogstens 5000 tekens."),
        ({"attribute[floor": "2"}, "Onjuiste attribute-parameter: attribute[floor."),
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
        {"code": 400, "description": "De inhoud van het verzoek kon niet worden gelezen."}
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
            "Stuur de parameters form-encoded (application/x-www-form-urlencoded).",
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


def test_the_idempotency_key_attribute_works_too(world, client, api_key):
    create(client, world, api_key, **{"attribute[idempotency_key]": "k-1"})
    create(client, world, api_key, **{"attribute[idempotency_key]": "k-1"})

    assert Report.objects.count() == 1


def test_two_apps_with_the_same_key_do_not_collide(world, client, api_key):
    other_key = make_token(world.police, name="Politie-app")[1]

    create(client, world, api_key, headers={"Idempotency-Key": "same"})
    create(client, world, other_key, headers={"Idempotency-Key": "same"})

    assert Report.objects.count() == 2


def test_without_an_idempotency_key_each_post_is_a_request(world, client, api_key):
    create(client, world, api_key)
    create(client, world, api_key)

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
    assert json_of(response) == [{"code": 404, "description": "Onbekend token."}]


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
    data = json_of(client.get(f"{BASE}/requests/{marked.pk}.json"))
    root = xml_of(client.get(f"{BASE}/requests/{marked.pk}.xml"))

    assert [list(row) for row in data] == [REQUEST_FIELDS]
    assert [c.tag for c in root.find("request")] == REQUEST_FIELDS
    row = data[0]
    assert row["service_request_id"] == str(marked.pk)
    assert row["status"] == "open"
    assert row["status_notes"] == ("We bekijken uw melding en bepalen wie haar oppakt.")
    assert (row["service_code"], row["service_name"]) == ("litter", "Afval en vervuiling")
    assert row["description"] is None
    assert row["agency_responsible"] == "Woonstichting Test"
    assert row["address"] == "Horizonlaan, Rivierstad"
    assert (row["address_id"], row["zipcode"], row["lat"], row["long"], row["media_url"]) == (
        None,
        None,
        None,
        None,
        None,
    )
    requested = row["requested_datetime"]
    assert requested.endswith(":00:00+01:00") or requested.endswith(":00:00+02:00")


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
    assert row["status_notes"] == "We hebben uw melding afgehandeld. Bedankt dat u het liet weten."


@pytest.mark.parametrize("path", ["requests/999999.json", "requests/abc.json", "requests/1.2.json"])
def test_an_unknown_request_id_is_a_404(world, client, path):
    response = client.get(f"{BASE}/{path}")

    assert response.status_code == 404
    assert json_of(response) == [{"code": 404, "description": "Onbekende service_request_id."}]


def test_a_contact_request_is_not_published(world, client):
    contact = submit(world, category=services.Category.objects.get(slug="contact")).report

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
    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    for _ in range(3):
        submit(world)

    assert len(json_of(client.get(f"{BASE}/requests.json"))) == 2


@pytest.mark.parametrize(
    ("query", "description"),
    [
        (
            "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            "Het datumbereik mag niet langer zijn dan 90 dagen.",
        ),
        (
            "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
            "start_date moet voor end_date liggen.",
        ),
        (
            "start_date=yesterday",
            "start_date moet een W3C-datum en -tijd met tijdzone zijn, bijvoorbeeld "
            "2026-03-01T21:30:00+01:00.",
        ),
        (
            "end_date=2026-01-01T00:00:00",
            "end_date moet een W3C-datum en -tijd met tijdzone zijn, bijvoorbeeld "
            "2026-03-01T21:30:00+01:00.",
        ),
        ("status=pending", "status moet open, closed of allebei zijn."),
        ("service_request_id=1,x", "service_request_id moet een lijst met request-id's zijn."),
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
    body = open311.to_xml("errors", [{"code": 400, "description": "<b>&\x00\x07 é"}])

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
        category=services.Category.objects.get(slug="vandalism"),
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
