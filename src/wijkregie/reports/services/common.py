"""What the reports services share: the reporter's details, results, limits and helpers."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from wijkregie.core.exceptions import ApplicationError
from wijkregie.reports.models import (
    Category,
    Lateness,
    Report,
    ReportPhoto,
)
from wijkregie.reports.photos import SanitisedPhoto

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
    stored = _photo_new(
        report=report, photo=photo, uploaded_by_reporter=uploaded_by_reporter, at=at
    )
    stored.save(force_insert=True)
    return stored


def _photo_new(
    *, report: Report, photo: SanitisedPhoto, uploaded_by_reporter: bool, at: datetime
) -> ReportPhoto:
    """The photo's file stored and its row built, not yet saved."""
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
    return stored


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("Use at most %(max)d characters.") % {"max": max_length}})
    return text
