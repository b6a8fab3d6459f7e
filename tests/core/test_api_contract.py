"""The API keeps its contract: every response of every operation matches the schema.

Schemathesis generates requests from the schema that /api/schema/ serves (valid and invalid
ones) and checks each answer: status code documented, content type, body against the
response schema, no 5xx, invalid input refused. It calls the WSGI application in-process on
the demo flat, with the API token of a system of Woonstichting De Vaart (intake, building
and partner management), so the operations answer with data and not only with 401. Seeded
and bounded, so a run is the same every time and takes well under a minute.
"""

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings

import pytest
import schemathesis
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from wijkregie.core.access import system_viewer
from wijkregie.demo.partners import build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.demo.residents import build_residents
from wijkregie.partners import services as partner_services
from wijkregie.partners.models import Organisation

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261202,
        "generation": {"max-examples": 10, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        # Schema-valid input that the workflow refuses (a transition not allowed from the
        # report's status, an organisation id that does not exist) is a documented 400.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)

with GENERATOR_STATS.silence():
    SCHEMA = SchemaGenerator().get_schema(request=None, public=True)

_handler = WSGIHandler()


def application(environ, start_response):
    """The WSGI application as a server runs it: a server always gives the client address."""
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    return _handler(environ, start_response)


schema = schemathesis.openapi.from_dict(SCHEMA, config=CONFIG)
schema.app = application


@pytest.fixture(scope="module")
def demo_token(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo flat and a token of De Vaart, built once for the module, then rolled back."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ),
        transaction.atomic(),
    ):
        build_partners()
        build_places()
        build_residents()
        build_reports()
        _token, key = partner_services.api_token_create(
            actor=system_viewer("tests"),
            organisation=Organisation.objects.get(slug="de-vaart"),
            name="Woningbeheersysteem De Vaart",
            roles=["wijkbeheerder", "intake", "beheerder"],
        )
        yield key
        transaction.set_rollback(True)


@pytest.fixture
def in_process(db, settings):
    """As Django's test client does: a request must not close the test's connection."""
    settings.ALLOWED_HOSTS = ["localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
# The fixtures hold the demo flat and the signals; nothing in them changes between cases.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_response_matches_the_schema(case, demo_token, in_process):
    case.call_and_validate(headers={"Authorization": f"Token {demo_token}"})


# --- what the run above found, each pinned by an exact test -------------------------------


def _operations():
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_its_problem_answers():
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    documented = {}
    for label, operation in _operations():
        responses = operation["responses"]
        documented[label] = sorted(s for s in responses if responses[s].get("content") == problem)

    assert documented["GET /api/v1/partners/organisations/"] == ["400", "401", "403", "404"]
    assert documented["POST /api/v1/partners/organisations/"] == ["400", "401", "403"]
    assert documented["GET /api/v1/reports/{id}/"] == ["401", "403", "404"]
    assert documented["POST /api/v1/reports/{id}/status/"] == ["400", "401", "403", "404"]
    assert documented["GET /api/v1/reports/categories/"] == ["401", "403"]
    assert all({"401", "403"} <= set(statuses) for statuses in documented.values())
    assert SCHEMA["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]


def test_the_report_queue_is_documented_as_the_page_it_answers_with():
    ok = SCHEMA["paths"]["/api/v1/reports/"]["get"]["responses"]["200"]
    page = SCHEMA["components"]["schemas"]["PaginatedReportListOutputList"]

    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedReportListOutputList"
    }
    assert page["required"] == ["count", "results"]
    assert page["properties"]["results"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ReportListOutput"},
    }


def test_an_empty_email_address_is_in_the_schema():
    either = {"anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]}
    schemas = SCHEMA["components"]["schemas"]

    assert schemas["OrganisationOutput"]["properties"]["email"] == either
    assert schemas["MembershipOutput"]["properties"]["work_email"] == either
    assert schemas["ResidentListOutput"]["properties"]["email"] == either


def test_page_size_is_documented_from_1_to_200():
    parameters = SCHEMA["paths"]["/api/v1/partners/organisations/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")

    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}


@pytest.fixture
def api_client(client, make_professional, organisation):
    client.force_login(
        make_professional("dev", organisation=organisation, permissions=["reports.receive_reports"])
    )
    return client


@pytest.mark.parametrize(
    "page_size, message",
    [
        ("null", "A valid integer is required."),
        ("", "A valid integer is required."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("201", "Ensure this value is less than or equal to 200."),
    ],
)
def test_a_page_size_out_of_range_is_a_400_problem(api_client, page_size, message):
    response = api_client.get(
        f"/api/v1/partners/organisations/?page_size={page_size}", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "The request contains invalid data.",
        "status": 400,
        "errors": {"page_size": [message]},
    }


def test_a_page_size_in_range_is_used(api_client, organisation, other_organisation):
    response = api_client.get("/api/v1/partners/organisations/?page_size=1")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert len(response.json()["results"]) == 1


def test_an_id_beyond_the_database_range_is_a_400_not_a_500(api_client):
    response = api_client.get("/api/v1/reports/?building=34369253329966759936")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["building"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/"),
        ("get", "/api/v2/reports/"),
        ("get", "/api/v1/nothing/"),
        ("post", "/api/v1/partners/nothing/"),
        ("get", "/api/v1/reports/not-a-number/"),
        ("delete", "/api/v1/places/buildings/1/units/x/"),
    ],
)
def test_an_unknown_api_path_is_a_404_problem(client, db, method, path):
    response = getattr(client, method)(path, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not found.",
        "status": 404,
        "detail": "Not found.",
    }


def test_pages_under_api_are_still_pages(client, db):
    assert client.get("/api/docs/").status_code == 302  # to the log-in page
    assert client.get("/api/schema/").status_code == 200
