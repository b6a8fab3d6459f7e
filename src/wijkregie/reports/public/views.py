"""The resident's report: find the building, choose what it is about, report, the receipt
(BRIEF 1, 2, 9). No account, phone first, six languages (public/pages.py).

These views parse and answer; public/intake.py stores the report and keeps its receipt,
and they never write a model themselves.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.forms import add_service_errors
from wijkregie.core.http import client_ip
from wijkregie.places.addresses import split_addition
from wijkregie.places.models import Building, CommonArea
from wijkregie.places.selectors import building_common_areas, units_at_address
from wijkregie.reports import selectors
from wijkregie.reports.models import MAX_PHOTOS_PER_REPORT, Category, LocationKind
from wijkregie.reports.public import device, intake, limits, receipts, trap
from wijkregie.reports.public.forms import AddressForm, ContactRequestForm, ReportForm
from wijkregie.reports.public.pages import (
    building_or_none,
    category_hint,
    category_name,
    contact_category,
    expired,
    guard_form,
    page,
    problem,
    report_categories,
    resident_page,
    too_many,
    unknown_building,
)
from wijkregie.reports.public.trap import Verdict

# --- Finding the building -------------------------------------------------------------------


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
        lookup_rate = limits.lookup_rate()
        ip = client_ip(request)
        if limits.rate_exceeded(lookup_rate, ip):
            return too_many(request)
        if form.is_valid():
            limits.rate_hit(lookup_rate, ip)
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
    return page(request, "start.html", {"form": form}, status=200)


# --- Reporting ------------------------------------------------------------------------------


def _areas(building: Building) -> list[CommonArea]:
    return building_common_areas(building.pk)


@resident_page
@require_http_methods(["GET"])
def building(request, code):
    """Step 1: what is it about? A GET form, so urgent categories show the 112 notice first."""
    place = building_or_none(code)
    if place is None:
        return unknown_building(request)
    error = ""
    if "categorie" in request.GET:
        error = _("Choose what your report is about.")
    return page(
        request,
        "building.html",
        {"building": place, "categories": report_categories(), "error": error},
        status=400 if error else 200,
    )


def _submit(request, *, form, place: Building, category: Category, check, location: dict):
    """Store the report (public/intake.py): the receipt, or the status to show the form
    again with (it keeps what was typed): 400 when the service refused the input (its
    errors are on the form), 429 when a rate limit holds the report back."""
    data = form.cleaned_data
    try:
        receipt = intake.report_submit_from_web(
            form_key=check.idempotency_key,
            ip=client_ip(request),
            request_id=getattr(request, "request_id", ""),
            building=place,
            category=category,
            description=data["description"],
            contact_mode=data["contact_mode"],
            reporter=form.reporter(),
            photos=data.get("photos") or [],
            language=translation.get_language(),
            location=location,
        )
    except intake.LimitReached:
        # Never lose what a resident typed: the form comes back filled in.
        form.add_error(
            None,
            _(
                "Many reports were sent from here or about this in a short time, so your "
                "report has not been sent yet. What you typed is still here: please send "
                "it again later (within an hour). Is there danger? Call 112."
            ),
        )
        if request.FILES:
            form.add_error(None, _("Please choose your photos again."))
        return 429
    except (ValidationError, ApplicationError) as exc:
        add_service_errors(form, exc, fields={"unit": "house_number"})
        return 400
    return _receipt_answer(request, receipt)


@resident_page
@require_http_methods(["GET", "POST"])
def report(request, code):
    """Step 2: where, when, what, photos, how to be reached; then the receipt."""
    place = building_or_none(code)
    if place is None:
        return unknown_building(request)
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
            form_token=trap.new_form_token(),
            **form_kwargs,
        )
        return _report_page(request, form, place, category)
    form, check, early = guard_form(request, ReportForm, **form_kwargs)
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
        if not isinstance(answer, int):
            return answer
        status = answer
    else:
        status = 400
    if request.FILES and form.errors and not form.has_error(None):
        form.add_error(None, _("Please choose your photos again."))
    return _report_page(request, form, place, category, status=status)


def _report_page(request, form, place, category, *, status=200):
    return page(
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
    place = building_or_none(code)
    if place is None:
        return unknown_building(request)
    category = contact_category()
    if category is None:
        return problem(
            request,
            title=_("Not available"),
            text=_("You cannot send a contact request here yet. Please make a report instead."),
            status=404,
        )
    if request.method == "GET":
        form = ContactRequestForm(form_token=trap.new_form_token())
        return page(request, "contact.html", {"form": form, "building": place})
    form, check, early = guard_form(request, ContactRequestForm)
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
        if not isinstance(answer, int):
            return answer
        status = answer
    else:
        status = 400
    return page(request, "contact.html", {"form": form, "building": place}, status=status)


# --- The receipt --------------------------------------------------------------------------


def _receipt_answer(request, receipt: intake.Receipt):
    if receipt.kept:
        return redirect(reverse("reports_public:receipt", kwargs={"token": receipt.token}))
    return _receipt_page(request, receipt.data, receipt.token)


def _receipt_page(request, data: dict, token: str, *, status: int = 200):
    # No language links here: switching would reload the page, and the passphrase is
    # shown only once. The page is in the language the form was filled in.
    response = page(
        request,
        "receipt.html",
        {"receipt": data, "hide_languages": True, "token": token},
        status=status,
    )
    device.device_remember(response, device.device_read(request), data["tracking_code"])
    return response


@resident_page
@require_http_methods(["GET", "POST"])
def receipt(request, token):
    """The tracking code, the passphrase (shown once) and what happens next.

    POST: a new passphrase, for a receipt whose passphrase was never shown."""
    key = receipts.receipt_token_read(token)
    if not key:
        return expired(request)
    if request.method == "POST":
        renewed = intake.receipt_renew(key)
        return expired(request) if renewed is None else _receipt_answer(request, renewed)
    data = intake.receipt_show(key)
    if data is None:
        return expired(request)
    return _receipt_page(request, data, token)
