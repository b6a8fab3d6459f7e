"""Reads of residents' personal data: the only way views and the API see residents.

Need-to-know (docs/development.md, "Need-to-know rules"; BRIEF 26):

- superusers and the system see every resident with every field;
- staff of the landlord with `residents.view_resident` see the landlord's residents with the
  identity and tenancy fields, and the contact fields with `residents.view_resident_contact`
  there too;
- another organisation in which the viewer has `residents.view_resident`, and which is a
  partner of the resident's building (a `places.BuildingContact` of one of its active
  members, as for buildings in `places`), sees identity and contact fields of a resident
  who consented to sharing with partners, and the fields covered by a data-sharing
  agreement valid today that has both that organisation and the landlord as parties
  (`resident_identity`; `resident_contact` only together with it).

The resident's building is the building of a current occupancy (no end date, or one that is
today or later). The rules are written once in `residents.models` (`ResidentVisibility`,
`Resident.objects.visible_to`); the partner rule is the one of `places`. Every read of
personal data here records exactly one audit entry.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record, audit_record_by_owner
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.ids import as_id, parse_id
from wijkregie.core.models import Job
from wijkregie.partners.models import Organisation
from wijkregie.places.models import Building, Unit
from wijkregie.residents import importing
from wijkregie.residents.models import (  # noqa: F401  (the rules, re-exported for readers)
    ALL_CATEGORIES,
    CONTACT,
    IDENTITY,
    TENANCY,
    VIEW_RESIDENT,
    VIEW_RESIDENT_CONTACT,
    ConsentPurpose,
    ContactConsent,
    ContactMoment,
    Occupancy,
    Resident,
    ResidentAccess,
    ResidentVisibility,
    consent_current,
    current_occupancies,
    resident_visibility,
)

IMPORT_RESIDENTS = "residents.import_residents"

LIST_FIELDS = {
    IDENTITY: ("given_name", "family_name", "preferred_language", "units"),
    CONTACT: ("email", "phone"),
    TENANCY: ("relation_number",),
}
DETAIL_FIELDS = {
    IDENTITY: LIST_FIELDS[IDENTITY],
    CONTACT: LIST_FIELDS[CONTACT],
    TENANCY: (
        "relation_number",
        "consents",
        "occupancies",
    ),
}
CONTACT_HISTORY = "contact_history"
OBJECT_TYPE = "residents.resident"
MAX_PAGE_SIZE = 200
MAX_SEARCH_LENGTH = 100


def not_found() -> NotFound:
    """The one answer for a resident that is missing or not visible: a probe learns nothing."""
    return NotFound(_("Resident not found."))


class ResidentView(dict):
    """One resident as one viewer may see it: a key per allowed field and none for the rest.

    A dict, so that templates, serializers and tests see exactly what is allowed.
    `access` (not a key) says through what the viewer sees the resident.
    """

    access: ResidentAccess

    @property
    def shown_fields(self) -> frozenset[str]:
        return frozenset(self) - {"id"}


@dataclass(frozen=True)
class ResidentPage:
    items: list[ResidentView]
    count: int
    page: int
    page_size: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def fields(self) -> frozenset[str]:
        """The union of the fields shown on this page (a list shows a column for each)."""
        return frozenset().union(*(item.shown_fields for item in self.items))


def _unit_view(unit: Unit) -> dict:
    building = unit.building
    return {
        "unit_id": unit.pk,
        "building_id": building.pk,
        "building": building.name,
        "address": f"{building.street} {unit.address}",
        "postcode": unit.postcode,
        "city": building.city,
        "floor": unit.floor,
        "entrance": unit.entrance,
    }


def _resident_view(
    resident: Resident,
    access: ResidentAccess,
    *,
    detail: bool,
    only_building_id: int | None = None,
) -> ResidentView:
    fields = DETAIL_FIELDS if detail else LIST_FIELDS
    view = ResidentView(id=resident.pk)
    view.access = access
    shown = [
        name
        for category in (IDENTITY, CONTACT, TENANCY)
        if category in access.categories
        for name in fields[category]
    ]
    for name in shown:
        if name == "units":
            units = {
                o.unit_id: o.unit
                for o in resident.current_occupancies
                if access.shows_building(o.unit.building_id)
                and (only_building_id is None or o.unit.building_id == only_building_id)
            }
            view["units"] = [
                _unit_view(u)
                for u in sorted(
                    units.values(),
                    key=lambda u: (
                        u.building.name,
                        u.postcode,
                        u.house_number,
                        u.house_letter,
                        u.house_number_addition,
                    ),
                )
            ]
        elif name == "occupancies":
            view["occupancies"] = [
                {
                    "id": o.pk,
                    "unit": _unit_view(o.unit),
                    "kind": o.kind,
                    "kind_label": o.get_kind_display(),
                    "start_date": o.start_date,
                    "end_date": o.end_date,
                    "is_current": o.is_current_on(timezone.localdate()),
                }
                for o in sorted(
                    resident.all_occupancies, key=lambda o: (o.start_date, o.pk), reverse=True
                )
            ]
        elif name == "consents":
            view["consents"] = [_consent_view(c) for c in resident.all_consents]
        elif name == "relation_number":
            view["relation_number"] = resident.external_id
        else:
            view[name] = getattr(resident, name)
    return view


def _consent_view(consent: ContactConsent) -> dict:
    return {
        "id": consent.pk,
        "purpose": consent.purpose,
        "purpose_label": consent.get_purpose_display(),
        "channel": consent.channel,
        "channel_label": consent.get_channel_display() if consent.channel else "",
        "given_at": consent.given_at,
        "given_source": consent.given_source,
        "given_source_label": consent.get_given_source_display(),
        "withdrawn_at": consent.withdrawn_at,
        "withdrawn_source": consent.withdrawn_source,
        "withdrawn_source_label": (
            consent.get_withdrawn_source_display() if consent.withdrawn_source else ""
        ),
        "is_current": consent.is_current,
        "note": consent.note,
    }


def _with_current_occupancies(residents: QuerySet[Resident], day: date) -> QuerySet[Resident]:
    return residents.prefetch_related(
        Prefetch(
            "occupancies",
            queryset=current_occupancies(day).select_related("unit__building"),
            to_attr="current_occupancies",
        )
    )


def _search_condition(search: str, visibility: ResidentVisibility) -> Q:
    """Every word must match a name; landlord staff also find a relation number.
    Never searches fields the viewer may not see (a probe could confirm an e-mail)."""
    condition = Q()
    for word in search[:MAX_SEARCH_LENGTH].split():
        match = Q(given_name__icontains=word) | Q(family_name__icontains=word)
        if visibility.sees_all:
            match |= Q(external_id__iexact=word)
        elif visibility.landlord_ids:
            match |= Q(external_id__iexact=word, landlord_id__in=visibility.landlord_ids)
        condition &= match
    return condition


def resident_list(
    *,
    viewer: Viewer,
    building_id: int | None = None,
    search: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> ResidentPage:
    """The residents the viewer may see (in one building, if given), one page of them,
    each with only the allowed fields. Records one "list" audit entry with the ids and the
    union of the fields shown. A constant number of queries, whatever the page size."""
    visibility = resident_visibility(viewer=viewer)
    residents = Resident.objects.visible_to(viewer, resolved=visibility)
    building = None
    if building_id is not None:
        building = Building.objects.filter(pk=building_id).only("pk", "name", "owner_id").first()
        residents = residents.filter(
            Exists(
                current_occupancies(visibility.today).filter(
                    resident=OuterRef("pk"), unit__building_id=building_id
                )
            )
        )
    if search and search.strip():
        residents = residents.filter(_search_condition(search, visibility))
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    count = residents.count()
    num_pages = max(1, -(-count // page_size))
    page = min(max(1, page), num_pages)
    offset = (page - 1) * page_size
    rows = list(
        _with_current_occupancies(residents, visibility.today)
        .select_related("landlord")
        .order_by("family_name", "given_name", "pk")[offset : offset + page_size]
    )
    items = []
    for resident in rows:
        access = visibility.access_for(
            resident, {o.unit.building_id for o in resident.current_occupancies}
        )
        if access is None:  # cannot happen: condition() and access_for() share the rules
            continue
        items.append(_resident_view(resident, access, detail=False, only_building_id=building_id))
    result = ResidentPage(items=items, count=count, page=page, page_size=page_size)
    context = None
    if building_id is not None:
        context = AuditContext(
            type="places.building", id=str(building_id), label=building.name if building else ""
        )
    # One entry per landlord whose residents were listed (one INSERT), so that each
    # landlord's privacy officer sees who listed their residents.
    owners = {r.pk: DataOwner(r.landlord_id, r.landlord.name) for r in rows}
    audit_record_by_owner(
        viewer=viewer,
        action="list",
        object_type=OBJECT_TYPE,
        objects=[(item["id"], owners[item["id"]]) for item in items],
        fields=result.fields,
        context=context,
        default_owner=DataOwner(building.owner_id) if building else None,
    )
    return result


def _visible_resident(
    viewer: Viewer, visibility: ResidentVisibility, resident_id
) -> tuple[Resident, ResidentAccess]:
    resident_id = parse_id(resident_id)
    if resident_id is None:
        raise not_found()
    visible = Resident.objects.visible_to(viewer, resolved=visibility)
    resident = (
        _with_current_occupancies(visible, visibility.today)
        .select_related("landlord")
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise not_found()
    access = visibility.access_for(
        resident, {o.unit.building_id for o in resident.current_occupancies}
    )
    if access is None:
        raise not_found()
    return resident, access


def _contact_history(
    resident: Resident, access: ResidentAccess, channel: str | None = None
) -> list[dict]:
    moments = ContactMoment.objects.filter(resident=resident).select_related(
        "organisation", "by_membership__user", "unit__building"
    )
    if not access.sees_all_contact_history:
        moments = moments.filter(organisation_id__in=access.organisation_ids)
    if channel:
        moments = moments.filter(channel=channel)
    return [
        {
            "id": m.pk,
            "occurred_at": m.occurred_at,
            "channel": m.channel,
            "channel_label": m.get_channel_display(),
            "summary": m.summary,
            "organisation": m.organisation.name,
            "recorded_by": (
                (m.by_membership.user.get_full_name() or m.by_membership.user.get_username())
                if m.by_membership
                else ""
            ),
            "unit": _unit_view(m.unit)
            if m.unit and access.shows_building(m.unit.building_id)
            else None,
        }
        for m in moments.order_by("-occurred_at", "-pk")
    ]


def resident_get(
    *, viewer: Viewer, id, include_contact_history: bool = False, channel: str | None = None
) -> ResidentView:
    """One resident with the fields the viewer may see; NotFound for missing and forbidden
    alike. Records one "view" audit entry with the fields shown (the contact history too,
    when asked for, in the same entry)."""
    visibility = resident_visibility(viewer=viewer)
    resident, access = _visible_resident(viewer, visibility, id)
    if TENANCY in access.categories:
        resident.all_occupancies = list(
            Occupancy.objects.filter(resident=resident).select_related("unit__building")
        )
        # Open consents first, then the history, newest first.
        resident.all_consents = sorted(
            ContactConsent.objects.filter(resident=resident),
            key=lambda c: (not c.is_current, -c.given_at.timestamp(), -c.pk),
        )
    view = _resident_view(resident, access, detail=True)
    if include_contact_history:
        view[CONTACT_HISTORY] = _contact_history(resident, access, channel)
    audit_record(
        viewer=viewer,
        action="view",
        object_type=OBJECT_TYPE,
        object_ids=[resident.pk],
        fields=view.shown_fields,
        organisation_id=min(access.organisation_ids) if access.organisation_ids else None,
        data_owner=DataOwner(resident.landlord_id, resident.landlord.name),
    )
    return view


def resident_contact_history(
    *, viewer: Viewer, resident_id, channel: str | None = None
) -> list[dict]:
    """The contact moments of a resident the viewer may see (of one channel, if given): all
    of them for the landlord's staff, only those of the viewer's own organisations for
    partners. One audit entry."""
    visibility = resident_visibility(viewer=viewer)
    resident, access = _visible_resident(viewer, visibility, resident_id)
    history = _contact_history(resident, access, channel)
    audit_record(
        viewer=viewer,
        action="view",
        object_type=OBJECT_TYPE,
        object_ids=[resident.pk],
        fields=[CONTACT_HISTORY],
        organisation_id=min(access.organisation_ids) if access.organisation_ids else None,
        data_owner=DataOwner(resident.landlord_id, resident.landlord.name),
    )
    return history


@dataclass(frozen=True)
class UnitContactHistory:
    unit: dict
    residents: list[dict]  # {"id", "name"} of the residents whose contacts are listed
    entries: list[dict]  # contact moments, newest first, each with "resident_id", "resident"


def unit_contact_history(
    *, viewer: Viewer, unit_id, channel: str | None = None
) -> UnitContactHistory:
    """Every contact with the residents who live or lived in a unit, as far as the viewer
    may see them: the residents the viewer sees (need-to-know, as everywhere), and of each
    only the contacts the viewer sees on the resident's own page. NotFound for a unit the
    viewer may not see residents of. One "view" audit entry per landlord."""
    unit_id = parse_id(unit_id)
    unit = Unit.objects.filter(pk=unit_id).select_related("building").first() if unit_id else None
    if (
        unit is None
        or not Building.objects.visible_to(viewer, permission=VIEW_RESIDENT)
        .filter(pk=unit.building_id)
        .exists()
    ):
        raise NotFound(_("Not found."))
    visibility = resident_visibility(viewer=viewer)
    residents = list(
        _with_current_occupancies(
            Resident.objects.visible_to(viewer, resolved=visibility).filter(
                Exists(Occupancy.objects.filter(resident=OuterRef("pk"), unit=unit))
            ),
            visibility.today,
        )
        .select_related("landlord")
        .order_by("family_name", "given_name", "pk")
    )
    shown, entries = [], []
    for resident in residents:
        access = visibility.access_for(
            resident, {o.unit.building_id for o in resident.current_occupancies}
        )
        if access is None or IDENTITY not in access.categories:
            continue
        shown.append((resident, access))
        for entry in _contact_history(resident, access, channel):
            entries.append({**entry, "resident_id": resident.pk, "resident": resident.full_name})
    entries.sort(key=lambda e: (e["occurred_at"], e["id"]), reverse=True)
    audit_record_by_owner(
        viewer=viewer,
        action="view",
        object_type=OBJECT_TYPE,
        objects=[(r.pk, DataOwner(r.landlord_id, r.landlord.name)) for r, _a in shown],
        fields=["given_name", "family_name", CONTACT_HISTORY],
        context=AuditContext(type="places.unit", id=str(unit.pk), label=str(unit)),
        default_owner=DataOwner(unit.building.owner_id),
    )
    return UnitContactHistory(
        unit=_unit_view(unit),
        residents=[{"id": r.pk, "name": r.full_name} for r, _a in shown],
        entries=entries,
    )


NOT_REACHED_DAYS = 365


def residents_not_reached(
    *, viewer: Viewer, building_id=None, days: int = NOT_REACHED_DAYS, limit: int = 500
) -> list[dict]:
    """Current residents the viewer may see (in one building, if given) with no contact in
    the last `days` that the viewer may see: for the landlord's staff any contact, for a
    partner its own organisations' contacts. Longest unreached first (never first). One
    "list" audit entry per landlord. PermissionDenied without `residents.view_resident`."""
    if not viewer.is_superuser and not viewer.organisations_with(VIEW_RESIDENT):
        raise PermissionDenied(_("You may not see residents."))
    visibility = resident_visibility(viewer=viewer)
    since = timezone.now() - timedelta(days=days)
    current = current_occupancies(visibility.today).filter(resident=OuterRef("pk"))
    if building_id is not None:
        current = current.filter(unit__building_id=building_id)
    residents = list(
        _with_current_occupancies(
            Resident.objects.visible_to(viewer, resolved=visibility).filter(Exists(current)),
            visibility.today,
        )
        .select_related("landlord")
        .order_by("family_name", "given_name", "pk")
    )
    rows = []
    for resident in residents:
        access = visibility.access_for(
            resident, {o.unit.building_id for o in resident.current_occupancies}
        )
        if access is None or IDENTITY not in access.categories:
            continue
        rows.append((resident, access))
    moments = ContactMoment.objects.filter(resident_id__in=[r.pk for r, _a in rows])
    own = viewer.organisation_ids
    last_any = dict(
        moments.values("resident_id")
        .annotate(last=Max("occurred_at"))
        .values_list("resident_id", "last")
    )
    last_own = dict(
        moments.filter(organisation_id__in=own)
        .values("resident_id")
        .annotate(last=Max("occurred_at"))
        .values_list("resident_id", "last")
    )
    result = []
    for resident, access in rows:
        last = (last_any if access.sees_all_contact_history else last_own).get(resident.pk)
        if last is not None and last >= since:
            continue
        view = _resident_view(resident, access, detail=False, only_building_id=building_id)
        result.append(
            {
                "id": resident.pk,
                "name": resident.full_name,
                "units": view.get("units", []),
                "last_contact": last,
                "landlord_id": resident.landlord_id,
                "landlord": resident.landlord.name,
            }
        )
    result.sort(key=lambda r: (r["last_contact"] is not None, r["last_contact"] or 0, r["name"]))
    result = result[:limit]
    audit_record_by_owner(
        viewer=viewer,
        action="list",
        object_type=OBJECT_TYPE,
        objects=[(r["id"], DataOwner(r["landlord_id"], r["landlord"])) for r in result],
        fields=["given_name", "family_name", "units", CONTACT_HISTORY],
        context=AuditContext(type="places.building", id=str(building_id)) if building_id else None,
    )
    return result


def resident_access(*, viewer: Viewer, resident_id) -> tuple[Resident, ResidentAccess]:
    """For services: the resident and the viewer's access, NotFound when not visible.
    Reads no personal data for display, so records no audit entry."""
    return _visible_resident(viewer, resident_visibility(viewer=viewer), resident_id)


def residents_consenting(
    *, purpose: str, building_ids=None, today: date | None = None
) -> QuerySet[Resident]:
    """The residents who consent to `purpose` now, computed from the consent records at
    the moment of asking (a withdrawal a second ago counts); with `building_ids`, only those
    living there today. For the services that send (newsletters, the chat's invitations):
    they have checked that the sender may address these buildings, and audit the sending."""
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"Unknown consent purpose {purpose!r}.")
    residents = Resident.objects.filter(consent_current(purpose))
    if building_ids is not None:
        residents = residents.filter(
            Exists(
                current_occupancies(today or timezone.localdate()).filter(
                    resident=OuterRef("pk"), unit__building_id__in=list(building_ids)
                )
            )
        )
    return residents.order_by("pk")


def resident_consents(*, resident_id) -> dict[str, ContactConsent]:
    """The resident's open consents by purpose (for services deciding whether to approach
    them; reads no personal data for display)."""
    return {
        c.purpose: c
        for c in ContactConsent.objects.current().filter(resident_id=parse_id(resident_id))
    }


# --- Buildings with residents, import jobs (no personal data: not audited) -----------------


def resident_buildings(*, viewer: Viewer) -> QuerySet[Building]:
    """Buildings whose residents the viewer may look for: those of the landlords the viewer
    works for and those the viewer's organisations are partners of (with view_resident).
    One of them: `places.selectors.building_get(…, permission=VIEW_RESIDENT)`."""
    return (
        Building.objects.visible_to(viewer, permission=VIEW_RESIDENT)
        .select_related("owner")
        .order_by("name", "pk")
    )


def import_organisations(*, viewer: Viewer) -> QuerySet[Organisation]:
    """Organisations the viewer may import residents for."""
    if viewer.is_superuser:
        return Organisation.objects.filter(buildings__isnull=False).distinct().order_by("name")
    return Organisation.objects.filter(pk__in=viewer.organisations_with(IMPORT_RESIDENTS)).order_by(
        "name"
    )


def _import_jobs(viewer: Viewer) -> QuerySet[Job]:
    jobs = Job.objects.filter(kind=importing.JOB_KIND).defer("content")
    if viewer.is_superuser:
        return jobs
    return jobs.filter(organisation_id__in=viewer.organisations_with(IMPORT_RESIDENTS))


def import_job_list(*, viewer: Viewer, limit: int = 20) -> list[Job]:
    return list(_import_jobs(viewer).order_by("-created_at", "-pk")[:limit])


def import_job_get(*, viewer: Viewer, id) -> Job:
    """A residents import job of an organisation the viewer imports for; NotFound else."""
    job_id = as_id(id, message=_("Import not found."))
    job = _import_jobs(viewer).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Import not found."))
    return job


def contact_moment_resident_id(*, source_type: str, source_id) -> int | None:
    """The resident whose contact history holds the contact recorded from this source (a
    record of another app), or None. Tells only the id: the resident's page applies the
    viewer's need-to-know."""
    return (
        ContactMoment.objects.filter(source_type=source_type, source_id=str(source_id))
        .order_by("pk")
        .values_list("resident_id", flat=True)
        .first()
    )


def residents_living_in(
    *, viewer: Viewer, unit_ids, visibility: ResidentVisibility | None = None
) -> list[tuple[Resident, ResidentAccess]]:
    """The residents living in `unit_ids` now whom the viewer may see, each with the
    viewer's access (need-to-know), by family name; `resident.current_occupancies` holds
    their current occupancies (with unit and building). For pages and services that
    address residents (the letters), which audit what they show."""
    visibility = visibility or resident_visibility(viewer=viewer)
    unit_ids = list(unit_ids)
    residents = _with_current_occupancies(
        Resident.objects.visible_to(viewer, resolved=visibility).filter(
            Exists(
                current_occupancies(visibility.today).filter(
                    resident=OuterRef("pk"), unit_id__in=unit_ids
                )
            )
        ),
        visibility.today,
    ).order_by("family_name", "given_name", "pk")
    result = []
    for resident in residents:
        access = visibility.access_for(
            resident, {o.unit.building_id for o in resident.current_occupancies}
        )
        if access is not None:
            result.append((resident, access))
    return result


# --- For services of other apps (no personal data shown: not audited) --------------------


@dataclass(frozen=True)
class ResidentHome:
    resident_id: int
    unit: Unit | None  # None: the resident lives in none of the buildings now


def resident_home(*, resident_id, day: date | None = None) -> ResidentHome | None:
    """Where a resident lives on `day` (today): the unit (with its building) of their
    latest current occupancy; None when there is no such resident. For services that
    authorise the viewer on that building themselves (the chat's join codes need
    `chat.issue_join_codes` in its owner): tells ids and the unit, no personal data."""
    resident_id = parse_id(resident_id)
    if resident_id is None or not Resident.objects.filter(pk=resident_id).exists():
        return None
    occupancy = (
        current_occupancies(day or timezone.localdate())
        .filter(resident_id=resident_id)
        .select_related("unit__building")
        .order_by("-start_date")
        .first()
    )
    return ResidentHome(resident_id, occupancy.unit if occupancy else None)


def resident_email(*, resident_id) -> str | None:
    """The resident's e-mail address ("" when none is known), None when there is no such
    resident. For the services that send to a resident after checking the consent, and
    record the sending in the contact history (newsletters)."""
    return Resident.objects.filter(pk=parse_id(resident_id)).values_list("email", flat=True).first()


def resident_landlords(*, resident_ids) -> dict[int, int]:
    """The landlord of each resident by id: the data owner an audit entry about reading
    these residents is recorded for. Tells ids only."""
    return dict(
        Resident.objects.filter(pk__in={parse_id(i) for i in resident_ids}).values_list(
            "pk", "landlord_id"
        )
    )


def resident_itself(*, resident_id) -> Resident | None:
    """The resident a signed link of their own proves (its subject), with the landlord,
    or None: for the pages a resident sees about themself (unsubscribing)."""
    return Resident.objects.select_related("landlord").filter(pk=parse_id(resident_id)).first()
