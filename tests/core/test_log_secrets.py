"""No key, token, passphrase or tracking code in any log line, in any mode.

The web server runs exactly as `make run` starts it (its uvicorn command line and log
config, access log included), with production settings on our own PostgreSQL; the test
sends requests that carry secrets in every place a client puts them and greps all the
output for each secret it used.
"""

import json
import secrets
from urllib.parse import urlencode

import pytest

from tests.core.services import WebServer, production_env
from wijkregie.core.logging import JsonFormatter, redact

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def api_key() -> str:
    return f"wr_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


@pytest.fixture
def web(own_postgres, tmp_path):
    server = WebServer(production_env(DATABASE_URL=own_postgres.url()), tmp_path / "web.log")
    yield server
    server.stop()


def test_no_secret_a_request_carries_reaches_the_logs_of_make_run(web):
    used = {
        "query_key": api_key(),
        "json_key": api_key(),
        "form_key": api_key(),
        "header_key": api_key(),
        "token": secrets.token_urlsafe(24),
        "link": f"{secrets.token_urlsafe(16)}:{secrets.token_urlsafe(8)}",
        "receipt": secrets.token_urlsafe(20),
        "open311_token": secrets.token_hex(12),
        "code_in_path": tracking_code(),
        "code_as_segment": tracking_code(),
        "code_in_query": tracking_code(),
        "passphrase": secrets.token_hex(10),
        "form_code": tracking_code(),
        "form_passphrase": secrets.token_hex(10),
    }
    s = used
    requests = [
        (f"/open311/v2/requests.xml?api_key={s['query_key']}", {}, None),
        (f"/open311/v2/requests.json?jurisdiction_id=x&api_key={s['json_key']}", {}, None),
        ("/open311/v2/requests.xml", {}, urlencode({"api_key": s["form_key"]}).encode()),
        (
            f"/api/v1/reports/?token={s['token']}",
            {"Authorization": f"Token {s['header_key']}"},
            None,
        ),
        (f"/melden/volgen/link/{s['link']}/", {}, None),
        (f"/melden/ontvangen/{s['receipt']}/", {}, None),
        (f"/open311/v2/tokens/{s['open311_token']}.json", {}, None),
        (f"/melden/volgen/{s['code_in_path']}/", {}, None),
        (f"/melden/{s['code_as_segment']}/", {}, None),
        (f"/melden/volgen/?code={s['code_in_query']}&passphrase={s['passphrase']}", {}, None),
        (
            "/melden/volgen/",
            {},
            urlencode(
                {"tracking_code": s["form_code"], "passphrase": s["form_passphrase"]}
            ).encode(),
        ),
    ]
    statuses = [web.get(path, headers=headers, data=data)[0] for path, headers, data in requests]
    output = web.output()

    assert all(status < 600 for status in statuses)
    leaked = sorted(name for name, secret in used.items() if secret in output)
    assert leaked == []
    access = [
        json.loads(line)
        for line in output.splitlines()
        if line.startswith("{") and json.loads(line)["event"] == "http_request"
    ]
    assert [(line["action"], line["object"]) for line in access] == [
        ("GET", "/open311/v2/requests.xml?api_key=[redacted]"),
        ("GET", "/open311/v2/requests.json?jurisdiction_id=x&api_key=[redacted]"),
        ("POST", "/open311/v2/requests.xml"),
        ("GET", "/api/v1/reports/?token=[redacted]"),
        ("GET", "/melden/volgen/link/[redacted]/"),
        ("GET", "/melden/ontvangen/[redacted]/"),
        ("GET", "/open311/v2/tokens/[redacted]"),
        ("GET", "/melden/volgen/[redacted]/"),
        ("GET", "/melden/[redacted]/"),
        ("GET", "/melden/volgen/?code=[redacted]&passphrase=[redacted]"),
        ("POST", "/melden/volgen/"),
    ]
    assert [line["result"] for line in access] == statuses
    assert all(line["ip"] == "127.0.0.1" for line in access)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_our_own_request_lines_carry_no_secret_in_either_mode(client, settings, log_lines, debug):
    settings.DEBUG = debug
    link, code = secrets.token_urlsafe(20), tracking_code()

    client.get(f"/melden/volgen/link/{link}/")
    client.get(f"/melden/{code}/")

    text = json.dumps(log_lines())
    assert log_lines("request_refused") != []
    assert link not in text
    assert code not in text


def test_the_formatter_redacts_every_field_and_the_traceback():
    import logging

    key = api_key()
    try:
        raise ValueError(f"could not check {key}")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"msg": "request_failed", "object": f"/x?api_key={key}", "exc_info": sys.exc_info()}
        )

    line = JsonFormatter().format(record)

    assert key not in line
    assert json.loads(line)["object"] == "/x?api_key=[redacted]"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (
            "/open311/v2/requests.xml?api_key=wr_ab_cd&x=1",
            "/open311/v2/requests.xml?api_key=[redacted]&x=1",
        ),
        ("/melden/volgen/melding/", "/melden/volgen/melding/"),
        ("/melden/volgen/sluiten/", "/melden/volgen/sluiten/"),
        ("/melden/volgen/", "/melden/volgen/"),
        ("Token wr_abc_defghijklmnop", "Token wr_[redacted]"),
        ("/melden/?categorie=litter&lang=nl", "/melden/?categorie=litter&lang=nl"),
        ("/reports/12/photos/3/", "/reports/12/photos/3/"),
    ],
)
def test_redact_keeps_what_is_no_secret(text, redacted):
    assert redact(text) == redacted
