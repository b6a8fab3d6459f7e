"""Letter templates (with language versions), letter batches and the letters in them.

A batch holds one letter per resident; each letter's PDF is stored with the letter in the
same row, so that a letter counts as made exactly when its PDF is committed (a worker that
dies mid-batch leaves only letters that are whole, and the next attempt makes the rest).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wijkregie.cases.models import Case
from wijkregie.communications.workflows import BatchStatus, BatchTarget, DeliveryMethod
from wijkregie.core.models import BaseModel, Job
from wijkregie.partners.models import Organisation
from wijkregie.places.models import Building, Unit
from wijkregie.residents.models import ContactMoment, Resident

SUBJECT_MAX = 200
BODY_MAX = 20000
SIGNATURE_MAX = 2000


class LetterTemplate(BaseModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        permissions = [("send_letters", "Can draft, review and send personally addressed letters")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="letter_template_name")
        ]

    def __str__(self):
        return self.name


class LetterTemplateVersion(BaseModel):
    """The text of a template in one language; every template has a Dutch version."""

    template = models.ForeignKey(LetterTemplate, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    body = models.TextField(_("body"), max_length=BODY_MAX)
    signature = models.TextField(_("signature"), max_length=SIGNATURE_MAX)

    class Meta:
        ordering = ["template", "language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"], name="letter_template_version_language"
            )
        ]

    def __str__(self):
        return f"{self.template_id}/{self.language}"


class LetterBatch(BaseModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        LetterTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="batches"
    )
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    target = models.CharField(_("addressed to"), max_length=16, choices=BatchTarget.choices)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+"
    )
    floors = models.JSONField(_("floors"), default=list, blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delivery_method = models.CharField(
        _("delivery"), max_length=8, choices=DeliveryMethod.choices, default=DeliveryMethod.POST
    )
    letter_date = models.DateField(_("date of the letter"))
    status = models.CharField(
        _("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    # Residents left out when the batch was drafted, with why: [{"resident_id", "reason"}].
    excluded = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    make_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    send_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    bundle = models.BinaryField(_("print bundle"), blank=True, default=b"")
    bundle_made_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="letter_batch_org_idx")
        ]

    def __str__(self):
        return self.title


class Letter(BaseModel):
    batch = models.ForeignKey(LetterBatch, on_delete=models.CASCADE, related_name="letters")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()  # walking order in the print bundle
    language = models.CharField(_("language"), max_length=8)
    reference = models.CharField(_("reference"), max_length=60, unique=True)
    code = models.CharField(_("personal code"), max_length=32, unique=True)
    pdf = models.BinaryField(blank=True, default=b"")
    made_at = models.DateTimeField(null=True, blank=True)
    delivery_method = models.CharField(max_length=8, choices=DeliveryMethod.choices, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    contact_moment = models.ForeignKey(
        ContactMoment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "position"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            models.UniqueConstraint(fields=["batch", "resident"], name="letter_once_per_resident"),
            models.UniqueConstraint(fields=["batch", "position"], name="letter_position"),
        ]
        indexes = [
            models.Index(
                fields=["batch", "position"], name="letter_unmade_idx", condition=Q(made_at=None)
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def is_made(self) -> bool:
        return self.made_at is not None
