"""Writes of neighbourhoods, buildings, units, common areas and building contacts.

Every service: keyword-only arguments, `actor` first, one transaction, the permission
checked in the building's owner organisation (`places.change_building`, or
`places.import_units` for imports), `full_clean()` before saving. Buildings and units
hold no personal data, so no audit entries are written here.

The CSV unit import lives in `wijkregie.places.unit_import` (re-exported here); this
module only starts it as a background job.
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core import jobs
from wijkregie.core.access import Viewer
from wijkregie.core.changes import apply_changes
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.models import Job
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places import selectors
from wijkregie.places.addresses import normalise_postcode
from wijkregie.places.geo import as_coordinate
from wijkregie.places.models import (
    MIN_FLOOR,
    Building,
    BuildingContact,
    CommonArea,
    Neighbourhood,
    Unit,
)
from wijkregie.places.unit_import import (  # noqa: F401  (part of this module's interface)
    JOB_KIND,
    UnitImportResult,
    too_large_message,
    units_import,
)

CHANGE_BUILDING = "places.change_building"
BUILDING_FIELDS = {
    "name",
    "street",
    "postcode",
    "city",
    "floors",
    "entrances",
    "neighbourhood_id",
    "bag_pand_id",
    "latitude",
    "longitude",
}
UNIT_FIELDS = {
    "bag_id",
    "postcode",
    "house_number",
    "house_letter",
    "house_number_addition",
    "floor",
    "entrance",
}
MAX_ENTRANCES = 52


def _clean_entrances(entrances) -> list[str]:
    if isinstance(entrances, str):
        entrances = entrances.split(",")
    labels = [str(e).strip() for e in (entrances or [])]
    labels = [label for label in labels if label]
    if len(labels) > MAX_ENTRANCES:
        raise ValidationError(
            {"entrances": _("At most %(count)s entrances.") % {"count": MAX_ENTRANCES}}
        )
    if any(len(label) > 10 for label in labels):
        raise ValidationError({"entrances": _("An entrance label has at most 10 characters.")})
    if len(set(labels)) != len(labels):
        raise ValidationError({"entrances": _("Each entrance label may appear only once.")})
    return labels


def _check_place_in_building(
    building: Building, *, floor: int | None, entrance: str, entrance_required: bool
) -> None:
    """Units stand in one of the building's entrances; common areas may belong to the
    whole building (no entrance)."""
    errors = {}
    if floor is not None and not (MIN_FLOOR <= floor <= building.floors - 1):
        errors["floor"] = _("Floors of this building run from %(min)s to %(max)s.") % {
            "min": MIN_FLOOR,
            "max": building.floors - 1,
        }
    allowed = building.entrances or []
    if (entrance and entrance not in allowed) or (not entrance and entrance_required and allowed):
        errors["entrance"] = _("Choose one of this building's entrances: %(entrances)s.") % {
            "entrances": ", ".join(allowed) or "—"
        }
    if errors:
        raise ValidationError(errors)


def _check_point(building: Building) -> None:
    if (building.latitude is None) != (building.longitude is None):
        raise ValidationError(_("Give both the latitude and the longitude, or neither."))


# --- Neighbourhoods and buildings -----------------------------------------------------------


def neighbourhood_create(
    *, actor: Viewer, name: str, municipality: str, cbs_code: str = ""
) -> Neighbourhood:
    """A neighbourhood (wijk/buurt); anyone who manages buildings may add one."""
    if not (actor.is_superuser or actor.has_perm(CHANGE_BUILDING)):
        raise PermissionDenied(_("You may not add neighbourhoods."))
    with transaction.atomic():
        neighbourhood = Neighbourhood(
            name=name.strip(), municipality=municipality.strip(), cbs_code=cbs_code.strip()
        )
        neighbourhood.full_clean()
        neighbourhood.save()
    return neighbourhood


def building_create(
    *,
    actor: Viewer,
    owner_id: int,
    name: str,
    street: str,
    postcode: str,
    city: str,
    floors: int,
    entrances: list[str],
    neighbourhood_id: int | None = None,
    bag_pand_id: str = "",
    latitude=None,
    longitude=None,
) -> Building:
    """A building of the owner organisation; needs `places.change_building` there.
    `latitude`/`longitude`: its WGS84 point (`places.geo.rd_to_wgs84` converts the BAG's
    RD coordinates), both or neither.

    Raises `PermissionDenied`, `ApplicationError` (unknown organisation) or
    `ValidationError` (a field).
    """
    if not (actor.is_superuser or actor.has_perm(CHANGE_BUILDING, organisation_id=owner_id)):
        raise PermissionDenied(_("You may not add buildings for this organisation."))
    with transaction.atomic():
        if not Organisation.objects.filter(pk=owner_id, is_active=True).exists():
            raise ApplicationError(_("Unknown organisation."))
        building = Building(
            owner_id=owner_id,
            name=name.strip(),
            street=street.strip(),
            postcode=normalise_postcode(postcode),
            city=city.strip(),
            floors=floors,
            entrances=_clean_entrances(entrances),
            neighbourhood_id=neighbourhood_id,
            bag_pand_id=(bag_pand_id or "").strip(),
            latitude=None if latitude is None else as_coordinate(latitude),
            longitude=None if longitude is None else as_coordinate(longitude),
        )
        _check_point(building)
        building.full_clean()
        building.save()
    return building


def building_update(*, actor: Viewer, building_id: int, **changes) -> Building:
    """Change fields of a building (BUILDING_FIELDS). Refuses to leave units or common
    areas on a floor or entrance the building no longer has."""
    with transaction.atomic():
        building = selectors.building_get_for_change(viewer=actor, id=building_id)
        if "postcode" in changes:
            changes["postcode"] = normalise_postcode(changes["postcode"])
        if "entrances" in changes:
            changes["entrances"] = _clean_entrances(changes["entrances"])
        for name in ("latitude", "longitude"):
            if changes.get(name) is not None:
                changes[name] = as_coordinate(changes[name])
        changed = apply_changes(building, changes, allowed=BUILDING_FIELDS)
        if not changed:
            return building
        _check_point(building)
        building.full_clean()
        if {"floors", "entrances"} & set(changed):
            outside = Unit.objects.filter(building=building).filter(floor__gt=building.floors - 1)
            areas = CommonArea.objects.filter(building=building, floor__gt=building.floors - 1)
            if building.entrances:
                outside = outside | Unit.objects.filter(building=building).exclude(
                    entrance__in=building.entrances
                )
                areas = areas | CommonArea.objects.filter(building=building).exclude(
                    entrance__in=[*building.entrances, ""]
                )
            if outside.exists() or areas.exists():
                raise ValidationError(
                    _("Some units or common areas are on a floor or entrance this change removes.")
                )
        building.updated_at = timezone.now()
        building.save(update_fields=[*changed, "updated_at"])
    return building


def common_area_create(
    *,
    actor: Viewer,
    building_id: int,
    kind: str,
    name: str,
    entrance: str = "",
    floor: int | None = None,
) -> CommonArea:
    """A lift, stairwell, hall, storage, bicycle shed… of a building (entrance optional)."""
    with transaction.atomic():
        building = selectors.building_get_for_change(viewer=actor, id=building_id)
        entrance = (entrance or "").strip()
        _check_place_in_building(building, floor=floor, entrance=entrance, entrance_required=False)
        area = CommonArea(
            building=building, kind=kind, name=name.strip(), entrance=entrance, floor=floor
        )
        area.full_clean()
        area.save()
    return area


# --- Units --------------------------------------------------------------------------------


def unit_create(
    *,
    actor: Viewer,
    building_id: int,
    postcode: str,
    house_number: int,
    floor: int,
    entrance: str = "",
    house_letter: str = "",
    house_number_addition: str = "",
    bag_id: str | None = None,
) -> Unit:
    """One unit; the floor and entrance must exist in the building. An address or BAG id
    that another unit has is refused (`ValidationError`)."""
    with transaction.atomic():
        building = selectors.building_get_for_change(viewer=actor, id=building_id)
        entrance = (entrance or "").strip()
        _check_place_in_building(building, floor=floor, entrance=entrance, entrance_required=True)
        unit = Unit(
            building=building,
            bag_id=(bag_id or "").strip() or None,
            postcode=normalise_postcode(postcode),
            house_number=house_number,
            house_letter=(house_letter or "").strip().upper(),
            house_number_addition=(house_number_addition or "").strip().upper(),
            floor=floor,
            entrance=entrance,
        )
        unit.full_clean()
        unit.save()
    return unit


def unit_update(*, actor: Viewer, unit_id: int, **changes) -> Unit:
    """Change fields of a unit (UNIT_FIELDS), with the same checks as `unit_create`."""
    with transaction.atomic():
        unit = selectors.unit_get(viewer=actor, id=unit_id)
        building = selectors.building_get_for_change(viewer=actor, id=unit.building_id)
        if "postcode" in changes:
            changes["postcode"] = normalise_postcode(changes["postcode"])
        if "bag_id" in changes:
            changes["bag_id"] = (changes["bag_id"] or "").strip() or None
        for name in ("house_letter", "house_number_addition"):
            if name in changes:
                changes[name] = (changes[name] or "").strip().upper()
        changed = apply_changes(unit, changes, allowed=UNIT_FIELDS)
        if not changed:
            return unit
        _check_place_in_building(
            building, floor=unit.floor, entrance=unit.entrance, entrance_required=True
        )
        unit.full_clean()
        unit.updated_at = timezone.now()
        unit.save(update_fields=[*changed, "updated_at"])
    return unit


# --- Who is who -------------------------------------------------------------------------------


def building_contact_add(
    *,
    actor: Viewer,
    building_id: int,
    membership_id: int,
    responsibility: str,
    is_first_contact: bool = False,
) -> BuildingContact:
    """Put a person on the building's directory, which makes their organisation a partner
    of the building (it then sees the building and its units).

    Adding a person who is already listed updates their responsibility and flag. There is
    one first contact per building: setting it clears it on the others.
    """
    with transaction.atomic():
        building = selectors.building_get_for_change(viewer=actor, id=building_id)
        membership = (
            Membership.objects.select_related("organisation")
            .filter(pk=membership_id, is_active=True, organisation__is_active=True)
            .first()
        )
        if membership is None:
            raise ApplicationError(_("Unknown person."))
        contact = BuildingContact.objects.filter(building=building, membership=membership).first()
        if contact is None:
            contact = BuildingContact(building=building, membership=membership)
        contact.responsibility = responsibility.strip()
        contact.is_first_contact = is_first_contact
        contact.full_clean()
        if is_first_contact:
            BuildingContact.objects.filter(building=building, is_first_contact=True).exclude(
                pk=contact.pk
            ).update(is_first_contact=False, updated_at=timezone.now())
        contact.save()
    return contact


def building_contact_remove(*, actor: Viewer, building_id: int, contact_id: int) -> None:
    """Take a person off the building's directory."""
    with transaction.atomic():
        building = selectors.building_get_for_change(viewer=actor, id=building_id)
        deleted, _detail = BuildingContact.objects.filter(building=building, pk=contact_id).delete()
        if not deleted:
            raise NotFound(_("Not found."))


# --- The CSV unit import, as a background job ------------------------------------------------


def units_import_start(
    *,
    actor: Viewer,
    organisation_id: int,
    building_id: int,
    file_name: str,
    content: bytes,
    language: str,
) -> Job:
    """Start a unit import job (`core.jobs`, kind "units"; run by
    `unit_import.units_job`) in one transaction with its task.

    Needs `places.import_units` in the owner organisation, which must be
    `organisation_id`. An empty file, a file over `WIJKREGIE_IMPORT_MAX_BYTES` or an
    unknown language is refused at once (`ApplicationError`); everything else is checked
    by the job, which reports per row.
    """
    jobs.check_language(language)
    building = selectors.building_get_for_change(
        viewer=actor, id=building_id, permission=selectors.IMPORT_UNITS
    )
    if building.owner_id != organisation_id:
        raise PermissionDenied(_("Only the owner organisation imports units of this building."))
    if not content:
        raise ApplicationError(_("The file is empty."))
    if len(content) > settings.WIJKREGIE_IMPORT_MAX_BYTES:
        raise ApplicationError(too_large_message())
    return jobs.job_start(
        actor=actor,
        kind=JOB_KIND,
        organisation_id=organisation_id,
        target_id=building.pk,
        file_name=os.path.basename(file_name or "units.csv")[:255] or "units.csv",
        content=content,
        language=language,
    )
