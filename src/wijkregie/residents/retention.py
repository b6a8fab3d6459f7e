"""The residents app's personal data in the retention registry (core.retention).

- `residents.resident`: identity, contact details, consents and occupancies; kept
  WIJKREGIE_RESIDENT_RETENTION_DAYS after the last occupancy ended, then deleted with
  everything that hangs on the resident. Not erasable on request while a tenancy runs.
- `residents.contact_history`: the contact moments; deleted with the resident, erasable
  on request on its own.
The residents are the data subjects of the privacy tools: the source finds them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wijkregie.core import retention
from wijkregie.core.access import Viewer, system_viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record, audit_record_by_owner
from wijkregie.residents.models import ContactConsent, ContactMoment, Occupancy, Resident

OBJECT_TYPE = "residents.resident"
BATCH = 500


def retention_days() -> int:
    return settings.WIJKREGIE_RESIDENT_RETENTION_DAYS


def _subject(resident: Resident) -> retention.DataSubject:
    return retention.DataSubject(
        type=OBJECT_TYPE,
        id=resident.pk,
        label=resident.full_name,
        organisation_id=resident.landlord_id,
        emails=(resident.email,) if resident.email else (),
        phones=(resident.phone,) if resident.phone else (),
    )


def _scoped(organisation_ids):
    residents = Resident.objects.all()
    if organisation_ids is not None:
        residents = residents.filter(landlord_id__in=organisation_ids)
    return residents


def search(organisation_ids, query: str) -> list[retention.DataSubject]:
    condition = Q(external_id__iexact=query) | Q(email__iexact=query) | Q(phone=query)
    words = query.split()
    name = Q()
    for word in words:
        name &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
    residents = (
        _scoped(organisation_ids)
        .filter(condition | name)
        .order_by("family_name", "given_name", "pk")
    )
    return [_subject(r) for r in residents[:50]]


def get(organisation_ids, subject_id: int) -> retention.DataSubject | None:
    resident = _scoped(organisation_ids).filter(pk=subject_id).first()
    return _subject(resident) if resident else None


def _moved_out_before(cutoff_day):
    """Residents without an occupancy that ended after `cutoff_day` or is still running.

    A resident who never had an occupancy counts from when they were recorded."""
    recent = Occupancy.objects.filter(resident=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=cutoff_day)
    )
    any_occupancy = Occupancy.objects.filter(resident=OuterRef("pk"))
    return Resident.objects.filter(~Exists(recent)).filter(
        Exists(any_occupancy) | Q(created_at__date__lt=cutoff_day)
    )


def purge_moved_out(now: datetime) -> int:
    # Calendar days in the local time zone (a DST change between must not shift the day).
    cutoff_day = timezone.localdate(now) - timedelta(days=retention_days())
    deleted = 0
    while True:
        with transaction.atomic():
            rows = list(
                _moved_out_before(cutoff_day).values_list("pk", "landlord_id", "landlord__name")[
                    :BATCH
                ]
            )
            if not rows:
                return deleted
            ids = [pk for pk, _, _ in rows]
            Resident.objects.filter(pk__in=ids).delete()
            audit_record_by_owner(  # one entry per landlord, one INSERT
                viewer=system_viewer("residents.retention"),
                action="delete",
                object_type=OBJECT_TYPE,
                objects=[(pk, DataOwner(owner, name)) for pk, owner, name in rows],
                fields=["*"],
            )
            deleted += len(ids)


def _occupancy_record(o: Occupancy) -> dict:
    return {
        "building": o.unit.building.name,
        "address": o.unit.address,
        "kind": o.get_kind_display(),
        "from": o.start_date.isoformat(),
        "until": o.end_date.isoformat() if o.end_date else None,
    }


def _consent_record(c: ContactConsent) -> dict:
    return {
        "consent": c.get_purpose_display(),
        "how": c.get_channel_display() if c.channel else None,
        "given": c.given_at.isoformat(),
        "given_how": c.get_given_source_display(),
        "withdrawn": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
        "withdrawn_how": c.get_withdrawn_source_display() if c.withdrawn_source else None,
    }


def export_resident(subject: retention.DataSubject) -> retention.SubjectData:
    resident = Resident.objects.select_related("landlord").get(pk=subject.id)
    occupancies = Occupancy.objects.filter(resident=resident).select_related("unit__building")
    return retention.SubjectData(
        records=[
            {
                "type": "resident",
                "landlord": resident.landlord.name,
                "relation_number": resident.external_id,
                "given_name": resident.given_name,
                "family_name": resident.family_name,
                "email": resident.email,
                "phone": resident.phone,
                "preferred_language": resident.preferred_language,
                "consents": [
                    _consent_record(c) for c in resident.consents.order_by("given_at", "pk")
                ],
                "recorded_at": retention.stamp(resident.created_at),
                "occupancies": [
                    _occupancy_record(o) for o in occupancies.order_by("start_date", "pk")
                ],
            }
        ],
        audit_objects={OBJECT_TYPE: [str(resident.pk)]},
    )


def current_tenancy(subject: retention.DataSubject) -> str:
    today = timezone.localdate()
    running = Occupancy.objects.filter(resident_id=subject.id).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    if running.exists():
        return _(
            "The tenancy is still running: the landlord needs these details to perform "
            "the tenancy agreement (AVG art. 17(3)). They are deleted %(days)d days after "
            "moving out."
        ) % {"days": retention_days()}
    return ""


def erase_resident(subject: retention.DataSubject, actor: Viewer, reason: str) -> int:
    deleted, _ = Resident.objects.filter(pk=subject.id).delete()
    return 1 if deleted else 0


def export_contact_history(subject: retention.DataSubject) -> retention.SubjectData:
    moments = (
        ContactMoment.objects.filter(resident_id=subject.id)
        .select_related("organisation", "by_membership__user", "unit__building")
        .order_by("occurred_at", "pk")
    )
    records = [
        {
            "type": "contact_moment",
            "occurred_at": retention.stamp(m.occurred_at),
            "channel": m.get_channel_display(),
            "organisation": m.organisation.name,
            "recorded_by": (
                (m.by_membership.user.get_full_name() or m.by_membership.user.get_username())
                if m.by_membership
                else ""
            ),
            "building": m.unit.building.name if m.unit else "",
            "summary": m.summary,
        }
        for m in moments
    ]
    return retention.SubjectData(records=records)


def erase_contact_history(subject: retention.DataSubject, actor: Viewer, reason: str) -> int:
    ids = list(ContactMoment.objects.filter(resident_id=subject.id).values_list("pk", flat=True))
    if ids:
        ContactMoment.objects.filter(pk__in=ids).delete()
        audit_record(
            viewer=actor,
            action="erase",
            object_type=OBJECT_TYPE,
            object_ids=[subject.id],
            fields=["contact_history"],
            organisation_id=subject.organisation_id,
            data_owner=DataOwner(subject.organisation_id),
            context=AuditContext(type="core.datasubjectrequest", label=reason[:200]),
        )
    return len(ids)


def _retention_text() -> str:
    return _("%(days)d days after moving out") % {"days": retention_days()}


def register() -> None:
    retention.register_subject_source(
        retention.SubjectSource(
            type=OBJECT_TYPE, label=gettext_lazy("Resident"), search=search, get=get
        )
    )
    retention.register(
        retention.PersonalDataCategory(
            key="residents.contact_history",
            label=gettext_lazy("Contact history"),
            retention=gettext_lazy("Deleted with the resident's details"),
            export=export_contact_history,
            erase=erase_contact_history,
            order=20,
        )
    )
    retention.register(
        retention.PersonalDataCategory(
            key=OBJECT_TYPE,
            label=gettext_lazy("Identity, contact details, consents and tenancies"),
            retention=lazy(_retention_text, str)(),
            purge=purge_moved_out,
            export=export_resident,
            erase=erase_resident,
            legal_hold=current_tenancy,
            order=10,
        )
    )
