"""The demo's Open311 reporting app: an API key of Woonstichting De Vaart, so that a
developer can point a GeoReport v2 client (FixMyStreet, a phone app) at the demo at once.

Demo mode only. The key is derived from the secret key (so a second run prints the same
key and changes nothing); the token is made through the partners service like any other.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

from wijkregie.core.access import system_viewer
from wijkregie.partners import services
from wijkregie.partners.models import ApiToken, Organisation

APP_NAME = "Demo-meldapp (Open311)"
ORGANISATION = "de-vaart"


def demo_api_key() -> str:
    digest = salted_hmac("wijkregie.demo.open311-app", "api-key", algorithm="sha256").hexdigest()
    return f"wr_{digest[: ApiToken.PREFIX_LENGTH]}_{digest[ApiToken.PREFIX_LENGTH : 56]}"


def build_open311_app() -> dict:
    """Create (or bring up to date) the demo app's token. Returns {"key", "organisation",
    "name"}."""
    if not settings.DEMO_MODE:
        raise RuntimeError("The demo's Open311 key exists in demo mode only.")
    organisation = Organisation.objects.get(slug=ORGANISATION)
    key = demo_api_key()
    prefix = key.split("_")[1]
    token = ApiToken.objects.filter(
        organisation=organisation, name=APP_NAME, revoked_at__isnull=True
    ).first()
    if token is None:
        token, _random_key = services.api_token_create(
            actor=system_viewer(), organisation=organisation, name=APP_NAME
        )
    if (token.prefix, token.key_hash) != (prefix, ApiToken.hash_key(key)):
        token.prefix, token.key_hash = prefix, ApiToken.hash_key(key)
        token.save(update_fields=["prefix", "key_hash"])
    return {"key": key, "organisation": organisation.name, "name": APP_NAME}
