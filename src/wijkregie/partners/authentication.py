"""Token authentication for systems: each token acts for exactly one organisation."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rest_framework import authentication, exceptions

from wijkregie.core.logging import log_event
from wijkregie.partners.models import ApiToken
from wijkregie.partners.selectors import api_token_for_key


class OrganisationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = api_token_for_key(key)
        if token is None:
            log_event(
                "api_token_refused",
                action=request.method,
                object=request.path,
                result=401,
                origin="api",
            )
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            # Coarse on purpose: a write per request would halve API throughput.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
