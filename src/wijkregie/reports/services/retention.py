"""Periodic work: lateness, erasing reporters' contact data, purging closed reports."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from wijkregie.core.access import Viewer, system_viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record_by_owner
from wijkregie.reports import events
from wijkregie.reports.models import (
    Category,
    Lateness,
    Report,
    ReporterIdentity,
    ReportPhoto,
)
from wijkregie.reports.services.common import IDENTITY_OBJECT
from wijkregie.reports.workflows import (
    OPEN_STATUSES,
)

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
                ).values_list("pk", "report_id", "visible_to_organisation_id")[:1000]
            )
            if not rows:
                return erased
            erased += reporter_contacts_erase(
                actor=system_viewer("reports.retention"), rows=rows, now=now
            )


def reporter_contacts_erase(
    *,
    actor: Viewer,
    rows: list[tuple[int, int, int | None]],
    now: datetime,
    organisation_id: int | None = None,
    context: AuditContext | None = None,
) -> int:
    """Erase the contact data of these (identity id, report id, holding organisation id)
    rows: name, e-mail, phone, address and reporter key (the passphrase hash and the
    pseudonym seed stay). One audit entry per holding organisation lists them (one INSERT);
    each report's timeline says so. Inside the caller's transaction."""
    ids = [pk for pk, _, _ in rows]
    ReporterIdentity.objects.filter(pk__in=ids).update(
        name="",
        email="",
        phone="",
        ip_address=None,
        reporter_key="",
        contact_erased_at=now,
        updated_at=now,
    )
    audit_record_by_owner(
        viewer=actor,
        action="erase",
        object_type=IDENTITY_OBJECT,
        objects=[(pk, DataOwner(owner)) for pk, _, owner in rows],
        fields=ReporterIdentity.IDENTITY_FIELDS,
        organisation_id=organisation_id,
        context=context,
    )
    events.contact_erased_events(report_ids=[rid for _, rid, _ in rows], at=now)
    return len(ids)


def report_retention_purge(*, now: datetime | None = None) -> int:
    """Delete reports closed longer ago than their category's retention, with everything
    that belongs to them (identity, photos and their files, thread, history)."""
    now = now or timezone.now()
    deleted = 0
    for category in Category.objects.all():
        cutoff = now - timedelta(days=category.retention_days)
        while True:
            with transaction.atomic():
                rows = list(
                    Report.objects.filter(category=category, closed_at__lte=cutoff).values_list(
                        "pk", "receiving_organisation_id"
                    )[:500]
                )
                if not rows:
                    break
                ids = [pk for pk, _ in rows]
                files = list(
                    ReportPhoto.objects.filter(report_id__in=ids).values_list("file", flat=True)
                )
                Report.objects.filter(pk__in=ids).delete()
                audit_record_by_owner(  # one entry per receiving organisation, one INSERT
                    viewer=system_viewer("reports.retention"),
                    action="delete",
                    object_type="reports.report",
                    objects=[(pk, DataOwner(owner)) for pk, owner in rows],
                    fields=["*"],
                )
                transaction.on_commit(lambda names=files: _delete_files(names))
                deleted += len(ids)
    return deleted


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
