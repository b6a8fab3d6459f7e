"""Reads of neighbourhoods, buildings, units, common areas and the per-building directory.

Need-to-know (docs/development.md): a building and its units are visible to members with
`places.view_building` of the owner organisation or of a partner organisation (one with a
`BuildingContact` on the building). `Building.objects.visible_to` holds that rule; every
list here starts from it, every single building comes from `building_get`, and checks on a
building at hand ask `viewer.has_perm(permission, obj=building)` (places/rules.py).
Missing and forbidden give the same `NotFound`.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.cache import ProcessMemo
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.ids import as_id
from wijkregie.core.models import Job
from wijkregie.partners.models import MandateLevel, OrganisationKind
from wijkregie.partners.selectors import may_view_directory
from wijkregie.places.addresses import parse_postcode
from wijkregie.places.models import (
    VIEW_BUILDING,
    Building,
    BuildingContact,
    CommonArea,
    CommonAreaKind,
    Unit,
)
from wijkregie.places.predicates import CHANGE_BUILDING, IMPORT_UNITS

UNITS_JOB_KIND = "units"  # the unit import's kind of core job (places.unit_import)


def building_list(*, viewer: Viewer, filters: dict | None = None) -> QuerySet[Building]:
    """The buildings the viewer may see, with `unit_count`, by name.

    filters: `q` (part of the name, street or postcode), `owner_id`, `neighbourhood_id`.
    """
    filters = filters or {}
    qs = Building.objects.visible_to(viewer).select_related("owner", "neighbourhood")
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(name__icontains=q) | Q(street__icontains=q) | Q(postcode__iexact=q.replace(" ", ""))
        )
    if owner_id := filters.get("owner_id"):
        qs = qs.filter(owner_id=owner_id)
    if neighbourhood_id := filters.get("neighbourhood_id"):
        qs = qs.filter(neighbourhood_id=neighbourhood_id)
    return qs.annotate(unit_count=Count("units")).order_by("name", "pk")


def building_choices(*, viewer: Viewer) -> list[tuple[int, str]]:
    """(id, name) of the buildings the viewer may see, for filter and choice lists.

    Unlike `building_list` it counts no units: a police team sees thousands of buildings.
    """
    return list(
        Building.objects.visible_to(viewer).order_by("name", "pk").values_list("pk", "name")
    )


def building_suggestions(*, viewer: Viewer, q: str, limit: int = 10) -> list[Building]:
    """At most `limit` buildings the viewer may see whose name or street contains `q`, or
    whose postcode is `q`, by name: the suggestions of a building search field. Nothing
    for fewer than two characters."""
    q = (q or "").strip()[:100]
    if len(q) < 2:
        return []
    match = Q(name__icontains=q) | Q(street__icontains=q)
    if postcode := parse_postcode(q):
        match = Q(postcode=postcode)
    return list(
        Building.objects.visible_to(viewer)
        .filter(match)
        .only("pk", "name", "street", "postcode", "city")
        .order_by("name", "pk")[:limit]
    )


def building_get(*, viewer: Viewer, id, permission: str = VIEW_BUILDING) -> Building:
    """One building the viewer may see (with `permission`, as owner or partner: e.g.
    `residents.view_resident` for the buildings whose residents a partner may look for);
    `NotFound` when it is missing or not theirs."""
    building = (
        Building.objects.visible_to(viewer, permission=permission)
        .select_related("owner", "neighbourhood")
        .filter(pk=as_id(id))
        .first()
    )
    if building is None:
        raise NotFound(_("Not found."))
    return building


def building_get_for_change(*, viewer: Viewer, id, permission: str = CHANGE_BUILDING) -> Building:
    """A building the viewer may manage: `permission` in the owner organisation.

    Raises `NotFound` when the viewer cannot see the building at all, and
    `PermissionDenied` when they see it (e.g. as a partner) but may not change it.
    """
    building = building_get(viewer=viewer, id=id)
    if not can_change_building(viewer=viewer, building=building, permission=permission):
        raise PermissionDenied(_("You may not change this building."))
    return building


def can_change_building(
    *, viewer: Viewer, building: Building, permission: str = CHANGE_BUILDING
) -> bool:
    """`permission` (`places.change_building`, `places.import_units`) on this building:
    held in its owner organisation (places/rules.py)."""
    return viewer.has_perm(permission, obj=building)


# Every resident page and Open311 request looks a building up by its public code: kept
# per process (core.cache.ProcessMemo), forgotten in every process when a building or
# an organisation changes (apps.py). Read-only.
BUILDINGS_BY_CODE = ProcessMemo("places.buildings-by-code")


def building_get_by_public_code(code: str) -> Building:
    """The building behind a public report link or QR code (no viewer: residents use it).

    Only the code is checked; callers show residents nothing beyond the building's name
    and address.
    """
    code = str(code or "")[:20]
    building = (
        BUILDINGS_BY_CODE.get(
            code,
            lambda: Building.objects.select_related("owner").filter(public_code=code).first(),
        )
        if code
        else None
    )
    if building is None:
        raise NotFound(_("Not found."))
    return building


def building_public_report_path(building: Building) -> str:
    """Where residents report about this building (served by the reports app)."""
    return f"/melden/{building.public_code}/"


def building_public_report_url(building: Building) -> str:
    """The absolute report link, as printed on posters and in the QR code."""
    return settings.SITE_URL.rstrip("/") + building_public_report_path(building)


# --- Units and common areas ---------------------------------------------------------------


def unit_list(*, viewer: Viewer, building_id) -> QuerySet[Unit]:
    """The units of one building the viewer may see, in floor-plan order."""
    building = building_get(viewer=viewer, id=building_id)
    return Unit.objects.filter(building=building).order_by(
        "entrance", "floor", "house_number", "house_letter", "house_number_addition", "pk"
    )


def unit_get(*, viewer: Viewer, id, building_id=None) -> Unit:
    """One unit of a building the viewer may see; `NotFound` for missing and forbidden."""
    qs = Unit.objects.visible_to(viewer).select_related("building")
    if building_id is not None:
        qs = qs.filter(building_id=as_id(building_id))
    unit = qs.filter(pk=as_id(id)).first()
    if unit is None:
        raise NotFound(_("Not found."))
    return unit


# The common areas of each building (no personal data), kept per process for the resident
# pages and Open311 that read them on every report; forgotten on a change (apps.py).
COMMON_AREAS = ProcessMemo("places.common-areas")


def building_common_areas(building_id: int) -> list[CommonArea]:
    """The building's common areas in the order the report form lists them (entrance,
    kind, floor, name). No viewer: they tell no more than the building's poster. Read-only."""
    building_id = int(building_id)
    return COMMON_AREAS.get(
        building_id,
        lambda: list(
            CommonArea.objects.filter(building_id=building_id).order_by(
                "entrance", "kind", "floor", "name", "pk"
            )
        ),
    )


def common_area_list(*, viewer: Viewer, building_id) -> QuerySet[CommonArea]:
    building = building_get(viewer=viewer, id=building_id)
    return CommonArea.objects.filter(building=building).order_by("entrance", "kind", "name", "pk")


# --- The picture of the flat ----------------------------------------------------------------


def floor_label(number: int) -> str:
    if number == 0:
        return _("ground floor")
    if number < 0:
        return _("basement %(number)s") % {"number": -number}
    return _("floor %(number)s") % {"number": number}


@dataclass(frozen=True)
class PlanUnit:
    id: int
    bag_id: str
    postcode: str
    house_number: int
    house_letter: str
    house_number_addition: str
    floor: int
    entrance: str
    address: str  # "12A-1": number with letter and addition
    full_address: str  # "Horizonlaan 12A-1, 3521HZ Rivierstad"


@dataclass(frozen=True)
class PlanArea:
    id: int
    kind: str
    kind_label: str
    name: str
    entrance: str
    floor: int | None


@dataclass
class PlanFloor:
    number: int
    label: str
    units: list[PlanUnit] = field(default_factory=list)


@dataclass
class PlanEntrance:
    label: str  # "" when the building names no entrances
    floors: list[PlanFloor]  # top floor first, as drawn
    areas: list[PlanArea]  # lift, stairwell, hall… of this entrance
    width: int  # the most units on one floor of this entrance


@dataclass
class FloorPlan:
    building: Building
    floor_numbers: list[int]  # top floor first
    entrances: list[PlanEntrance]
    building_areas: list[PlanArea]  # common areas of the whole building (no entrance)
    unit_count: int
    area_count: int


# The units and common areas of each building as the floor plan draws them (addresses, no
# personal data), kept per process: the report page draws the plan on every view.
# Forgotten on a change of a unit or common area (apps.py) and by the unit import, which
# writes without signals.
FLOOR_PLANS = ProcessMemo("places.floor-plans", max_keys=2_000)


def building_floor_plan(*, building: Building) -> FloorPlan:
    """Entrances × floors × units and the common areas of a building, in two queries
    (none while this process keeps the building's rows).

    The caller obtained `building` from `building_get` (visibility is checked there).
    Floors run from the lowest (a basement with units) to the top storey, and every
    entrance gets every floor, so the picture and its table have the same grid.
    """
    units, areas = FLOOR_PLANS.get(building.pk, lambda: _floor_plan_rows(building.pk))
    return _floor_plan(building, units, areas)


def _floor_plan_rows(building_id: int) -> tuple[tuple, tuple]:
    units = tuple(
        Unit.objects.filter(building_id=building_id)
        .order_by("entrance", "floor", "house_number", "house_letter", "house_number_addition")
        .values_list(
            "id",
            "bag_id",
            "postcode",
            "house_number",
            "house_letter",
            "house_number_addition",
            "floor",
            "entrance",
        )
    )
    areas = tuple(
        CommonArea.objects.filter(building_id=building_id)
        .order_by("entrance", "floor", "kind", "name", "pk")
        .values_list("id", "kind", "name", "entrance", "floor")
    )
    return units, areas


def _floor_plan(building: Building, units, areas) -> FloorPlan:
    kind_labels = dict(CommonAreaKind.choices)

    entrance_labels = list(building.entrances or [])
    for row in units:
        if row[7] not in entrance_labels:
            entrance_labels.append(row[7])
    if not entrance_labels:
        entrance_labels = [""]
    lowest = min([0, *(row[6] for row in units)])
    highest = max([building.floors - 1, *(row[6] for row in units)])
    floor_numbers = list(range(highest, lowest - 1, -1))

    by_place: dict[tuple[str, int], list[PlanUnit]] = defaultdict(list)
    city = building.city
    for uid, bag_id, postcode, number, letter, addition, floor, entrance in units:
        short = f"{number}{letter}{'-' + addition if addition else ''}"
        by_place[(entrance, floor)].append(
            PlanUnit(
                id=uid,
                bag_id=bag_id or "",
                postcode=postcode,
                house_number=number,
                house_letter=letter,
                house_number_addition=addition,
                floor=floor,
                entrance=entrance,
                address=short,
                full_address=f"{building.street} {short}, {postcode} {city}",
            )
        )
    areas_by_entrance: dict[str, list[PlanArea]] = defaultdict(list)
    for aid, kind, name, entrance, floor in areas:
        areas_by_entrance[entrance].append(
            PlanArea(aid, kind, str(kind_labels.get(kind, kind)), name, entrance, floor)
        )

    entrances = []
    for label in entrance_labels:
        floors = [PlanFloor(n, floor_label(n), by_place.get((label, n), [])) for n in floor_numbers]
        entrances.append(
            PlanEntrance(
                label=label,
                floors=floors,
                areas=areas_by_entrance.get(label, []) if label else [],
                width=max([1, *(len(f.units) for f in floors)]),
            )
        )
    building_areas = [a for e, items in areas_by_entrance.items() for a in items if e == ""]
    building_areas += [
        a for e, items in areas_by_entrance.items() if e and e not in entrance_labels for a in items
    ]
    return FloorPlan(
        building=building,
        floor_numbers=floor_numbers,
        entrances=entrances,
        building_areas=building_areas,
        unit_count=len(units),
        area_count=len(areas),
    )


# --- Who is who ------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    contact_id: int
    membership_id: int
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    organisation_kind_label: str
    person_name: str
    job_title: str
    roles: tuple[str, ...]
    mandate_level: str
    mandate_level_label: str
    may_decide_on: str
    responsibility: str
    work_phone: str
    work_email: str
    contact_route: str  # the organisation's route, e.g. its desk
    organisation_phone: str
    organisation_email: str
    is_first_contact: bool
    person_visible: bool  # false: the person's own fields are blank (see building_contacts)


def building_contacts(*, viewer: Viewer, building: Building) -> list[DirectoryEntry]:
    """Who is who for a building (BRIEF 22): first contact first, then by organisation.

    Everyone who may see the building sees which organisations are involved, what each
    does here and how to reach it (its contact route). The people themselves (name, job
    title, roles, mandate, work phone and e-mail) follow the partner directory's rule
    (`partners.selectors.membership_list`): colleagues of the viewer's own organisations
    always, others only with `partners.view_directory`. Only active people (no service
    accounts) of active organisations are listed. Two queries
    (one more when the viewer is a partner rather than the owner).
    """
    if not viewer.has_perm(VIEW_BUILDING, obj=building):
        raise NotFound(_("Not found."))
    contacts = (
        BuildingContact.objects.partnerships()
        .filter(
            building_id=building.pk,
            membership__is_service_account=False,
            membership__organisation__is_active=True,
        )
        .select_related("membership__user", "membership__organisation")
        .prefetch_related("membership__roles")
        .order_by(
            "-is_first_contact",
            "membership__organisation__name",
            "membership__user__last_name",
            "membership__user__username",
        )
    )
    kinds = dict(OrganisationKind.choices)
    mandates = dict(MandateLevel.choices)
    sees_everyone = viewer.is_superuser or may_view_directory(viewer)
    entries = []
    for c in contacts:
        m = c.membership
        org = m.organisation
        visible = sees_everyone or org.pk in viewer.organisation_ids
        entries.append(
            DirectoryEntry(
                contact_id=c.pk,
                membership_id=m.pk,
                organisation_id=org.pk,
                organisation_name=org.name,
                organisation_kind=org.kind,
                organisation_kind_label=str(kinds.get(org.kind, org.kind)),
                person_name=(m.user.get_full_name() or m.user.get_username()) if visible else "",
                job_title=m.job_title if visible else "",
                roles=tuple(sorted(r.name for r in m.roles.all())) if visible else (),
                mandate_level=m.mandate_level if visible else "",
                mandate_level_label=str(mandates.get(m.mandate_level, m.mandate_level))
                if visible
                else "",
                may_decide_on=m.may_decide_on if visible else "",
                responsibility=c.responsibility,
                work_phone=m.work_phone if visible else "",
                work_email=(m.work_email or m.user.email) if visible else "",
                contact_route=org.contact_route,
                organisation_phone=org.phone,
                organisation_email=org.email,
                is_first_contact=c.is_first_contact,
                person_visible=visible,
            )
        )
    return entries


# --- Import jobs ---------------------------------------------------------------------------


def units_import_job_get(*, viewer: Viewer, id) -> Job:
    """A unit import of an organisation where the viewer may import units.

    `NotFound` for missing and forbidden alike.
    """
    job = Job.objects.filter(pk=as_id(id), kind=UNITS_JOB_KIND).first()
    if job is None or not (
        viewer.is_superuser or viewer.has_perm(IMPORT_UNITS, organisation_id=job.organisation_id)
    ):
        raise NotFound(_("Not found."))
    return job


def building_unit_count(*, building: Building) -> int:
    return Unit.objects.filter(building_id=building.pk).count()


def units_at_address(
    *,
    house_number: int,
    postcode: str | None = None,
    building: Building | None = None,
    house_letter: str | None = None,
    house_number_addition: str | None = None,
) -> QuerySet[Unit]:
    """The units at an address, for the resident pages and Open311 (no viewer: addresses of
    buildings are public, and nothing about residents is read). Give a postcode or a
    building; a letter or addition of None matches any, "" only none."""
    units = Unit.objects.filter(house_number=house_number)
    if postcode is not None:
        units = units.filter(postcode=postcode)
    if building is not None:
        units = units.filter(building=building)
    if house_letter is not None:
        units = units.filter(house_letter__iexact=house_letter)
    if house_number_addition is not None:
        units = units.filter(house_number_addition__iexact=house_number_addition)
    return units.order_by("pk")
