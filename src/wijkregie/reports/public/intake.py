"""Web intake: a resident's report from the public form, and its receipt.

`report_submit_from_web` is the one function between the resident's form and
`services.report_submit`: it applies the rate limits (a retry of a stored report is never
limited), hands the service the submission's one passphrase, counts the stored report
against the limits, and keeps the receipt. Idempotency is the database's: the form's key
(public/trap.py) becomes the report's idempotency key, so a double-click, a reload or a
retry after a crash answers with the report stored first and its receipt, rebuilt from the
database when the cache lost it (then with a way to set a new passphrase, since the first
was never seen). `receipt_show` and `receipt_renew` serve the receipt page.

    receipt = report_submit_from_web(submission=..., reporter=..., ...)
    if receipt.kept: redirect to reports_public:receipt with receipt.token
    else:            show receipt.data at once (no cache to keep it)
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.utils import timezone

from wijkregie.core.access import Viewer
from wijkregie.core.cache import CacheUnavailable
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.logging import log_event
from wijkregie.places.models import Building
from wijkregie.reports import selectors, services
from wijkregie.reports.models import Category, ContactMode, Report
from wijkregie.reports.passphrases import (
    RECEIPT_SECONDS,
    report_passphrase_fits,
    report_passphrase_renew,
)
from wijkregie.reports.photos import SanitisedPhoto
from wijkregie.reports.public import limits, receipts
from wijkregie.reports.services import ReporterDetails


class LimitReached(Exception):
    """Many reports were sent from this address, or for this building (about this), in a
    short time: nothing is stored; the form comes back as it was typed (views._submit)."""


@dataclass(frozen=True)
class Receipt:
    """What the confirmation page shows (`data`) and the signed link to it (`token`).
    `kept`: the cache holds it, so the answer is a redirect to the link; else the page is
    shown at once (a reload then sends the form again, which finds the stored report)."""

    token: str
    data: dict = field(default_factory=dict)
    kept: bool = True


def _database_key(form_key: str) -> str:
    return f"web:{form_key}"


def _stored_report(form_key: str) -> Report | None:
    return selectors.report_for_idempotency_key(key=_database_key(form_key))


def _receipt_data(report: Report, *, passphrase: str = "", lost: bool = False) -> dict:
    """What the confirmation page shows, from the stored report itself."""
    return {
        "tracking_code": report.tracking_code,
        "passphrase": passphrase,
        "passphrase_lost": lost,
        "urgent": report.category.is_urgent,
        "contact_mode": report.contact_mode,
        "building": report.building.public_code,
        "email": selectors.reporter_email_on_file(report_id=report.pk),
        "is_contact": report.category.is_contact_request,
    }


def _renewable(report: Report) -> bool:
    return report.created_at >= timezone.now() - timedelta(seconds=RECEIPT_SECONDS)


def _replayed(form_key: str, report: Report, passphrase: str) -> dict:
    """The receipt for a retry of a stored submission: the first answer's receipt if the
    cache still has it; else one built from the database. Its passphrase is the pending
    one if that is still known and fits (never shown yet), else it is lost: the page then
    offers a new one (a crash between storing the report and caching its receipt)."""
    try:
        cached = receipts.receipt_peek(form_key)
    except CacheUnavailable:
        cached = None
    if cached is not None:
        return cached
    if passphrase and report_passphrase_fits(report_id=report.pk, passphrase=passphrase):
        return _receipt_data(report, passphrase=passphrase)
    log_event(
        "report_receipt_rebuilt",
        level=logging.WARNING,
        object="report",
        result="passphrase_lost",
        origin="web",
        report_id=report.pk,
    )
    return _receipt_data(report, lost=_renewable(report))


def _keep(form_key: str, data: dict, *, replace: bool = False) -> Receipt:
    token = receipts.receipt_token(form_key)
    if receipts.receipt_store(form_key, data, replace=replace):
        return Receipt(token=token, data=data, kept=True)
    if data.get("passphrase"):
        receipts.passphrase_shown(form_key)  # shown now, with this answer
    return Receipt(token=token, data=data, kept=False)


def report_submit_from_web(
    *,
    form_key: str,
    ip: str,
    request_id: str,
    building: Building,
    category: Category,
    description: str,
    contact_mode: str,
    reporter: ReporterDetails,
    photos: Sequence[SanitisedPhoto] = (),
    language: str,
    location: dict,
) -> Receipt:
    """Store a report sent with the public form whose token carried `form_key`.

    Raises LimitReached (nothing stored), or what `services.report_submit` raises for bad
    input (ValidationError, ApplicationError; nothing stored)."""
    counted = list(
        zip(
            limits.report_rates(),
            limits.report_limit_keys(ip=ip, building_id=building.pk, category_id=category.pk),
            strict=True,
        )
    )
    if (
        any(limits.rate_exceeded(rate, key) for rate, key in counted)
        and _stored_report(form_key) is None  # a retry of a stored report is never limited
    ):
        raise LimitReached()
    passphrase = receipts.pending_passphrase(form_key, services.passphrase_generate)
    result = services.report_submit(
        actor=Viewer(user_id=None, label="resident", origin="web", request_id=request_id),
        building=building,
        category=category,
        description=description,
        contact_mode=contact_mode,
        reporter=replace(
            reporter,
            passphrase=passphrase,
            ip=ip if contact_mode != ContactMode.ANONYMOUS else "",
        ),
        idempotency_key=_database_key(form_key),
        photos=photos,
        language=language,
        **location,
    )
    if not result.created:
        return _keep(form_key, _replayed(form_key, result.report, passphrase))
    for rate, key in counted:
        limits.rate_hit(rate, key)
    return _keep(form_key, _receipt_data(result.report, passphrase=result.passphrase or ""))


def receipt_show(form_key: str) -> dict | None:
    """The receipt page's contents, its passphrase shown once; from the database when the
    cache failed or lost it. None: no report was stored with this key."""
    data = receipts.receipt_take(form_key)
    if data is not None:
        return data
    report = _stored_report(form_key)
    return _receipt_data(report) if report is not None else None


def receipt_renew(form_key: str) -> Receipt | None:
    """A new passphrase when the receipt says the first was lost (or the cache cannot
    say, while the report is younger than the receipt); shown once, like the first.
    Otherwise, and for the second of concurrent clicks, the receipt as it is. None: no
    report was stored with this key, or it may no longer be renewed."""
    report = _stored_report(form_key)
    if report is None:
        return None
    try:
        cached = receipts.receipt_peek(form_key)
        lost = bool(cached and cached.get("passphrase_lost"))
    except CacheUnavailable:
        lost = _renewable(report)
    if not lost or not receipts.renewal_claim(form_key):
        return Receipt(token=receipts.receipt_token(form_key))
    try:
        passphrase = report_passphrase_renew(report=report)
    except ApplicationError:
        return None
    return _keep(form_key, _receipt_data(report, passphrase=passphrase), replace=True)
