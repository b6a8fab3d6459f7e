"""E-mails about reports: to the reporter (status, questions) and to intake (urgent).

Sent through `core.mail` (templates in `reports/email/`, a plain-text part and an HTML
alternative, the recipient's language). Called by tasks.py. E-mail leaves the
need-to-know of the platform, so a message carries only what its recipient may know: the
reporter gets the resident-facing texts (never internal notes); intake gets the category,
building, place and a link, not the description and nothing about the reporter.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from wijkregie.core.logging import log_event
from wijkregie.core.mail import mail_send
from wijkregie.partners.models import Membership, Organisation
from wijkregie.reports.category_texts import category_name
from wijkregie.reports.models import (
    MessageDirection,
    Report,
    ReporterIdentity,
    ReportMessage,
    ReportStatusChange,
)
from wijkregie.reports.passphrases import follow_up_link_token
from wijkregie.reports.workflows import ReportStatus, default_resident_text


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def follow_up_url(report_id: int | None = None) -> str:
    """Where the reporter reads their report: a signed link that opens it for a while
    (passphrases.follow_up_link_token; only ever sent to the reporter's own address), else
    the page that asks for tracking code and passphrase."""
    try:
        if report_id is not None:
            token = follow_up_link_token(report_id)
            return _site_url(reverse("reports_public:follow_up_link", args=[token]))
        return _site_url(reverse("reports_public:follow_up"))
    except NoReverseMatch:
        return _site_url("/melden/")


def _send(*, to: list[str], template: str, context: dict, language: str) -> int:
    return mail_send(
        to=to,
        template=f"reports/email/{template}",
        context=context,
        language=language,
        log_object=f"reports.report:{context.get('report_id', '')}",
    )


def _reporter_address(report_id: int) -> tuple[str, str] | None:
    row = (
        ReporterIdentity.objects.filter(report_id=report_id, contact_erased_at__isnull=True)
        .exclude(email="")
        .values_list("email", "language")
        .first()
    )
    return row


def _place_label(report: Report) -> str:
    parts = [report.get_location_kind_display()]
    if report.common_area_id:
        parts.append(report.common_area.name)
    if report.entrance:
        parts.append(_("entrance %(entrance)s") % {"entrance": report.entrance})
    if report.floor is not None:
        parts.append(_("floor %(floor)s") % {"floor": report.floor})
    return ", ".join(str(p) for p in parts)


def reporter_status_change_send(*, status_change_id: int) -> int:
    change = (
        ReportStatusChange.objects.select_related("report__category", "report__building")
        .filter(pk=status_change_id)
        .first()
    )
    if change is None:
        return 0
    address = _reporter_address(change.report_id)
    if address is None:
        return 0
    email, language = address
    report = change.report
    with translation.override(language):
        context = {
            "report_id": report.pk,
            "tracking_code": report.tracking_code,
            "category": category_name(report.category, language),
            "building": report.building.name,
            "status": ReportStatus(change.to_status).label,
            "resident_text": default_resident_text(change.to_status)
            if change.resident_text_is_default
            else change.resident_text,
            "reason": change.reason,
            "follow_up_url": follow_up_url(report.pk),
        }
    return _send(to=[email], template="reporter_status", context=context, language=language)


def reporter_message_send(*, message_id: int) -> int:
    message = (
        ReportMessage.objects.select_related("report__category", "report__building")
        .filter(pk=message_id, direction=MessageDirection.TO_REPORTER)
        .first()
    )
    if message is None:
        return 0
    address = _reporter_address(message.report_id)
    if address is None:
        return 0
    email, language = address
    report = message.report
    context = {
        "report_id": report.pk,
        "tracking_code": report.tracking_code,
        "category": category_name(report.category, language),
        "building": report.building.name,
        "body": message.body,
        "follow_up_url": follow_up_url(report.pk),
    }
    return _send(to=[email], template="reporter_message", context=context, language=language)


def intake_addresses(organisation_id: int) -> list[str]:
    """The organisation's general address and its intake members' work (else account)
    addresses, without duplicates."""
    addresses: list[str] = []
    general = (
        Organisation.objects.filter(pk=organisation_id).values_list("email", flat=True).first()
    )
    if general:
        addresses.append(general)
    members = (
        Membership.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            user__is_active=True,
            roles__permissions__content_type__app_label="reports",
            roles__permissions__codename="receive_reports",
        )
        .exclude(is_service_account=True)
        .values_list("work_email", "user__email")
        .distinct()
    )
    for work_email, user_email in members:
        address = work_email or user_email
        if address and address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    return addresses


def intake_urgent_report_send(*, report_id: int) -> int:
    report = (
        Report.objects.select_related("category", "building", "common_area")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        return 0
    to = intake_addresses(report.receiving_organisation_id)
    if not to:
        log_event(
            "report_email_no_recipient",
            action="intake_urgent",
            object=f"reports.report:{report.pk}",
            result="skipped",
            origin="task",
        )
        return 0
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "report_id": report.pk,
            "category": report.category.name_in(language),
            "building": report.building.name,
            "place": _place_label(report),
            "created_at": report.created_at,
            "occurred_at": report.occurred_at,
            "occurred_when": report.occurred_when,
            "report_url": _site_url(reverse("reports:detail", args=[report.pk])),
        }
    return _send(to=to, template="intake_urgent", context=context, language=language)
