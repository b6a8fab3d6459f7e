"""Newsletters: written once for one or more buildings, in Dutch plus language versions,
delivered by e-mail to the residents who consented, printed, and published on a public
page residents open from a QR code (docs/newsletters.md).

A newsletter belongs to the organisation that writes it (the landlord of its buildings);
its staff with `communications.manage_newsletters` write, translate and send it. The
public page and its images carry no personal data; deliveries do (who received it), and
are shown only to those who may see the landlord's residents.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wijkregie.core.models import BaseModel
from wijkregie.partners.models import Organisation
from wijkregie.places.models import Building
from wijkregie.residents.models import Resident

MANAGE_NEWSLETTERS = "communications.manage_newsletters"
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 50_000
TITLE_MAX_LENGTH = 200


def public_code() -> str:
    return secrets.token_urlsafe(12)


class NewsletterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class Newsletter(BaseModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    buildings = models.ManyToManyField(Building, verbose_name=_("buildings"), related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=16, choices=NewsletterStatus.choices, default=NewsletterStatus.DRAFT
    )
    # The public page's address (the QR code): unguessable, so a draft cannot be found.
    public_code = models.CharField(max_length=32, unique=True, default=public_code, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by_label = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        permissions = [("manage_newsletters", "Can write, translate and send newsletters")]

    def __str__(self):
        return self.title


class NewsletterVersion(BaseModel):
    """The newsletter in one language; Dutch ("nl") is the one every newsletter has."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    # Sanitised HTML (communications/richtext.py); never stored unsanitised.
    body_html = models.TextField(_("text"), max_length=BODY_MAX_LENGTH)

    class Meta:
        ordering = ["newsletter", "language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "language"], name="newsletter_version_once_per_language"
            )
        ]

    def __str__(self):
        return f"{self.newsletter_id} [{self.language}]"


def newsletter_image_path(instance, filename) -> str:
    return f"newsletters/images/{secrets.token_hex(16)}{filename[filename.rfind('.') :]}"


class NewsletterImage(BaseModel):
    """An image, re-encoded and stripped of metadata (reports/photos.py), shown below the
    text in every language."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(_("file"), upload_to=newsletter_image_path, max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt_text = models.CharField(_("description of the image"), max_length=200)

    class Meta:
        ordering = ["newsletter", "pk"]
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self):
        return f"image {self.pk} of newsletter {self.newsletter_id}"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent: consent withdrawn")
    FAILED = "failed", _("Not sent: the mail server refused")
    UNCERTAIN = "uncertain", _("Unknown: the sender stopped while sending")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")


class NewsletterDelivery(BaseModel):
    """Who received a newsletter how: one per resident and channel, so a resident gets it
    once. The e-mail address is read from the resident when it is sent, never stored."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=16, choices=DeliveryChannel.choices)
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The mail provider's last report (bounce, complaint): when and what.
    event_at = models.DateTimeField(null=True, blank=True)
    event_detail = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["newsletter", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "resident", "channel"], name="newsletter_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["newsletter", "status"],
                name="newsletter_delivery_queue_idx",
                condition=Q(status="queued"),
            )
        ]

    def __str__(self):
        return f"newsletter {self.newsletter_id} to resident {self.resident_id} ({self.channel})"
