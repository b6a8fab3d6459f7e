import json
import logging
import time
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from allauth.mfa.models import Authenticator

from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.http import client_ip
from wijkregie.core.logging import log_event, request_fields

# Paths a professional may open before enrolling a second factor.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/jsi18n/", "/health/")
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
        if isinstance(exception, NotFound | Http404):
            # Rendered here rather than raised on: with DEBUG on, Django would answer a
            # raised Http404 with its technical page (core/error_pages.py).
            return page_not_found(request, Http404(str(exception)))
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.message) from exception
        if isinstance(exception, ApplicationError):
            return render(request, "400.html", {"message": exception.message}, status=400)
        return None


# --- Database outage -------------------------------------------------------------------
# How long a client is asked to wait before it tries again while the database is away.
OUTAGE_RETRY_AFTER_SECONDS = 30
# Paths whose errors have their own format and handling (Open311's <errors> list): the
# outage handling here lets their exceptions through, to be answered by their own code.
# Paths with an error contract of their own (Open311's error list, in English by
# default): they answer outages and bad input themselves, and these middlewares let them.
OWN_ERROR_CONTRACT = ("/open311/",)


def is_database_outage(exception) -> bool:
    """The database refused, dropped or did not give a connection in time (pool timeout)."""
    return isinstance(exception, OperationalError | InterfaceError)


def problem_response(status: int, title: str, **headers) -> HttpResponse:
    """An RFC 9457 problem, in the shape of core.api's exception handler."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": title}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/problem+json"
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _render_page(template_name: str, status: int, context: dict | None = None) -> HttpResponse:
    from wijkregie.core.views import FALLBACK_ERROR_PAGE  # views import this module's peers

    try:  # without the request: its context processors would ask the database again
        html = loader.get_template(template_name).render(context or {})
    except Exception:  # the error page must not fail in its turn
        html = FALLBACK_ERROR_PAGE
    return HttpResponse(html, status=status)


def database_outage_response(request, exception) -> HttpResponse | None:
    """503 with Retry-After for a request the database failed, logged as one line.

    The API gets a problem+json body, pages our own "temporarily unavailable" page. None
    for paths that answer outages themselves (OWN_ERROR_CONTRACT).
    """
    path = getattr(request, "path", "")
    if not is_database_outage(exception) or path.startswith(OWN_ERROR_CONTRACT):
        return None
    retry_after = str(OUTAGE_RETRY_AFTER_SECONDS)
    if path.startswith(API_PREFIX) and not path.startswith(PAGES_UNDER_API):
        response = problem_response(
            503,
            _("The service is temporarily unavailable. Try again in a moment."),
            Retry_After=retry_after,
        )
    else:
        response = _render_page("503.html", 503)
        response["Retry-After"] = retry_after
    log_event(
        "database_unavailable",
        level=logging.ERROR,
        **request_fields(request, 503),
        error=f"{type(exception).__name__}: {exception}"[:300],
    )
    response._has_been_logged = True  # one line: not Django's request_failed as well
    return response


class DatabaseOutageMiddleware:
    """A request the database fails gets a fast 503 with Retry-After, not a 500.

    This catches what views raise; what other middleware raises (the session, the user)
    reaches `core.views.server_error`, which answers the same. The pool's short timeout
    (DJANGO_DB_POOL_TIMEOUT) keeps requests from waiting long for a connection first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_outage_response(request, exception)


# --- NUL bytes in the request ----------------------------------------------------------
NUL = "\x00"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_NUL_ESCAPES = (b"\\u0000", b"\x00")


def _has_nul(request) -> str:
    """Where the request carries a NUL byte ("" if nowhere): path, query, form, JSON body."""
    if NUL in request.path or NUL in request.path_info:
        return "path"
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        return "query"
    if request.method not in ("POST", "PUT", "PATCH"):
        return ""
    content_type = request.content_type or ""
    if content_type in FORM_CONTENT_TYPES and request.method == "POST":
        form = _parsed_form(request)
        if form is None:
            return ""
        post, files = form
        for key, values in post.lists():
            if NUL in key or any(NUL in value for value in values):
                return "form"
        for key, uploads in files.lists():
            if NUL in key or any(NUL in (upload.name or "") for upload in uploads):
                return "form"
    elif content_type.endswith("json"):
        try:
            body = request.body
        except Exception:  # too large: the view refuses it in its own words
            return ""
        if any(escape in body for escape in JSON_NUL_ESCAPES):
            return "body"
    return ""


def _parsed_form(request):
    """(POST, FILES), or None if the body does not parse.

    Then the view must still see the error it would have seen (Open311 and the forms
    answer it in their own words): the next access to POST or FILES raises it again,
    as Django does for a body that fails to parse.
    """
    try:
        return request.POST, request.FILES
    except Exception as error:
        failure = error  # `error` is unbound after the except block
        for name in ("_post", "_files"):
            request.__dict__.pop(name, None)

        def replay():
            request._mark_post_parse_error()
            raise failure

        request._load_post_and_files = replay
        return None


class RejectNulBytesMiddleware:
    """A NUL byte in the path, query string, a form field or a JSON body is a clear 400.

    PostgreSQL cannot store NUL in text, so such input would otherwise end in a 500 far
    down. No page or field of ours has a use for it. The answer is in the format of the
    path: problem+json under the API, a page elsewhere (Open311 refuses it in its own
    error list, OWN_ERROR_CONTRACT); the refusal is one log line (without the input itself).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OWN_ERROR_CONTRACT):
            return self.get_response(request)
        where = _has_nul(request)
        if not where:
            return self.get_response(request)
        path = request.path
        # Before LocaleMiddleware: the browser's language.
        language = get_language_from_request(request)
        with translation.override(language):
            message = _("The request contains a NUL character (a zero byte), which is not allowed.")
            if path.startswith(API_PREFIX) and not path.startswith(PAGES_UNDER_API):
                response = problem_response(400, message)
            else:
                response = _render_page("400.html", 400, {"message": message})
        fields = request_fields(request, 400)
        fields["object"] = fields["object"].replace(NUL, "\\0")
        log_event(
            "request_refused",
            level=logging.WARNING,
            **fields,
            reason=f"nul byte in {where}",
            ip=client_ip(request),
        )
        response._has_been_logged = True
        response["X-Request-ID"] = getattr(request, "request_id", "")
        return response
