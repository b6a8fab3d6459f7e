"""allauth adapters: professionals are invited, never sign themselves up."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from wijkregie.core.logging import log_event


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def login(self, request, user):
        super().login(request, user)
        log_event("login", actor=user.get_username(), result="ok", origin="web")

    def authentication_failed(self, request, **credentials):
        log_event(
            "login_failed",
            actor=str(credentials.get("username") or credentials.get("email") or "")[:100],
            result="refused",
            origin="web",
        )
        return super().authentication_failed(request, **credentials)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Organisation identity providers log in existing accounts only (matched by e-mail)."""

    def is_open_for_signup(self, request, sociallogin):
        return False
