"""Every write to reports: submission, triage, forwarding, the thread, retention.

Contracts in docs/reports.md. Each service runs in one transaction, checks permission,
validates, writes with `update_fields`, records the timeline and audit rows and enqueues
its e-mail tasks inside that transaction (django-tasks' database backend makes the
enqueue part of the commit).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wijkregie.core.access import ResidentPrincipal, Viewer, system_viewer
from wijkregie.core.audit import AuditContext, audit_record
from wijkregie.core.changes import apply_changes
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import as_id
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places.models import Building, BuildingContact, CommonArea, Unit
from wijkregie.reports import events, tasks
from wijkregie.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS_PER_REPORT,
    MESSAGE_MAX_LENGTH,
    OBSERVATION_CHANNELS,
    Category,
    Channel,
    ContactMode,
    Lateness,
    LocationKind,
    MessageDirection,
    Report,
    ReporterIdentity,
    ReportIdempotencyKey,
    ReportMessage,
    ReportPhoto,
    ReportStatusChange,
    RoutingRule,
)
from wijkregie.reports.passphrases import (  # noqa: F401  (re-exported for the public side)
    MIN_PASSPHRASE_LENGTH,
    FollowUpRefused,
    FollowUpThrottled,
    passphrase_generate,
    passphrase_hash,
    passphrase_normalise,
    report_follow_up_link_check,
    report_passphrase_check,
    reporter_principal_resume,
    reporter_principal_seal,
)
from wijkregie.reports.photos import SanitisedPhoto
from wijkregie.reports.predicates import RECEIVE_REPORTS
from wijkregie.reports.pseudonyms import reporter_seed
from wijkregie.reports.workflows import (
    CLOSED_STATUSES,
    MAX_REOPENS,
    OPEN_STATUSES,
    ReportStatus,
    default_resident_text,
    is_reopen,
    is_transition_allowed,
)

IDENTITY_OBJECT = "reports.reporteridentity"
INTERNAL_NOTE_MAX_LENGTH = 5000
RESIDENT_TEXT_MAX_LENGTH = 2000
IDEMPOTENCY_KEY_MAX_LENGTH = 100
REPORTER_KEY_SALT = "wijkregie.reports.reporter_key"


@dataclass(frozen=True)
class ReporterDetails:
    """What reporters tell about themselves with a report, however it arrives (the web
    form, Open311, a professional on the phone). Personal data: it goes only into
    `ReporterIdentity`. Contact fields are ignored for an anonymous report."""

    name: str = ""
    email: str = ""
    phone: str = ""
    ip: str = ""  # the address the report came from, kept only with contact data
    language: str = ""
    passphrase: str = ""  # "" generates one
    consent_to_forward: bool = False


class IdempotencyKeyReused(ApplicationError):
    """The idempotency key was used before, for a request with a different body."""

    status_code = 409


class SubmitResult(NamedTuple):
    report: Report
    tracking_code: str
    passphrase: str | None
    created: bool


# --- Helpers -------------------------------------------------------------------------------


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` plus `days` working days (Monday to Friday), same time of day, local time."""
    moment = timezone.localtime(start)
    added = 0
    while added < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment


def _lateness_at(report: Report, now: datetime) -> str:
    if now >= report.very_late_at:
        return Lateness.VERY_LATE
    if now >= report.due_at:
        return Lateness.LATE
    return Lateness.ON_TIME


def _set_due(report: Report, category: Category) -> None:
    report.due_at = add_working_days(report.created_at, category.response_target_days)
    report.very_late_at = add_working_days(report.created_at, 3 * category.response_target_days)


def _normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif digits.startswith("31") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def reporter_key_for(*, email: str = "", phone: str = "") -> str:
    """The HMAC of the normalised contact that keeps a reporter's pseudonym stable.

    "" when there is no contact. Never shown; see reports/pseudonyms.py."""
    if email:
        basis = "email:" + email.strip().lower()
    elif phone and _normalise_phone(phone):
        basis = "phone:" + _normalise_phone(phone)
    else:
        return ""
    return salted_hmac(REPORTER_KEY_SALT, basis, algorithm="sha256").hexdigest()


def _photo_checked(photo) -> SanitisedPhoto:
    if not isinstance(photo, SanitisedPhoto):
        raise TypeError("Photos are stored only as photos.sanitise_photo() made them.")
    return photo


def _photo_store(
    *, report: Report, photo: SanitisedPhoto, uploaded_by_reporter: bool, at: datetime
) -> ReportPhoto:
    stored = ReportPhoto(
        report=report,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size=len(photo.content),
        uploaded_by_reporter=uploaded_by_reporter,
        created_at=at,
    )
    stored.file.save(f"photo.{photo.extension}", ContentFile(photo.content), save=False)
    stored.save(force_insert=True)
    return stored


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("Use at most %(max)d characters.") % {"max": max_length}})
    return text


# --- Routing -----------------------------------------------------------------------------


def report_route(*, category: Category, building: Building) -> int:
    """The id of the organisation that receives a report of `category` in `building`.

    A rule for the building wins over one for its neighbourhood; then the category's
    default organisation; each for the category and then its parents; finally the owner.
    """
    chain = [category]
    seen = {category.pk}
    while chain[-1].parent_id and chain[-1].parent_id not in seen:
        parent = chain[-1].parent
        chain.append(parent)
        seen.add(parent.pk)
    depth = {c.pk: i for i, c in enumerate(chain)}
    place = Q(building_id=building.pk)
    if building.neighbourhood_id:
        place |= Q(neighbourhood_id=building.neighbourhood_id)
    candidates = list(
        RoutingRule.objects.filter(place, category_id__in=list(depth)).values_list(
            "building_id", "category_id", "organisation_id"
        )
    )
    if candidates:
        candidates.sort(key=lambda row: (row[0] is None, depth[row[1]]))
        return candidates[0][2]
    for c in chain:
        if c.default_organisation_id:
            return c.default_organisation_id
    return building.owner_id


# --- Configuration -------------------------------------------------------------------------


def routing_rule_set(
    *,
    actor: Viewer,
    category: Category,
    organisation: Organisation,
    building: Building | None = None,
    neighbourhood=None,
) -> RoutingRule:
    """Route `category` in a building or neighbourhood to `organisation` (create or update).

    For administrators (`partners.manage_partners`) and the system.
    """
    if not (actor.is_superuser or actor.has_perm("partners.manage_partners")):
        raise PermissionDenied(_("You may not change how reports are routed."))
    if (building is None) == (neighbourhood is None):
        raise ValidationError({"building": _("Choose a building or a neighbourhood, not both.")})
    with transaction.atomic():
        rule = RoutingRule.objects.filter(
            category=category, building=building, neighbourhood=neighbourhood
        ).first()
        if rule is None:
            rule = RoutingRule(
                category=category,
                building=building,
                neighbourhood=neighbourhood,
                organisation=organisation,
            )
            rule.full_clean()
            rule.save()
        elif rule.organisation_id != organisation.pk:
            rule.organisation = organisation
            rule.save(update_fields=["organisation", "updated_at"])
    return rule


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
    if key is not None:
        if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            raise ValidationError({"idempotency_key": _("The idempotency key is too long.")})
        replay = _replay(key, idempotency_fingerprint, idempotency_window)
        if replay is not None:
            return replay

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

    identity_audit = None
    try:
        with transaction.atomic():
            receiving_id = report_route(category=category, building=building)
            seed = (
                reporter_seed(building_id=building.pk, reporter_key=identity.reporter_key)
                if identity is not None
                else ""
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
                receiving_organisation_id=receiving_id,
                status=ReportStatus.RECEIVED,
                lateness=Lateness.ON_TIME,
                reporter_seed=seed,
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
                ],
                validate_unique=False,
                validate_constraints=False,
            )
            report.save(force_insert=True)
            ReportStatusChange.objects.create(
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
            if identity is not None:
                identity.report = report
                identity.visible_to_organisation_id = receiving_id
                identity.created_at = identity.updated_at = now
                identity.save(force_insert=True)
                filled = [
                    f
                    for f in (*ReporterIdentity.IDENTITY_FIELDS, "passphrase_hash")
                    if getattr(identity, f)
                ]
                identity_audit = (identity.pk, filled)
            if key is not None:
                ReportIdempotencyKey.objects.create(
                    key=key, report=report, fingerprint=idempotency_fingerprint
                )
            for photo in photos:
                _photo_store(
                    report=report,
                    photo=photo,
                    uploaded_by_reporter=with_identity,
                    at=now,
                )
            if category.is_urgent:
                tasks.report_urgent_notify_intake.enqueue(report_id=report.pk)
            if identity_audit is not None:
                # Last statement before COMMIT: the audit chain's row lock, which
                # serialises all audited writes, is held for as short a time as possible.
                audit_record(
                    viewer=actor,
                    action="create",
                    object_type=IDENTITY_OBJECT,
                    object_ids=[identity_audit[0]],
                    fields=identity_audit[1],
                    context=AuditContext(
                        type="reports.report", id=str(report.pk), label=f"report {report.pk}"
                    ),
                )
    except IntegrityError:
        # Two submissions with one key raced: the other one won; answer with it.
        replay = _replay(key, idempotency_fingerprint) if key is not None else None
        if replay is None:
            raise
        return replay
    return SubmitResult(report, report.tracking_code, passphrase, True)


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


# --- Triage -------------------------------------------------------------------------------


def _report_for_intake(actor: Viewer, report_id) -> Report:
    """The report, locked, if the actor is intake of its receiving organisation.

    Missing and forbidden give the same NotFound (a probe learns nothing).
    """
    report = Report.objects.select_for_update().filter(pk=as_id(report_id)).first()
    if report is None or not actor.has_perm(RECEIVE_REPORTS, obj=report):
        raise NotFound(_("Not found."))
    return report


def _reporter_email_on_file(report_id: int) -> bool:
    return (
        ReporterIdentity.objects.filter(report_id=report_id, contact_erased_at__isnull=True)
        .exclude(email="")
        .exists()
    )


def _transition(
    *,
    actor: Viewer,
    report: Report,
    to_status: str,
    internal_note: str,
    resident_text: str | None,
    reason: str = "",
    to_organisation_id: int | None = None,
    extra_fields: dict | None = None,
    now: datetime,
) -> ReportStatusChange:
    from_status = report.status
    if not is_transition_allowed(from_status, to_status):
        raise ApplicationError(
            _("A report cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": ReportStatus(from_status).label,
                "to": ReportStatus(to_status).label,
            }
        )
    if is_reopen(from_status, to_status) and report.reopen_count >= MAX_REOPENS:
        raise ApplicationError(_("This report has already been reopened once."))
    internal_note = _text(internal_note, field="internal_note", max_length=INTERNAL_NOTE_MAX_LENGTH)
    reason = _text(reason, field="reason", max_length=RESIDENT_TEXT_MAX_LENGTH)
    if to_status == ReportStatus.REJECTED and not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting this report.")})
    text = _text(resident_text, field="resident_text", max_length=RESIDENT_TEXT_MAX_LENGTH)
    is_default = not text or text == default_resident_text(to_status)
    text = text or default_resident_text(to_status)

    organisation_id = report.receiving_organisation_id
    changed = ["status", "lateness", "closed_at", "updated_at"]
    if is_reopen(from_status, to_status):
        report.reopen_count += 1
        changed.append("reopen_count")
    report.status = to_status
    report.closed_at = now if to_status in CLOSED_STATUSES else None
    report.lateness = _lateness_at(report, now)
    report.updated_at = now
    for name, value in (extra_fields or {}).items():
        setattr(report, name, value)
        changed.append(name)
    report.save(update_fields=changed)
    change = ReportStatusChange.objects.create(
        report=report,
        from_status=from_status,
        to_status=to_status,
        internal_note=internal_note,
        resident_text=text,
        resident_text_is_default=is_default,
        reason=reason,
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        organisation_id=organisation_id,
        to_organisation_id=to_organisation_id,
        created_at=now,
    )
    if _reporter_email_on_file(report.pk):
        tasks.report_status_notify_reporter.enqueue(status_change_id=change.pk)
    return change


def report_status_change(
    *,
    actor: Viewer,
    report_id: int,
    to_status: str,
    internal_note: str = "",
    resident_text: str | None = None,
    reason: str = "",
    case_ref: str = "",
    now: datetime | None = None,
) -> Report:
    """Move a report along ALLOWED_TRANSITIONS (workflows.py).

    The actor needs `reports.receive_reports` in the receiving organisation (else
    NotFound). A forbidden transition, a second reopen or a rejection without `reason`
    raise and change nothing. Forwarding has its own service (`report_forward`). The
    reporter is e-mailed the resident text if they left an address.
    """
    now = now or timezone.now()
    if to_status not in ReportStatus.values:
        raise ApplicationError(_("Unknown status."))
    if to_status == ReportStatus.FORWARDED:
        raise ApplicationError(_("Forward a report by choosing the organisation to send it to."))
    case_ref = _text(case_ref, field="case_ref", max_length=64)
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        extra = {}
        if to_status == ReportStatus.LINKED_TO_CASE and case_ref:
            extra["linked_case_ref"] = case_ref
        _transition(
            actor=actor,
            report=report,
            to_status=to_status,
            internal_note=internal_note,
            resident_text=resident_text,
            reason=reason,
            extra_fields=extra,
            now=now,
        )
    return report


def report_forward(
    *,
    actor: Viewer,
    report_id: int,
    to_organisation_id: int,
    internal_note: str = "",
    resident_text: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Pass a report in triage on to another organisation (status `forwarded`).

    The new organisation becomes the receiving organisation; the previous one no longer
    sees the report. The reporter's identity goes along only if the reporter consented
    (`consent_to_forward`); otherwise the new organisation's intake sees a pseudonym that
    cannot be joined to its own reports of that reporter (reports/pseudonyms.py).
    """
    now = now or timezone.now()
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        to_organisation = Organisation.objects.filter(
            pk=as_id(to_organisation_id), is_active=True
        ).first()
        if to_organisation is None:
            raise ValidationError({"to_organisation": _("Choose an active organisation.")})
        if to_organisation.pk == report.receiving_organisation_id:
            raise ValidationError(
                {"to_organisation": _("This organisation already receives the report.")}
            )
        from_organisation_id = report.receiving_organisation_id
        _transition(
            actor=actor,
            report=report,
            to_status=ReportStatus.FORWARDED,
            internal_note=internal_note,
            resident_text=resident_text,
            to_organisation_id=to_organisation.pk,
            extra_fields={"receiving_organisation_id": to_organisation.pk},
            now=now,
        )
        # BRIEF 2: the identity travels only with the reporter's consent.
        moved = ReporterIdentity.objects.filter(
            report_id=report.pk, consent_to_forward=True
        ).update(visible_to_organisation=to_organisation, updated_at=now)
        events.forwarded_event(
            report=report,
            actor=actor,
            organisation_id=from_organisation_id,
            at=now,
            to_organisation_id=to_organisation.pk,
            to_organisation_name=to_organisation.name,
            identity_forwarded=bool(moved),
        )
    return report


def report_category_change(
    *,
    actor: Viewer,
    report_id: int,
    category_id: int,
    internal_note: str = "",
    now: datetime | None = None,
) -> Report:
    """Change the category of an open report; its response target follows the category."""
    now = now or timezone.now()
    internal_note = _text(internal_note, field="internal_note", max_length=INTERNAL_NOTE_MAX_LENGTH)
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        category = Category.objects.filter(pk=as_id(category_id), active=True).first()
        if category is None:
            raise ValidationError({"category": _("Choose an active category.")})
        if report.is_closed:
            raise ApplicationError(_("The category of a closed report cannot be changed."))
        if category.pk == report.category_id:
            return report
        old_slug = report.category.slug
        report.category = category
        _set_due(report, category)
        if report.status in OPEN_STATUSES:
            report.lateness = _lateness_at(report, now)
        report.updated_at = now
        report.save(update_fields=["category", "due_at", "very_late_at", "lateness", "updated_at"])
        event = events.category_changed_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            old_slug=old_slug,
            new_slug=category.slug,
        )
        if internal_note:
            event.parameters["internal_note"] = internal_note
            event.save(update_fields=["parameters"])
    return report


# --- The thread with the reporter ---------------------------------------------------------


def report_message_to_reporter(
    *, actor: Viewer, report_id: int, body: str, now: datetime | None = None
) -> ReportMessage:
    """A question or message from intake to the reporter (read with the passphrase).

    E-mails the reporter a notice with the message if they left an address.
    """
    now = now or timezone.now()
    body = _text(body, field="body", max_length=MESSAGE_MAX_LENGTH, required=True)
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        identity = (
            ReporterIdentity.objects.filter(report_id=report.pk)
            .values_list("email", "contact_erased_at")
            .first()
        )
        if identity is None:
            raise ApplicationError(_("Nobody can be asked: this report has no reporter."))
        membership_id = None
        if actor.user_id is not None:
            membership_id = (
                Membership.objects.filter(
                    user_id=actor.user_id,
                    organisation_id=report.receiving_organisation_id,
                    is_active=True,
                )
                .values_list("pk", flat=True)
                .first()
            )
        message = ReportMessage.objects.create(
            report=report,
            direction=MessageDirection.TO_REPORTER,
            body=body,
            author_membership_id=membership_id,
            organisation_id=report.receiving_organisation_id,
            created_at=now,
            read_by_intake_at=now,
        )
        events.message_to_reporter_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            message_id=message.pk,
        )
        email, erased_at = identity
        if email and erased_at is None:
            tasks.report_message_notify_reporter.enqueue(message_id=message.pk)
    return message


def _require_reporter(actor: ResidentPrincipal, report: Report) -> None:
    """The reporter-side services act only for the reporter who proved this report."""
    if not (isinstance(actor, ResidentPrincipal) and actor.is_for(report)):
        raise NotFound(_("Not found."))


def report_message_from_reporter(
    *, actor: ResidentPrincipal, report: Report, body: str, now: datetime | None = None
) -> ReportMessage:
    """The reporter's answer or extra information; `actor` proved the report
    (`report_passphrase_check`)."""
    _require_reporter(actor, report)
    now = now or timezone.now()
    body = _text(body, field="body", max_length=MESSAGE_MAX_LENGTH, required=True)
    with transaction.atomic():
        message = ReportMessage.objects.create(
            report=report,
            direction=MessageDirection.FROM_REPORTER,
            body=body,
            organisation_id=report.receiving_organisation_id,
            created_at=now,
            read_by_reporter_at=now,
        )
        events.message_from_reporter_event(report=report, at=now, message_id=message.pk)
    return message


def report_messages_mark_read_by_reporter(*, report: Report, now: datetime | None = None) -> int:
    return ReportMessage.objects.filter(
        report=report, direction=MessageDirection.TO_REPORTER, read_by_reporter_at__isnull=True
    ).update(read_by_reporter_at=now or timezone.now())


def report_messages_mark_read_by_intake(
    *, actor: Viewer, report_id: int, now: datetime | None = None
) -> int:
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        return ReportMessage.objects.filter(
            report=report,
            direction=MessageDirection.FROM_REPORTER,
            read_by_intake_at__isnull=True,
        ).update(read_by_intake_at=now or timezone.now())


def report_photo_add(
    *,
    actor: ResidentPrincipal,
    report: Report,
    photo: SanitisedPhoto,
    now: datetime | None = None,
) -> ReportPhoto:
    """The reporter adds one photo; `actor` proved the report. Only a `SanitisedPhoto`
    (photos.py did the stripping) is taken."""
    _require_reporter(actor, report)
    now = now or timezone.now()
    photo = _photo_checked(photo)
    with transaction.atomic():
        locked = Report.objects.select_for_update().filter(pk=report.pk).first()
        if locked is None:
            raise NotFound(_("Not found."))
        if ReportPhoto.objects.filter(report_id=report.pk).count() >= MAX_PHOTOS_PER_REPORT:
            raise ValidationError(
                {
                    "photos": _("A report has at most %(max)d photos.")
                    % {"max": MAX_PHOTOS_PER_REPORT}
                }
            )
        stored = _photo_store(report=locked, photo=photo, uploaded_by_reporter=True, at=now)
        events.photo_added_event(
            report=locked, actor=None, at=now, photo_id=stored.pk, by_reporter=True
        )
    return stored


def reporter_contact_update(
    *,
    actor: ResidentPrincipal,
    report: Report,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    consent_to_forward: bool | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> None:
    """The reporter (`actor`, who proved the report) leaves or changes contact details.

    Leaving an e-mail address or phone number on an anonymous report makes it shielded:
    intake of the receiving organisation can then see it. The pseudonym stays the same.
    `""` clears a field; None leaves it.
    """
    _require_reporter(actor, report)
    now = now or timezone.now()
    with transaction.atomic():
        identity = ReporterIdentity.objects.select_for_update().filter(report_id=report.pk).first()
        if identity is None:
            raise NotFound(_("Not found."))
        changed = apply_changes(
            identity,
            {
                field: _text(value, field=field, max_length=max_length)
                for field, value, max_length in (
                    ("name", name, 200),
                    ("email", email, 254),
                    ("phone", phone, 40),
                )
                if value is not None
            },
        )
        if identity.email:
            try:
                validate_email(identity.email)
            except ValidationError:
                raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
        if consent_to_forward is not None and identity.consent_to_forward != consent_to_forward:
            identity.consent_to_forward = consent_to_forward
            changed.append("consent_to_forward")
        if language and identity.language != language[:8]:
            identity.language = language[:8]
            changed.append("language")
        if not changed:
            return
        if identity.name or identity.email or identity.phone:
            identity.contact_erased_at = None
            changed.append("contact_erased_at")
        identity.updated_at = now
        identity.save(update_fields=[*changed, "updated_at"])
        if report.contact_mode == ContactMode.ANONYMOUS and (identity.email or identity.phone):
            Report.objects.filter(pk=report.pk).update(
                contact_mode=ContactMode.SHIELDED, updated_at=now
            )
            report.contact_mode = ContactMode.SHIELDED
        personal = [f for f in changed if f in ReporterIdentity.IDENTITY_FIELDS]
        if personal:
            audit_record(
                viewer=actor.audit_viewer(),
                action="update",
                object_type=IDENTITY_OBJECT,
                object_ids=[identity.pk],
                fields=personal,
                context=AuditContext(
                    type="reports.report", id=str(report.pk), label=f"report {report.pk}"
                ),
            )
        events.contact_updated_event(report=report, at=now, fields=changed)


# --- Periodic ------------------------------------------------------------------------------


def report_lateness_refresh(*, now: datetime | None = None) -> int:
    """Mark open reports late / very late. Two UPDATE statements; returns rows changed."""
    now = now or timezone.now()
    with transaction.atomic():
        very = (
            Report.objects.filter(status__in=OPEN_STATUSES, very_late_at__lte=now)
            .exclude(lateness=Lateness.VERY_LATE)
            .update(lateness=Lateness.VERY_LATE)
        )
        late = Report.objects.filter(
            status__in=OPEN_STATUSES,
            due_at__lte=now,
            very_late_at__gt=now,
            lateness=Lateness.ON_TIME,
        ).update(lateness=Lateness.LATE)
    return very + late


def reporter_contact_erase_due(now: datetime | None = None) -> int:
    """Erase reporters' contact data WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS after closing.

    Keeps the passphrase hash (the reporter can still read their closed report) and the
    pseudonym seed. One audit entry per batch lists the identities erased.
    """
    now = now or timezone.now()
    days = settings.WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS
    cutoff = now - timedelta(days=days)
    erased = 0
    while True:
        with transaction.atomic():
            rows = list(
                ReporterIdentity.objects.filter(
                    contact_erased_at__isnull=True, report__closed_at__lte=cutoff
                ).values_list("pk", "report_id")[:1000]
            )
            if not rows:
                return erased
            ids = [pk for pk, _ in rows]
            ReporterIdentity.objects.filter(pk__in=ids).update(
                name="",
                email="",
                phone="",
                ip_address=None,
                reporter_key="",
                contact_erased_at=now,
                updated_at=now,
            )
            audit_record(
                viewer=system_viewer("reports.retention"),
                action="erase",
                object_type=IDENTITY_OBJECT,
                object_ids=ids,
                fields=ReporterIdentity.IDENTITY_FIELDS,
            )
            events.contact_erased_events(report_ids=[rid for _, rid in rows], at=now)
            erased += len(ids)


def report_retention_purge(*, now: datetime | None = None) -> int:
    """Delete reports closed longer ago than their category's retention, with everything
    that belongs to them (identity, photos and their files, thread, history)."""
    now = now or timezone.now()
    deleted = 0
    for category in Category.objects.all():
        cutoff = now - timedelta(days=category.retention_days)
        while True:
            with transaction.atomic():
                ids = list(
                    Report.objects.filter(category=category, closed_at__lte=cutoff).values_list(
                        "pk", flat=True
                    )[:500]
                )
                if not ids:
                    break
                files = list(
                    ReportPhoto.objects.filter(report_id__in=ids).values_list("file", flat=True)
                )
                Report.objects.filter(pk__in=ids).delete()
                audit_record(
                    viewer=system_viewer("reports.retention"),
                    action="delete",
                    object_type="reports.report",
                    object_ids=ids,
                    fields=["*"],
                )
                transaction.on_commit(lambda names=files: _delete_files(names))
                deleted += len(ids)
    return deleted


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
