"""Organisations, the people in them, their roles and mandate, and data-sharing agreements.

Organisations are the root of need-to-know (BRIEF 26), so this app sits directly on
`core`; places and residents build on it (docs/adr/0002-partners-below-places.md).
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

from wijkregie.core.models import BaseModel


class OrganisationKind(models.TextChoices):
    HOUSING_CORPORATION = "housing_corporation", _("Housing corporation")
    MUNICIPALITY = "municipality", _("Municipality")
    POLICE = "police", _("Police")
    ENFORCEMENT = "enforcement", _("Enforcement (BOA)")
    COMMUNITY_WORK = "community_work", _("Community work")
    SOCIAL_TEAM = "social_team", _("Social neighbourhood team")
    MEDIATION = "mediation", _("Neighbourhood mediation")
    SECURITY_COMPANY = "security_company", _("Security company")
    OTHER = "other", _("Other")


class MandateLevel(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    TACTICAL = "tactical", _("Tactical")
    STRATEGIC = "strategic", _("Strategic")


class DataCategory(models.TextChoices):
    """Kinds of personal data that an agreement can cover (BRIEF 26)."""

    RESIDENT_IDENTITY = "resident_identity", _("Residents: name and address")
    RESIDENT_CONTACT = "resident_contact", _("Residents: contact details")
    REPORTER_IDENTITY = "reporter_identity", _("Reporters' identity")
    NUISANCE = "nuisance", _("Nuisance dossiers")
    HOUSING_FRAUD = "housing_fraud", _("Housing-fraud investigations")
    CARE = "care", _("Care signals")
    POLICE_INFORMATION = "police_information", _("Police information")


class Organisation(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    contact_route = models.TextField(
        _("contact route"),
        blank=True,
        help_text=_("How partners reach this organisation, e.g. a desk phone number."),
    )
    email = models.EmailField(_("general e-mail address"), blank=True)
    phone = models.CharField(_("general phone number"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        permissions = [
            ("manage_partners", "Can manage organisations, memberships, roles and agreements"),
            ("view_directory", "Can view the partner directory"),
        ]

    def __str__(self):
        return self.name


class Role(BaseModel):
    """A named set of permissions. Roles are data: administrators change them in pages."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    organisation_kinds = models.JSONField(
        _("for organisation kinds"),
        default=list,
        blank=True,
        help_text=_("Empty means: any kind of organisation."),
    )
    permissions = models.ManyToManyField(
        Permission, verbose_name=_("permissions"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self):
        return self.name


class Membership(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="+")
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    mandate_level = models.CharField(
        _("mandate level"),
        max_length=16,
        choices=MandateLevel.choices,
        default=MandateLevel.OPERATIONAL,
    )
    may_decide_on = models.TextField(
        _("may decide on"),
        blank=True,
        help_text=_("What this person may decide without going back to their organisation."),
    )
    work_phone = models.CharField(_("work phone"), max_length=40, blank=True)
    work_email = models.EmailField(_("work e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_service_account = models.BooleanField(
        _("service account"),
        default=False,
        help_text=_("A system that uses an API token, not a person; left out of the directory."),
    )

    class Meta:
        ordering = ["organisation__name", "user__last_name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} @ {self.organisation}"


class DataSharingAgreement(BaseModel):
    """A covenant (convenant): who may share which categories of data, why, how long."""

    title = models.CharField(_("title"), max_length=200)
    parties = models.ManyToManyField(
        Organisation, verbose_name=_("parties"), related_name="data_sharing_agreements"
    )
    purposes = models.TextField(_("purposes"))
    data_categories = models.JSONField(_("data categories"), default=list)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    retention_days = models.PositiveIntegerField(_("retention (days)"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")

    def __str__(self):
        return self.title

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ApiToken(BaseModel):
    """A key for a system acting for one organisation. Only its hash is stored."""

    PREFIX_LENGTH = 8

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The service account whose roles in the organisation apply."),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> tuple[str, str]:
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        return prefix, f"wr_{prefix}_{secrets.token_urlsafe(32)}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
