"""The resident pages under /melden/: report, get in touch, follow up (BRIEF 1, 2, 3, 9).

No account, phone first, six languages. Every view is wrapped in `resident_page`, which
activates the resident's language (nl, en, tr, ar, pl, uk) for the view and its rendering;
professional pages keep LANGUAGES (nl/en) through LocaleMiddleware, untouched.

These views parse, check abuse (throttling.py) and call the services and selectors of
this app (docs/reports.md); they never write a model themselves.
"""

import dataclasses
import logging
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_http_methods, require_POST

from wijkregie.core.access import ResidentPrincipal, Viewer
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.forms import add_service_errors
from wijkregie.core.http import client_ip
from wijkregie.core.logging import log_event
from wijkregie.places.addresses import split_addition
from wijkregie.places.models import Building, CommonArea
from wijkregie.places.selectors import building_get_by_public_code, units_at_address
from wijkregie.reports import selectors, services, throttling
from wijkregie.reports.models import (
    MAX_PHOTOS_PER_REPORT,
    Category,
    ContactMode,
    LocationKind,
    Report,
    ReportIdempotencyKey,
    normalise_code,
)
from wijkregie.reports.passphrases import report_passphrase_fits, report_passphrase_renew
from wijkregie.reports.public_forms import (
    AddressForm,
    ContactRequestForm,
    ContactUpdateForm,
    FollowUpForm,
    MessageForm,
    PhotoAddForm,
    ReportForm,
)
from wijkregie.reports.throttling import Verdict
from wijkregie.reports.workflows import ReportStatus

FOLLOW_SESSION_KEY = "wr_follow_up"


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


def _page(request, template: str, context: dict | None = None, *, status: int = 200):
    context = {**(context or {}), "resident_language_links": _language_links(request)}
    return render(request, f"reports/public/{template}", context, status=status)


def _problem(request, *, title: str, text: str, status: int, links: bool = True):
    """A short page with one message: an unknown link, a limit, a neutral answer."""
    return _page(
        request,
        "problem.html",
        {"title": title, "text": text, "show_links": links},
        status=status,
    )


# --- Category texts in the resident's language ----------------------------------------------


def _category_text(texts: dict, fallback: str) -> str:
    """A category's name or hint: the administrator's text in this language, else our
    translation of the seeded English text, else the model's fallback (Dutch)."""
    language = translation.get_language()
    if texts.get(language):
        return texts[language]
    english = texts.get("en", "")
    if english:
        translated = pgettext("category", english)
        if translated != english or language == "en":
            return translated
    return fallback


def category_name(category: Category) -> str:
    return _category_text(category.name or {}, category.name_in())


def category_hint(category: Category) -> str:
    return _category_text(category.resident_hint or {}, category.hint_in())


def _report_categories() -> list[dict]:
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


def _contact_category() -> Category | None:
    return next((c for c in selectors.category_list() if c.is_contact_request), None)


# --- Looking up the building -------------------------------------------------------------------


def _building_or_none(code: str) -> Building | None:
    try:
        return building_get_by_public_code(code)
    except NotFound:
        return None


def _unknown_building(request):
    return _problem(
        request,
        title=_("We do not know this link"),
        text=_(
            "This building link does not exist. Check the link on the poster or letter, "
            "or look up your building with your postcode and house number."
        ),
        status=404,
    )


def _buildings_at(postcode: str, number: int, addition: str) -> list[int]:
    # Building addresses are public; nothing about residents is read here.
    letter, extra = split_addition(addition) if addition else (None, None)
    units = units_at_address(
        postcode=postcode, house_number=number, house_letter=letter, house_number_addition=extra
    )
    return sorted(set(units.values_list("building_id", flat=True)))


@resident_page
@require_http_methods(["GET", "POST"])
def start(request):
    """Find the building by postcode and house number (POST: keeps addresses out of logs)."""
    form = AddressForm(request.POST or None)
    if request.method == "POST":
        lookup_rate = throttling.Rate.parse("lookup-ip", settings.WIJKREGIE_LOOKUP_RATE_PER_IP)
        ip = client_ip(request)
        if throttling.rate_exceeded(lookup_rate, ip):
            return _too_many(request)
        if form.is_valid():
            throttling.rate_hit(lookup_rate, ip)
            data = form.cleaned_data
            building_ids = _buildings_at(data["postcode"], data["house_number"], data["addition"])
            if len(building_ids) == 1:
                building = Building.objects.only("public_code").get(pk=building_ids[0])
                return redirect("reports_public:building", code=building.public_code)
            if building_ids:
                form.add_error(
                    "addition", _("Several homes have this number. Add the letter or addition.")
                )
            else:
                form.add_error(
                    None,
                    _(
                        "We cannot find this address. Check the postcode and house number. "
                        "You can also use the link or QR code on the poster in your building."
                    ),
                )
    return _page(request, "start.html", {"form": form}, status=200)


# --- Reporting ------------------------------------------------------------------------------


def _too_many(request):
    return _problem(
        request,
        title=_("Please wait a moment"),
        text=_(
            "Many messages were sent from here or for this building in a short time. "
            "Please try again in an hour. Is there danger? Call 112."
        ),
        status=429,
    )


def _neutral_answer(request):
    """What a bot gets: it looks like a success and stores nothing."""
    return _problem(
        request,
        title=_("Thank you"),
        text=_("We have received your message."),
        status=200,
        links=False,
    )


def _areas(building: Building) -> list[CommonArea]:
    return list(
        CommonArea.objects.filter(building=building).order_by("entrance", "kind", "floor", "name")
    )


@resident_page
@require_http_methods(["GET"])
def building(request, code):
    """Step 1: what is it about? A GET form, so urgent categories show the 112 notice first."""
    place = _building_or_none(code)
    if place is None:
        return _unknown_building(request)
    error = ""
    if "categorie" in request.GET:
        error = _("Choose what your report is about.")
    return _page(
        request,
        "building.html",
        {"building": place, "categories": _report_categories(), "error": error},
        status=400 if error else 200,
    )


def _web_key(key: str) -> str:
    return f"web:{key}"


def _stored_report(key: str) -> Report | None:
    """The report a web form with this idempotency key stored, from the database."""
    row = (
        ReportIdempotencyKey.objects.filter(key=_web_key(key))
        .select_related("report__category", "report__building")
        .first()
    )
    return row.report if row is not None else None


def _receipt_of(report: Report, *, passphrase: str = "", lost: bool = False) -> dict:
    """What the confirmation page shows, from the stored report itself."""
    email = selectors.reporter_email_on_file(report_id=report.pk)
    return {
        "tracking_code": report.tracking_code,
        "passphrase": passphrase,
        "passphrase_lost": lost,
        "urgent": report.category.is_urgent,
        "contact_mode": report.contact_mode,
        "building": report.building.public_code,
        "email": bool(email),
        "is_contact": report.category.is_contact_request,
    }


def _replayed_receipt(key: str, report: Report, passphrase: str) -> dict:
    """The receipt for a retry of a stored submission: the first answer's receipt if the
    cache still has it; else one built from the database. Its passphrase is the pending
    one if that is still known and fits (never shown yet), else it is lost: the page then
    offers a new one (a crash between storing the report and caching its receipt)."""
    try:
        cached = throttling.receipt_peek(key)
    except throttling.CacheUnavailable:
        cached = None
    if cached is not None:
        return cached
    if passphrase and report_passphrase_fits(report_id=report.pk, passphrase=passphrase):
        return _receipt_of(report, passphrase=passphrase)
    log_event(
        "report_receipt_rebuilt",
        level=logging.WARNING,
        object="report",
        result="passphrase_lost",
        origin="web",
        report_id=report.pk,
    )
    return _receipt_of(report, lost=_renewable(report))


def _renewable(report: Report) -> bool:
    return report.created_at >= timezone.now() - timedelta(seconds=throttling.RECEIPT_TIMEOUT)


def _receipt_answer(request, key: str, receipt: dict, *, replace: bool = False):
    """Redirect to the receipt kept in the cache; without a cache, show it at once (a
    reload then sends the form again, which answers with the stored report)."""
    token = throttling.receipt_token(key)
    if throttling.receipt_store(key, receipt, replace=replace):
        throttling.mark_sent(key)
        return redirect(reverse("reports_public:receipt", kwargs={"token": token}))
    if receipt.get("passphrase"):
        throttling.passphrase_shown(key)
    return _receipt_page(request, receipt, token)


def _submit(request, *, form, place: Building, category: Category, check, location: dict):
    """Store the report through report_submit: the receipt (a redirect to it), the
    rate-limit page, or None when the service refused the input (errors on the form)."""
    key = check.idempotency_key
    ip = client_ip(request)
    per_ip, per_building = throttling.report_rates()
    if (
        not throttling.already_sent(key)
        and (
            throttling.rate_exceeded(per_ip, ip)
            or throttling.rate_exceeded(per_building, str(place.pk))
        )
        and _stored_report(key) is None  # a retry of a stored report is never refused
    ):
        return _too_many(request)
    data = form.cleaned_data
    passphrase = throttling.pending_passphrase(key, services.passphrase_generate)
    reporter = dataclasses.replace(
        form.reporter(),
        passphrase=passphrase,
        ip=ip if data["contact_mode"] != ContactMode.ANONYMOUS else "",
    )
    try:
        result = services.report_submit(
            actor=Viewer(
                user_id=None,
                label="resident",
                origin="web",
                request_id=getattr(request, "request_id", ""),
            ),
            building=place,
            category=category,
            description=data["description"],
            contact_mode=data["contact_mode"],
            reporter=reporter,
            idempotency_key=_web_key(key),
            photos=data.get("photos") or [],
            language=translation.get_language(),
            **location,
        )
    except ValidationError as exc:
        add_service_errors(form, exc, fields={"unit": "house_number"})
        return None
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return None
    if result.created:
        throttling.rate_hit(per_ip, ip)
        throttling.rate_hit(per_building, str(place.pk))
        receipt = _receipt_of(result.report, passphrase=result.passphrase or "")
    else:
        receipt = _replayed_receipt(key, result.report, passphrase)
    return _receipt_answer(request, key, receipt)


def _guard(request, form_class, **form_kwargs):
    """Bind a public form and judge it by the bot trap. Returns (form, check, early answer)."""
    check = throttling.check_form(request.POST)
    if check.verdict is Verdict.BOT:
        log_event("public_form_trapped", object=request.path, result=200, origin="web")
        return None, check, _neutral_answer(request)
    token = request.POST.get(throttling.FORM_TOKEN_FIELD, "")
    if check.verdict in (Verdict.EXPIRED, Verdict.REFUSED):
        token = throttling.new_form_token()
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


@resident_page
@require_http_methods(["GET", "POST"])
def report(request, code):
    """Step 2: where, when, what, photos, how to be reached; then the receipt."""
    place = _building_or_none(code)
    if place is None:
        return _unknown_building(request)
    slug = (
        request.POST.get("category") if request.method == "POST" else request.GET.get("categorie")
    )
    category = None
    if slug:
        try:
            category = selectors.category_get(slug=str(slug)[:60])
        except NotFound:
            category = None
    if category is None or category.is_contact_request:
        url = reverse("reports_public:building", kwargs={"code": place.public_code})
        return redirect(f"{url}?categorie=")
    areas = _areas(place)
    form_kwargs = {"building": place, "areas": areas}
    if request.method == "GET":
        form = ReportForm(
            initial={"category": category.slug},
            form_token=throttling.new_form_token(),
            **form_kwargs,
        )
        return _report_page(request, form, place, category)
    form, check, early = _guard(request, ReportForm, **form_kwargs)
    if early is not None:
        return early
    if check.verdict is Verdict.OK and form.is_valid():
        data = form.cleaned_data
        location = {
            "location_kind": data["location_kind"],
            "unit": data["unit_obj"],
            "floor": data.get("floor"),
            "entrance": data.get("entrance") or "",
            "common_area": data["common_area_obj"],
            "occurred_at": data["occurred_at"],
            "occurred_when": data["occurred_when"],
        }
        answer = _submit(
            request, form=form, place=place, category=category, check=check, location=location
        )
        if answer is not None:
            return answer
    if request.FILES and form.errors and not form.has_error(None):
        form.add_error(None, _("Please choose your photos again."))
    return _report_page(request, form, place, category, status=400)


def _report_page(request, form, place, category, *, status=200):
    return _page(
        request,
        "report.html",
        {
            "form": form,
            "building": place,
            "category": {
                "slug": category.slug,
                "name": category_name(category),
                "hint": category_hint(category),
                "is_urgent": category.is_urgent,
            },
            "max_photos": MAX_PHOTOS_PER_REPORT,
        },
        status=status,
    )


@resident_page
@require_http_methods(["GET", "POST"])
def contact(request, code):
    """ "Get in touch about anything" (BRIEF 9): the same queue, the contact category."""
    place = _building_or_none(code)
    if place is None:
        return _unknown_building(request)
    category = _contact_category()
    if category is None:
        return _problem(
            request,
            title=_("Not available"),
            text=_("You cannot send a contact request here yet. Please make a report instead."),
            status=404,
        )
    if request.method == "GET":
        form = ContactRequestForm(form_token=throttling.new_form_token())
        return _page(request, "contact.html", {"form": form, "building": place})
    form, check, early = _guard(request, ContactRequestForm)
    if early is not None:
        return early
    if check.verdict is Verdict.OK and form.is_valid():
        answer = _submit(
            request,
            form=form,
            place=place,
            category=category,
            check=check,
            location={"location_kind": LocationKind.NOT_APPLICABLE},
        )
        if answer is not None:
            return answer
    return _page(request, "contact.html", {"form": form, "building": place}, status=400)


def _expired(request):
    return _problem(
        request,
        title=_("This page has expired"),
        text=_(
            "For your safety this page can only be opened for a short time. "
            "Your report has been received if you saw the confirmation before."
        ),
        status=404,
    )


def _receipt_page(request, data: dict, token: str, *, status: int = 200):
    # No language links here: switching would reload the page, and the passphrase is
    # shown only once. The page is in the language the form was filled in.
    response = _page(
        request,
        "receipt.html",
        {"receipt": data, "hide_languages": True, "token": token},
        status=status,
    )
    throttling.device_remember(response, throttling.device_read(request), data["tracking_code"])
    return response


@resident_page
@require_http_methods(["GET", "POST"])
def receipt(request, token):
    """The tracking code, the passphrase (shown once) and what happens next.

    POST: a new passphrase, for a receipt whose passphrase was never shown."""
    key = throttling.receipt_token_read(token)
    if not key:
        return _expired(request)
    if request.method == "POST":
        return _receipt_renew(request, key)
    data = throttling.receipt_take(key)
    if data is None:
        # Not in the cache (it failed, or lost the receipt): what the database knows.
        report = _stored_report(key)
        if report is None:
            return _expired(request)
        data = _receipt_of(report)
    return _receipt_page(request, data, token)


def _receipt_renew(request, key: str):
    """A new passphrase when the receipt says the first was lost (or the cache cannot
    say, while the report is younger than the receipt); shown once, like the first."""
    report = _stored_report(key)
    if report is None:
        return _expired(request)
    try:
        cached = throttling.receipt_peek(key)
        lost = bool(cached and cached.get("passphrase_lost"))
    except throttling.CacheUnavailable:
        lost = _renewable(report)
    if not lost or not throttling.renewal_claim(key):
        return redirect(
            reverse("reports_public:receipt", kwargs={"token": throttling.receipt_token(key)})
        )
    try:
        passphrase = report_passphrase_renew(report=report)
    except ApplicationError:
        return _expired(request)
    return _receipt_answer(request, key, _receipt_of(report, passphrase=passphrase), replace=True)


# --- Following a report up ----------------------------------------------------------------


def _remember(request, reporter: ResidentPrincipal) -> None:
    request.session.cycle_key()  # a new session id once the resident has proved the code
    request.session[FOLLOW_SESSION_KEY] = {
        "reporter": services.reporter_principal_seal(reporter),
        "until": int(time.time()) + settings.WIJKREGIE_FOLLOW_UP_SESSION_SECONDS,
    }


def _remembered_report(request) -> tuple[ResidentPrincipal, Report] | tuple[None, None]:
    data = request.session.get(FOLLOW_SESSION_KEY)
    if not isinstance(data, dict) or data.get("until", 0) < time.time():
        request.session.pop(FOLLOW_SESSION_KEY, None)
        return None, None
    reporter = services.reporter_principal_resume(data.get("reporter"))
    if reporter is None:
        return None, None
    try:
        return reporter, selectors.reporter_report_get(reporter=reporter)
    except NotFound:
        return None, None


@resident_page
@require_http_methods(["GET", "POST"])
def follow_up(request):
    """Tracking code + passphrase → the report's status page (for 30 minutes)."""
    form = FollowUpForm(request.POST or None)
    status = 200
    retry_after = None
    if request.method == "POST" and form.is_valid():
        device = throttling.device_read(request)
        code = form.cleaned_data["tracking_code"]
        try:
            reporter = services.report_passphrase_check(
                tracking_code=code,
                passphrase=form.cleaned_data["passphrase"],
                ip=client_ip(request),
                device_id=device.id if device.knows(normalise_code(code)) else "",
            )
        except services.FollowUpThrottled as exc:
            form.add_error(None, exc.message)
            status, retry_after = 429, exc.retry_after
        except services.FollowUpRefused as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            _remember(request, reporter)
            response = redirect("reports_public:follow_up_report")
            throttling.device_remember(response, device, normalise_code(code))
            return response
    elif request.method == "POST":
        status = 400
    response = _page(request, "follow_up.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@resident_page
@require_http_methods(["GET"])
def follow_up_link(request, token):
    """The signed link in an e-mail to a reporter who left an address (throttling.py)."""
    try:
        reporter = services.report_follow_up_link_check(token=token)
    except services.FollowUpRefused:
        return _problem(
            request,
            title=_("This link does not work any more"),
            text=_("Fill in your tracking code and passphrase to see your report."),
            status=404,
        )
    _remember(request, reporter)
    response = redirect("reports_public:follow_up_report")
    tracking_code = selectors.reporter_report_get(reporter=reporter).tracking_code
    throttling.device_remember(response, throttling.device_read(request), tracking_code)
    return response


@resident_page
@require_http_methods(["GET", "POST"])
def follow_up_report(request):
    reporter, found = _remembered_report(request)
    if found is None:
        messages.info(
            request, _("For your safety, fill in your tracking code and passphrase again.")
        )
        return redirect("reports_public:follow_up")
    view = selectors.report_public_view(report=found, language=translation.get_language())
    room = max(MAX_PHOTOS_PER_REPORT - view.photo_count, 0)
    forms = {
        "message": MessageForm(prefix="message", form_token=throttling.new_form_token()),
        "photos": PhotoAddForm(prefix="photos", form_token=throttling.new_form_token(), room=room),
        "contact": ContactUpdateForm(prefix="contact", form_token=throttling.new_form_token()),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        answer = _follow_up_action(request, reporter, found, action, forms, room)
        if answer is not None:
            return answer
        status = 400
    else:
        services.report_messages_mark_read_by_reporter(report=found)
    return _page(
        request,
        "follow_up_report.html",
        {
            "view": view,
            "category_name": category_name(found.category),
            "history": view.history,
            "forms": forms,
            "room": room,
            "open": view.status not in (ReportStatus.RESOLVED, ReportStatus.REJECTED),
        },
        status=status,
    )


def _follow_up_action(
    request, reporter: ResidentPrincipal, found: Report, action: str, forms: dict, room: int
):
    form_classes = {"message": MessageForm, "photos": PhotoAddForm, "contact": ContactUpdateForm}
    if action not in form_classes:
        return None
    kwargs = {"room": room} if action == "photos" else {}
    form, check, early = _guard(request, form_classes[action], prefix=action, **kwargs)
    if early is not None:
        return early
    forms[action] = form
    if check.verdict is not Verdict.OK or not form.is_valid():
        return None
    if throttling.already_sent(check.idempotency_key):
        return redirect("reports_public:follow_up_report")  # a double-click: done already
    try:
        if action == "message":
            services.report_message_from_reporter(
                actor=reporter, report=found, body=form.cleaned_data["body"]
            )
            done = _("Your message has been sent.")
        elif action == "photos":
            for photo in form.cleaned_data["photos"]:
                services.report_photo_add(actor=reporter, report=found, photo=photo)
            done = _("Your photos have been added.")
        else:
            email = form.cleaned_data["email"]
            services.reporter_contact_update(
                actor=reporter, report=found, email=email, language=translation.get_language()
            )
            done = (
                _("We will send updates to your e-mail address.")
                if email
                else _("Your e-mail address has been removed.")
            )
    except ValidationError as exc:
        add_service_errors(form, exc, fields={"unit": "house_number"})
        return None
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return None
    throttling.mark_sent(check.idempotency_key)
    messages.success(request, done)
    return redirect("reports_public:follow_up_report")


@resident_page
@require_POST
def follow_up_leave(request):
    request.session.pop(FOLLOW_SESSION_KEY, None)
    messages.info(request, _("You have closed your report. Thank you."))
    return redirect("reports_public:follow_up")
