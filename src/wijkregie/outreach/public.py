"""The residents' evening form behind a personal invitation code (no account).

The protections of an anonymous report (as reports/public does): a honeypot field and a
signed token saying when the form was rendered (no CAPTCHA), its idempotency key made on
the server, a flood throttled per code and per evening in the shared cache, and a form
that is given back filled in when it is refused. The input keeps nothing of the code.
"""

import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

import segno

from wijkregie.core.cache import CacheUnavailable, cache_call, cache_digest
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.forms import add_service_errors
from wijkregie.outreach import selectors, services
from wijkregie.outreach.forms import EveningInputForm

TOKEN_SALT = "wijkregie.outreach.evening-form"
HONEYPOT_FIELD = "wr_contact_website"
TOKEN_FIELD = "form_token"
PER_CODE = (10, 3600)  # inputs per invitation code per hour
PER_EVENING = (300, 3600)  # inputs per evening per hour


def _language(request) -> str:
    codes = [code for code, _name in settings.WIJKREGIE_RESIDENT_LANGUAGES]
    asked = request.GET.get("lang", "")
    if asked in codes:
        return asked
    remembered = request.COOKIES.get(settings.WIJKREGIE_RESIDENT_LANGUAGE_COOKIE, "")
    if remembered in codes:
        return remembered
    for part in request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(","):
        base = part.split(";")[0].strip().split("-")[0].lower()
        if base in codes:
            return base
    return settings.LANGUAGE_CODE


def _token(key: str | None = None, rendered_at: int | None = None) -> str:
    return signing.dumps(
        {"k": key or secrets.token_urlsafe(24), "t": rendered_at or int(time.time())},
        salt=TOKEN_SALT,
        compress=False,
    )


def _read_token(raw: str) -> dict | None:
    try:
        data = signing.loads(raw or "", salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    return data if isinstance(data.get("t"), int) else None


def _over_limit(scope: str, ident: str, rate: tuple[int, int]) -> bool:
    """Count one use; True when `ident` has used up `rate` (fails open without a cache)."""
    limit, window = rate
    key = f"wr:rl:{scope}:{cache_digest('rate:' + scope, ident)}:{int(time.time()) // window}"
    try:
        cache_call("rate-count", "add", key, 0, timeout=window + 5, strict=True)
        count = cache_call("rate-count", "incr", key, strict=True)
    except (CacheUnavailable, ValueError):
        return False
    return count > limit


def _page(request, template, context, status=200):
    context = {**context, "hide_languages": True}
    response = render(request, f"outreach/public/{template}", context, status=status)
    add_never_cache_headers(response)
    response.headers["Content-Language"] = translation.get_language()
    return response


def _problem(request, title, text, status):
    return _page(request, "problem.html", {"title": title, "text": text}, status)


@require_http_methods(["GET", "POST"])
def evening_form(request, code):
    with translation.override(_language(request)):
        return _evening_form(request, code)


def _evening_form(request, code):
    invitation = selectors.invitation_by_code(code)
    if invitation is None:
        return _problem(
            request,
            _("This invitation link is not known"),
            _("Check the link or the QR code on your invitation letter."),
            404,
        )
    evening = invitation.evening
    form = EveningInputForm(request.POST or None)
    token = _token()
    context = {"evening": evening, "form": form, "honeypot": HONEYPOT_FIELD, "token": token}
    if request.method != "POST":
        return _page(request, "evening_form.html", context)
    if (request.POST.get(HONEYPOT_FIELD) or "").strip():
        return _page(request, "thanks.html", {"evening": evening})  # neutral: nothing stored
    data = _read_token(request.POST.get(TOKEN_FIELD, ""))
    if data is None:
        form.is_valid()
        form.add_error(None, _("We could not accept the form. Please send it again."))
        return _page(request, "evening_form.html", context, 400)
    context["token"] = _token(data["k"], data["t"])
    age = time.time() - data["t"]
    if age < settings.WIJKREGIE_FORM_MIN_SECONDS or age > settings.WIJKREGIE_FORM_MAX_AGE:
        form.is_valid()
        form.add_error(None, _("Please check your text and send the form again."))
        context["token"] = _token(data["k"])
        return _page(request, "evening_form.html", context, 400)
    if not form.is_valid():
        return _page(request, "evening_form.html", context, 400)
    if _over_limit("evening-code", code, PER_CODE) or _over_limit(
        "evening", str(evening.pk), PER_EVENING
    ):
        form.add_error(
            None, _("Many messages arrived just now. Please wait a while and send it again.")
        )
        return _page(request, "evening_form.html", context, 429)
    try:
        services.evening_input_submit(
            invitation=invitation,
            text=form.cleaned_data["text"],
            topics=form.cleaned_data["topics"],
            idempotency_key=data["k"],
        )
    except (ValidationError, ApplicationError) as exc:
        add_service_errors(form, exc)
        return _page(request, "evening_form.html", context, 400)
    return _page(request, "thanks.html", {"evening": evening})


@require_GET
def evening_qr(request, code):
    """The invitation's QR code (SVG) for the letter: it holds the form's address."""
    invitation = selectors.invitation_by_code(code)
    if invitation is None:
        return HttpResponse(status=404)
    url = request.build_absolute_uri(selectors.evening_invitation_path(invitation))
    svg = segno.make(url, error="m").svg_inline(scale=4, title=_("QR code of your invitation"))
    response = HttpResponse(svg, content_type="image/svg+xml")
    add_never_cache_headers(response)
    return response
