"""E-mails about cases: reminders of shared actions to their owners.

Sent through `core.mail` (templates in `cases/email/`). A reminder carries what its
recipients know already as participants: the case's title, the action, its due date and
a link; nothing about residents or reporters.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wijkregie.cases.models import ActionReminder, CaseParticipant
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
