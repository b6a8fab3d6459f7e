"""A NUL byte anywhere in a request is a clear 400, never a 500 (PostgreSQL can't store it)."""

import json
import xml.etree.ElementTree as ET
from html import unescape

import pytest

MESSAGE_NL = "Het verzoek bevat een NUL-teken (een nulbyte); dat is niet toegestaan."
MESSAGE_EN = "The request contains a NUL character (a zero byte), which is not allowed."


def page_message(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/melden/ab%00cd/", "/melden/ab%00cd/melding/", "/reports/1%00/", "/%00"],
)
def test_a_nul_byte_in_the_path_of_a_page_is_a_400_page(client, path, log_lines):
    response = client.get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert f'<p class="utrecht-paragraph">{MESSAGE_NL}</p>' in page_message(response)
    [line] = log_lines("request_refused")
    assert (line["result"], line["reason"], line["level"]) == (400, "nul byte in path", "warning")
    assert "\x00" not in line["object"]


@pytest.mark.django_db
def test_the_page_speaks_the_browsers_language(client):
    response = client.get("/melden/ab%00cd/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert MESSAGE_EN in page_message(response)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["q=ab%00cd", "ab%00=1", "categorie=x%00"])
def test_a_nul_byte_in_the_query_string_is_a_400(client, query, log_lines):
    response = client.get(f"/melden/?{query}")

    assert response.status_code == 400
    assert MESSAGE_NL in page_message(response)
    assert log_lines("request_refused")[0]["reason"] == "nul byte in query"


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_nul_byte_in_a_form_field_is_a_400(client, encoding, log_lines):
    data = {"description": "Afval\x00 bij de lift", "category": "litter"}
    if encoding == "urlencoded":
        from urllib.parse import urlencode

        response = client.post(
            "/melden/ABCDEF/melding/",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = client.post("/melden/ABCDEF/melding/", data)

    assert response.status_code == 400
    assert MESSAGE_NL in page_message(response)
    assert log_lines("request_refused")[0]["reason"] == "nul byte in form"


@pytest.mark.django_db
def test_the_api_answers_a_nul_byte_as_a_problem(client):
    response = client.get("/api/v1/reports/?status=open%00")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": MESSAGE_NL,
        "status": 400,
        "detail": MESSAGE_NL,
    }


@pytest.mark.django_db
def test_a_nul_character_in_a_json_body_is_a_400(client):
    response = client.post(
        "/api/v1/reports/",
        json.dumps({"description": "Afval\u0000"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["title"] == MESSAGE_NL


@pytest.mark.django_db
def test_open311_gets_its_own_error_list_in_english(client):
    response = client.post(
        "/open311/v2/requests.xml",
        {"api_key": "wr_x_y", "service_code": "litter", "description": "Afval\x00"},
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    # Open311 refuses it itself, naming the parameter, in its own error list.
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("400", "description contains a NUL character.")
    ]


@pytest.mark.django_db
def test_open311_json_gets_its_own_error_list(client):
    response = client.get("/open311/v2/requests.json?service_request_id=1%00")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == [
        {"code": 400, "description": "A parameter contains a NUL character."}
    ]


@pytest.mark.django_db
def test_a_body_that_does_not_parse_still_reaches_the_views_own_error(client):
    response = client.generic(
        "POST",
        "/open311/v2/requests.json",
        b"--x\r\nnot a part",
        content_type="multipart/form-data",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "The request body could not be read."}]


@pytest.mark.django_db
def test_a_request_without_nul_bytes_is_untouched(client):
    response = client.get("/melden/?q=abc")

    assert response.status_code == 200
