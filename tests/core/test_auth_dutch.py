"""allauth's Dutch on our pages speaks to people with "u", as our own pages do
(core/locale_overrides)."""

import re
from html import unescape

from django.contrib.auth import get_user_model

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

PASSWORD = "a-long-test-password-42"
INFORMAL = re.compile(r"\b(je|jij|jou|jouw)\b", re.IGNORECASE)


def _text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def person(db):
    user = get_user_model().objects.create_user(
        username="ann", email="ann@example.org", password=PASSWORD
    )
    TOTP.activate(user, generate_totp_secret())
    return user


def test_the_login_pages_say_u(client, person):
    pages = {"login": client.get("/accounts/login/")}
    pages["wrong password"] = client.post(
        "/accounts/login/", {"login": "ann", "password": "not-the-password"}
    )
    assert "Uw gebruikersnaam en/of wachtwoord klopt niet." in _text(pages["wrong password"])
    second = client.post("/accounts/login/", {"login": "ann", "password": PASSWORD})
    assert second.status_code == 302
    pages["second factor"] = client.get(second["Location"])
    assert "Uw account is beveiligd met twee-factor-authenticatie." in _text(pages["second factor"])
    pages["password reset"] = client.get("/accounts/password/reset/")
    found = {name: INFORMAL.findall(_text(r)) for name, r in pages.items()}
    assert {name: words for name, words in found.items() if words} == {}
