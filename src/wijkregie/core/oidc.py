"""Settings for an organisation's own OpenID Connect identity provider.

Kept free of Django imports: `settings.py` calls `oidc_provider_settings(os.environ)`.
"""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_STRINGS = ("true", "on", "ok", "y", "yes", "1")
OIDC_REQUIRED = ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SERVER_URL")
DEFAULT_PROVIDER_ID = "organisation"
DEFAULT_PROVIDER_NAME = "Organisation login"


def oidc_provider_settings(env: Mapping[str, str]) -> dict:
    """The `SOCIALACCOUNT_PROVIDERS` for the environment `env` (e.g. `os.environ`).

    Empty unless OIDC_ENABLED is true; then OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
    OIDC_SERVER_URL (the issuer, whose /.well-known/openid-configuration allauth reads)
    are required. The callback URL to register at the identity provider is
    /accounts/oidc/<OIDC_PROVIDER_ID>/login/callback/ (docs/operations.md).
    """
    if env.get("OIDC_ENABLED", "").strip().lower() not in TRUE_STRINGS:
        return {}
    missing = [name for name in OIDC_REQUIRED if not env.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(
            f"OIDC_ENABLED is true, but these variables are not set: {', '.join(missing)}."
        )
    app_settings = {"server_url": env["OIDC_SERVER_URL"].strip()}
    if env.get("OIDC_TOKEN_AUTH_METHOD", "").strip():
        app_settings["token_auth_method"] = env["OIDC_TOKEN_AUTH_METHOD"].strip()
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "SCOPE": (env.get("OIDC_SCOPES", "").strip() or "openid profile email").split(),
            "APPS": [
                {
                    "provider_id": env.get("OIDC_PROVIDER_ID", "").strip() or DEFAULT_PROVIDER_ID,
                    "name": env.get("OIDC_PROVIDER_NAME", "").strip() or DEFAULT_PROVIDER_NAME,
                    "client_id": env["OIDC_CLIENT_ID"].strip(),
                    "secret": env["OIDC_CLIENT_SECRET"].strip(),
                    "settings": app_settings,
                }
            ],
        }
    }
