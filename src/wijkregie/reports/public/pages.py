"""How a resident page is answered: in the resident's language, never cached, with the
language links, a short page for a problem, the category texts, and the bot trap's verdict
on a posted form (`guard_form`).

Every view of the resident pages is wrapped in `resident_page`, which activates the
resident's language (nl, en, tr, ar, pl, uk) for the view and its rendering; professional
pages keep LANGUAGES (nl/en) through LocaleMiddleware, untouched.
"""

import logging
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from wijkregie.core.exceptions import NotFound
from wijkregie.core.logging import log_event
from wijkregie.places.models import Building
from wijkregie.places.selectors import building_get_by_public_code
from wijkregie.reports import selectors
from wijkregie.reports.category_texts import category_hint, category_name
from wijkregie.reports.models import Category
from wijkregie.reports.public import trap
from wijkregie.reports.public.trap import Verdict

# --- The resident's language -----------------------------------------------------------------


def resident_language_codes() -> list[str]:
    return [code for code, _name in settings.WIJKREGIE_RESIDENT_LANGUAGES]


def choose_language(request) -> tuple[str, bool]:
    """The resident's language and whether they chose it just now (?lang=…).

    Order: an explicit choice, the remembered cookie, the professional language cookie,
    the browser's Accept-Language, Dutch.
    """
    codes = resident_language_codes()
    asked = request.GET.get("lang", "")
    if asked in codes:
        return asked, True
    for cookie in (settings.WIJKREGIE_RESIDENT_LANGUAGE_COOKIE, settings.LANGUAGE_COOKIE_NAME):
        remembered = request.COOKIES.get(cookie, "")
        if remembered in codes:
            return remembered, False
    for tag, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = tag.split("-")[0].lower()
        if base in codes:
            return base, False
    return settings.LANGUAGE_CODE, False


def resident_page(view):
    """Run `view` and render its answer in the resident's language; never cached."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        language, chosen = choose_language(request)
        request.resident_language = language
        with translation.override(language):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        if chosen:
            response.set_cookie(
                settings.WIJKREGIE_RESIDENT_LANGUAGE_COOKIE,
                language,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=True,
            )
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        add_never_cache_headers(response)
        return response

    return wrapper


def _language_links(request) -> list[dict]:
    params = {k: v for k, v in request.GET.items() if k != "lang"}
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": name,
            "url": f"{request.path}?{urlencode({**params, 'lang': code})}",
            "current": code == current,
        }
        for code, name in settings.WIJKREGIE_RESIDENT_LANGUAGES
    ]


def page(request, template: str, context: dict | None = None, *, status: int = 200):
    context = {**(context or {}), "resident_language_links": _language_links(request)}
    return render(request, f"reports/public/{template}", context, status=status)


def problem(request, *, title: str, text: str, status: int, links: bool = True):
    """A short page with one message: an unknown link, a limit, a neutral answer."""
    return page(
        request,
        "problem.html",
        {"title": title, "text": text, "show_links": links},
        status=status,
    )


# --- Category texts in the resident's language ----------------------------------------------


def report_categories() -> list[dict]:
    return [
        {
            "slug": c.slug,
            "name": category_name(c),
            "hint": category_hint(c),
            "is_urgent": c.is_urgent,
        }
        for c in selectors.category_list()
        if not c.is_contact_request
    ]


def contact_category() -> Category | None:
    return next((c for c in selectors.category_list() if c.is_contact_request), None)


# --- Short pages --------------------------------------------------------------------------


def building_or_none(code: str) -> Building | None:
    try:
        return building_get_by_public_code(code)
    except NotFound:
        return None


def unknown_building(request):
    return problem(
        request,
        title=_("We do not know this link"),
        text=_(
            "This building link does not exist. Check the link on the poster or letter, "
            "or look up your building with your postcode and house number."
        ),
        status=404,
    )


def too_many(request):
    return problem(
        request,
        title=_("Please wait a moment"),
        text=_(
            "Many messages were sent from here or for this building in a short time. "
            "Please try again in an hour. Is there danger? Call 112."
        ),
        status=429,
    )


def neutral_answer(request):
    """What a bot gets: it looks like a success and stores nothing."""
    return problem(
        request,
        title=_("Thank you"),
        text=_("We have received your message."),
        status=200,
        links=False,
    )


def expired(request):
    return problem(
        request,
        title=_("This page has expired"),
        text=_(
            "For your safety this page can only be opened for a short time. "
            "Your report has been received if you saw the confirmation before."
        ),
        status=404,
    )


# --- The bot trap's verdict on a posted form ------------------------------------------------


def guard_form(request, form_class, **form_kwargs):
    """Bind a public form and judge it by the bot trap. Returns (form, check, early answer)."""
    check = trap.check_form(request.POST)
    if check.verdict is Verdict.BOT:
        log_event("public_form_trapped", object=request.path, result=200, origin="web")
        return None, check, neutral_answer(request)
    token = request.POST.get(trap.FORM_TOKEN_FIELD, "")
    if check.verdict in (Verdict.EXPIRED, Verdict.REFUSED):
        token = trap.new_form_token()
    form = form_class(request.POST, request.FILES, form_token=token, **form_kwargs)
    if check.verdict is Verdict.REFUSED:
        log_event(
            "public_form_refused",
            level=logging.WARNING,
            object=request.path,
            result=400,
            origin="web",
            reason=check.reason,
            request_id=getattr(request, "request_id", ""),
        )
        form.is_valid()
        form.add_error(
            None,
            _(
                "We could not accept this form, so nothing has been sent yet. Your answers "
                "are still here: check them and press the button again."
            ),
        )
    elif check.verdict is Verdict.EXPIRED:
        form.is_valid()
        form.add_error(
            None, _("This form was open for a long time. Please check it and send it again.")
        )
    elif check.verdict is Verdict.TOO_FAST:
        form.is_valid()
        form.add_error(None, _("Please check your answers and press the button again."))
    if request.FILES and check.verdict is not Verdict.OK:
        form.add_error(None, _("Please choose your photos again."))
    return form, check, None
