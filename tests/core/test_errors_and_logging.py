from django.test import Client

import pytest

from wijkregie.core.audit import audit_record
from wijkregie.core.logging import EVENT_FIELDS
from wijkregie.partners.selectors import viewer_for

pytestmark = pytest.mark.urls("tests.core.urls")


@pytest.fixture
def professional(make_professional, organisation):
    return make_professional("ann", organisation=organisation)


@pytest.fixture
def quiet_client(professional):
    """A client that gets the error page instead of the exception (as a browser does)."""
    client = Client(raise_request_exception=False)
    client.force_login(professional)
    return client


def test_an_unhandled_exception_gives_our_500_page_and_one_json_line(quiet_client, log_lines):
    response = quiet_client.get("/test/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert '<h1 class="utrecht-heading-1">Er ging iets mis</h1>' in html
    assert '<html lang="nl"' in html
    assert "the database said no" not in html
    lines = log_lines()
    assert len(lines) == 1
    line = lines[0]
    assert {k: line[k] for k in ("level", "logger", "event", *EVENT_FIELDS)} == {
        "level": "error",
        "logger": "django.request",
        "event": "request_failed",
        "actor": "ann",
        "organisation": "",  # the view failed before it asked who the viewer acts for
        "action": "GET",
        "object": "/test/boom/",
        "result": 500,
        "origin": "web",
    }
    assert line["detail"] == "Internal Server Error: /test/boom/"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("RuntimeError: the database said no")
    assert response["X-Request-ID"] == line["request_id"]


def test_the_500_page_renders_without_a_static_files_manifest(quiet_client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path  # collectstatic never ran: no manifest
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    response = quiet_client.get("/test/boom/")

    html = response.content.decode()
    assert response.status_code == 500
    assert '<h1 class="utrecht-heading-1">Er ging iets mis</h1>' in html
    assert 'href="/static/wijkregie/css/app.css"' in html


def test_the_500_page_falls_back_to_plain_html_when_its_template_fails(quiet_client, monkeypatch):
    from wijkregie.core import views

    def broken(name):
        raise RuntimeError("template storage unavailable")

    monkeypatch.setattr(views.loader, "get_template", broken)

    response = quiet_client.get("/test/boom/")

    assert response.status_code == 500
    assert response.content.decode() == views.FALLBACK_ERROR_PAGE


def test_the_500_page_follows_the_language_choice(quiet_client):
    quiet_client.cookies["wijkregie_language"] = "en"

    response = quiet_client.get("/test/boom/")

    assert '<h1 class="utrecht-heading-1">Something went wrong</h1>' in response.content.decode()


def test_a_missing_page_is_our_404_and_one_refusal_line(quiet_client, log_lines):
    response = quiet_client.get("/no/such/page/")

    assert response.status_code == 404
    assert '<h1 class="utrecht-heading-1">Pagina niet gevonden</h1>' in response.content.decode()
    lines = log_lines()
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("level", "event", *EVENT_FIELDS)} == {
        "level": "warning",
        "event": "request_refused",
        "actor": "ann",
        "organisation": "Woonstichting De Vaart",
        "action": "GET",
        "object": "/no/such/page/",
        "result": 404,
        "origin": "web",
    }


def test_not_found_from_a_selector_is_a_404_page(quiet_client):
    response = quiet_client.get("/test/not-found/")

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_permission_denied_from_a_service_is_a_403_page_and_a_refusal_line(quiet_client, log_lines):
    response = quiet_client.get("/test/permission-denied/")

    assert response.status_code == 403
    assert '<h1 class="utrecht-heading-1">Geen toegang</h1>' in response.content.decode()
    assert [(line["event"], line["result"]) for line in log_lines()] == [("request_refused", 403)]


def test_an_application_error_escaping_a_view_is_a_400_page_with_its_message(quiet_client):
    response = quiet_client.get("/test/application-error/")

    assert response.status_code == 400
    assert "This building has no entrances." in response.content.decode()


def test_an_api_refusal_is_one_line(client, db, log_lines):
    response = client.get("/api/v1/test/ping/")

    assert response.status_code == 401
    lines = log_lines()
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("event", *EVENT_FIELDS)} == {
        "event": "request_refused",
        "actor": "",
        "organisation": "",
        "action": "GET",
        "object": "/api/v1/test/ping/",
        "result": 401,
        "origin": "api",
    }


def test_a_disallowed_host_is_a_400_page_and_one_line(db, log_lines):
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "Het verzoek kon niet worden verwerkt" in response.content.decode()
    lines = log_lines()
    assert len(lines) == 1
    assert (lines[0]["logger"], lines[0]["event"], lines[0]["result"]) == (
        "django.security.DisallowedHost",
        "request_refused",
        400,
    )


def test_a_form_post_without_csrf_token_gets_a_clear_page_in_the_users_language(
    professional, log_lines
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(professional)
    client.cookies["wijkregie_language"] = "en"

    response = client.post("/accounts/logout/")

    assert response.status_code == 403
    html = response.content.decode()
    assert '<h1 class="utrecht-heading-1">The form has expired</h1>' in html
    assert "Go back, reload the page and send the form again. Nothing has been saved." in html
    lines = log_lines()
    assert len(lines) == 1
    assert (lines[0]["event"], lines[0]["result"], lines[0]["reason"]) == (
        "request_refused",
        403,
        "csrf: CSRF cookie not set.",
    )


def test_the_csrf_page_is_dutch_by_default(professional):
    client = Client(enforce_csrf_checks=True)
    client.force_login(professional)

    response = client.post("/accounts/logout/")

    assert '<h1 class="utrecht-heading-1">Het formulier is verlopen</h1>' in (
        response.content.decode()
    )


def test_an_audit_event_is_one_line_without_personal_data(professional, log_lines):
    entry = audit_record(
        viewer=viewer_for(professional),
        action="view",
        object_type="residents.resident",
        object_ids=[42],
        fields=["given_name"],
    )

    lines = log_lines()
    assert len(lines) == 1
    assert {k: v for k, v in lines[0].items() if k != "time"} == {
        "level": "info",
        "logger": "wijkregie.events",
        "event": "audit",
        "actor": "ann",
        "organisation": "Woonstichting De Vaart",
        "action": "view",
        "object": "residents.resident:42",
        "result": "recorded",
        "origin": "web",
        "seq": entry.pk,
    }


def test_a_request_id_from_the_load_balancer_is_kept_and_cut_to_64_characters(quiet_client):
    kept = quiet_client.get("/", HTTP_X_REQUEST_ID="lb-1234")
    cut = quiet_client.get("/", HTTP_X_REQUEST_ID="x" * 200)
    generated = quiet_client.get("/")

    assert kept["X-Request-ID"] == "lb-1234"
    assert cut["X-Request-ID"] == "x" * 64
    assert len(generated["X-Request-ID"]) == 32


def test_the_stdout_handler_writes_json_with_the_request_fields():
    import logging

    from wijkregie.core.logging import JsonFormatter, RequestContextFilter

    for name in ("django.request", "django.security", "wijkregie"):
        ours = [
            h for h in logging.getLogger(name).handlers if isinstance(h.formatter, JsonFormatter)
        ]
        assert len(ours) == 1
        assert [type(f) for f in ours[0].filters] == [RequestContextFilter]
