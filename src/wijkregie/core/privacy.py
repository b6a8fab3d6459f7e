"""The privacy officer's tools: a data subject's export (AVG art. 15) and erasure on
request (art. 17), built from the categories in `core.retention`. See docs/privacy.md.

Need-to-know: an officer (`core.handle_data_subject_requests`) handles the subjects
whose controller is their own organisation (for residents: the landlord), nobody else's.
Every search, export and erasure records an audit entry; exports and erasures also a
`DataSubjectRequest` row with the reason.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core import retention
from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record, audit_record_by_owner
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import as_id
from wijkregie.core.models import AuditEntry, DataSubjectRequest

PERMISSION = "core.handle_data_subject_requests"
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 2000
SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 50
EXPORT_FORMAT_VERSION = 1


def _organisations(viewer: Viewer) -> frozenset[int] | None:
    """The controllers the viewer handles requests for; None: all (commands)."""
    if viewer.is_superuser and not viewer.grants:
        return None
    organisations = viewer.organisations_with(PERMISSION)
    if not organisations:
        raise PermissionDenied(_("You may not handle data subject requests."))
    return organisations


def _source(subject_type: str) -> retention.SubjectSource:
    source = retention.subject_source(subject_type)
    if source is None:
        raise NotFound(_("Not found."))
    return source


def _subject(viewer: Viewer, subject_type: str, subject_id) -> retention.DataSubject:
    organisations = _organisations(viewer)
    source = _source(subject_type)
    subject = source.get(organisations, as_id(subject_id))
    if subject is None:
        raise NotFound(_("Not found."))
    return subject


def _context(subject: retention.DataSubject, label: str) -> AuditContext:
    return AuditContext(
        type="core.datasubjectrequest", id=f"{subject.type}:{subject.id}", label=label
    )


def may_handle_requests(viewer: Viewer) -> bool:
    return bool(viewer.organisations_with(PERMISSION))


def data_subject_search(
    *, viewer: Viewer, query: str, subject_type: str = "residents.resident"
) -> list[retention.DataSubject]:
    """Subjects of the viewer's organisations matching `query` (name, e-mail, phone or
    the landlord's relation number). One "list" audit entry names the ids shown."""
    organisations = _organisations(viewer)
    query = (query or "").strip()[:200]
    if len(query) < SEARCH_MIN_LENGTH:
        return []
    found = _source(subject_type).search(organisations, query)[:SEARCH_LIMIT]
    audit_record_by_owner(
        viewer=viewer,
        action="list",
        object_type=subject_type,
        objects=[(s.id, DataOwner(s.organisation_id)) for s in found],
        fields=["given_name", "family_name"],
        organisation_id=found[0].organisation_id if found else None,
        context=AuditContext(type="core.datasubjectrequest", label="search"),
    )
    return found


def data_subject_get(*, viewer: Viewer, subject_type: str, subject_id) -> retention.DataSubject:
    """The subject (its name only), for the request page. One "view" audit entry."""
    subject = _subject(viewer, subject_type, subject_id)
    audit_record(
        viewer=viewer,
        action="view",
        object_type=subject.type,
        object_ids=[subject.id],
        fields=["given_name", "family_name"],
        organisation_id=subject.organisation_id,
        data_owner=DataOwner(subject.organisation_id),
        context=_context(subject, "request"),
    )
    return subject


def _who_read(audit_objects: dict[str, set[str]]) -> list[dict]:
    """Every audit entry that names one of the objects, oldest first."""
    rows = []
    for object_type, ids in sorted(audit_objects.items()):
        if not ids:
            continue
        entries = AuditEntry.objects.filter(object_type=object_type).order_by("id")
        if connection.features.supports_json_field_contains:
            from django.db.models import Q

            condition = Q()
            for object_id in ids:
                condition |= Q(object_ids__contains=[object_id])
            entries = entries.filter(condition)
        for entry in entries.iterator(chunk_size=2000):
            if not ids.intersection(entry.object_ids):
                continue
            rows.append(
                {
                    "seq": entry.pk,
                    "occurred_at": retention.stamp(entry.occurred_at),
                    "actor": entry.actor_label,
                    "organisation": entry.organisation_label,
                    "action": entry.action,
                    "action_label": entry.get_action_display(),
                    "object_type": entry.object_type,
                    "fields": entry.fields,
                    "on_behalf_of": entry.context_label or entry.context_type,
                    "origin": entry.origin,
                }
            )
    rows.sort(key=lambda r: r["seq"])
    return rows


@dataclass
class SubjectExport:
    subject: retention.DataSubject
    generated_at: str
    categories: list[dict] = field(default_factory=list)
    access_log: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "format": "wijkregie.data-subject-export",
            "version": EXPORT_FORMAT_VERSION,
            "generated_at": self.generated_at,
            "controller_id": self.subject.organisation_id,
            "subject": {"type": self.subject.type, "id": self.subject.id},
            "categories": self.categories,
            "access_log": self.access_log,
        }


def data_subject_export(
    *, viewer: Viewer, subject_type: str, subject_id, output: str = "json"
) -> SubjectExport:
    """Everything every app holds on the subject, and who read it (art. 15).

    The audit entries of the export itself are recorded first, so they are in it:
    the subject sees that the officer exported their data.
    """
    subject = _subject(viewer, subject_type, subject_id)
    with transaction.atomic():
        DataSubjectRequest.objects.create(
            kind=DataSubjectRequest.Kind.EXPORT,
            subject_type=subject.type,
            subject_id=subject.id,
            organisation_id=subject.organisation_id,
            actor_id=viewer.user_id,
            actor_label=viewer.label[:200],
        )
        audit_record(
            viewer=viewer,
            action="export",
            object_type=subject.type,
            object_ids=[subject.id],
            fields=["*"],
            organisation_id=subject.organisation_id,
            data_owner=DataOwner(subject.organisation_id),
            context=_context(subject, f"data subject export ({output[:20]})"),
        )
    export = SubjectExport(subject=subject, generated_at=retention.stamp(timezone.now()))
    audit_objects: dict[str, set[str]] = {subject.type: {str(subject.id)}}
    for item in retention.categories():
        if item.export is None:
            continue
        data = item.export(subject)
        for object_type, ids in data.audit_objects.items():
            audit_objects.setdefault(object_type, set()).update(str(i) for i in ids)
        export.categories.append(
            {
                "key": item.key,
                "label": str(item.label),
                "retention": str(item.retention),
                "records": data.records,
            }
        )
    export.access_log = _who_read(audit_objects)
    return export


@dataclass
class ErasurePlan:
    subject: retention.DataSubject
    erasable: list[retention.PersonalDataCategory]
    held: list[tuple[retention.PersonalDataCategory, str]]


def data_subject_erasure_plan(*, viewer: Viewer, subject_type: str, subject_id) -> ErasurePlan:
    """What an erasure would erase, and what a retention duty keeps (no audit entry:
    it shows category names, no personal data)."""
    subject = _subject(viewer, subject_type, subject_id)
    return _plan(subject)


def _plan(subject: retention.DataSubject) -> ErasurePlan:
    erasable, held = [], []
    for item in retention.categories():
        if item.erase is None:
            continue
        hold = item.legal_hold(subject) if item.legal_hold else ""
        if hold:
            held.append((item, str(hold)))
        else:
            erasable.append(item)
    return ErasurePlan(subject=subject, erasable=erasable, held=held)


def data_subject_erase(
    *, actor: Viewer, subject_type: str, subject_id, reason: str
) -> DataSubjectRequest:
    """Erase the subject's data in every category without a legal hold (art. 17).

    One transaction: either every erasable category is erased or none. The request row
    records the reason, the counts and what was kept and why; one "erase" audit entry.
    """
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ApplicationError(
            _("Give the reason for the erasure (at least %(count)d characters).")
            % {"count": REASON_MIN_LENGTH},
            extra={"field": "reason"},
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            _("The reason is too long (at most %(count)d characters).")
            % {"count": REASON_MAX_LENGTH},
            extra={"field": "reason"},
        )
    subject = _subject(actor, subject_type, subject_id)
    with transaction.atomic():
        plan = _plan(subject)
        if not plan.erasable:
            raise ApplicationError(
                _("Nothing can be erased: a retention duty keeps every category.")
            )
        # Dependants first (they registered with a higher order), the subject's own
        # record last.
        erased = {item.key: item.erase(subject, actor, reason) for item in reversed(plan.erasable)}
        request = DataSubjectRequest.objects.create(
            kind=DataSubjectRequest.Kind.ERASURE,
            subject_type=subject.type,
            subject_id=subject.id,
            organisation_id=subject.organisation_id,
            actor_id=actor.user_id,
            actor_label=actor.label[:200],
            reason=reason,
            erased=erased,
            held={item.key: why for item, why in plan.held},
        )
        audit_record(
            viewer=actor,
            action="erase",
            object_type=subject.type,
            object_ids=[subject.id],
            fields=sorted(erased),
            organisation_id=subject.organisation_id,
            data_owner=DataOwner(subject.organisation_id),
            context=AuditContext(
                type="core.datasubjectrequest", id=str(request.pk), label=reason[:200]
            ),
        )
    return request


def data_subject_request_list(*, viewer: Viewer, limit: int = 50) -> list[DataSubjectRequest]:
    """The latest requests handled for the viewer's organisations (no personal data)."""
    organisations = _organisations(viewer)
    requests = DataSubjectRequest.objects.all()
    if organisations is not None:
        requests = requests.filter(organisation_id__in=organisations)
    return list(requests[:limit])
