"""Reports coming in: a resident's report (web form, Open311) and a professional's
observation, in one transaction each, with the shielded identity, photos and audit."""

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_entry_logged, audit_entry_new
from wijkregie.core.db import ids_allocate, rows_insert_together, supports_rows_together
from wijkregie.core.exceptions import PermissionDenied
from wijkregie.core.ids import as_id
from wijkregie.core.models import AuditEntry
from wijkregie.partners.models import Membership
from wijkregie.places.models import Building, BuildingContact, CommonArea, Unit
from wijkregie.reports import tasks
from wijkregie.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS_PER_REPORT,
    OBSERVATION_CHANNELS,
    Category,
    Channel,
    ContactMode,
    Lateness,
    LocationKind,
    Report,
    ReporterIdentity,
    ReportIdempotencyKey,
    ReportStatusChange,
    new_tracking_code,
)
from wijkregie.reports.passphrases import (
    MIN_PASSPHRASE_LENGTH,
    passphrase_generate,
    passphrase_hash,
    passphrase_normalise,
)
from wijkregie.reports.photos import SanitisedPhoto
from wijkregie.reports.pseudonyms import reporter_seed
from wijkregie.reports.services.common import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDENTITY_OBJECT,
    IdempotencyKeyReused,
    ReporterDetails,
    SubmitResult,
    _normalise_phone,
    _photo_checked,
    _photo_new,
    _set_due,
    _text,
    reporter_key_for,
)
from wijkregie.reports.services.routing import report_route
from wijkregie.reports.workflows import (
    ReportStatus,
    default_resident_text,
)

# --- Submission ------------------------------------------------------------------------------


def _check_location(
    *, building: Building, location_kind, unit, floor, entrance, common_area
) -> None:
    errors = {}
    if location_kind not in LocationKind.values:
        errors["location_kind"] = _("Choose where it happened.")
    if unit is not None and unit.building_id != building.pk:
        errors["unit"] = _("This home is not in this building.")
    if common_area is not None and common_area.building_id != building.pk:
        errors["common_area"] = _("This space is not in this building.")
    if entrance and building.entrances and entrance not in building.entrances:
        errors["entrance"] = _("This building has no such entrance.")
    if floor is not None and not (-3 <= floor < max(building.floors, 1)):
        errors["floor"] = _("This building has no such floor.")
    if errors:
        raise ValidationError(errors)


def _report_create(
    *,
    actor: Viewer,
    building: Building,
    category: Category,
    description: str,
    location_kind: str,
    unit: Unit | None,
    floor: int | None,
    entrance: str,
    common_area: CommonArea | None,
    occurred_at: datetime | None,
    occurred_when: str,
    contact_mode: str,
    reporter: ReporterDetails | None,
    with_identity: bool,
    channel: str,
    idempotency_key: str | None,
    photos: Sequence[SanitisedPhoto],
    language: str | None,
    created_by_membership_id: int | None,
    now: datetime | None,
    idempotency_fingerprint: str = "",
    idempotency_window: timedelta | None = None,
    description_max_length: int = DESCRIPTION_MAX_LENGTH,
) -> SubmitResult:
    now = now or timezone.now()
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError({"idempotency_key": _("The idempotency key is too long.")})

    description = _text(
        description, field="description", max_length=description_max_length, required=True
    )
    occurred_when = _text(occurred_when, field="occurred_when", max_length=200)
    entrance = (entrance or "").strip()
    if not category.active:
        raise ValidationError({"category": _("This category can no longer be chosen.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if contact_mode not in ContactMode.values:
        raise ValidationError({"contact_mode": _("Choose how we may reach you.")})
    if occurred_at is not None and occurred_at > now + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("This moment lies in the future.")})
    _check_location(
        building=building,
        location_kind=location_kind,
        unit=unit,
        floor=floor,
        entrance=entrance,
        common_area=common_area,
    )
    if len(photos) > MAX_PHOTOS_PER_REPORT:
        raise ValidationError(
            {"photos": _("Add at most %(max)d photos.") % {"max": MAX_PHOTOS_PER_REPORT}}
        )
    photos = [_photo_checked(photo) for photo in photos]

    identity = None
    passphrase = None
    if with_identity:
        identity, passphrase = _identity_build(
            reporter=reporter or ReporterDetails(), contact_mode=contact_mode, language=language
        )
    report = Report(
        category=category,
        building=building,
        location_kind=location_kind,
        unit=unit,
        floor=floor,
        entrance=entrance,
        common_area=common_area,
        occurred_at=occurred_at,
        occurred_when=occurred_when,
        description=description,
        channel=channel,
        contact_mode=contact_mode,
        status=ReportStatus.RECEIVED,
        lateness=Lateness.ON_TIME,
        created_by_membership_id=created_by_membership_id,
        created_at=now,
        updated_at=now,
    )
    _set_due(report, category)
    report.full_clean(
        exclude=[
            "category",
            "building",
            "unit",
            "common_area",
            "receiving_organisation",
            "created_by_membership",
            "tracking_code",
            "reporter_seed",
        ],
        validate_unique=False,
        validate_constraints=False,
    )
    # The idempotency key is inserted right after the report, before anything else is
    # written: a retry finds it taken (IntegrityError), the transaction rolls back, and
    # the first report is the answer (_replay). No lookup beforehand: a first submission,
    # by far the most common case, pays nothing for its key. A key older than
    # `idempotency_window` is let go (_replay deletes it) and the submission is stored.
    # On PostgreSQL the rows go in as one statement, its own transaction (a savepoint
    # inside the caller's); elsewhere one INSERT each in a transaction.
    together = supports_rows_together()
    for attempt in range(2):
        try:
            with (
                nullcontext()
                if together and not connection.in_atomic_block
                else transaction.atomic()
            ):
                _report_insert(
                    actor=actor,
                    report=report,
                    identity=identity,
                    key=key,
                    fingerprint=idempotency_fingerprint,
                    photos=photos,
                    uploaded_by_reporter=with_identity,
                    now=now,
                    together=together,
                )
        except IntegrityError:
            report.pk, report.tracking_code = None, new_tracking_code()
            replay = _replay(key, idempotency_fingerprint, idempotency_window) if key else None
            if replay is not None:
                return replay
            if key is None or attempt:
                raise
            continue
        return SubmitResult(report, report.tracking_code, passphrase, True)
    raise AssertionError("not reached")


def _report_insert(
    *,
    actor: Viewer,
    report: Report,
    identity: ReporterIdentity | None,
    key: str | None,
    fingerprint: str,
    photos: Sequence[SanitisedPhoto],
    uploaded_by_reporter: bool,
    now: datetime,
    together: bool,
) -> None:
    """The writes of one submission: the report, its key, its first status, the
    reporter's identity, the photos, the audit entry of the identity, and the e-mail task.
    `together` (PostgreSQL): all rows in one statement (`core.db`), its own transaction
    or the caller's; otherwise one INSERT each inside the caller's transaction."""
    receiving_id = report_route(category=report.category, building=report.building)
    report.receiving_organisation_id = receiving_id
    report.reporter_seed = (
        reporter_seed(building_id=report.building_id, reporter_key=identity.reporter_key)
        if identity is not None
        else ""
    )
    audit_id = None
    if together:
        ids = ids_allocate([Report, ReporterIdentity, AuditEntry] if identity else [Report])
        report.pk = ids[0]
        if identity is not None:
            identity.pk, audit_id = ids[1], ids[2]
    else:
        report.save(force_insert=True)
    rows: list = []
    if key is not None:
        rows.append(ReportIdempotencyKey(key=key, report=report, fingerprint=fingerprint))
    rows.append(
        ReportStatusChange(
            report=report,
            from_status="",
            to_status=ReportStatus.RECEIVED,
            resident_text=default_resident_text(ReportStatus.RECEIVED),
            resident_text_is_default=True,
            actor_id=actor.user_id,
            actor_label=("" if actor.is_anonymous else actor.label)[:200],
            organisation_id=receiving_id,
            created_at=now,
        )
    )
    if identity is not None:
        if not together:
            identity.pk = None
        identity.report = report
        identity.visible_to_organisation_id = receiving_id
        identity.created_at = identity.updated_at = now
        rows.append(identity)
    rows.extend(
        _photo_new(report=report, photo=photo, uploaded_by_reporter=uploaded_by_reporter, at=now)
        for photo in photos
    )
    if not together:
        for row in rows:
            row.save(force_insert=True)
    entry = None
    if identity is not None:
        entry = audit_entry_new(
            viewer=actor,
            action="create",
            object_type=IDENTITY_OBJECT,
            object_ids=[identity.pk],
            fields=[
                f
                for f in (*ReporterIdentity.IDENTITY_FIELDS, "passphrase_hash")
                if getattr(identity, f)
            ],
            data_owner=DataOwner(receiving_id),
            context=AuditContext(
                type="reports.report", id=str(report.pk), label=f"report {report.pk}"
            ),
        )
        entry.pk = audit_id
    if together:
        rows_insert_together([report, *rows, *([entry] if entry is not None else [])])
    elif entry is not None:
        entry.save(force_insert=True)
    if entry is not None:
        audit_entry_logged(actor, entry)
    if report.category.is_urgent:
        tasks.report_urgent_notify_intake.enqueue(report_id=report.pk)


def _replay(
    key: str, fingerprint: str = "", window: timedelta | None = None
) -> SubmitResult | None:
    """The report stored under `key`, or None. A key with a `fingerprint` (a digest of
    the request's body) answers a different body with `IdempotencyKeyReused`, never
    with the first report. With a `window`, a key older than that is let go: the
    request makes a new report and the key moves on to it."""
    row = ReportIdempotencyKey.objects.filter(key=key).select_related("report").first()
    if row is None:
        return None
    if window is not None and row.created_at < timezone.now() - window:
        ReportIdempotencyKey.objects.filter(pk=row.pk).delete()
        return None
    if fingerprint and row.fingerprint and row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            _("This idempotency key was used before for a different request.")
        )
    return SubmitResult(row.report, row.report.tracking_code, None, False)


def _identity_build(
    *, reporter: "ReporterDetails", contact_mode: str, language: str | None
) -> tuple[ReporterIdentity, str]:
    if not isinstance(reporter, ReporterDetails):
        raise TypeError("The reporter's details come as a ReporterDetails.")
    passphrase = reporter.passphrase.strip() or passphrase_generate()
    if len(passphrase_normalise(passphrase)) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError({"passphrase": _("The passphrase is too short.")})
    language = (reporter.language or language or get_language() or settings.LANGUAGE_CODE).split(
        "-"
    )[0][:8]
    identity = ReporterIdentity(
        language=language,
        passphrase_hash=passphrase_hash(passphrase),
        consent_to_forward=contact_mode == ContactMode.OPEN or reporter.consent_to_forward,
    )
    if contact_mode != ContactMode.ANONYMOUS:
        # Anonymous means no contact data at all, not even the address it came from.
        identity.name = _text(reporter.name, field="name", max_length=200)
        identity.email = reporter.email.strip()
        identity.phone = _text(reporter.phone, field="phone", max_length=40)
        identity.ip_address = reporter.ip or None
        if not identity.email and not identity.phone:
            raise ValidationError(
                {"email": _("Leave an e-mail address or a phone number, or report anonymously.")}
            )
        if identity.email:
            try:
                validate_email(identity.email)
            except ValidationError:
                raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
        if identity.phone and len(_normalise_phone(identity.phone)) < 6:
            raise ValidationError({"phone": _("Enter a valid phone number.")})
        identity.reporter_key = reporter_key_for(email=identity.email, phone=identity.phone)
    else:
        identity.consent_to_forward = False
    identity.full_clean(exclude=["report", "visible_to_organisation"], validate_unique=False)
    return identity, passphrase


def report_submit(
    *,
    actor: Viewer,
    building: Building,
    category: Category,
    description: str,
    location_kind: str = LocationKind.NOT_APPLICABLE,
    unit: Unit | None = None,
    floor: int | None = None,
    entrance: str = "",
    common_area: CommonArea | None = None,
    occurred_at: datetime | None = None,
    occurred_when: str = "",
    contact_mode: str = ContactMode.ANONYMOUS,
    reporter: ReporterDetails | None = None,
    channel: str = Channel.WEB,
    idempotency_key: str | None = None,
    photos: Sequence[SanitisedPhoto] = (),
    language: str | None = None,
    now: datetime | None = None,
    idempotency_fingerprint: str = "",
    idempotency_window: timedelta | None = None,
    description_max_length: int = DESCRIPTION_MAX_LENGTH,
) -> SubmitResult:
    """Store a resident's report, routed, with its shielded reporter identity.

    Guarantees: one transaction; a retry with the same `idempotency_key` returns the first
    report (`created=False`, `passphrase=None`) and writes nothing; with an
    `idempotency_fingerprint`, a reused key with a different body raises
    `IdempotencyKeyReused`; with an `idempotency_window`, only a key younger than that
    replays (exact repeats detected by the caller). Raises
    `ValidationError` (field errors) for bad input, before anything is stored. Schedules
    the urgent-report e-mail to intake for urgent categories.
    """
    return _report_create(
        actor=actor,
        building=building,
        category=category,
        description=description,
        location_kind=location_kind,
        unit=unit,
        floor=floor,
        entrance=entrance,
        common_area=common_area,
        occurred_at=occurred_at,
        occurred_when=occurred_when,
        contact_mode=contact_mode,
        reporter=reporter,
        with_identity=True,
        channel=channel,
        idempotency_key=idempotency_key,
        photos=photos,
        language=language,
        created_by_membership_id=None,
        now=now,
        idempotency_fingerprint=idempotency_fingerprint,
        idempotency_window=idempotency_window,
        description_max_length=description_max_length,
    )


def report_log_observation(
    *,
    actor: Viewer,
    organisation_id: int,
    building: Building,
    category: Category,
    description: str,
    channel: str = Channel.PROFESSIONAL_OBSERVATION,
    location_kind: str = LocationKind.NOT_APPLICABLE,
    unit: Unit | None = None,
    floor: int | None = None,
    entrance: str = "",
    common_area: CommonArea | None = None,
    occurred_at: datetime | None = None,
    occurred_when: str = "",
    now: datetime | None = None,
) -> Report:
    """A professional records what they saw or heard (at the door, by phone, an evening).

    The actor acts for `organisation_id`, which must own the building or be its partner.
    No reporter identity is stored; the membership that logged it is.
    """
    if channel not in OBSERVATION_CHANNELS:
        raise ValidationError({"channel": _("Choose how you observed or heard this.")})
    organisation_id = as_id(organisation_id)
    membership_id = None
    if actor.user_id is not None:
        membership_id = (
            Membership.objects.filter(
                user_id=actor.user_id, organisation_id=organisation_id, is_active=True
            )
            .values_list("pk", flat=True)
            .first()
        )
    allowed = actor.is_superuser or (
        actor.grant_for(organisation_id) is not None and membership_id is not None
    )
    if allowed and building.owner_id != organisation_id:
        allowed = organisation_id in BuildingContact.objects.partner_organisation_ids(building.pk)
    if not allowed:
        raise PermissionDenied(_("Your organisation cannot log reports about this building."))
    result = _report_create(
        actor=actor,
        building=building,
        category=category,
        description=description,
        location_kind=location_kind,
        unit=unit,
        floor=floor,
        entrance=entrance,
        common_area=common_area,
        occurred_at=occurred_at,
        occurred_when=occurred_when,
        contact_mode=ContactMode.ANONYMOUS,
        reporter=None,
        with_identity=False,
        channel=channel,
        idempotency_key=None,
        photos=(),
        language=None,
        created_by_membership_id=membership_id,
        now=now,
    )
    return result.report
