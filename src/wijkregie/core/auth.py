"""Authentication: allauth adapters and the security log of logins (OIDC: core.oidc).

Professionals are invited, never sign themselves up. Every login, failed login, lock-out,
failed second factor and logout is one structured log line (`core.logging.log_event`):
an operator sees a probing user without reading a database. The lines carry the login
name that was tried and the client address, never a password or a code.
"""

import logging
import time
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from wijkregie.core.http import client_ip
from wijkregie.core.logging import log_event

ATTEMPTED_LOGIN_MAX_LENGTH = 100


def _attempted_login(credentials: Mapping) -> str:
    return str(credentials.get("username") or credentials.get("email") or "")[
        :ATTEMPTED_LOGIN_MAX_LENGTH
    ]


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed login attempts for this account. For your safety, logging in "
            "is blocked for a while. Try again later, or reset your password."
        ),
    }

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request) -> str:
        """The login limits key on the same address as the logs and the resident pages."""
        return client_ip(request)

    def is_reauthentication_required(self, *, app, **kwargs):
        """A login with the password (and the second factor, once enrolled) in the last
        few minutes counts as a reauthentication for the second-factor pages.

        Every professional is sent to the enrolment page straight after their first login
        (core.middleware.RequireSecondFactorMiddleware) and then to their recovery codes;
        asking for the password again on each step would teach nothing. Later, managing
        the second factor asks for it again, as allauth does.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and self._logged_in_recently():
            return False
        return required

    def _logged_in_recently(self) -> bool:
        request = self.request
        user = getattr(request, "user", None)
        if request is None or user is None or not user.is_authenticated:
            return False
        password_logins = [
            r for r in get_authentication_records(request, user) if r.get("method") == "password"
        ]
        return bool(password_logins) and (
            time.time() - password_logins[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
        )

    def pre_authenticate(self, request, **credentials):
        """allauth refuses the attempt here once the failed-login limit is reached."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            log_event(
                "login_locked",
                level=logging.WARNING,
                actor=_attempted_login(credentials),
                action="login",
                result="refused",
                origin="web",
                reason="too_many_failed_attempts",
                ip=client_ip(request),
            )
            raise

    def login(self, request, user):
        super().login(request, user)
        log_event(
            "login",
            actor=user.get_username(),
            action="login",
            result="ok",
            origin="web",
            ip=client_ip(request),
        )

    def authentication_failed(self, request, **credentials):
        log_event(
            "login_failed",
            level=logging.WARNING,
            actor=_attempted_login(credentials),
            action="login",
            result="refused",
            origin="web",
            reason="invalid_credentials",
            ip=client_ip(request),
        )
        return super().authentication_failed(request, **credentials)

    def logout(self, request):
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else ""
        super().logout(request)
        log_event("logout", actor=actor, action="logout", result="ok", origin="web")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Organisation identity providers log in existing accounts only (matched by e-mail)."""

    def is_open_for_signup(self, request, sociallogin):
        return False


def log_second_factor_failed(sender, request, user, authenticator, reauthentication, **kwargs):
    """Receiver of allauth.mfa's `authentication_failed` (a wrong TOTP or recovery code)."""
    log_event(
        "second_factor_failed",
        level=logging.WARNING,
        actor=user.get_username(),
        action="reauthenticate" if reauthentication else "login",
        result="refused",
        origin="web",
        reason="incorrect_code",
        ip=client_ip(request) if request is not None else "",
    )
