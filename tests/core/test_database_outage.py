"""A database outage: fast 503s with Retry-After, one log line each, recovery after.

Against our own PostgreSQL (stopped and started by the test) and uvicorn with the
production settings, as the site runs.
"""

import json

import pytest

from tests.core.services import OwnRedis, WebServer, production_env, wait_for
from wijkregie.core.middleware import database_outage_response

# A request that waits longer than this hangs (the pool's wait used to be 10 s).
HANGING_SECONDS = 8


@pytest.fixture
def own_redis():
    redis = OwnRedis()
    yield redis
    redis.stop()


@pytest.fixture
def web(postgres, own_redis, tmp_path):
    env = production_env(DATABASE_URL=postgres.url(), REDIS_URL=own_redis.url)
    server = WebServer(env, tmp_path / "web.log")
    yield server
    server.stop()


def log_lines(server) -> list[dict]:
    return [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]


def test_pages_api_and_health_answer_503_fast_while_the_database_is_down(web, postgres):
    assert web.get("/health/")[0] == 200
    postgres.stop()

    page = web.get("/melden/ABCDEF/", timeout=HANGING_SECONDS)  # the view asks the database
    session_page = web.get(  # the session middleware asks the database, before any view
        "/accounts/login/", headers={"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"},
        timeout=HANGING_SECONDS,
    )  # fmt: skip
    api = web.get(
        "/api/v1/reports/", headers={"Authorization": "Token wr_abc_def"}, timeout=HANGING_SECONDS
    )
    health = web.get("/health/", timeout=HANGING_SECONDS)

    for status, headers, body in (page, session_page):
        assert (status, headers["Retry-After"]) == (503, "30")
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert '<h1 class="utrecht-heading-1">Tijdelijk niet beschikbaar</h1>' in body.decode()
    status, headers, body = api
    assert (status, headers["Retry-After"]) == (503, "30")
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body) == {
        "type": "about:blank",
        "title": "De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.",
        "status": 503,
        "detail": "De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.",
    }
    status, headers, body = health
    assert (status, headers["Retry-After"]) == (503, "10")
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "unavailable",
        "cache": "ok",
        "unavailable": ["database"],
    }
    outages = [line for line in log_lines(web) if line["event"] == "database_unavailable"]
    assert [(line["object"], line["result"], line["origin"]) for line in outages] == [
        ("/melden/ABCDEF/", 503, "web"),
        ("/accounts/login/", 503, "web"),
        ("/api/v1/reports/", 503, "api"),
    ]
    assert all(line["level"] == "error" for line in outages)
    assert all(line["error"].startswith("OperationalError: ") for line in outages)
    failed = [line for line in log_lines(web) if line["event"] == "request_failed"]
    assert failed == [], failed[0]["detail"] + failed[0].get("exception", "")[-600:]

    postgres.start()
    wait_for(lambda: web.get("/health/")[0] == 200, "the site to recover")
    assert web.get("/api/v1/reports/", headers={"Authorization": "Token wr_abc_def"})[0] == 401


class _Request:
    path = "/open311/v2/requests.xml"
    method = "POST"


def test_open311_outages_are_left_to_open311s_own_error_handling():
    from django.db import OperationalError

    assert database_outage_response(_Request(), OperationalError("gone")) is None


def test_an_error_that_is_no_outage_is_left_to_the_500_handling():
    request = _Request()
    request.path = "/melden/"

    assert database_outage_response(request, RuntimeError("a bug")) is None
