"""Sending a newsletter by e-mail: the work of the background task (tasks/newsletters.py).

Each resident gets it once, even when a worker dies: a delivery is claimed (queued →
being sent, committed) before its mail goes out, and only a queued delivery is ever
claimed. A task that runs again, or a second worker, skips what is claimed; a delivery a
dead worker left "being sent" becomes "unknown" (`deliveries_resume`), never a second mail.

Consent is asked again for every resident just before their mail: a withdrawal while a
newsletter is being sent takes effect for every mail not yet sent.
"""

import logging
import smtplib
from contextlib import suppress
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from anymail.exceptions import AnymailError

from wijkregie.communications import consent, links
from wijkregie.communications.models import (
    DeliveryStatus,
    Newsletter,
    NewsletterDelivery,
    NewsletterStatus,
)
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.mail import mail_send
from wijkregie.residents.models import ContactChannel
from wijkregie.residents.selectors import resident_email
from wijkregie.residents.services import contact_moment_record

logger = logging.getLogger(__name__)

TEMPLATE = "communications/newsletters/email/newsletter"
SOURCE_TYPE = "communications.newsletter_delivery"
STALE_AFTER = timedelta(minutes=15)


def email_context(newsletter: Newsletter, version, *, unsubscribe_url: str) -> dict:
    return {
        "newsletter": newsletter,
        "version": version,
        "organisation_name": newsletter.organisation.name,
        "images": [
            {"url": links.image_url(newsletter, image), "alt": image.alt_text, "image": image}
            for image in newsletter.images.all()
        ],
        "web_url": links.public_url(newsletter, version.language),
        "unsubscribe_url": unsubscribe_url,
    }


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: one-click unsubscribe by a POST to the signed link."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _claim_next(newsletter_id: int) -> NewsletterDelivery | None:
    while True:
        delivery = (
            NewsletterDelivery.objects.filter(
                newsletter_id=newsletter_id, status=DeliveryStatus.QUEUED
            )
            .order_by("pk")
            .first()
        )
        if delivery is None:
            return None
        claimed = NewsletterDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.QUEUED
        ).update(status=DeliveryStatus.SENDING, updated_at=timezone.now())
        if claimed:
            delivery.status = DeliveryStatus.SENDING
            return delivery


def _finish(delivery: NewsletterDelivery, status: str, newsletter: Newsletter) -> None:
    with transaction.atomic():
        now = timezone.now()
        NewsletterDelivery.objects.filter(pk=delivery.pk).update(
            status=status, sent_at=now if status == DeliveryStatus.SENT else None, updated_at=now
        )
        if status != DeliveryStatus.SENT:
            return
        with override("nl"):
            summary = _("Newsletter “%(title)s” sent by e-mail.") % {"title": newsletter.title}
        with suppress(ApplicationError):  # already in the contact history
            contact_moment_record(
                actor=system_viewer("newsletters", origin="task"),
                resident_id=delivery.resident_id,
                channel=ContactChannel.EMAIL,
                summary=summary,
                occurred_at=now,
                organisation_id=newsletter.organisation_id,
                source=(SOURCE_TYPE, delivery.pk),
            )


def _deliver_one(newsletter: Newsletter, delivery: NewsletterDelivery, building_ids) -> str:
    email = resident_email(resident_id=delivery.resident_id)
    if email is None or not consent.still_consents(
        resident_id=delivery.resident_id, building_ids=building_ids
    ):
        return DeliveryStatus.SKIPPED
    versions = {v.language: v for v in newsletter.versions.all()}
    version = versions.get(delivery.language) or versions["nl"]
    url = links.unsubscribe_url(delivery.resident_id)
    try:
        sent = mail_send(
            to=[email],
            template=TEMPLATE,
            context=email_context(newsletter, version, unsubscribe_url=url),
            language=version.language,
            log_object=f"newsletter:{newsletter.pk}",
            headers=unsubscribe_headers(url),
            metadata={"newsletter_delivery": str(delivery.pk)},
            mjml=True,
        )
    except (smtplib.SMTPException, OSError, AnymailError):
        logger.warning(
            "Newsletter %s: the mail server refused delivery %s", newsletter.pk, delivery.pk
        )
        return DeliveryStatus.FAILED
    return DeliveryStatus.SENT if sent else DeliveryStatus.FAILED


def deliver_pending(*, newsletter_id: int, limit: int | None = None) -> int:
    """Send every queued delivery of the newsletter (at most `limit`); returns how many
    were handled. The newsletter is "sent" once none is queued or being sent."""
    newsletter = Newsletter.objects.select_related("organisation").filter(pk=newsletter_id).first()
    if newsletter is None or newsletter.status == NewsletterStatus.DRAFT:
        return 0
    building_ids = list(newsletter.buildings.values_list("pk", flat=True))
    handled = 0
    while limit is None or handled < limit:
        delivery = _claim_next(newsletter_id)
        if delivery is None:
            break
        _finish(delivery, _deliver_one(newsletter, delivery, building_ids), newsletter)
        handled += 1
    _close_if_done(newsletter_id)
    return handled


def _close_if_done(newsletter_id: int) -> None:
    open_statuses = [DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    with transaction.atomic():
        if not NewsletterDelivery.objects.filter(
            newsletter_id=newsletter_id, status__in=open_statuses
        ).exists():
            now = timezone.now()
            Newsletter.objects.filter(pk=newsletter_id, status=NewsletterStatus.SENDING).update(
                status=NewsletterStatus.SENT, sent_at=now, updated_at=now
            )


def deliveries_resume(*, now=None) -> list[int]:
    """After a worker died: a delivery left "being sent" for STALE_AFTER is marked
    unknown (its mail may have gone out: it is not sent again); returns the newsletters
    that still have queued deliveries, for the caller to enqueue."""
    now = now or timezone.now()
    NewsletterDelivery.objects.filter(
        status=DeliveryStatus.SENDING, updated_at__lt=now - STALE_AFTER
    ).update(status=DeliveryStatus.UNCERTAIN, updated_at=now)
    waiting = sorted(
        set(
            NewsletterDelivery.objects.filter(status=DeliveryStatus.QUEUED).values_list(
                "newsletter_id", flat=True
            )
        )
    )
    for newsletter_id in Newsletter.objects.filter(status=NewsletterStatus.SENDING).values_list(
        "pk", flat=True
    ):
        if newsletter_id not in waiting:
            _close_if_done(newsletter_id)
    return waiting
