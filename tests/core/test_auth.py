import re
import time

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.totp.internal.auth import app_settings as mfa_settings

PASSWORD = "a-long-test-password-42"
TOTP_ACTIVATE = "/accounts/2fa/totp/activate/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
LOCKED_MESSAGE_EN = (
    "Too many failed login attempts for this account. For your safety, logging in is "
    "blocked for a while. Try again later, or reset your password."
)


def current_code(secret: str, offset: int = 0) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + offset
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def person(db):
    return get_user_model().objects.create_user(
        username="ann", email="ann@example.org", password=PASSWORD
    )


@pytest.fixture
def secret(person):
    value = generate_totp_secret()
    TOTP.activate(person, value)
    return value


@pytest.fixture
def english(client):
    client.cookies["wijkregie_language"] = "en"
    return client


# --- The second factor is required before anything -----------------------------------------


@pytest.mark.parametrize("path", ["/", "/audit/", "/api/docs/", "/django-admin/"])
def test_a_logged_in_user_without_authenticator_is_sent_to_totp_activation(client, person, path):
    client.force_login(person)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE


def test_every_page_in_the_navigation_sends_a_user_without_authenticator_to_enrol(client, person):
    from wijkregie.core.navigation import _entries

    client.force_login(person)
    paths = sorted({reverse(entry.url_name) for entry in _entries})

    responses = {path: client.get(path) for path in paths}

    assert len(paths) >= 5
    assert {path: (r.status_code, r["Location"]) for path, r in responses.items()} == {
        path: (302, TOTP_ACTIVATE) for path in paths
    }


@pytest.mark.urls("tests.core.urls")
def test_the_api_refuses_a_session_without_authenticator_with_403(client, person):
    client.force_login(person)

    response = client.get("/api/v1/test/ping/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Meld u aan met een organisatietoken, of met een sessie waarin de tweede stap "
        "is doorlopen.",
        "status": 403,
        "detail": "Meld u aan met een organisatietoken, of met een sessie waarin de tweede stap "
        "is doorlopen.",
    }


@pytest.mark.urls("tests.core.urls")
def test_with_an_authenticator_pages_and_the_api_let_the_user_through(client, person, secret):
    client.force_login(person)

    page = client.get("/")
    api = client.get("/api/v1/test/ping/")

    assert page.status_code == 200
    assert api.status_code == 200
    assert api.json() == {"user": "ann"}


@pytest.mark.urls("tests.core.urls")
def test_the_api_asks_an_anonymous_caller_for_a_token(client, db):
    response = client.get("/api/v1/test/ping/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"] == "application/problem+json"


# --- The real login flow ---------------------------------------------------------------------


def test_login_with_password_then_totp_code(client, person, secret):
    first = client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})
    before_second_factor = client.get("/")

    second = client.post(MFA_AUTHENTICATE, {"code": current_code(secret)})
    home = client.get("/")

    assert first.status_code == 302
    assert first["Location"] == MFA_AUTHENTICATE
    assert before_second_factor.status_code == 302
    assert before_second_factor["Location"] == "/accounts/login/?next=/"
    assert second.status_code == 302
    assert second["Location"] == "/"
    assert home.status_code == 200
    assert home.context["user"] == person


def test_login_with_password_then_a_recovery_code(client, person, secret):
    codes = RecoveryCodes.activate(person)
    code = codes.get_unused_codes()[0]
    client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

    response = client.post(MFA_AUTHENTICATE, {"code": code})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    stored = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES)
    assert len(stored.wrap().get_unused_codes()) == 9
    assert code not in stored.wrap().get_unused_codes()


def test_a_wrong_second_factor_code_is_refused_and_logged(english, person, secret, log_lines):
    english.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

    response = english.post(MFA_AUTHENTICATE, {"code": current_code(secret, offset=-50)})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert english.get("/").status_code == 302
    lines = log_lines("second_factor_failed")
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("level", "actor", "action", "result", "origin")} == {
        "level": "warning",
        "actor": "ann",
        "action": "login",
        "result": "refused",
        "origin": "web",
    }


def test_first_login_without_authenticator_enrols_totp_with_recovery_codes(client, person):
    login = client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})
    home = client.get("/")
    activate = client.get(TOTP_ACTIVATE)
    secret = client.session[SECRET_SESSION_KEY]

    activated = client.post(TOTP_ACTIVATE, {"code": current_code(secret)})
    codes_page = client.get(activated["Location"])
    home_after = client.get("/")

    assert login.status_code == 302
    assert login["Location"] == "/"
    assert home.status_code == 302
    assert home["Location"] == TOTP_ACTIVATE
    assert activate.status_code == 200
    html = activate.content.decode()
    assert '<img class="wr-qr" src="data:image/svg+xml;base64,' in html
    assert f'value="{secret}"' in html
    assert "img-src 'self' data:" in activate["Content-Security-Policy"]
    assert activated.status_code == 302
    assert activated["Location"] == "/accounts/2fa/recovery-codes/"
    assert codes_page.status_code == 200
    unused = Authenticator.objects.get(user=person, type=Authenticator.Type.RECOVERY_CODES).wrap()
    assert unused.get_unused_codes()[0] in codes_page.content.decode()
    assert home_after.status_code == 200


# --- Throttling and lock-out -----------------------------------------------------------------


def test_after_five_failed_logins_the_sixth_is_refused_even_with_the_right_password(
    english, person, secret, log_lines
):
    failures = [
        english.post("/accounts/login/", {"login": "ann", "password": f"wrong-{i}"})
        for i in range(5)
    ]

    sixth = english.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

    assert [r.status_code for r in failures] == [200] * 5
    assert all(
        "The username and/or password you specified are not correct." in r.content.decode()
        for r in failures
    )
    assert sixth.status_code == 200
    assert LOCKED_MESSAGE_EN in sixth.content.decode()
    assert MFA_AUTHENTICATE not in sixth.get("Location", "")
    assert len(log_lines("login_failed")) == 5
    locked = log_lines("login_locked")
    assert len(locked) == 1
    assert {k: locked[0][k] for k in ("level", "actor", "action", "result", "reason")} == {
        "level": "warning",
        "actor": "ann",
        "action": "login",
        "result": "refused",
        "reason": "too_many_failed_attempts",
    }
    assert log_lines("login") == []


def test_the_lock_out_message_is_in_dutch_by_default(client, person):
    for i in range(5):
        client.post("/accounts/login/", {"login": "ann", "password": f"wrong-{i}"})

    response = client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

    assert response.status_code == 200
    assert (
        "Te veel mislukte inlogpogingen voor dit account. Voor uw veiligheid is inloggen "
        "een tijd geblokkeerd. Probeer het later opnieuw, of stel uw wachtwoord opnieuw in."
    ) in response.content.decode()


def test_the_lock_out_is_per_account(english, person, secret, db):
    get_user_model().objects.create_user(username="bob", password=PASSWORD)
    for i in range(5):
        english.post("/accounts/login/", {"login": "ann", "password": f"wrong-{i}"})

    response = english.post("/accounts/login/", {"login": "bob", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"


# --- The security log ------------------------------------------------------------------------


def test_a_failed_login_is_one_json_line_without_the_password(client, person, log_lines):
    client.post("/accounts/login/", {"login": "ann", "password": "s3cret-guess-XYZ"})

    lines = log_lines("login_failed")
    assert len(lines) == 1
    line = lines[0]
    assert set(line) == {
        "time",
        "level",
        "logger",
        "event",
        "actor",
        "organisation",
        "action",
        "object",
        "result",
        "origin",
        "reason",
        "ip",
    }
    assert {k: v for k, v in line.items() if k != "time"} == {
        "level": "warning",
        "logger": "wijkregie.events",
        "event": "login_failed",
        "actor": "ann",
        "organisation": "",
        "action": "login",
        "object": "",
        "result": "refused",
        "origin": "web",
        "reason": "invalid_credentials",
        "ip": "127.0.0.1",
    }
    assert all("s3cret-guess-XYZ" not in str(v) for v in line.values())


def test_a_successful_login_is_logged_once_without_password_or_code(
    client, person, secret, log_lines
):
    code = current_code(secret)
    client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})
    client.post(MFA_AUTHENTICATE, {"code": code})

    lines = log_lines("login")
    assert len(lines) == 1
    assert {k: v for k, v in lines[0].items() if k != "time"} == {
        "level": "info",
        "logger": "wijkregie.events",
        "event": "login",
        "actor": "ann",
        "organisation": "",
        "action": "login",
        "object": "",
        "result": "ok",
        "origin": "web",
        "ip": "127.0.0.1",
    }
    everything = str(log_lines())
    assert PASSWORD not in everything
    assert code not in everything


def test_logging_out_is_logged(client, person, secret, log_lines):
    client.force_login(person)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    lines = log_lines("logout")
    assert [(line["actor"], line["result"]) for line in lines] == [("ann", "ok")]


# --- The allauth pages render inside our shell -----------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def assert_in_shell(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<h1 class="utrecht-heading-1">') == 1
    assert '<main id="main" class="wr-main" tabindex="-1">' in html
    assert 'class="utrecht-link wr-skip-link" href="#main"' in html
    assert "vendor/utrecht/index.css" in html
    assert INLINE_SCRIPT.findall(html) == []
    assert " style=" not in html
    return html


@pytest.fixture
def logged_in(client, person, secret):
    """Logged in through the real flow, so the pages that ask for a recent login open."""
    client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})
    client.post(MFA_AUTHENTICATE, {"code": current_code(secret)})
    RecoveryCodes.activate(person)
    return client


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/accounts/password/reset/", "/accounts/password/reset/done/"],
)
def test_anonymous_account_pages_render_in_the_shell(client, db, path):
    assert_in_shell(client.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/logout/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/totp/deactivate/",
    ],
)
def test_account_pages_of_a_logged_in_user_render_in_the_shell(logged_in, path):
    assert_in_shell(logged_in.get(path))


def test_the_second_factor_page_renders_in_the_shell_with_a_labelled_code_field(
    client, person, secret
):
    client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

    html = assert_in_shell(client.get(MFA_AUTHENTICATE))

    assert '<label class="utrecht-form-label" for="id_code">' in html
    assert 'autocomplete="one-time-code"' in html


def test_the_totp_activation_page_renders_in_the_shell(client, person):
    client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})

    html = assert_in_shell(client.get(TOTP_ACTIVATE))

    assert 'alt="QR-code voor uw authenticator-app.' in html


def test_the_login_form_has_labels_and_the_error_summary(english, db):
    response = english.post("/accounts/login/", {"login": "nobody", "password": "wrong"})

    html = assert_in_shell(response)
    assert '<label class="utrecht-form-label" for="id_login">' in html
    assert '<label class="utrecht-form-label" for="id_password">' in html
    assert 'id="form-errors"' in html


def test_a_password_reset_request_for_an_unknown_address_reveals_nothing(english, db, mailoutbox):
    response = english.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert mailoutbox == []
