import json
import re

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from wijkregie.core.apidocs import build_documentation, describe_type

pytestmark = pytest.mark.urls("tests.core.urls")


@pytest.fixture
def professional(make_professional, organisation):
    return make_professional("dev", organisation=organisation)


def test_the_docs_page_needs_a_login(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


def test_the_docs_page_renders_the_schema_without_scripts(client, professional):
    client.force_login(professional)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<h1 class="utrecht-heading-1">Wijkregie API <span class="wr-muted">1.0.0</span></h1>'
        in html
    )
    assert '<a class="utrecht-link utrecht-link-list__link" href="/api/schema/">' in html
    assert 'href="/api/schema/?format=json"' in html
    assert '<code class="utrecht-code">GET /api/v1/test/ping/</code>' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "cdn" not in html.lower()
    assert " style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_schema_links_work_for_the_logged_in_professional(client, professional):
    client.force_login(professional)

    yaml = client.get("/api/schema/")
    json_schema = client.get("/api/schema/?format=json")

    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert json_schema.status_code == 200
    assert json_schema.json()["info"]["title"] == "Wijkregie API"


SCHEMA = {
    "openapi": "3.0.3",
    "info": {"title": "T", "version": "2", "description": "D"},
    "paths": {
        "/api/v1/places/buildings/{id}/": {
            "get": {
                "operationId": "places_buildings_retrieve",
                "summary": "One building",
                "tags": ["places"],
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                        "description": "The building",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Building"}
                            }
                        },
                    }
                },
                "security": [{"tokenAuth": []}, {"cookieAuth": []}],
            },
            "patch": {
                "operationId": "places_buildings_partial_update",
                "tags": ["places"],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/PatchedBuilding"}
                        }
                    }
                },
                "responses": {"200": {"description": "ok"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Building": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "units": {"type": "array", "items": {"$ref": "#/components/schemas/Unit"}},
                    "kind": {"enum": ["flat", "house"], "type": "string"},
                },
                "required": ["id"],
            }
        },
        "securitySchemes": {"tokenAuth": {}, "cookieAuth": {}},
    },
}


def test_the_schema_is_regrouped_by_tag_with_operations_and_schemas():
    doc = build_documentation(SCHEMA)

    assert (doc["title"], doc["version"], doc["openapi"]) == ("T", "2", "3.0.3")
    assert [s["tag"] for s in doc["sections"]] == ["places"]
    get, patch = doc["sections"][0]["operations"]
    assert (get["method"], get["path"], get["summary"]) == (
        "GET",
        "/api/v1/places/buildings/{id}/",
        "One building",
    )
    assert get["parameters"] == [
        {
            "name": "id",
            "location": "path",
            "required": True,
            "type": {"text": "integer", "ref": ""},
            "description": "The building",
        }
    ]
    assert get["responses"] == [
        {
            "status": "200",
            "description": "",
            "bodies": [
                {"content_type": "application/json", "type": {"text": "", "ref": "Building"}}
            ],
        }
    ]
    assert get["security"] == ["tokenAuth", "cookieAuth"]
    assert patch["request_bodies"] == [
        {"content_type": "application/json", "type": {"text": "", "ref": "PatchedBuilding"}}
    ]
    assert doc["schemas"][0]["properties"] == [
        {
            "name": "id",
            "type": {"text": "integer", "ref": ""},
            "required": True,
            "read_only": True,
            "description": "",
        },
        {
            "name": "units",
            "type": {"text": "array of", "ref": "Unit"},
            "required": False,
            "read_only": False,
            "description": "",
        },
        {
            "name": "kind",
            "type": {"text": "string: flat, house", "ref": ""},
            "required": False,
            "read_only": False,
            "description": "",
        },
    ]
    assert doc["security_schemes"] == ["cookieAuth", "tokenAuth"]


@pytest.mark.parametrize(
    "schema, described",
    [
        (None, {"text": "", "ref": ""}),
        ({"type": "string", "format": "date-time"}, {"text": "string (date-time)", "ref": ""}),
        ({"type": "integer", "nullable": True}, {"text": "integer, nullable", "ref": ""}),
        ({"allOf": [{"$ref": "#/components/schemas/Unit"}]}, {"text": "", "ref": "Unit"}),
        (
            {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "string"}]},
            {"text": "A | string", "ref": ""},
        ),
    ],
)
def test_types_are_described_in_words(schema, described):
    assert describe_type(schema) == described


def test_the_real_api_schema_renders(client, professional):
    client.force_login(professional)

    html = client.get("/api/docs/").content.decode()

    assert html.count('<h1 class="utrecht-heading-1">') == 1
    assert '<h2 class="utrecht-heading-2" id="schemas">Schema\'s</h2>' in html


# --- the contract that tests/core/test_api_contract.py checks, pinned by exact tests ----------


def _schema() -> dict:
    with GENERATOR_STATS.silence():
        return SchemaGenerator().get_schema(request=None, public=True)


API_SCHEMA = _schema()


def _operations():
    for path, item in API_SCHEMA["paths"].items():
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
    assert API_SCHEMA["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]


def test_the_report_queue_is_documented_as_the_page_it_answers_with():
    ok = API_SCHEMA["paths"]["/api/v1/reports/"]["get"]["responses"]["200"]
    page = API_SCHEMA["components"]["schemas"]["PaginatedReportListOutputList"]

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
    schemas = API_SCHEMA["components"]["schemas"]

    assert schemas["OrganisationOutput"]["properties"]["email"] == either
    assert schemas["MembershipOutput"]["properties"]["work_email"] == either
    assert schemas["ResidentListOutput"]["properties"]["email"] == either


def test_page_size_is_documented_from_1_to_200():
    parameters = API_SCHEMA["paths"]["/api/v1/partners/organisations/"]["get"]["parameters"]
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


def test_the_schema_checked_is_the_one_served(client, db):
    served = client.get("/api/schema/?format=json")

    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(_schema()))
