"""Every read of reports that crosses a permission boundary. Contracts in docs/reports.md.

Professionals see the reports their organisation currently receives, as intake
(`reports.receive_reports`). A professional sees the reporter's identity through one
selector only, `reporter_identity_get`, which checks the stricter rule and audits every
view; the only other reads here are which organisation holds the identity (for the
pseudonym, never shown) and, for the reporter's own status page, whether an e-mail
address is on file. Outside this module `ReporterIdentity` is read by `passphrases` (the
passphrase hash), `notifications` (the address a mail goes to) and `services` (writes,
forwarding and the retention job) and `retention` (the privacy officer's data-subject
export and erasure, audited); none of them shows it to anyone else.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wijkregie.core.access import ResidentPrincipal, Viewer
from wijkregie.core.audit import AuditContext, audit_record
from wijkregie.core.cache import ProcessMemo
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import as_id, parse_id
from wijkregie.partners.models import Organisation
from wijkregie.reports.models import (
    Category,
    Channel,
    Lateness,
    MessageDirection,
    Report,
    ReporterIdentity,
    ReportEvent,
    ReportEventType,
    ReportIdempotencyKey,
    ReportMessage,
    ReportPhoto,
    ReportStatusChange,
)
from wijkregie.reports.predicates import RECEIVE_REPORTS, VIEW_REPORTER_IDENTITY
from wijkregie.reports.pseudonyms import pseudonym_code
from wijkregie.reports.workflows import (
    ALLOWED_TRANSITIONS,
    MAX_REOPENS,
    ReportStatus,
    default_resident_text,
)

IDENTITY_OBJECT = "reports.reporteridentity"
QUEUE_FILTERS = ("building", "category", "status", "channel", "lateness", "organisation")
MAX_PAGE_SIZE = 200
# The order intake is offered the next statuses in: the common outcome first.
TRIAGE_ORDER = (
    ReportStatus.IN_TRIAGE,
    ReportStatus.RESOLVED,
    ReportStatus.LINKED_TO_CASE,
    ReportStatus.REJECTED,
    ReportStatus.FORWARDED,
    ReportStatus.RECEIVED,
)


def _context(report: Report) -> AuditContext:
    return AuditContext(type="reports.report", id=str(report.pk), label=f"report {report.pk}")


# --- Queue and single reports ----------------------------------------------------------------


def _clean_filters(filters: dict | None) -> dict:
    """Known filters with usable values; anything else is ignored (a bad value filters to
    nothing rather than failing)."""
    cleaned = {}
    for name in QUEUE_FILTERS:
        value = (filters or {}).get(name)
        if value in (None, "", []):
            continue
        cleaned[name] = value
    return cleaned


def report_list(*, viewer: Viewer, filters: dict | None = None) -> QuerySet[Report]:
    """The queue as a queryset, newest first. Never joins the reporter's identity."""
    qs = Report.objects.visible_to(viewer)
    f = _clean_filters(filters)
    for name in ("building", "category", "organisation"):
        if name in f:
            value = parse_id(f[name])
            if value is None:
                return qs.none()
            column = "receiving_organisation_id" if name == "organisation" else f"{name}_id"
            qs = qs.filter(**{column: value})
    for name, choices in (
        ("status", ReportStatus.values),
        ("channel", Channel.values),
        ("lateness", Lateness.values),
    ):
        if name in f:
            values = f[name] if isinstance(f[name], list | tuple) else [f[name]]
            if not set(values) <= set(choices):
                return qs.none()
            qs = qs.filter(**{f"{name}__in": values})
    return qs.select_related(
        "category", "building", "unit", "common_area", "receiving_organisation"
    ).order_by("-created_at", "-pk")


def report_queue(
    *, viewer: Viewer, filters: dict | None = None, page: int = 1, page_size: int = 25
) -> Page:
    """One page of the queue: two queries (count and page) whatever the page size."""
    try:
        page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        page_size = 25
    paginator = Paginator(report_list(viewer=viewer, filters=filters), page_size)
    return paginator.get_page(page)


def report_get(*, viewer: Viewer, id) -> Report:
    """One report for intake; `NotFound` for missing and forbidden alike."""
    report = (
        Report.objects.select_related(
            "category",
            "building",
            "unit",
            "common_area",
            "receiving_organisation",
            "created_by_membership__organisation",
        )
        .filter(pk=as_id(id))
        .first()
    )
    if report is None or not viewer.has_perm(RECEIVE_REPORTS, obj=report):
        raise NotFound(_("Not found."))
    return report


def report_allowed_transitions(*, report: Report) -> list[str]:
    """The statuses `report_status_change` would accept now (forwarding, and linking to a
    case, which a case does, excluded)."""
    allowed = []
    for status in TRIAGE_ORDER:
        if status not in ALLOWED_TRANSITIONS[report.status] or status in (
            ReportStatus.FORWARDED,
            ReportStatus.LINKED_TO_CASE,
        ):
            continue
        if (
            report.status == ReportStatus.RESOLVED
            and status == ReportStatus.IN_TRIAGE
            and report.reopen_count >= MAX_REOPENS
        ):
            continue
        allowed.append(status)
    return allowed


def report_can_forward(*, report: Report) -> bool:
    return ReportStatus.FORWARDED in ALLOWED_TRANSITIONS[report.status]


def report_forward_targets(*, viewer: Viewer, report: Report) -> QuerySet[Organisation]:
    """Active organisations a report can be forwarded to (all but the current one)."""
    if not viewer.has_perm(RECEIVE_REPORTS, obj=report):
        return Organisation.objects.none()
    return Organisation.objects.filter(is_active=True).exclude(pk=report.receiving_organisation_id)


# --- Timeline, thread, photos ---------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "status", a ReportEventType value
    title: str
    resident_text: str = ""
    internal_note: str = ""
    reason: str = ""
    actor_label: str = ""
    organisation_name: str = ""
    details: dict = field(default_factory=dict)


def report_timeline(*, viewer: Viewer, report_id) -> list[TimelineEntry]:
    """Status changes and other events, oldest first (three queries)."""
    report = report_get(viewer=viewer, id=report_id)
    statuses = ReportStatusChange.objects.filter(report=report).select_related(
        "organisation", "to_organisation"
    )
    events = ReportEvent.objects.filter(report=report).select_related("organisation")
    entries = []
    for change in statuses:
        title = ReportStatus(change.to_status).label
        if change.to_organisation_id:
            title = _("Forwarded to %(organisation)s") % {
                "organisation": change.to_organisation.name
            }
        entries.append(
            TimelineEntry(
                at=change.created_at,
                kind="status",
                title=str(title),
                resident_text=change.resident_text,
                internal_note=change.internal_note,
                reason=change.reason,
                actor_label=change.actor_label,
                organisation_name=change.organisation.name if change.organisation_id else "",
            )
        )
    for event in events:
        if event.type == ReportEventType.FORWARDED:
            continue  # the status change says it already
        details = dict(event.parameters or {})
        note = details.pop("internal_note", "")
        entries.append(
            TimelineEntry(
                at=event.created_at,
                kind=event.type,
                title=str(ReportEventType(event.type).label),
                internal_note=note,
                actor_label=event.actor_label,
                organisation_name=event.organisation.name if event.organisation_id else "",
                details=details,
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


def report_messages(*, viewer: Viewer, report_id) -> list[ReportMessage]:
    report = report_get(viewer=viewer, id=report_id)
    return list(
        ReportMessage.objects.filter(report=report).select_related(
            "author_membership__user", "organisation"
        )
    )


def report_photo_list(*, viewer: Viewer, report_id) -> list[ReportPhoto]:
    report = report_get(viewer=viewer, id=report_id)
    return list(ReportPhoto.objects.filter(report=report))


def report_photo_get(*, viewer: Viewer, report_id, photo_id) -> ReportPhoto:
    report = report_get(viewer=viewer, id=report_id)
    photo = ReportPhoto.objects.filter(report=report, pk=as_id(photo_id)).first()
    if photo is None:
        raise NotFound(_("Not found."))
    return photo


# --- The reporter ------------------------------------------------------------------------------


def _pseudonym_organisation_id(viewer: Viewer, report: Report) -> int:
    """The organisation in whose name the viewer looks at the report."""
    mine = viewer.organisation_ids
    if report.receiving_organisation_id in mine or not mine:
        return report.receiving_organisation_id
    return min(mine)


def reporter_pseudonym(
    report: Report, *, viewer: Viewer, holder_organisation_id: int | None = None
) -> str:
    """ "Reporter K7Q-2FX of this building": stable per reporter per building *for the
    organisation looking*, and unrelated between organisations (reports/pseudonyms.py).

    `holder_organisation_id`: the organisation holding the reporter's identity for this
    report; looked up when not given.
    """
    if report.reporter_seed:
        if holder_organisation_id is None:
            holder_organisation_id = (
                ReporterIdentity.objects.filter(report_id=report.pk)
                .values_list("visible_to_organisation_id", flat=True)
                .first()
            )
        code = pseudonym_code(
            seed=report.reporter_seed,
            organisation_id=_pseudonym_organisation_id(viewer, report),
            holder_organisation_id=holder_organisation_id,
        )
        return _("Reporter %(number)s of this building") % {"number": code}
    if report.created_by_membership_id:
        return _("Observation by a professional")
    return _("Unknown reporter")


@dataclass(frozen=True)
class ReporterView:
    pseudonym: str
    visible: bool = False
    name: str = ""
    email: str = ""
    phone: str = ""
    ip_address: str = ""
    language: str = ""
    consent_to_forward: bool = False
    contact_erased: bool = False
    # "" (visible), "not_allowed", "not_forwarded" (the reporter did not consent to
    # forwarding), "none" (the report has no reporter).
    hidden_reason: str = ""


def reporter_identity_get(*, viewer: Viewer, report_id) -> ReporterView:
    """The reporter as this viewer may know them: the identity or the pseudonym only.

    The identity is given only to intake with `reports.view_reporter_identity` in the
    organisation receiving the report now, and only while the identity is held for that
    organisation (forwarded without consent: not). Each view is one audit entry listing
    the fields shown. `NotFound` if the viewer may not see the report at all.
    """
    report = report_get(viewer=viewer, id=report_id)
    identity = ReporterIdentity.objects.filter(report_id=report.pk).first()
    pseudonym = reporter_pseudonym(
        report,
        viewer=viewer,
        holder_organisation_id=identity.visible_to_organisation_id if identity else None,
    )
    if not viewer.has_perm(VIEW_REPORTER_IDENTITY, obj=report):
        return ReporterView(pseudonym=pseudonym, hidden_reason="not_allowed")
    if identity is None:
        return ReporterView(pseudonym=pseudonym, hidden_reason="none")
    if identity.visible_to_organisation_id != report.receiving_organisation_id:
        return ReporterView(pseudonym=pseudonym, hidden_reason="not_forwarded")
    shown = [f for f in ReporterIdentity.IDENTITY_FIELDS if getattr(identity, f)]
    audit_record(
        viewer=viewer,
        action="view",
        object_type=IDENTITY_OBJECT,
        object_ids=[identity.pk],
        fields=shown or ["contact_erased_at"],
        organisation_id=report.receiving_organisation_id,
        context=_context(report),
    )
    return ReporterView(
        pseudonym=pseudonym,
        visible=True,
        name=identity.name,
        email=identity.email,
        phone=identity.phone,
        ip_address=identity.ip_address or "",
        language=identity.language,
        consent_to_forward=identity.consent_to_forward,
        contact_erased=identity.contact_erased_at is not None,
    )


# --- Categories ------------------------------------------------------------------------------


# Every report form, Open311 request and queue reads the categories: kept per process
# (core.cache.ProcessMemo; apps.py forgets them when a category changes). Read-only.
CATEGORIES = ProcessMemo("reports.categories")


def _categories() -> list[Category]:
    return CATEGORIES.get("all", lambda: list(Category.objects.order_by("order", "slug")))


def category_list(*, include_inactive: bool = False) -> list[Category]:
    return [c for c in _categories() if include_inactive or c.active]


def category_get(*, slug: str | None = None, id=None) -> Category:
    """An active category by slug or id; `NotFound` otherwise."""
    if slug is None and id is None:
        raise NotFound(_("Not found."))
    pk = as_id(id) if slug is None else None
    for category in _categories():
        if category.active and (category.slug == slug if slug is not None else category.pk == pk):
            return category
    raise NotFound(_("Not found."))


def category_chain(category: Category) -> list[Category]:
    """The category and its parents, nearest first (from the kept categories)."""
    by_id = {c.pk: c for c in _categories()}
    chain, seen = [category], {category.pk}
    while chain[-1].parent_id and chain[-1].parent_id not in seen:
        parent = by_id.get(chain[-1].parent_id) or chain[-1].parent
        chain.append(parent)
        seen.add(parent.pk)
    return chain


# --- The resident's view -----------------------------------------------------------------


@dataclass(frozen=True)
class PublicStatusEntry:
    at: datetime
    status: str
    status_label: str
    text: str
    reason: str


@dataclass(frozen=True)
class PublicMessage:
    id: int
    at: datetime
    direction: str
    body: str
    is_read: bool


@dataclass(frozen=True)
class PublicReportStatus:
    tracking_code: str
    category_name: str
    category_slug: str
    building_name: str
    status: str
    status_label: str
    is_closed: bool
    created_at: datetime
    history: list[PublicStatusEntry]
    messages: list[PublicMessage]
    photo_count: int
    has_email: bool
    contact_mode: str


def reporter_report_get(*, reporter: ResidentPrincipal) -> Report:
    """The report a reporter proved (`reports.passphrases`); `NotFound` when it is gone or
    the principal is not for a report."""
    report = None
    if reporter.subject_type == Report._meta.label_lower:
        report = (
            Report.objects.select_related("category", "building")
            .filter(pk=reporter.subject_id)
            .first()
        )
    if report is None or not reporter.is_for(report):
        raise NotFound(_("Not found."))
    return report


def report_public_view(*, report: Report, language: str | None = None) -> PublicReportStatus:
    """What the reporter sees after the passphrase check: resident texts and the thread.

    Never internal notes, actors or the receiving organisation's internal data.
    """
    language = language or get_language()
    with translation.override(language):
        return _public_view(report, language)


def _public_view(report: Report, language: str) -> PublicReportStatus:
    report = Report.objects.select_related("category", "building").get(pk=report.pk)
    history = [
        PublicStatusEntry(
            at=c.created_at,
            status=c.to_status,
            status_label=str(ReportStatus(c.to_status).label),
            text=default_resident_text(c.to_status)
            if c.resident_text_is_default
            else c.resident_text,
            reason=c.reason,
        )
        for c in ReportStatusChange.objects.filter(report=report).only(
            "created_at", "to_status", "resident_text", "resident_text_is_default", "reason"
        )
    ]
    messages = [
        PublicMessage(
            id=m.pk,
            at=m.created_at,
            direction=m.direction,
            body=m.body,
            is_read=m.read_by_reporter_at is not None
            or m.direction == MessageDirection.FROM_REPORTER,
        )
        for m in ReportMessage.objects.filter(report=report).only(
            "created_at", "direction", "body", "read_by_reporter_at"
        )
    ]
    has_email = (
        ReporterIdentity.objects.filter(report_id=report.pk, contact_erased_at__isnull=True)
        .exclude(email="")
        .exists()
    )
    return PublicReportStatus(
        tracking_code=report.tracking_code,
        category_name=report.category.name_in(language),
        category_slug=report.category.slug,
        building_name=report.building.name,
        status=report.status,
        status_label=str(ReportStatus(report.status).label),
        is_closed=report.is_closed,
        created_at=report.created_at,
        history=history,
        messages=messages,
        photo_count=ReportPhoto.objects.filter(report=report).count(),
        has_email=has_email,
        contact_mode=report.contact_mode,
    )


def report_for_idempotency_key(*, key: str) -> Report | None:
    """The report that a submission with this (namespaced) idempotency key stored, for the
    submitter's own receipt; None when no submission used the key."""
    row = (
        ReportIdempotencyKey.objects.filter(key=key)
        .select_related("report__category", "report__building")
        .first()
    )
    return row.report if row is not None else None


def reporter_email_on_file(*, report_id: int) -> bool:
    """Whether the reporter left an e-mail address (the receipt says updates will come);
    never the address itself."""
    return (
        ReporterIdentity.objects.filter(report_id=report_id, contact_erased_at__isnull=True)
        .exclude(email="")
        .exists()
    )


# --- Open311's read side -------------------------------------------------------------------


def open311_published_reports() -> QuerySet[Report]:
    """Reports as Open311 publishes them to anyone: no contact requests, and only the
    fields that identify nobody (status, times, category, the building's street, city
    and point, the receiving organisation). Public: no viewer."""
    return (
        Report.objects.exclude(category__is_contact_request=True)
        .select_related("category", "building", "receiving_organisation")
        .only(
            "id",
            "status",
            "created_at",
            "updated_at",
            "closed_at",
            "due_at",
            "category__slug",
            "category__name",
            "category__is_urgent",
            "building__street",
            "building__city",
            "building__latitude",
            "building__longitude",
            "receiving_organisation__name",
        )
    )


def open311_published_status_changes(
    *, start: datetime, end: datetime, submitted_by_user_id: int | None = None
) -> QuerySet[ReportStatusChange]:
    """Status changes of the published reports between `start` and `end`, oldest first,
    each with `ordinal` (its place in the report's history) and, with
    `submitted_by_user_id`, `own` (the report was submitted by that API user)."""
    ordinal = (
        ReportStatusChange.objects.filter(report_id=OuterRef("report_id"), id__lte=OuterRef("id"))
        .order_by()
        .values("report_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    changes = (
        ReportStatusChange.objects.filter(
            report__in=open311_published_reports().values("pk"),
            created_at__gte=start,
            created_at__lte=end,
        )
        .annotate(ordinal=Subquery(ordinal))
        .only(
            "id",
            "report_id",
            "to_status",
            "resident_text",
            "resident_text_is_default",
            "created_at",
        )
        .order_by("created_at", "id")
    )
    if submitted_by_user_id is not None:
        submitted = ReportStatusChange.objects.filter(
            report_id=OuterRef("report_id"), from_status="", actor_id=submitted_by_user_id
        )
        changes = changes.annotate(own=Exists(submitted))
    return changes


__all__ = [
    "open311_published_reports",
    "open311_published_status_changes",
    "PublicMessage",
    "PublicReportStatus",
    "PublicStatusEntry",
    "ReporterView",
    "TimelineEntry",
    "category_get",
    "category_list",
    "report_allowed_transitions",
    "report_can_forward",
    "report_forward_targets",
    "report_get",
    "report_list",
    "report_messages",
    "report_photo_get",
    "report_photo_list",
    "report_public_view",
    "report_queue",
    "report_timeline",
    "reporter_identity_get",
    "reporter_pseudonym",
    "reporter_report_get",
]
