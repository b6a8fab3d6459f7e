import time
import uuid

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from allauth.mfa.models import Authenticator

from wijkregie.core.logging import log_event

# Paths a professional may open before enrolling a second factor.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/health/", "/media/")


def user_has_second_factor(user) -> bool:
    cached = getattr(user, "_wijkregie_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._wijkregie_has_mfa = cached
    return cached


class RequireSecondFactorMiddleware:
    """A professional sees nothing before enrolling TOTP (BRIEF 29).

    Pages that residents use without an account are outside this check because they
    are reached anonymously; the API checks the same rule in its permission class.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not request.path.startswith("/api/")
            and not user_has_second_factor(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class RequestLogMiddleware:
    """Gives every request an id and logs refusals and server errors as structured lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        status = response.status_code
        if status in (401, 403, 404, 429) or status >= 500:
            user = getattr(request, "user", None)
            log_event(
                "request_refused" if status < 500 else "request_failed",
                actor=user.get_username() if user is not None and user.is_authenticated else "",
                action=request.method,
                object=request.path,
                result=status,
                origin="api" if request.path.startswith("/api/") else "web",
                ip=request.META.get("REMOTE_ADDR", "") if settings.DEBUG is False else "",
                ms=round((time.perf_counter() - started) * 1000, 1),
                request_id=request.request_id,
            )
        response["X-Request-ID"] = request.request_id
        return response
