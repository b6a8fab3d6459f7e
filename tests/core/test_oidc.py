import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

import pytest

from wijkregie.core.oidc import oidc_provider_settings

ROOT = Path(__file__).resolve().parents[2]
OIDC_ENV = {
    "OIDC_ENABLED": "true",
    "OIDC_PROVIDER_ID": "rivierstad",
    "OIDC_PROVIDER_NAME": "Gemeente Rivierstad",
    "OIDC_CLIENT_ID": "wijkregie",
    "OIDC_CLIENT_SECRET": "client-secret-from-the-idp",
    "OIDC_SERVER_URL": "https://login.rivierstad.example/realms/staff",
}


def test_oidc_is_off_unless_enabled():
    assert oidc_provider_settings({}) == {}
    assert oidc_provider_settings({**OIDC_ENV, "OIDC_ENABLED": "false"}) == {}


def test_oidc_settings_from_the_environment():
    assert oidc_provider_settings(OIDC_ENV) == {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "SCOPE": ["openid", "profile", "email"],
            "APPS": [
                {
                    "provider_id": "rivierstad",
                    "name": "Gemeente Rivierstad",
                    "client_id": "wijkregie",
                    "secret": "client-secret-from-the-idp",
                    "settings": {"server_url": "https://login.rivierstad.example/realms/staff"},
                }
            ],
        }
    }


def test_oidc_optional_settings_and_defaults():
    env = {
        "OIDC_ENABLED": "1",
        "OIDC_CLIENT_ID": "id",
        "OIDC_CLIENT_SECRET": "secret",
        "OIDC_SERVER_URL": "https://idp.example",
        "OIDC_SCOPES": "openid email",
        "OIDC_TOKEN_AUTH_METHOD": "client_secret_post",
    }

    app = oidc_provider_settings(env)["openid_connect"]

    assert app["SCOPE"] == ["openid", "email"]
    assert app["APPS"][0]["provider_id"] == "organisation"
    assert app["APPS"][0]["name"] == "Organisation login"
    assert app["APPS"][0]["settings"] == {
        "server_url": "https://idp.example",
        "token_auth_method": "client_secret_post",
    }


def test_oidc_enabled_without_its_client_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured) as error:
        oidc_provider_settings({"OIDC_ENABLED": "true", "OIDC_CLIENT_ID": "id"})

    assert str(error.value) == (
        "OIDC_ENABLED is true, but these variables are not set: "
        "OIDC_CLIENT_SECRET, OIDC_SERVER_URL."
    )


def test_the_settings_module_reads_the_oidc_variables():
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OIDC_")},
        **OIDC_ENV,
        "DJANGO_SETTINGS_MODULE": "wijkregie.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == oidc_provider_settings(OIDC_ENV)


@pytest.mark.django_db
def test_the_login_page_offers_the_configured_identity_provider(client):
    with override_settings(SOCIALACCOUNT_PROVIDERS=oidc_provider_settings(OIDC_ENV)):
        response = client.get("/accounts/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<form method="post" action="/accounts/oidc/rivierstad/login/?process=login"' in html
    assert "Inloggen met Gemeente Rivierstad" in html


@pytest.mark.django_db
def test_the_login_page_offers_no_identity_provider_when_none_is_configured(client):
    response = client.get("/accounts/login/")

    assert "/accounts/oidc/" not in response.content.decode()


def test_the_callback_url_to_register_at_the_identity_provider():
    url = reverse("openid_connect_callback", kwargs={"provider_id": "rivierstad"})

    assert url == "/accounts/oidc/rivierstad/login/callback/"
