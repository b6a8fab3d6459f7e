import re

import pytest

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
