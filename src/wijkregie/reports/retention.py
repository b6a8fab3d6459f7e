"""The reports app's personal data in the retention registry (core.retention).

- `reports.reporter_contact`: a reporter's name, e-mail address, phone number, IP
  address and reporter key; erased WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS after the
  report closed (`services.reporter_contact_erase_due`), or on request. The export finds
  a resident's reports by the e-mail address or phone number they left.
- `reports.report`: the report with its thread, photos and history; deleted its
  category's retention after closing (`services.report_retention_purge`).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wijkregie.core import retention
from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext
from wijkregie.reports import services
from wijkregie.reports.models import Report, ReporterIdentity, ReportMessage, ReportPhoto

IDENTITY_OBJECT = services.IDENTITY_OBJECT


def _identities(subject: retention.DataSubject):
    condition = Q()
    keys = set()
    for email in subject.emails:
        condition |= Q(email__iexact=email)
        keys.add(services.reporter_key_for(email=email))
    for phone in subject.phones:
        condition |= Q(phone=phone)
        keys.add(services.reporter_key_for(phone=phone))
    keys.discard("")
    if keys:
        condition |= Q(reporter_key__in=keys)
    if not condition:
        return ReporterIdentity.objects.none()
    return ReporterIdentity.objects.filter(condition)


def export_reporter_contact(subject: retention.DataSubject) -> retention.SubjectData:
    identities = list(_identities(subject).order_by("pk"))
    reports = Report.objects.in_bulk([i.report_id for i in identities])
    messages: dict[int, list[dict]] = {}
    for m in ReportMessage.objects.filter(report_id__in=list(reports)).order_by("created_at", "pk"):
        messages.setdefault(m.report_id, []).append(
            {
                "sent_at": retention.stamp(m.created_at),
                "direction": m.get_direction_display(),
                "message": m.body,
            }
        )
    photos = {}
    for report_id in ReportPhoto.objects.filter(report_id__in=list(reports)).values_list(
        "report_id", flat=True
    ):
        photos[report_id] = photos.get(report_id, 0) + 1
    records = []
    for identity in identities:
        report = reports.get(identity.report_id)
        if report is None:
            continue
        records.append(
            {
                "type": "report",
                "tracking_code": report.tracking_code,
                "submitted_at": retention.stamp(report.created_at),
                "category": report.category.name_in(None),
                "building": report.building.name,
                "status": report.get_status_display(),
                "closed_at": retention.stamp(report.closed_at),
                "description": report.description,
                "name": identity.name,
                "email": identity.email,
                "phone": identity.phone,
                "ip_address": identity.ip_address or "",
                "language": identity.language,
                "consent_to_forward": identity.consent_to_forward,
                "contact_erased_at": retention.stamp(identity.contact_erased_at),
                "messages": messages.get(report.pk, []),
                "photos": photos.get(report.pk, 0),
            }
        )
    return retention.SubjectData(
        records=records,
        audit_objects={
            IDENTITY_OBJECT: [str(i.pk) for i in identities],
            "reports.report": [str(i.report_id) for i in identities],
        },
    )


def erase_reporter_contact(subject: retention.DataSubject, actor: Viewer, reason: str) -> int:
    """As the retention job does, for this person's reports only, at once."""
    now = timezone.now()
    rows = list(
        _identities(subject)
        .filter(Q(contact_erased_at__isnull=True) | ~Q(name="") | ~Q(email="") | ~Q(phone=""))
        .values_list("pk", "report_id", "visible_to_organisation_id")
    )
    if not rows:
        return 0
    with transaction.atomic():
        return services.reporter_contacts_erase(
            actor=actor,
            rows=rows,
            now=now,
            organisation_id=subject.organisation_id,
            context=AuditContext(type="core.datasubjectrequest", label=reason[:200]),
        )


def _contact_retention() -> str:
    return _("%(days)d days after the report was closed") % {
        "days": settings.WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS
    }


def register() -> None:
    retention.register(
        retention.PersonalDataCategory(
            key="reports.reporter_contact",
            label=gettext_lazy("Reports made and the contact details left with them"),
            retention=lazy(_contact_retention, str)(),
            purge=lambda now: services.reporter_contact_erase_due(now=now),
            export=export_reporter_contact,
            erase=erase_reporter_contact,
            order=30,
        )
    )
    retention.register(
        retention.PersonalDataCategory(
            key="reports.report",
            label=gettext_lazy("Reports with their messages, photos and history"),
            retention=gettext_lazy("The report category's retention after closing"),
            purge=lambda now: services.report_retention_purge(now=now),
            order=31,
        )
    )
