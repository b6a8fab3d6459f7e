"""Residents, their occupancies and the history of contact with them. Personal data: audited."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wijkregie.core.models import BaseModel
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places.models import Unit
from wijkregie.residents.languages import validate_language_code

# Fields by data category: a selector returns only the categories the viewer may see.
IDENTITY_FIELDS = ("given_name", "family_name", "preferred_language")
CONTACT_FIELDS = ("email", "phone")
CONSENT_FIELDS = ("consent_newsletter_email", "consent_chat", "consent_share_with_partners")

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{6,40}$",
    _("Enter a phone number of digits, spaces and + ( ) - . / only."),
)


class Resident(BaseModel):
    landlord = models.ForeignKey(
        Organisation,
        verbose_name=_("landlord"),
        on_delete=models.PROTECT,
        related_name="residents",
    )
    external_id = models.CharField(
        _("relation number"),
        max_length=40,
        help_text=_("The landlord's own number for this person (housing ERP)."),
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=150)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(
        _("phone number"), max_length=40, blank=True, validators=[phone_validator]
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        default="nl",
        validators=[validate_language_code],
        help_text=_("ISO 639-1 code, e.g. nl, tr, ar."),
    )
    consent_newsletter_email = models.BooleanField(_("newsletter by e-mail"), default=False)
    consent_chat = models.BooleanField(_("building chat"), default=False)
    consent_share_with_partners = models.BooleanField(
        _("contact by partners other than the landlord"), default=False
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        permissions = [
            ("view_resident_contact", "Can view residents' contact details"),
            ("import_residents", "Can import residents and occupancies"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["landlord", "external_id"], name="resident_external_id_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["landlord", "family_name", "given_name"], name="resident_landlord_name_idx"
            )
        ]

    def __str__(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class OccupancyKind(models.TextChoices):
    MAIN_TENANT = "main_tenant", _("Main tenant")
    CO_TENANT = "co_tenant", _("Co-tenant")
    OTHER_OCCUPANT = "other_occupant", _("Other occupant")


class Occupancy(BaseModel):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="occupancies")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="occupancies")
    kind = models.CharField(_("kind"), max_length=20, choices=OccupancyKind.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "kind", "start_date"]
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "unit", "start_date"], name="occupancy_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="occupancy_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["unit", "end_date"], name="occupancy_unit_idx")]

    def __str__(self):
        return f"{self.resident_id} @ {self.unit_id} ({self.kind})"

    def is_current_on(self, day) -> bool:
        """Current means: not ended before `day` (the rule the selectors use)."""
        return self.end_date is None or self.end_date >= day


class ContactChannel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    EVENING = "evening", _("Residents' evening")
    WEB = "web", _("Web form")
    OTHER = "other", _("Other")


class ContactMoment(BaseModel):
    """Any contact with a resident: the contact history (BRIEF 9)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="contact_moments")
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    occurred_at = models.DateTimeField(_("when"))
    by_membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("summary"), max_length=4000)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("contact moment")
        verbose_name_plural = _("contact history")
        indexes = [
            models.Index(fields=["resident", "-occurred_at"], name="contact_moment_resident_idx")
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"
