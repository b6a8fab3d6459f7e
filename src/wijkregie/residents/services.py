"""Every write to residents, occupancies and the contact history, and the ERP import.

Plain keyword-only functions, `actor` first, one transaction each, permission checked,
audited (BRIEF 27). Residents are the landlord's administration: creating and changing them
needs `residents.import_residents` in the landlord organisation.
"""

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core import jobs
from wijkregie.core.access import ResidentPrincipal, Viewer, system_viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record
from wijkregie.core.changes import apply_changes, refuse_unknown_fields
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import parse_id
from wijkregie.core.models import Job
from wijkregie.partners.models import Membership, Organisation
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Unit
from wijkregie.residents import importing
from wijkregie.residents.importing import JOB_KIND, ResidentRow, RowError, address_key
from wijkregie.residents.models import (
    ConsentPurpose,
    ConsentSource,
    ContactConsent,
    ContactMoment,
    Occupancy,
    Resident,
)
from wijkregie.residents.selectors import (
    IMPORT_RESIDENTS,
    OBJECT_TYPE,
    TENANCY,
    resident_access,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Model field -> the name the audit trail and the API use for it.
AUDIT_NAMES = {"external_id": "relation_number"}
RESIDENT_FIELDS = (
    "external_id",
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_language",
)


def _may_administer(actor: Viewer, landlord_id: int) -> bool:
    return actor.is_superuser or actor.has_perm(IMPORT_RESIDENTS, landlord_id)


def _audit_names(fields) -> list[str]:
    return sorted(AUDIT_NAMES.get(f, f) for f in fields)


def _administered_resident(actor: Viewer, resident_id, *, lock: bool = False) -> Resident:
    """A resident the actor may change; NotFound for missing and forbidden alike."""
    residents = Resident.objects.select_for_update() if lock else Resident.objects.all()
    pk = parse_id(resident_id)
    resident = residents.filter(pk=pk).first() if pk is not None else None
    if resident is None or not _may_administer(actor, resident.landlord_id):
        raise NotFound(_("Resident not found."))
    return resident


# --- Residents ----------------------------------------------------------------------------


def resident_create(
    *,
    actor: Viewer,
    landlord_id: int,
    relation_number: str,
    given_name: str,
    family_name: str,
    email: str = "",
    phone: str = "",
    preferred_language: str = "nl",
    consents: tuple[str, ...] = (),
) -> Resident:
    """Create a resident of `landlord_id`, with the consents (purposes) the landlord's
    administration records for them. Raises PermissionDenied without
    `residents.import_residents` there, ValidationError for invalid or duplicate data."""
    with transaction.atomic():
        if not _may_administer(actor, landlord_id):
            raise PermissionDenied(_("You may not add residents for this organisation."))
        resident = Resident(
            landlord_id=landlord_id,
            external_id=relation_number.strip(),
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            email=email.strip(),
            phone=phone.strip(),
            preferred_language=preferred_language.strip().lower(),
        )
        resident.full_clean()
        resident.save(force_insert=True)
        purposes = _valid_purposes(consents)
        now = timezone.now()
        ContactConsent.objects.bulk_create(
            ContactConsent(
                resident=resident,
                purpose=purpose,
                given_at=now,
                given_source=ConsentSource.STAFF,
                given_by=_membership(actor, landlord_id),
            )
            for purpose in purposes
        )
        audit_record(
            viewer=actor,
            action="create",
            object_type=OBJECT_TYPE,
            object_ids=[resident.pk],
            fields=_audit_names(
                [f for f in RESIDENT_FIELDS if getattr(resident, f) not in ("", None)]
                + (["consents"] if purposes else [])
            ),
            organisation_id=landlord_id,
            data_owner=DataOwner(landlord_id),
        )
    return resident


def resident_update(*, actor: Viewer, resident_id: int, data: dict) -> Resident:
    """Change the given fields (names as in the API: relation_number, given_name, …).
    Saves and audits only what really changed; nothing changed: no write, no entry."""
    names = {AUDIT_NAMES.get(f, f): f for f in RESIDENT_FIELDS}
    refuse_unknown_fields(data, allowed=names)
    changes = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if names[key] == "preferred_language":
            value = value.lower()
        changes[names[key]] = value
    with transaction.atomic():
        resident = _administered_resident(actor, resident_id, lock=True)
        changed = apply_changes(resident, changes)
        if not changed:
            return resident
        resident.full_clean()
        resident.save(update_fields=[*changed, "updated_at"])
        audit_record(
            viewer=actor,
            action="update",
            object_type=OBJECT_TYPE,
            object_ids=[resident.pk],
            fields=_audit_names(changed),
            organisation_id=resident.landlord_id,
            data_owner=DataOwner(resident.landlord_id),
        )
    return resident


# --- Occupancies --------------------------------------------------------------------------


def occupancy_create(
    *,
    actor: Viewer,
    resident_id: int,
    unit_id: int,
    kind: str,
    start_date: date,
    end_date: date | None = None,
) -> Occupancy:
    """Let a resident live in a unit of a building their landlord owns."""
    with transaction.atomic():
        resident = _administered_resident(actor, resident_id)
        unit = Unit.objects.select_related("building").filter(pk=unit_id).first()
        if unit is None or unit.building.owner_id != resident.landlord_id:
            raise ApplicationError(_("This unit is not in a building of the resident's landlord."))
        occupancy = Occupancy(
            resident=resident, unit=unit, kind=kind, start_date=start_date, end_date=end_date
        )
        occupancy.full_clean()
        occupancy.save(force_insert=True)
        audit_record(
            viewer=actor,
            action="update",
            object_type=OBJECT_TYPE,
            object_ids=[resident.pk],
            fields=["occupancies"],
            organisation_id=resident.landlord_id,
            context=AuditContext(
                type="places.building", id=str(unit.building_id), label=unit.building.name
            ),
            data_owner=DataOwner(resident.landlord_id),
        )
    return occupancy


def occupancy_end(*, actor: Viewer, occupancy_id: int, end_date: date) -> Occupancy:
    """End an occupancy on `end_date` (not before it started)."""
    with transaction.atomic():
        occupancy = (
            Occupancy.objects.select_for_update()
            .select_related("resident", "unit__building")
            .filter(pk=occupancy_id)
            .first()
        )
        if occupancy is None or not _may_administer(actor, occupancy.resident.landlord_id):
            raise NotFound(_("Occupancy not found."))
        if occupancy.end_date == end_date:
            return occupancy
        occupancy.end_date = end_date
        occupancy.full_clean()
        occupancy.save(update_fields=["end_date", "updated_at"])
        audit_record(
            viewer=actor,
            action="update",
            object_type=OBJECT_TYPE,
            object_ids=[occupancy.resident_id],
            fields=["occupancies"],
            organisation_id=occupancy.resident.landlord_id,
            data_owner=DataOwner(occupancy.resident.landlord_id),
            context=AuditContext(
                type="places.building",
                id=str(occupancy.unit.building_id),
                label=occupancy.unit.building.name,
            ),
        )
    return occupancy


# --- Contact history ----------------------------------------------------------------------


def _already_recorded() -> ApplicationError:
    return ApplicationError(_("This contact is already in the resident's contact history."))


def contact_moment_record(
    *,
    actor: Viewer,
    resident_id: int,
    channel: str,
    summary: str,
    occurred_at: datetime | None = None,
    organisation_id: int | None = None,
    source: tuple[str, str] | None = None,
) -> ContactMoment:
    """Record a contact with a resident the actor may see, for one of the organisations
    through which the actor sees the resident (the only one, if there is one).

    `source` is (type, id) of the record the contact came from; recording the same source
    for the same resident again raises ApplicationError and writes nothing."""
    source_type, source_id = (source[0], str(source[1])) if source else ("", "")
    with transaction.atomic():
        resident, access = resident_access(viewer=actor, resident_id=resident_id)
        if (
            source_type
            and ContactMoment.objects.filter(
                resident=resident, source_type=source_type, source_id=source_id
            ).exists()
        ):
            raise _already_recorded()
        allowed = set(access.organisation_ids)
        if actor.is_superuser:
            allowed = {organisation_id or resident.landlord_id}
        if organisation_id is None:
            if len(allowed) != 1:
                raise ApplicationError(_("Choose the organisation you record this contact for."))
            organisation_id = next(iter(allowed))
        elif organisation_id not in allowed:
            raise PermissionDenied(_("You may not record contacts for this organisation."))
        now = timezone.now()
        occurred_at = occurred_at or now
        if occurred_at > now + timedelta(minutes=5):
            raise ValidationError({"occurred_at": _("A contact cannot lie in the future.")})
        membership = None
        if actor.user_id is not None:
            membership = Membership.objects.filter(
                user_id=actor.user_id, organisation_id=organisation_id
            ).first()
        units = [
            o.unit
            for o in resident.current_occupancies
            if access.shows_building(o.unit.building_id)
        ]
        moment = ContactMoment(
            resident=resident,
            unit=units[0] if len(units) == 1 else None,
            channel=channel,
            occurred_at=occurred_at,
            by_membership=membership,
            organisation_id=organisation_id,
            summary=summary.strip(),
            source_type=source_type,
            source_id=source_id,
        )
        moment.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                moment.save(force_insert=True)
        except IntegrityError:  # the same source recorded by someone else a moment ago
            raise _already_recorded() from None
        audit_record(
            viewer=actor,
            action="update",
            object_type=OBJECT_TYPE,
            object_ids=[resident.pk],
            fields=["contact_history"],
            organisation_id=organisation_id,
            data_owner=DataOwner(resident.landlord_id),
        )
    return moment


# --- Consents ---------------------------------------------------------------------------


def _valid_purposes(purposes) -> list[str]:
    purposes = list(dict.fromkeys(purposes))
    unknown = [p for p in purposes if p not in ConsentPurpose.values]
    if unknown:
        raise ValidationError({"purpose": _("This is not a consent that can be recorded.")})
    return purposes


def _membership(actor: Viewer, organisation_id: int) -> Membership | None:
    if actor.user_id is None:
        return None
    return Membership.objects.filter(user_id=actor.user_id, organisation_id=organisation_id).first()


def _consent_resident(actor, resident_id) -> tuple[Resident, Viewer, Membership | None]:
    """The resident whose consent `actor` records, locked, with the viewer the audit trail
    names. Staff: the landlord's staff who may see the resident's tenancy data (consents are
    the landlord's administration; a partner tells the landlord). A resident: a principal
    proving they are this resident (a signed link)."""
    if isinstance(actor, ResidentPrincipal):
        resident = Resident.objects.select_for_update().filter(pk=parse_id(resident_id)).first()
        if resident is None or not actor.is_for(resident):
            raise NotFound(_("Resident not found."))
        return resident, actor.audit_viewer(label="resident"), None
    resident, access = resident_access(viewer=actor, resident_id=resident_id)
    if TENANCY not in access.categories:
        raise PermissionDenied(_("Only the landlord records a resident's consents."))
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    return resident, actor, _membership(actor, resident.landlord_id)


def _consent_audit(viewer: Viewer, resident: Resident) -> None:
    audit_record(
        viewer=viewer,
        action="update",
        object_type=OBJECT_TYPE,
        object_ids=[resident.pk],
        fields=["consents"],
        organisation_id=resident.landlord_id,
        data_owner=DataOwner(resident.landlord_id),
    )


def contact_consent_give(
    *,
    actor: Viewer | ResidentPrincipal,
    resident_id,
    purpose: str,
    source: str,
    channel: str = "",
    source_type: str = "",
    source_id=None,
    note: str = "",
) -> ContactConsent:
    """Record that the resident consents to `purpose`, given `source` (ConsentSource) and,
    for being contacted again, `channel` (how). A consent that is already open for the
    purpose with the same channel is returned unchanged (no write, no audit entry); with
    another channel it is closed and a new one opened, so the history shows the change."""
    if source not in ConsentSource.values or source == ConsentSource.UNSUBSCRIBE:
        raise ValidationError({"source": _("Say how the resident gave this consent.")})
    (purpose,) = _valid_purposes([purpose])
    with transaction.atomic():
        resident, viewer, membership = _consent_resident(actor, resident_id)
        now = timezone.now()
        current = resident.consents.current().filter(purpose=purpose).first()
        if current is not None:
            if current.channel == channel:
                return current
            current.withdrawn_at, current.withdrawn_source = now, source
            current.withdrawn_by = membership
            current.save(update_fields=["withdrawn_at", "withdrawn_source", "withdrawn_by"])
        consent = ContactConsent(
            resident=resident,
            purpose=purpose,
            channel=channel,
            given_at=now,
            given_source=source,
            given_by=membership,
            source_type=source_type,
            source_id="" if source_id is None else str(source_id),
            note=note.strip(),
        )
        consent.full_clean(validate_constraints=False)
        consent.save(force_insert=True)
        _consent_audit(viewer, resident)
    return consent


def contact_consent_withdraw(
    *, actor: Viewer | ResidentPrincipal, resident_id, purpose: str, source: str
) -> ContactConsent | None:
    """Close the resident's open consent for `purpose`; None (and no write) when there is
    none. Takes effect at once: the lists of who may be approached are computed at the
    moment of sending (`residents.selectors.residents_consenting`)."""
    if source not in ConsentSource.values:
        raise ValidationError({"source": _("Say how the resident withdrew this consent.")})
    (purpose,) = _valid_purposes([purpose])
    with transaction.atomic():
        resident, viewer, membership = _consent_resident(actor, resident_id)
        consent = resident.consents.current().filter(purpose=purpose).first()
        if consent is None:
            return None
        consent.withdrawn_at = max(timezone.now(), consent.given_at)
        consent.withdrawn_source, consent.withdrawn_by = source, membership
        consent.save(update_fields=["withdrawn_at", "withdrawn_source", "withdrawn_by"])
        _consent_audit(viewer, resident)
    return consent


# --- The ERP import -----------------------------------------------------------------------


def residents_import_start(
    *, actor: Viewer, organisation_id: int, file_name: str, content: bytes, language: str
) -> Job:
    """Start a residents import job of `organisation_id` (`core.jobs`, kind "residents";
    run by `residents_import_job`) in one transaction with its task. The run checks every
    row first and imports nothing if one is bad; its report is in `language` (one of the
    interface languages; anything else is refused, as are a file over the size limit, an
    unknown organisation and a missing permission)."""
    jobs.check_language(language)
    if not _may_administer(actor, organisation_id):
        raise PermissionDenied(_("You may not import residents for this organisation."))
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("Organisation not found."))
    if len(content) > settings.WIJKREGIE_IMPORT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(size)s MB.")
            % {"size": settings.WIJKREGIE_IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    return jobs.job_start(
        actor=actor,
        kind=JOB_KIND,
        organisation_id=organisation.pk,
        file_name=Path(file_name or "import.csv").name[:255] or "import.csv",
        content=content,
        language=language,
    )


def residents_import_job(run: jobs.JobRun) -> None:
    """The runner of a residents import job: check every row, then (only if all are good)
    create and update residents and occupancies in one transaction with the succeeded job
    and one "import" audit entry. Progress is committed every BATCH_SIZE rows while
    checking."""
    run.set_columns(importing.COLUMNS)
    organisation = Organisation.objects.get(pk=run.job.organisation_id)
    rows = _check_file(run, organisation)
    if run.errors:
        run.fail()
    else:
        _write(run, organisation, rows)


def _check_file(run: jobs.JobRun, organisation: Organisation):
    """The rows with their units resolved; every problem of every row in `run.errors`."""
    parsed = importing.read_file(bytes(run.job.content))
    total = len(parsed.records)
    run.progress(0, total)
    errors: list[RowError] = list(parsed.errors)
    if not parsed.header or any(e.row == 1 for e in errors):
        _report(run, errors)  # the file or its header is wrong: the rows cannot be read
        return []

    rows: list[ResidentRow] = []
    for count, (number, record) in enumerate(parsed.records, start=1):
        row, row_errors = importing.parse_row(number, record)
        if row is not None:
            rows.append(row)
        errors.extend(row_errors)
        if count % BATCH_SIZE == 0:
            run.progress(count, total)

    errors.extend(importing.check_consistency(rows))
    unit_ids = _resolve_units(rows, organisation, errors)
    rows = [(row, unit_ids[row.row]) for row in rows if row.row in unit_ids]
    errors.extend(_check_occupancies(rows))
    run.progress(total, total)
    _report(run, errors)
    return rows


def _report(run: jobs.JobRun, errors: list[RowError]) -> None:
    for error in errors:
        run.errors.add(error.row, error.column, error.message)


def _resolve_units(
    rows: list[ResidentRow], organisation: Organisation, errors: list
) -> dict[int, int]:
    """row number -> unit id, for units in the organisation's own buildings. Reports
    unknown units and units of other owners (two queries, plus one per 500 unknown)."""
    by_bag: dict[str, int] = {}
    by_address: dict[tuple, int] = {}
    for unit_id, bag_id, postcode, number, letter, addition in Unit.objects.filter(
        building__owner_id=organisation.pk
    ).values_list(
        "pk", "bag_id", "postcode", "house_number", "house_letter", "house_number_addition"
    ):
        if bag_id:
            by_bag[bag_id] = unit_id
        by_address[address_key(postcode, number, letter, addition)] = unit_id

    resolved: dict[int, int] = {}
    missing: list[ResidentRow] = []
    for row in rows:
        key = row.unit
        unit_id = (
            by_bag.get(key.bag_id) if key.bag_id else by_address.get(address_key(*key.address))
        )
        if unit_id is None:
            missing.append(row)
        else:
            resolved[row.row] = unit_id

    foreign_bags: set[str] = set()
    foreign_addresses: set[tuple] = set()
    bag_ids = sorted({r.unit.bag_id for r in missing if r.unit.bag_id})
    postcodes = sorted({r.unit.postcode for r in missing if not r.unit.bag_id})
    for start in range(0, len(bag_ids), BATCH_SIZE):
        foreign_bags |= set(
            Unit.objects.filter(bag_id__in=bag_ids[start : start + BATCH_SIZE]).values_list(
                "bag_id", flat=True
            )
        )
    for start in range(0, len(postcodes), BATCH_SIZE):
        for values in Unit.objects.filter(
            postcode__in=postcodes[start : start + BATCH_SIZE]
        ).values_list("postcode", "house_number", "house_letter", "house_number_addition"):
            foreign_addresses.add(address_key(*values))
    for row in missing:
        key = row.unit
        foreign = (
            key.bag_id in foreign_bags
            if key.bag_id
            else address_key(*key.address) in foreign_addresses
        )
        if foreign:
            message = _("Unit %(unit)s is in a building that %(organisation)s does not own.")
        elif key.bag_id:
            message = _("There is no unit with BAG id %(unit)s.")
        else:
            message = _("There is no unit at %(unit)s.")
        errors.append(
            RowError(
                row.row,
                key.column,
                message % {"unit": key.label(), "organisation": organisation.name},
            )
        )
    return resolved


def _check_occupancies(rows: list[tuple[ResidentRow, int]]) -> list[RowError]:
    """One occupancy per (relation number, unit, start date); repeats must agree."""
    errors = []
    seen: dict[tuple, ResidentRow] = {}
    for row, unit_id in rows:
        key = (row.relation_number, unit_id, row.start_date)
        earlier = seen.setdefault(key, row)
        if earlier is not row and (earlier.kind, earlier.end_date) != (row.kind, row.end_date):
            errors.append(
                RowError(
                    row.row,
                    "start_date",
                    _(
                        "Row %(row)s has the same resident, unit and start date with a different "
                        "kind or end date."
                    )
                    % {"row": earlier.row},
                )
            )
    return errors


def _run_viewer(job: Job) -> Viewer:
    """Who the audit entry names: the person who started the job, else the platform."""
    if job.created_by is not None:
        return viewer_for(job.created_by, origin="task")
    return system_viewer(label=job.created_by_label or "system", origin="task")


def _chunks(values: list, size: int = BATCH_SIZE):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _import_consents(job: Job, persons: dict[str, dict], ids: dict[str, int], now) -> set[int]:
    """Give and withdraw the consents the file states ("ja"/"nee"; an empty cell states
    nothing); the ids of the residents whose consents changed."""
    wanted: dict[tuple[int, str], bool] = {}
    for number, person in persons.items():
        for column, purpose in importing.CONSENT_PURPOSES.items():
            if person.get(column) is not None:
                wanted[(ids[number], purpose)] = person[column]
    current: dict[tuple[int, str], ContactConsent] = {}
    for chunk in _chunks(sorted({resident_id for resident_id, _purpose in wanted})):
        for consent in ContactConsent.objects.current().filter(resident_id__in=chunk):
            current[(consent.resident_id, consent.purpose)] = consent
    given = [
        ContactConsent(
            resident_id=resident_id,
            purpose=purpose,
            given_at=now,
            given_source=ConsentSource.IMPORT,
            source_type="core.job",
            source_id=str(job.pk),
        )
        for (resident_id, purpose), value in sorted(wanted.items())
        if value and (resident_id, purpose) not in current
    ]
    withdrawn = [c for key, c in sorted(current.items()) if wanted.get(key) is False]
    for consent in withdrawn:
        consent.withdrawn_at, consent.withdrawn_source = now, ConsentSource.IMPORT
    ContactConsent.objects.bulk_create(given, batch_size=BATCH_SIZE)
    ContactConsent.objects.bulk_update(
        withdrawn, ["withdrawn_at", "withdrawn_source"], batch_size=BATCH_SIZE
    )
    return {c.resident_id for c in [*given, *withdrawn]}


def _write(
    run: jobs.JobRun, organisation: Organisation, rows: list[tuple[ResidentRow, int]]
) -> None:
    job = run.job
    persons: dict[str, dict] = {}
    for row, _unit_id in rows:
        persons.setdefault(row.relation_number, row.person)
    now = timezone.now()
    with transaction.atomic():
        existing: dict[str, Resident] = {}
        for chunk in _chunks(sorted(persons)):
            for resident in Resident.objects.filter(
                landlord_id=organisation.pk, external_id__in=chunk
            ):
                existing[resident.external_id] = resident

        to_create, to_update, changed_fields = [], [], set()
        for number, person in persons.items():
            person = {k: v for k, v in person.items() if k not in importing.CONSENT_COLUMNS}
            resident = existing.get(number)
            if resident is None:
                to_create.append(
                    Resident(landlord_id=organisation.pk, external_id=number, **person)
                )
                continue
            changed = [f for f, v in person.items() if getattr(resident, f) != v]
            if changed:
                for name in changed:
                    setattr(resident, name, person[name])
                resident.updated_at = now
                to_update.append(resident)
                changed_fields |= set(changed)
        Resident.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Resident.objects.bulk_update(
                to_update, [*sorted(changed_fields), "updated_at"], batch_size=BATCH_SIZE
            )
        if any(r.pk is None for r in to_create):  # a backend that returns no ids
            for chunk in _chunks([r.external_id for r in to_create]):
                ids = dict(
                    Resident.objects.filter(
                        landlord_id=organisation.pk, external_id__in=chunk
                    ).values_list("external_id", "pk")
                )
                for r in to_create:
                    r.pk = r.pk or ids.get(r.external_id)
        ids = {r.external_id: r.pk for r in [*existing.values(), *to_create]}
        created_ids = {r.pk for r in to_create}
        updated_ids = {r.pk for r in to_update}

        occupancies: dict[tuple, Occupancy] = {}
        for chunk in _chunks(sorted(existing[n].pk for n in existing)):
            for occupancy in Occupancy.objects.filter(resident_id__in=chunk):
                occupancies[(occupancy.resident_id, occupancy.unit_id, occupancy.start_date)] = (
                    occupancy
                )
        new_occupancies, changed_occupancies, seen = [], [], set()
        for row, unit_id in rows:
            key = (ids[row.relation_number], unit_id, row.start_date)
            if key in seen:
                continue  # a repeated row (the checks made sure it agrees)
            seen.add(key)
            occupancy = occupancies.get(key)
            if occupancy is None:
                new_occupancies.append(
                    Occupancy(
                        resident_id=key[0],
                        unit_id=unit_id,
                        kind=row.kind,
                        start_date=row.start_date,
                        end_date=row.end_date,
                    )
                )
            elif (occupancy.kind, occupancy.end_date) != (row.kind, row.end_date):
                occupancy.kind, occupancy.end_date, occupancy.updated_at = (
                    row.kind,
                    row.end_date,
                    now,
                )
                changed_occupancies.append(occupancy)
            else:
                continue
            if key[0] not in created_ids:
                updated_ids.add(key[0])
        Occupancy.objects.bulk_create(new_occupancies, batch_size=BATCH_SIZE)
        Occupancy.objects.bulk_update(
            changed_occupancies, ["kind", "end_date", "updated_at"], batch_size=BATCH_SIZE
        )

        consented = _import_consents(job, persons, ids, now)
        updated_ids |= consented - created_ids

        fields = set(changed_fields)
        if to_create:
            fields |= set(RESIDENT_FIELDS)
        if consented:
            fields.add("consents")
        if new_occupancies or changed_occupancies:
            fields.add("occupancies")
        audit_record(
            viewer=_run_viewer(job),
            action="import",
            object_type=OBJECT_TYPE,
            object_ids=created_ids | updated_ids,
            fields=_audit_names(fields),
            organisation_id=organisation.pk,
            data_owner=DataOwner(organisation.pk, organisation.name),
            context=AuditContext(type="core.job", id=str(job.pk), label=job.file_name),
        )
        run.succeed(total_rows=job.total_rows, created=len(created_ids), updated=len(updated_ids))
