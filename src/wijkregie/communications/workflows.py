"""Statuses of letter batches and their allowed transitions (plain data)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

LETTERS_MAKE_JOB = "letters"
LETTERS_SEND_JOB = "letter_deliveries"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # letters being made or made, waiting for review
    REVIEWED = "reviewed", _("Reviewed")  # a second person approved it
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class BatchTarget(models.TextChoices):
    BUILDING = "building", _("A whole building")
    FLOORS = "floors", _("Some floors of a building")
    UNITS = "units", _("A list of units")
    CASE = "case", _("The residents of a case")


class DeliveryMethod(models.TextChoices):
    POST = "post", _("By post")
    EMAIL = "email", _("By e-mail")
    HAND = "hand", _("Hand-delivered")


ALLOWED_TRANSITIONS = {
    BatchStatus.DRAFT: {BatchStatus.REVIEWED},
    BatchStatus.REVIEWED: {BatchStatus.SENDING},
    BatchStatus.SENDING: {BatchStatus.SENT},
    BatchStatus.SENT: set(),
}
