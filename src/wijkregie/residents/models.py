"""Residents, their occupancies and the history of contact with them. Personal data: audited.

Need-to-know for residents (docs/development.md) lives here, once: `ResidentVisibility`
resolves a viewer's rules, `Resident.objects.visible_to` selects the residents they may
see and `ResidentVisibility.access_for` says which fields of one of them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wijkregie.core.access import Viewer, VisibleToQuerySet
from wijkregie.core.models import BaseModel
from wijkregie.partners.models import DataCategory, DataSharingAgreement, Membership, Organisation
from wijkregie.places.models import BuildingContact, Unit
from wijkregie.residents.languages import validate_language_code

# Fields by data category: a selector returns only the categories the viewer may see.
IDENTITY_FIELDS = ("given_name", "family_name", "preferred_language")
CONTACT_FIELDS = ("email", "phone")

VIEW_RESIDENT = "residents.view_resident"
VIEW_RESIDENT_CONTACT = "residents.view_resident_contact"

# Categories of what a viewer may see. Tenancy (relation number, consents, occupancy
# history) is the landlord's own administration: partners never see it, whatever the
# consent or agreement.
IDENTITY = "identity"
CONTACT = "contact"
TENANCY = "tenancy"
ALL_CATEGORIES = frozenset({IDENTITY, CONTACT, TENANCY})

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{6,40}$",
    _("Enter a phone number of digits, spaces and + ( ) - . / only."),
)


class ResidentQuerySet(VisibleToQuerySet):
    default_permission = VIEW_RESIDENT

    def need_to_know(
        self, viewer: Viewer, permission: str, resolved: "ResidentVisibility | None" = None
    ) -> Q:
        """The residents `ResidentVisibility.access_for` answers something for.
        `resolved`: the viewer's rules already resolved by `resident_visibility`, for a
        selector that also needs each resident's fields (it saves two queries)."""
        if permission != VIEW_RESIDENT:
            raise ValueError(f"Residents are listed with {VIEW_RESIDENT}, not {permission}.")
        return (resolved or resident_visibility(viewer=viewer)).condition()

    def visible_to(self, viewer: Viewer, *, permission: str | None = None, **resolved):
        """Also annotates `shares_with_partners`, which `ResidentVisibility.access_for`
        reads from each row (the consent is a record, `ContactConsent`)."""
        return (
            super()
            .visible_to(viewer, permission=permission, **resolved)
            .annotate(shares_with_partners=consent_current(ConsentPurpose.SHARE_WITH_PARTNERS))
        )


class Resident(BaseModel):
    # Names the audit trail records that are no field of this model (docs/adr/0009).
    AUDIT_FIELD_LABELS = {
        "relation_number": _("relation number"),
        "contact_history": _("contact history"),
    }

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
    objects = ResidentQuerySet.as_manager()

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
    """Any contact with a resident: the contact history (BRIEF 9).

    `source_type`/`source_id` name what the contact came from when it was recorded from
    another record (a resident's "get in touch" request in reports, later a letter or a
    visit): at most one contact moment per resident per source, so recording it twice
    is refused instead of doubled.
    """

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="contact_moments")
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    occurred_at = models.DateTimeField(_("when"))
    by_membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("summary"), max_length=4000)
    source_type = models.CharField(_("source"), max_length=100, blank=True, default="")
    source_id = models.CharField(_("source id"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("contact moment")
        verbose_name_plural = _("contact history")
        indexes = [
            models.Index(fields=["resident", "-occurred_at"], name="contact_moment_resident_idx"),
            models.Index(
                fields=["source_type", "source_id"],
                name="contact_moment_source_idx",
                condition=~Q(source_type=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "source_type", "source_id"],
                condition=~Q(source_type=""),
                name="contact_moment_once_per_source",
            )
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"


class ConsentPurpose(models.TextChoices):
    """What a resident agreed to. Each is a record (`ContactConsent`): given when and how,
    withdrawn when and how; the lists of who may be approached are computed from them."""

    NEWSLETTER_EMAIL = "newsletter_email", _("Newsletter by e-mail")
    CHAT = "chat", _("Building chat")
    SHARE_WITH_PARTNERS = "share_with_partners", _("Contact by partners other than the landlord")
    CONTACT_AGAIN = "contact_again", _("To be contacted again")


class ConsentSource(models.TextChoices):
    """How a consent was given or withdrawn."""

    DOOR = "door", _("At the door")
    FORM = "form", _("On a web form")
    LETTER_REPLY = "letter_reply", _("In reply to a letter")
    PHONE = "phone", _("By phone")
    EMAIL = "email", _("By e-mail")
    EVENING = "evening", _("At a residents' evening")
    IMPORT = "import", _("In the landlord's administration (import)")
    STAFF = "staff", _("Recorded by staff")
    UNSUBSCRIBE = "unsubscribe", _("With the unsubscribe link")


class ContactConsentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_at__isnull=True)


class ContactConsent(BaseModel):
    """One consent of one resident for one purpose: at most one open (not withdrawn) per
    purpose. Withdrawing closes it; giving it again opens a new record, so the history of
    what was agreed when, and how, stays."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("consent"), max_length=24, choices=ConsentPurpose.choices)
    # How the resident wants to be approached (for "to be contacted again"); blank: any.
    channel = models.CharField(
        _("how"), max_length=16, choices=ContactChannel.choices, blank=True, default=""
    )
    given_at = models.DateTimeField(_("given on"))
    given_source = models.CharField(_("given"), max_length=16, choices=ConsentSource.choices)
    given_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    withdrawn_source = models.CharField(
        _("withdrawn"), max_length=16, choices=ConsentSource.choices, blank=True, default=""
    )
    withdrawn_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the consent was recorded from (a visit, a letter reply), like ContactMoment.
    source_type = models.CharField(_("source"), max_length=100, blank=True, default="")
    source_id = models.CharField(_("source id"), max_length=64, blank=True, default="")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    objects = ContactConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="contact_consent_one_open_per_purpose",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="contact_consent_withdrawn_after_given",
            ),
        ]
        indexes = [
            models.Index(
                fields=["purpose", "resident"],
                name="contact_consent_open_idx",
                condition=Q(withdrawn_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.resident_id}: {self.purpose}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


def consent_current(purpose: str):
    """A filter for residents with an open consent for `purpose` (use in querysets of
    Resident: `Resident.objects.filter(consent_current(...))`)."""
    return Exists(
        ContactConsent.objects.filter(resident=OuterRef("pk"), purpose=purpose, withdrawn_at=None)
    )


# --- Need-to-know -----------------------------------------------------------------------


def current_occupancies(day: date) -> QuerySet[Occupancy]:
    return Occupancy.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


@dataclass(frozen=True)
class ResidentAccess:
    """What one viewer may see of one resident, and through which of their organisations."""

    categories: frozenset[str]
    # Units in these buildings are shown; None: every unit (landlord staff, superusers).
    building_ids: frozenset[int] | None
    organisation_ids: frozenset[int]
    sees_all_contact_history: bool

    def shows_building(self, building_id: int) -> bool:
        return self.building_ids is None or building_id in self.building_ids


@dataclass(frozen=True)
class ResidentVisibility:
    """The rules of need-to-know for one viewer, resolved once (at most two queries).

    `condition()` selects exactly the residents for which `access_for()` answers
    something; both are built from the same fields so that they cannot drift apart.
    """

    today: date
    sees_all: bool = False
    landlord_ids: frozenset[int] = frozenset()
    contact_landlord_ids: frozenset[int] = frozenset()
    # organisation -> buildings it is a partner of (only organisations with view_resident)
    partner_buildings: dict[int, frozenset[int]] = field(default_factory=dict)
    # (organisation, landlord) -> data categories covered by agreements valid today
    agreements: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)

    def condition(self) -> Q:
        """The residents `access_for` answers something for, as a filter (use it through
        `Resident.objects.visible_to`)."""
        if self.sees_all:
            return Q()
        current = current_occupancies(self.today).filter(resident=OuterRef("pk"))
        condition = Q(landlord_id__in=self.landlord_ids)
        consent_buildings = frozenset().union(*self.partner_buildings.values())
        if consent_buildings:
            condition |= consent_current(ConsentPurpose.SHARE_WITH_PARTNERS) & Exists(
                current.filter(unit__building_id__in=consent_buildings)
            )
        for landlord_id, building_ids in sorted(self._agreement_buildings().items()):
            condition |= Q(landlord_id=landlord_id) & Exists(
                current.filter(unit__building_id__in=building_ids)
            )
        return condition

    def _agreement_buildings(self) -> dict[int, frozenset[int]]:
        """landlord -> buildings where an agreement with that landlord lets a viewer's
        organisation see identity fields."""
        result: dict[int, set[int]] = defaultdict(set)
        for (organisation_id, landlord_id), categories in self.agreements.items():
            buildings = self.partner_buildings.get(organisation_id)
            if buildings and DataCategory.RESIDENT_IDENTITY in categories:
                result[landlord_id] |= buildings
        return {k: frozenset(v) for k, v in result.items()}

    def access_for(self, resident: Resident, current_building_ids) -> ResidentAccess | None:
        """The categories the viewer may see of `resident`, whose current occupancies are in
        `current_building_ids`; None when the viewer may not see the resident at all."""
        if self.sees_all:
            return ResidentAccess(ALL_CATEGORIES, None, frozenset(), True)
        landlord_id = resident.landlord_id
        if landlord_id in self.landlord_ids:
            categories = {IDENTITY, TENANCY}
            if landlord_id in self.contact_landlord_ids:
                categories.add(CONTACT)
            return ResidentAccess(frozenset(categories), None, frozenset({landlord_id}), True)
        categories: set[str] = set()
        buildings: set[int] = set()
        organisations: set[int] = set()
        for organisation_id, partner_of in self.partner_buildings.items():
            shared = partner_of & frozenset(current_building_ids)
            if not shared:
                continue
            granted = set()
            if _shares_with_partners(resident):
                granted |= {IDENTITY, CONTACT}
            covered = self.agreements.get((organisation_id, landlord_id), frozenset())
            if DataCategory.RESIDENT_IDENTITY in covered:
                granted.add(IDENTITY)
                if DataCategory.RESIDENT_CONTACT in covered:
                    granted.add(CONTACT)
            if granted:
                categories |= granted
                buildings |= shared
                organisations.add(organisation_id)
        if not categories:
            return None
        return ResidentAccess(
            frozenset(categories), frozenset(buildings), frozenset(organisations), False
        )


def _shares_with_partners(resident: Resident) -> bool:
    shares = getattr(resident, "shares_with_partners", None)
    if shares is None:  # a resident not read through `visible_to`
        shares = (
            resident.consents.current().filter(purpose=ConsentPurpose.SHARE_WITH_PARTNERS).exists()
        )
    return bool(shares)


def resident_visibility(*, viewer: Viewer, today: date | None = None) -> ResidentVisibility:
    """Resolve the need-to-know rules for `viewer` in at most two queries."""
    today = today or timezone.localdate()
    if viewer.is_superuser:
        return ResidentVisibility(today=today, sees_all=True)
    viewing = viewer.organisations_with(VIEW_RESIDENT)
    if not viewing:
        return ResidentVisibility(today=today)
    partner_buildings = BuildingContact.objects.partner_buildings(viewing)

    agreements: dict[tuple[int, int], set[str]] = defaultdict(set)
    if partner_buildings:
        valid = DataSharingAgreement.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today),
            valid_from__lte=today,
            parties__in=list(partner_buildings),
        )
        parties: dict[int, set[int]] = defaultdict(set)
        categories: dict[int, frozenset[str]] = {}
        for (
            agreement_id,
            organisation_id,
            covered,
        ) in DataSharingAgreement.parties.through.objects.filter(
            datasharingagreement_id__in=valid.values("pk")
        ).values_list(
            "datasharingagreement_id", "organisation_id", "datasharingagreement__data_categories"
        ):
            parties[agreement_id].add(organisation_id)
            categories[agreement_id] = frozenset(covered or ())
        for agreement_id, members in parties.items():
            for organisation_id in members & set(partner_buildings):
                for landlord_id in members - {organisation_id}:
                    agreements[(organisation_id, landlord_id)] |= categories[agreement_id]

    return ResidentVisibility(
        today=today,
        landlord_ids=viewing,
        contact_landlord_ids=viewing & viewer.organisations_with(VIEW_RESIDENT_CONTACT),
        partner_buildings=partner_buildings,
        agreements={k: frozenset(v) for k, v in agreements.items()},
    )
