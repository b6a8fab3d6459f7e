"""Reads of letter templates, batches and letters: need-to-know and audit.

A batch is its sending organisation's: members with `communications.send_letters` there
(and superusers) see its templates, batches and letters; nobody else learns that they
exist (NotFound). A batch's letters name residents, so listing them, previewing one or
downloading a PDF records an audit entry naming the residents (their landlord is the data
owner). Recipients are chosen under the residents' need-to-know (`resident_visibility`):
only residents the drafter sees through the sending organisation get a letter.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases.selectors import case_get
from wijkregie.communications import merge_fields
from wijkregie.communications.models import Letter, LetterBatch, LetterTemplate
from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record_by_owner
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import as_id
from wijkregie.partners.models import Organisation
from wijkregie.places.models import Building, Unit
from wijkregie.places.selectors import building_get, building_public_report_url
from wijkregie.residents.models import (
    IDENTITY,
    VIEW_RESIDENT,
    Resident,
    resident_visibility,
)
from wijkregie.residents.selectors import resident_landlords, residents_living_in

SEND_LETTERS = "communications.send_letters"
RESIDENT_OBJECT = "residents.resident"
LETTER_FIELDS = ("given_name", "family_name", "units", "letter")


def letter_organisations(*, viewer: Viewer) -> QuerySet[Organisation]:
    """The organisations the viewer writes letters for."""
    if viewer.is_superuser:
        return Organisation.objects.filter(buildings__isnull=False).distinct().order_by("name")
    return Organisation.objects.filter(pk__in=viewer.organisations_with(SEND_LETTERS)).order_by(
        "name"
    )


def may_send_letters(viewer: Viewer, organisation_id: int | None = None) -> bool:
    return viewer.is_superuser or viewer.has_perm(SEND_LETTERS, organisation_id)


def _scope(queryset: QuerySet, viewer: Viewer) -> QuerySet:
    if viewer.is_superuser:
        return queryset
    return queryset.filter(organisation_id__in=viewer.organisations_with(SEND_LETTERS))


# --- Templates ---------------------------------------------------------------------------------


def letter_template_list(*, viewer: Viewer) -> list[LetterTemplate]:
    return list(
        _scope(LetterTemplate.objects.all(), viewer)
        .select_related("organisation")
        .prefetch_related("versions")
        .order_by("organisation__name", "name", "pk")
    )


def letter_template_get(*, viewer: Viewer, id) -> LetterTemplate:
    template = (
        _scope(LetterTemplate.objects.all(), viewer)
        .select_related("organisation")
        .prefetch_related("versions")
        .filter(pk=as_id(id, message=_("Letter template not found.")))
        .first()
    )
    if template is None:
        raise NotFound(_("Letter template not found."))
    return template


def letter_template_version_for(template: LetterTemplate, language: str):
    """The version in `language` if the template has one, else the Dutch one."""
    versions = {v.language: v for v in template.versions.all()}
    return versions.get(language or "nl") or versions.get("nl")


# --- Batches -----------------------------------------------------------------------------------


def _batches(viewer: Viewer) -> QuerySet[LetterBatch]:
    return (
        _scope(LetterBatch.objects.all(), viewer)
        .defer("bundle")
        .select_related("organisation", "template", "building", "make_job", "send_job")
        .annotate(
            letter_count=Count("letters"),
            made_count=Count("letters", filter=Q(letters__made_at__isnull=False)),
            sent_count=Count("letters", filter=Q(letters__sent_at__isnull=False)),
        )
    )


def letter_batch_list(*, viewer: Viewer, status: str | None = None) -> list[LetterBatch]:
    batches = _batches(viewer)
    if status:
        batches = batches.filter(status=status)
    return list(batches.order_by("-created_at", "-pk")[:200])


def letter_batch_get(*, viewer: Viewer, id) -> LetterBatch:
    batch = _batches(viewer).filter(pk=as_id(id, message=_("Letter batch not found."))).first()
    if batch is None:
        raise NotFound(_("Letter batch not found."))
    return batch


@dataclass(frozen=True)
class LetterRow:
    id: int
    position: int
    reference: str
    resident_id: int
    name: str
    address: str
    language: str
    made: bool
    delivery_method: str
    sent_at: object


def _audit_letters(viewer: Viewer, batch: LetterBatch, letters, action: str) -> None:
    owners = {
        pk: DataOwner(landlord_id)
        for pk, landlord_id in resident_landlords(
            resident_ids={le.resident_id for le in letters}
        ).items()
    }
    audit_record_by_owner(
        viewer=viewer,
        action=action,
        object_type=RESIDENT_OBJECT,
        objects=[(le.resident_id, owners[le.resident_id]) for le in letters],
        fields=LETTER_FIELDS,
        organisation_id=batch.organisation_id,
        context=AuditContext(
            type="communications.letterbatch", id=str(batch.pk), label=batch.title
        ),
        default_owner=DataOwner(batch.building.owner_id),
    )


def letter_batch_letters(
    *, viewer: Viewer, batch: LetterBatch, made_only: bool = False, limit: int | None = None
) -> list[LetterRow]:
    """The letters of a batch the viewer may see (letter_batch_get first), in bundle order,
    with the recipients' names: one "list" audit entry per landlord."""
    letters = (
        Letter.objects.filter(batch=batch)
        .defer("pdf")
        .select_related("resident", "unit__building")
        .order_by("position")
    )
    if made_only:
        letters = letters.filter(made_at__isnull=False)
    if limit:
        letters = letters[:limit]
    letters = list(letters)
    if letters:
        _audit_letters(viewer, batch, letters, "list")
    return [
        LetterRow(
            id=le.pk,
            position=le.position,
            reference=le.reference,
            resident_id=le.resident_id,
            name=le.resident.full_name,
            address=", ".join(address_lines(le.unit)),
            language=le.language,
            made=le.made_at is not None,
            delivery_method=le.delivery_method,
            sent_at=le.sent_at,
        )
        for le in letters
    ]


def letter_get(*, viewer: Viewer, batch_id, letter_id) -> Letter:
    """One letter with its PDF; records one "export" audit entry for its resident."""
    batch = letter_batch_get(viewer=viewer, id=batch_id)
    letter = (
        Letter.objects.filter(batch=batch, pk=as_id(letter_id, message=_("Letter not found.")))
        .select_related("resident")
        .first()
    )
    if letter is None or letter.made_at is None:
        raise NotFound(_("Letter not found."))
    _audit_letters(viewer, batch, [letter], "export")
    return letter


def letter_batch_bundle(*, viewer: Viewer, batch_id) -> tuple[LetterBatch, bytes]:
    """The print bundle; one "export" audit entry naming every resident in it."""
    batch = letter_batch_get(viewer=viewer, id=batch_id)
    data = LetterBatch.objects.filter(pk=batch.pk).values_list("bundle", flat=True).first()
    if not batch.bundle_made_at or not data:
        raise NotFound(_("The print bundle is not ready yet."))
    letters = list(Letter.objects.filter(batch=batch).only("pk", "resident_id"))
    _audit_letters(viewer, batch, letters, "export")
    return batch, bytes(data)


# --- Addresses and recipients ---------------------------------------------------------------


def format_postcode(postcode: str) -> str:
    code = (postcode or "").replace(" ", "").upper()
    return f"{code[:4]} {code[4:]}" if len(code) == 6 else code


def address_lines(unit: Unit) -> tuple[str, ...]:
    """The unit's address as PostNL asks it on an envelope: street and house number, then
    postcode and place in capitals with two spaces between them."""
    building = unit.building
    return (
        f"{building.street} {unit.address}".strip(),
        f"{format_postcode(unit.postcode)}  {(building.city or '').upper()}".strip(),
    )


def has_address(unit: Unit) -> bool:
    building = unit.building
    return bool(
        (building.street or "").strip()
        and unit.house_number
        and len((unit.postcode or "").replace(" ", "")) == 6
        and (building.city or "").strip()
    )


@dataclass(frozen=True)
class Recipient:
    resident: Resident
    unit: Unit


@dataclass(frozen=True)
class RecipientChoice:
    recipients: list[Recipient]
    excluded: list[dict]  # {"resident_id", "reason"}
    building: Building
    units: list[Unit]


def _walking_order(unit: Unit):
    return (
        unit.entrance,
        unit.floor,
        unit.house_number,
        unit.house_letter,
        unit.house_number_addition,
        unit.pk,
    )


def letter_target_units(
    *, viewer: Viewer, target: str, building_id=None, floors=(), unit_ids=(), case_id=None
) -> tuple[Building, list[Unit], object]:
    """The building and units a batch goes to; NotFound for a building or case the viewer
    may not see. Returns (building, units in walking order, case or None)."""
    case = None
    if target == "case":
        case = case_get(viewer=viewer, id=case_id)
        building = building_get(viewer=viewer, id=case.building_id, permission=VIEW_RESIDENT)
        units = [case.unit] if case.unit_id else list(building.units.all())
    else:
        building = building_get(viewer=viewer, id=building_id, permission=VIEW_RESIDENT)
        units = Unit.objects.filter(building=building)
        if target == "floors":
            units = units.filter(floor__in=list(floors))
        elif target == "units":
            units = units.filter(pk__in=list(unit_ids))
        units = list(units)
    for unit in units:
        unit.building = building
    return building, sorted(units, key=_walking_order), case


def letter_recipients(
    *, viewer: Viewer, organisation_id: int, units: list[Unit], day: date | None = None
) -> tuple[list[Recipient], list[dict]]:
    """Current residents of `units` whose name the viewer sees through `organisation_id`,
    one letter each (at their first unit in walking order), and those left out because
    their unit has no complete postal address. Not audited: the batch's pages are."""
    visibility = resident_visibility(viewer=viewer, today=day)
    unit_ids = {u.pk for u in units}
    order = {u.pk: i for i, u in enumerate(units)}
    by_id = {u.pk: u for u in units}
    recipients, excluded = [], []
    for resident, access in residents_living_in(
        viewer=viewer, unit_ids=unit_ids, visibility=visibility
    ):
        if IDENTITY not in access.categories:
            continue
        if not visibility.sees_all and organisation_id not in access.organisation_ids:
            continue
        mine = sorted(
            (o.unit_id for o in resident.current_occupancies if o.unit_id in unit_ids),
            key=order.__getitem__,
        )
        unit = by_id[mine[0]]
        if not has_address(unit):
            excluded.append({"resident_id": resident.pk, "reason": "no_address"})
            continue
        recipients.append(Recipient(resident=resident, unit=unit))
    recipients.sort(key=lambda r: (order[r.unit.pk], r.resident.family_name, r.resident.pk))
    return recipients, excluded


def letter_language(template: LetterTemplate, resident: Resident) -> str:
    """The resident's preferred language when the template has a version in it, else nl."""
    languages = {v.language for v in template.versions.all()}
    preferred = (resident.preferred_language or "").strip().lower()
    return preferred if preferred in languages else "nl"


def letter_context(
    *,
    batch_or_none: LetterBatch | None,
    organisation: Organisation,
    resident: Resident,
    unit: Unit,
    letter: Letter | None,
    language: str,
    day: date,
    reference: str,
    code: str,
    author: Viewer | None,
) -> merge_fields.LetterContext:
    """What the merge fields know of one letter; `author` is the viewer the fields act as."""
    return merge_fields.LetterContext(
        resident_id=resident.pk,
        given_name=resident.given_name,
        family_name=resident.family_name,
        address_lines=(resident.full_name, *address_lines(unit)),
        unit_id=unit.pk,
        building_id=unit.building_id,
        building_name=unit.building.name,
        organisation_id=organisation.pk,
        organisation_name=organisation.name,
        batch_id=batch_or_none.pk if batch_or_none else None,
        letter_id=letter.pk if letter else None,
        reference=reference,
        code=code,
        date=day,
        language=language,
        preview=letter is None,
        viewer=author,
        report_url=building_public_report_url(unit.building),
    )


def today() -> date:
    return timezone.localdate()
