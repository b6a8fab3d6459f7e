"""Neighbourhoods, buildings, units and common areas (VERA Cluster, Eenheid, Collectief object)."""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wijkregie.core.access import NOTHING, Viewer, VisibleToQuerySet
from wijkregie.core.models import BaseModel
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places.addresses import postcode_validator

bag_id_validator = RegexValidator(r"^[0-9]{16}$", _("A BAG id has exactly 16 digits."))

MIN_FLOOR = -3
MAX_FLOOR = 60


def new_public_code() -> str:
    """The building's code in its own report link and QR code: short, unguessable."""
    return secrets.token_urlsafe(8)


class Neighbourhood(BaseModel):
    name = models.CharField(_("name"), max_length=120)
    municipality = models.CharField(_("municipality"), max_length=120)
    cbs_code = models.CharField(_("CBS code"), max_length=20, blank=True)

    class Meta:
        ordering = ["municipality", "name"]
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="neighbourhood_unique")
        ]

    def __str__(self):
        return f"{self.name} ({self.municipality})"


VIEW_BUILDING = "places.view_building"


class BuildingQuerySet(VisibleToQuerySet):
    default_permission = VIEW_BUILDING

    def need_to_know(self, viewer: Viewer, permission: str) -> models.Q:
        """Buildings of an organisation where the viewer holds `permission`, as owner or as
        partner (`BuildingContactQuerySet.partnerships`).

        The one place this rule lives (docs/development.md, need-to-know): buildings and
        units (`places.view_building`), the buildings whose residents a partner may look
        for (`residents.view_resident`). Use it through `Building.objects.visible_to`.
        """
        organisation_ids = viewer.organisations_with(permission)
        if not organisation_ids:
            return NOTHING
        return models.Q(owner_id__in=organisation_ids) | models.Exists(
            BuildingContact.objects.partnerships(organisation_ids).filter(
                building_id=models.OuterRef("pk")
            )
        )


class Building(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        on_delete=models.PROTECT,
        related_name="buildings",
        null=True,
        blank=True,
    )
    street = models.CharField(_("street"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6, validators=[postcode_validator])
    city = models.CharField(_("city"), max_length=120)
    floors = models.PositiveSmallIntegerField(
        _("storeys"), validators=[MinValueValidator(1), MaxValueValidator(MAX_FLOOR)]
    )
    entrances = models.JSONField(
        _("entrances"), default=list, help_text=_("Labels of the entrances, e.g. A, B, C, D.")
    )
    bag_pand_id = models.CharField(
        _("BAG building id"), max_length=16, blank=True, validators=[bag_id_validator]
    )
    public_code = models.CharField(
        _("public code"), max_length=20, unique=True, default=new_public_code, editable=False
    )
    # The building's point (WGS84, e.g. the BAG pand's centre): reporting apps send a
    # lat/long and it resolves to the nearest building (places/geo.py). Never a unit's.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    objects = BuildingQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        permissions = [("import_units", "Can import units")]
        indexes = [
            models.Index(fields=["owner", "name"], name="building_owner_idx"),
            # Reporting apps name a building by its BAG id (Open311 look-up).
            models.Index(fields=["bag_pand_id"], name="building_bag_pand_idx"),
            # A point resolves to a building through a bounding box on these.
            models.Index(fields=["latitude", "longitude"], name="building_point_idx"),
        ]

    def __str__(self):
        return self.name


class UnitQuerySet(VisibleToQuerySet):
    default_permission = VIEW_BUILDING

    def need_to_know(self, viewer: Viewer, permission: str) -> models.Q:
        """Units of the buildings the viewer may see (`BuildingQuerySet.need_to_know`)."""
        return models.Q(building__in=Building.objects.visible_to(viewer, permission=permission))


class Unit(BaseModel):
    """A dwelling (VERA Eenheid). The BAG id is a 16-character string, never a number."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="units"
    )
    bag_id = models.CharField(
        _("BAG id"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        validators=[bag_id_validator],
    )
    postcode = models.CharField(_("postcode"), max_length=6, validators=[postcode_validator])
    house_number = models.PositiveIntegerField(
        _("house number"), validators=[MinValueValidator(1), MaxValueValidator(99999)]
    )
    house_letter = models.CharField(_("house letter"), max_length=1, blank=True)
    house_number_addition = models.CharField(_("addition"), max_length=4, blank=True)
    floor = models.SmallIntegerField(
        _("floor"), validators=[MinValueValidator(MIN_FLOOR), MaxValueValidator(MAX_FLOOR)]
    )
    entrance = models.CharField(_("entrance"), max_length=10, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["building", "entrance", "floor", "house_number", "house_letter"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "house_number", "house_letter", "house_number_addition"],
                name="unit_address_unique",
            )
        ]
        indexes = [
            models.Index(fields=["building", "entrance", "floor"], name="unit_building_idx"),
        ]

    def __str__(self):
        return self.address

    @property
    def address(self) -> str:
        suffix = self.house_letter
        if self.house_number_addition:
            suffix += f"-{self.house_number_addition}"
        return f"{self.house_number}{suffix}"


class CommonAreaKind(models.TextChoices):
    LIFT = "lift", _("Lift")
    STAIRWELL = "stairwell", _("Stairwell")
    HALL = "hall", _("Entrance hall")
    STORAGE = "storage", _("Storage rooms")
    PARKING = "parking", _("Parking")
    BICYCLE_SHED = "bicycle_shed", _("Bicycle shed")
    GARDEN = "garden", _("Garden")
    ROOF = "roof", _("Roof")
    GALLERY = "gallery", _("Gallery")
    OUTSIDE = "outside", _("Outside area")


class CommonArea(BaseModel):
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="common_areas"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CommonAreaKind.choices)
    name = models.CharField(_("name"), max_length=120)
    entrance = models.CharField(_("entrance"), max_length=10, blank=True)
    floor = models.SmallIntegerField(
        _("floor"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_FLOOR), MaxValueValidator(MAX_FLOOR)],
    )

    class Meta:
        ordering = ["building", "kind", "entrance", "name"]
        verbose_name = _("common area")
        verbose_name_plural = _("common areas")

    def __str__(self):
        return self.name


class BuildingContactQuerySet(models.QuerySet):
    def partnerships(self, organisation_ids=None) -> "BuildingContactQuerySet":
        """The building-partner rule, written once: an organisation is a partner of a
        building while one of its active members is a contact person there. Limited to
        `organisation_ids` when given."""
        contacts = self.filter(membership__is_active=True)
        if organisation_ids is not None:
            contacts = contacts.filter(membership__organisation_id__in=organisation_ids)
        return contacts

    def partner_organisation_ids(self, building_id: int) -> frozenset[int]:
        """The partner organisations of one building (one query)."""
        return frozenset(
            self.partnerships()
            .filter(building_id=building_id)
            .values_list("membership__organisation_id", flat=True)
        )

    def partner_buildings(self, organisation_ids) -> dict[int, frozenset[int]]:
        """organisation -> the buildings it is a partner of, for `organisation_ids` (one
        query; organisations that are partner of nothing are left out)."""
        result: dict[int, set[int]] = {}
        for organisation_id, building_id in (
            self.partnerships(organisation_ids)
            .values_list("membership__organisation_id", "building_id")
            .distinct()
        ):
            result.setdefault(organisation_id, set()).add(building_id)
        return {k: frozenset(v) for k, v in result.items()}


class BuildingContact(BaseModel):
    """Who is who for a building (BRIEF 22, "korte lijntjes"): a person and what they do here.

    Organisations with a contact on a building are its partners: they see the building
    and its units (not its residents' personal data, which has its own rules).
    """

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="contacts")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="building_contacts"
    )
    responsibility = models.CharField(_("responsibility here"), max_length=200)
    is_first_contact = models.BooleanField(_("first point of contact"), default=False)

    objects = BuildingContactQuerySet.as_manager()

    class Meta:
        ordering = ["building", "-is_first_contact", "membership__organisation__name"]
        verbose_name = _("building contact")
        verbose_name_plural = _("building contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "membership"], name="building_contact_unique"
            )
        ]
