"""Following a report up: tracking code and passphrase (or the signed link in an e-mail)
prove the report for a while; then its status, the thread, more photos and contact
details (BRIEF 3). The services take the `ResidentPrincipal` that the proof returned.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wijkregie.core.access import ResidentPrincipal
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.forms import add_service_errors
from wijkregie.core.http import client_ip
from wijkregie.reports import selectors, services
from wijkregie.reports.models import (
    MAX_PHOTOS_PER_REPORT,
    MessageDirection,
    Report,
    normalise_code,
)
from wijkregie.reports.public import trap
from wijkregie.reports.public.device import device_read, device_remember
from wijkregie.reports.public.forms import (
    ContactUpdateForm,
    FollowUpForm,
    MessageForm,
    PhotoAddForm,
)
from wijkregie.reports.public.pages import category_name, guard_form, page, problem, resident_page
from wijkregie.reports.public.trap import Verdict
from wijkregie.reports.workflows import ReportStatus

FOLLOW_SESSION_KEY = "wr_follow_up"


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
        device = device_read(request)
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
            device_remember(response, device, normalise_code(code))
            return response
    elif request.method == "POST":
        status = 400
    response = page(request, "follow_up.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@resident_page
@require_http_methods(["GET"])
def follow_up_link(request, token):
    """The signed link in an e-mail to a reporter who left an address
    (passphrases.follow_up_link_token)."""
    try:
        reporter = services.report_follow_up_link_check(token=token)
    except services.FollowUpRefused:
        return problem(
            request,
            title=_("This link does not work any more"),
            text=_("Fill in your tracking code and passphrase to see your report."),
            status=404,
        )
    _remember(request, reporter)
    response = redirect("reports_public:follow_up_report")
    tracking_code = selectors.reporter_report_get(reporter=reporter).tracking_code
    device_remember(response, device_read(request), tracking_code)
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
        "message": MessageForm(prefix="message", form_token=trap.new_form_token()),
        "photos": PhotoAddForm(prefix="photos", form_token=trap.new_form_token(), room=room),
        "contact": ContactUpdateForm(prefix="contact", form_token=trap.new_form_token()),
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
    return page(
        request,
        "follow_up_report.html",
        {
            "view": view,
            "category_name": category_name(found.category),
            "history": view.history,
            "forms": forms,
            "room": room,
            "open": view.status not in (ReportStatus.RESOLVED, ReportStatus.REJECTED),
            # An unanswered question from the organisation goes at the top of the page.
            "question": view.messages[-1]
            if view.messages and view.messages[-1].direction == MessageDirection.TO_REPORTER
            else None,
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
    form, check, early = guard_form(request, form_classes[action], prefix=action, **kwargs)
    if early is not None:
        return early
    forms[action] = form
    if check.verdict is not Verdict.OK or not form.is_valid():
        return None
    # The form's key, stored with the message or photo: a double-click or a retry after a
    # lost answer adds nothing again and ends on the same page (the database decides).
    key = f"web-{action}:{check.idempotency_key}"
    try:
        if action == "message":
            services.report_message_from_reporter(
                actor=reporter, report=found, body=form.cleaned_data["body"], idempotency_key=key
            )
            done = _("Your message has been sent.")
        elif action == "photos":
            for number, photo in enumerate(form.cleaned_data["photos"]):
                services.report_photo_add(
                    actor=reporter, report=found, photo=photo, idempotency_key=f"{key}:{number}"
                )
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
    except (ValidationError, ApplicationError) as exc:
        add_service_errors(form, exc, fields={"unit": "house_number"})
        return None
    messages.success(request, done)
    return redirect("reports_public:follow_up_report")


@resident_page
@require_POST
def follow_up_leave(request):
    request.session.pop(FOLLOW_SESSION_KEY, None)
    messages.info(request, _("You have closed your report. Thank you."))
    return redirect("reports_public:follow_up")
