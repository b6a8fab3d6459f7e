"""E-mails about cases: reminders of shared actions to their owners; a meeting's minutes
(the PDF) to the people named on the case.

Sent through `core.mail` (templates in `cases/email/`). A reminder carries what its
recipients know already as participants: the case's title, the action, its due date and
a link; nothing about residents or reporters.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wijkregie.cases.minutes import minutes_file_name, minutes_pdf
from wijkregie.cases.models import ActionReminder, CaseParticipant, MinutesMailing
from wijkregie.cases.selectors import meeting_page_for
from wijkregie.cases.workflows import ACTION_OPEN_STATUSES, ReminderKind
from wijkregie.core.mail import mail_send
from wijkregie.partners.models import Membership


def _recipients(action) -> list[str]:
    """The owner's work address (else account address); without an owner, the people
    named on the case for the owner organisation."""
    if action.owner_id:
        users = [action.owner_id]
    else:
        users = list(
            CaseParticipant.objects.active()
            .filter(case_id=action.case_id, organisation_id=action.owner_organisation_id)
            .exclude(user=None)
            .values_list("user_id", flat=True)
        )
    addresses = []
    for m in Membership.objects.filter(
        user_id__in=users, organisation_id=action.owner_organisation_id, is_active=True
    ).select_related("user"):
        address = m.work_email or m.user.email
        if address and address not in addresses:
            addresses.append(address)
    return sorted(addresses)


def action_reminder_send(*, reminder_id: int) -> int:
    """Send one reminder, once: the marker row is locked while sending and stamped
    `sent_at`; a repeated task (a retry, a restarted worker) finds it sent and does
    nothing. A reminder for an action that is done, cancelled or has another due date by
    now is dropped."""
    with transaction.atomic():
        marker = (
            ActionReminder.objects.select_for_update(of=("self",))
            .select_related("action__case", "action__owner_organisation")
            .filter(pk=reminder_id, sent_at__isnull=True)
            .first()
        )
        if marker is None:
            return 0
        action = marker.action
        sent = 0
        recipients = []
        if action.status in ACTION_OPEN_STATUSES and action.due_date == marker.due_date:
            recipients = _recipients(action)
            sent = mail_send(
                to=recipients,
                template="cases/email/action_reminder",
                context={
                    "case_title": action.case.title,
                    "description": action.description,
                    "organisation": action.owner_organisation.name,
                    "due_date": action.due_date,
                    "overdue": marker.kind == ReminderKind.AFTER,
                    "url": settings.SITE_URL.rstrip("/")
                    + reverse("cases:detail", args=[action.case_id]),
                },
                language=None,
                log_object=f"cases.caseaction:{action.pk}",
            )
        marker.sent_at = timezone.now()
        marker.recipients = len(recipients) if sent else 0
        marker.save(update_fields=["sent_at", "recipients"])
    return sent


def _participant_addresses(case_id: int) -> list[str]:
    """The work address (else account address) of each person named on the case, for
    the organisation they take part for."""
    named = CaseParticipant.objects.active().filter(case_id=case_id).exclude(user=None)
    pairs = set(named.values_list("user_id", "organisation_id"))
    addresses = set()
    for m in Membership.objects.filter(
        user_id__in={u for u, _o in pairs}, is_active=True, user__is_active=True
    ).select_related("user"):
        if (m.user_id, m.organisation_id) in pairs and (m.work_email or m.user.email):
            addresses.add(m.work_email or m.user.email)
    return sorted(addresses)


def minutes_send(*, mailing_id: int) -> int:
    """Send a meeting's minutes, once: the marker is locked while sending and stamped
    `sent_at`; a repeated task finds it sent and does nothing. One message per person
    (nobody sees the others' addresses), the minutes PDF attached."""
    with transaction.atomic():
        marker = (
            MinutesMailing.objects.select_for_update(of=("self",))
            .select_related("meeting__case")
            .filter(pk=mailing_id, sent_at__isnull=True)
            .first()
        )
        if marker is None:
            return 0
        meeting = marker.meeting
        case = meeting.case
        recipients = _participant_addresses(case.pk)
        sent = 0
        if recipients:
            pdf = minutes_pdf(meeting_page_for(case, meeting))
            for address in recipients:
                sent += mail_send(
                    to=[address],
                    template="cases/email/minutes",
                    context={
                        "case_title": case.title,
                        "meeting_title": meeting.title,
                        "starts_at": meeting.starts_at,
                        "url": settings.SITE_URL.rstrip("/")
                        + reverse("cases:meeting", args=[case.pk, meeting.pk]),
                    },
                    language=None,
                    log_object=f"cases.meeting:{meeting.pk}",
                    attachments=[(minutes_file_name(meeting), pdf, "application/pdf")],
                )
        marker.sent_at = timezone.now()
        marker.recipients = sent
        marker.save(update_fields=["sent_at", "recipients"])
    return sent
