import logging
import time
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from allauth.mfa.models import Authenticator

from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.http import client_ip
from wijkregie.core.logging import log_event, request_fields

# Paths a professional may open before enrolling a second factor.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/jsi18n/", "/health/", "/media/")
# The API answers 403 itself (core.permissions.IsVerifiedProfessional) instead of
# redirecting a program to a page; these paths under /api/ are pages for people.
API_PREFIX = "/api/"
PAGES_UNDER_API = ("/api/docs/",)
REFUSAL_STATUSES = (401, 403, 404, 429)
REQUEST_ID_MAX_LENGTH = 64


def user_has_second_factor(user) -> bool:
    cached = getattr(user, "_wijkregie_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._wijkregie_has_mfa = cached
    return cached


def needs_second_factor_check(path: str) -> bool:
    if path.startswith(MFA_EXEMPT_PREFIXES):
        return False
    return not path.startswith(API_PREFIX) or path.startswith(PAGES_UNDER_API)


class RequireSecondFactorMiddleware:
    """A professional sees nothing before enrolling TOTP (BRIEF 29).

    Every page except the account pages (log in, enrol the second factor, log out)
    redirects a logged-in user without a TOTP authenticator to the enrolment page.
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
            and needs_second_factor_check(request.path)
            and not user_has_second_factor(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class RequestLogMiddleware:
    """Gives every request an id and logs refusals as one structured line each.

    Server errors (5xx, with the traceback) are logged by Django's `django.request`
    logger through `core.logging.RequestContextFilter`, so they are not logged here too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = (
            incoming[:REQUEST_ID_MAX_LENGTH]
            if incoming and incoming.isascii() and incoming.isprintable()
            else uuid.uuid4().hex
        )
        started = time.perf_counter()
        response = self.get_response(request)
        status = response.status_code
        if status in REFUSAL_STATUSES:
            fields = request_fields(request, status)
            user = getattr(request, "user", None)  # a refusal may resolve the user
            if user is not None and user.is_authenticated:
                fields["actor"] = user.get_username()
            log_event(
                "request_refused",
                level=logging.WARNING,
                **fields,
                reason=getattr(request, "_wijkregie_refusal_reason", ""),
                ip=client_ip(request),
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        response["X-Request-ID"] = request.request_id
        return response


class ApplicationErrorMiddleware:
    """Turns the errors of services and selectors into pages, as core.api does for the API.

    `NotFound` (missing or forbidden: the same answer) becomes the 404 page,
    `PermissionDenied` the 403 page, any other `ApplicationError` a 400 page with its
    translated message. Views that can do better (a form with the message) catch them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.message) from exception
        if isinstance(exception, ApplicationError):
            return render(request, "400.html", {"message": exception.message}, status=400)
        return None
