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

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from wijkregie.core.access import ResidentPrincipal, Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record
from wijkregie.core.cache import ProcessMemo
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import as_id, parse_id
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places.addresses import find_address, parse_postcode
from wijkregie.places.models import Building, Unit
from wijkregie.reports.models import (
    LATENESS_RANK,
    TRACKING_CODE_LENGTH,
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
    SavedQueueFilter,
    StandardText,
    normalise_code,
)
from wijkregie.reports.predicates import RECEIVE_REPORTS, VIEW_REPORTER_IDENTITY
from wijkregie.reports.pseudonyms import pseudonym_code
from wijkregie.reports.workflows import (
    ALLOWED_TRANSITIONS,
    MAX_REOPENS,
    OPEN_STATUSES,
    ReportStatus,
    default_resident_text,
)
from wijkregie.residents.selectors import (
    contact_moment_resident_id,
    resident_buildings,
    resident_list,
)

IDENTITY_OBJECT = "reports.reporteridentity"
QUEUE_FILTERS = (
    "building",
    "building_q",
    "category",
    "status",
    "channel",
    "lateness",
    "organisation",
    "q",
    "assigned",
    "reply",
    "late",
    "scope",
    "order",
)
SCOPES = ("open", "closed", "all")
ORDERS = ("work", "newest")
MAX_PAGE_SIZE = 200
# The queue counts at most this many reports ("more than 10,000"): a count of every
# report of a national receiver costs more than the page itself.
COUNT_CAP = 10_000
# The order intake is offered the next statuses in: the common outcome first.
TRIAGE_ORDER = (
    ReportStatus.IN_TRIAGE,
    ReportStatus.RESOLVED,
    ReportStatus.LINKED_TO_CASE,
    ReportStatus.REJECTED,
    ReportStatus.FORWARDED,
    ReportStatus.RECEIVED,
)
LATE = (Lateness.LATE, Lateness.VERY_LATE)
# The values of models.LATENESS_RANK.
LATENESS_RANKS = {Lateness.VERY_LATE: 0, Lateness.LATE: 1, Lateness.ON_TIME: 2}


def _context(report: Report) -> AuditContext:
    return AuditContext(type="reports.report", id=str(report.pk), label=f"report {report.pk}")


# --- Queue and single reports ----------------------------------------------------------------


def _clean_filters(filters: dict | None) -> dict:
    """Known filters with usable values; anything else is ignored (a bad value filters to
    nothing rather than failing)."""
    cleaned = {}
    for name in QUEUE_FILTERS:
        value = (filters or {}).get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            continue
        cleaned[name] = value
    return cleaned


def _forwarded_away_q(viewer: Viewer) -> Q | None:
    """Reports intake of one of the viewer's organisations forwarded to an organisation
    that is not the viewer's; None when the viewer receives reports nowhere."""
    organisations = viewer.organisations_with(RECEIVE_REPORTS)
    if not organisations:
        return None
    forwarded = ReportStatusChange.objects.filter(
        to_status=ReportStatus.FORWARDED, organisation_id__in=organisations
    ).values("report_id")
    return Q(pk__in=forwarded) & ~Q(receiving_organisation_id__in=organisations)


def _search(q: str) -> Q:
    """What intake types in the search field: a tracking code, a house number, an
    address ("Horizonlaan 12", "3521HZ 12") or words of the description or building."""
    code = normalise_code(q)
    by_code = Q(tracking_code=code) if code else Q(pk__in=[])
    address = find_address(q)
    if address is not None:
        postcode, number, letter, _addition = address
        return by_code | _homes(Unit.objects.filter(postcode=postcode), number, letter)
    match = re.fullmatch(r"(.*?)[\s,]*(\d{1,5})\s*([a-zA-Z])?", q)
    if match:
        street, number = match.group(1).strip(), int(match.group(2))
        letter = (match.group(3) or "").upper()
        if street:
            buildings = _buildings_matching(street)
            return by_code | _homes(Unit.objects.filter(building__in=buildings), number, letter)
        return by_code | _homes(Unit.objects.all(), number, letter)
    if parse_postcode(q):
        return by_code | _buildings_named(q)
    return by_code | Q(description__icontains=q) | _buildings_named(q)


# A building text that matches more buildings than this filters by a subquery instead.
MAX_BUILDING_IDS = 1000
MAX_REPORT_IDS = 5000


def _ids_or_subquery(queryset, limit: int):
    """The ids of `queryset` as a list (one small query: the planner then knows how many
    there are, which it misjudges for a LIKE, or a column without an index, on a join),
    or the queryset as a subquery when there are more than `limit`."""
    queryset = queryset.order_by()  # units sort by building: a join not needed here
    ids = list(queryset.values_list("pk", flat=True)[: limit + 1])
    return queryset.values("pk") if len(ids) > limit else ids


def _buildings_matching(text: str):
    postcode = parse_postcode(text)
    match = (
        Q(postcode=postcode) if postcode else Q(name__icontains=text) | Q(street__icontains=text)
    )
    return _ids_or_subquery(Building.objects.filter(match), MAX_BUILDING_IDS)


def _buildings_named(text: str) -> Q:
    """Reports in the buildings whose name or street contains `text` (or with `text` as
    postcode)."""
    return Q(building_id__in=_buildings_matching(text))


def _homes(units, number: int, letter: str) -> Q:
    """Reports at the homes among `units` with this house number (and letter), looked up
    first as report ids (all receivers; the queue's own scope narrows them)."""
    units = units.filter(house_number=number)
    if letter:
        units = units.filter(house_letter=letter)
    reports = Report.objects.filter(unit_id__in=units.order_by().values("pk"))
    return Q(pk__in=_ids_or_subquery(reports, MAX_REPORT_IDS))


def report_list(*, viewer: Viewer, filters: dict | None = None) -> QuerySet[Report]:
    """The queue as a queryset. Never joins the reporter's identity.

    The reports the viewer's organisations receive; filtered on the status "forwarded",
    also the ones they forwarded elsewhere (read-only, `report_forwarded_get`): to the
    sender their status stays "forwarded", whatever the new organisation has done since.

    `scope` "open", "closed" or "all" (default); `order` "work" (replies waiting first,
    then very late, late, the rest, each newest first) or "newest" (default). Filters
    are in docs/reports.md ("The work queue").
    """
    qs = Report.objects.visible_to(viewer)
    f = _clean_filters(filters)
    statuses = f.get("status")
    statuses = statuses if isinstance(statuses, list | tuple) else [statuses]
    away = (
        _forwarded_away_q(viewer)
        if ReportStatus.FORWARDED in statuses and not viewer.is_superuser
        else None
    )
    if away is not None:
        if not set(statuses) <= set(ReportStatus.values):
            return qs.none()
        del f["status"]
        qs = qs.filter(status__in=statuses) | Report.objects.filter(away)
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
            if name == "lateness" and f.get("order") == "work":
                # The same rows, said as the work order's index says it.
                qs = qs.alias(lateness_rank=LATENESS_RANK).filter(
                    lateness_rank__in=[LATENESS_RANKS[v] for v in values]
                )
                continue
            qs = qs.filter(**{f"{name}__in": values})
            if name == "status" and set(values) <= OPEN_STATUSES:
                # Always true of these statuses; lets the open reports' indexes serve.
                qs = qs.filter(closed_at__isnull=True)
    scope = f.get("scope", "all")
    if scope == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif scope == "closed":
        qs = qs.filter(closed_at__isnull=False)
    if "building_q" in f and "building" not in f:
        qs = qs.filter(_buildings_named(str(f["building_q"])[:200]))
    if "q" in f:
        q = str(f["q"])[:200]
        found = report_find_by_code(viewer=viewer, code=q)
        qs = qs.filter(pk=found.pk) if found is not None else qs.filter(_search(q))
    if "assigned" in f:
        assigned = f["assigned"]
        if assigned == "me":
            qs = qs.filter(assigned_to__user_id=viewer.user_id or 0)
        elif assigned == "none":
            qs = qs.filter(assigned_to__isnull=True)
        elif (membership_id := parse_id(assigned)) is not None:
            qs = qs.filter(assigned_to_id=membership_id)
        else:
            return qs.none()
    if f.get("reply") in ("waiting", "1", True):
        qs = qs.filter(reply_waiting=True)
    if f.get("late") in ("1", "true", True):
        if f.get("order") == "work":
            qs = qs.alias(late_rank=LATENESS_RANK).filter(
                late_rank__in=[LATENESS_RANKS[v] for v in LATE]
            )
        else:
            qs = qs.filter(lateness__in=LATE)
    qs = qs.select_related(
        "category",
        "building",
        "unit",
        "common_area",
        "receiving_organisation",
        "assigned_to__user",
    )
    if f.get("order") == "work":
        return qs.order_by("-reply_waiting", LATENESS_RANK, "-created_at", "-pk")
    return qs.order_by("-created_at", "-pk")


class CappedPaginator(Paginator):
    """Counts at most `COUNT_CAP` + 1 rows; `count_capped` says the count stopped there."""

    @cached_property
    def count(self) -> int:
        # Only the ids: no joins of select_related, so an index-only scan can answer.
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


@dataclass
class UncountedPage:
    """A page of search results: no count (a search of text could read every open
    report to count them); one row more than shown says whether a next page exists."""

    object_list: list
    number: int
    has_next: bool

    @property
    def paginator(self):
        return self

    count = None
    count_capped = False
    num_pages = None

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return 0


SEARCHES = ("q", "building_q")


def report_queue(
    *, viewer: Viewer, filters: dict | None = None, page: int = 1, page_size: int = 25
) -> Page | UncountedPage:
    """One page of the queue: two queries (a count stopping at `COUNT_CAP` and the page)
    whatever the page size; a search is not counted (`UncountedPage`, one query)."""
    try:
        page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        page_size = 25
    reports = report_list(viewer=viewer, filters=filters)
    if any(_clean_filters(filters).get(name) for name in SEARCHES):
        number = parse_id(page) or 1
        number = min(number, COUNT_CAP // page_size + 1)
        start = (number - 1) * page_size
        rows = list(reports[start : start + page_size + 1])
        return UncountedPage(
            object_list=rows[:page_size], number=number, has_next=len(rows) > page_size
        )
    paginator = CappedPaginator(reports, page_size)
    return paginator.get_page(page)


def report_find_by_code(*, viewer: Viewer, code: str) -> Report | None:
    """The report with exactly this tracking code, if the viewer receives it (what intake
    types when a resident calls with the code); None otherwise."""
    code = normalise_code(code)
    if len(code) != TRACKING_CODE_LENGTH:
        return None
    return Report.objects.visible_to(viewer).filter(tracking_code=code).first()


@dataclass(frozen=True)
class QueueCounts:
    new: int
    replies: int
    late: int
    mine: int


def report_queue_counts(*, viewer: Viewer) -> QueueCounts:
    """What needs the viewer's organisations now, in one query over the open reports:
    new (received), replies waiting, late, assigned to the viewer."""
    counts = (
        Report.objects.visible_to(viewer)
        .filter(closed_at__isnull=True)
        .aggregate(
            new=Count("pk", filter=Q(status=ReportStatus.RECEIVED)),
            replies=Count("pk", filter=Q(reply_waiting=True)),
            late=Count("pk", filter=Q(lateness__in=LATE)),
            mine=Count("pk", filter=Q(assigned_to__user_id=viewer.user_id or 0)),
        )
    )
    return QueueCounts(**counts)


def report_assignees(*, viewer: Viewer, report: Report) -> QuerySet[Membership]:
    """The people of the receiving organisation a report can be assigned to: active
    members with `reports.receive_reports` there (nobody when the viewer is not intake
    of that organisation)."""
    if not viewer.has_perm(RECEIVE_REPORTS, obj=report):
        return Membership.objects.none()
    return assignees_of(report.receiving_organisation_id)


def assignees_of(organisation_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            is_service_account=False,
        )
        .filter(
            Q(roles__permissions__codename="receive_reports")
            & Q(roles__permissions__content_type__app_label="reports")
        )
        .distinct()
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def report_duplicates(*, viewer: Viewer, report: Report) -> list[Report]:
    """The reports marked as duplicates of this one that the viewer receives."""
    return list(
        Report.objects.visible_to(viewer)
        .filter(duplicate_of_id=report.pk)
        .select_related("category")
        .order_by("created_at", "pk")
    )


def saved_queue_filters(*, viewer: Viewer) -> list[SavedQueueFilter]:
    if viewer.user_id is None:
        return []
    return list(SavedQueueFilter.objects.filter(user_id=viewer.user_id))


def report_get(*, viewer: Viewer, id) -> Report:
    """One report for intake; `NotFound` for missing and forbidden alike."""
    # Five joins, and the people and the parent report in their own small queries (none
    # when the report has none): joining all of them made PostgreSQL spend 5–20 ms planning
    # a 2 ms query on every report page.
    report = (
        Report.objects.select_related(
            "category", "building", "unit", "common_area", "receiving_organisation"
        )
        .prefetch_related(
            "created_by_membership__organisation", "assigned_to__user", "duplicate_of"
        )
        .filter(pk=as_id(id))
        .first()
    )
    if report is None or not viewer.has_perm(RECEIVE_REPORTS, obj=report):
        raise NotFound(_("Not found."))
    return report


def _report_at_hand(viewer: Viewer, report_id, report: Report | None) -> Report:
    """The report a selector reads about: `report` when the caller has it from
    `report_get` (its access checked again, without a query: one page reads the report
    once), else looked up by `report_id`."""
    if report is None:
        return report_get(viewer=viewer, id=report_id)
    if not viewer.has_perm(RECEIVE_REPORTS, obj=report):
        raise NotFound(_("Not found."))
    return report


@dataclass(frozen=True)
class ForwardedByUs:
    at: datetime
    to_organisation_name: str
    actor_label: str
    internal_note: str
    identity_forwarded: bool


@dataclass(frozen=True)
class ForwardedReportView:
    """What the organisation that forwarded a report keeps of it: read-only, the facts it
    passed on, the status and the texts the reporter reads; never the reporter's identity,
    the thread or the new organisation's internal notes."""

    report: Report
    status_label: str
    history: "list[PublicStatusEntry]"
    forwards: list[ForwardedByUs]


def report_forwarded_get(*, viewer: Viewer, id) -> ForwardedReportView:
    """A report one of the viewer's organisations forwarded and no longer receives, for
    the sender's read-only page; `NotFound` for anything else (also for the reports the
    viewer receives: those have `report_get`)."""
    away = _forwarded_away_q(viewer)
    report = None
    if away is not None:
        report = (
            Report.objects.select_related(
                "category", "building", "unit", "common_area", "receiving_organisation"
            )
            .filter(away, pk=as_id(id))
            .first()
        )
    if report is None:
        raise NotFound(_("Not found."))
    organisations = viewer.organisations_with(RECEIVE_REPORTS)
    changes = list(
        ReportStatusChange.objects.filter(report=report).select_related("to_organisation")
    )
    identity_moved = {
        e.created_at: bool((e.parameters or {}).get("identity_forwarded"))
        for e in ReportEvent.objects.filter(
            report=report, type=ReportEventType.FORWARDED, organisation_id__in=organisations
        )
    }
    forwards = [
        ForwardedByUs(
            at=c.created_at,
            to_organisation_name=c.to_organisation.name if c.to_organisation_id else "",
            actor_label=c.actor_label,
            internal_note=c.internal_note,
            identity_forwarded=identity_moved.get(c.created_at, False),
        )
        for c in changes
        if c.to_status == ReportStatus.FORWARDED and c.organisation_id in organisations
    ]
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
        for c in changes
    ]
    return ForwardedReportView(
        report=report,
        status_label=str(ReportStatus(report.status).label),
        history=history,
        forwards=forwards,
    )


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


def report_timeline(
    *, viewer: Viewer, report_id=None, report: Report | None = None
) -> list[TimelineEntry]:
    """Status changes and other events, oldest first (two queries, and one for the
    report unless given)."""
    report = _report_at_hand(viewer, report_id, report)
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


def report_messages(
    *, viewer: Viewer, report_id=None, report: Report | None = None
) -> list[ReportMessage]:
    report = _report_at_hand(viewer, report_id, report)
    return list(
        ReportMessage.objects.filter(report=report).select_related(
            "author_membership__user", "organisation"
        )
    )


def report_photo_list(
    *, viewer: Viewer, report_id=None, report: Report | None = None
) -> list[ReportPhoto]:
    report = _report_at_hand(viewer, report_id, report)
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

    @property
    def language_name(self) -> str:
        """The reporter's language by name, in the viewer's language ("Turks")."""
        if not self.language:
            return ""
        try:
            return str(get_language_info(self.language)["name_translated"])
        except KeyError:
            return self.language

    @property
    def writes_other_language(self) -> bool:
        return bool(self.language) and self.language != settings.LANGUAGE_CODE


def reporter_identity_get(
    *, viewer: Viewer, report_id=None, report: Report | None = None
) -> ReporterView:
    """The reporter as this viewer may know them: the identity or the pseudonym only.

    The identity is given only to intake with `reports.view_reporter_identity` in the
    organisation receiving the report now, and only while the identity is held for that
    organisation (forwarded without consent: not). Each view is one audit entry listing
    the fields shown. `NotFound` if the viewer may not see the report at all. `report`:
    as `report_get` gave it (else looked up by `report_id`).
    """
    report = _report_at_hand(viewer, report_id, report)
    identity = ReporterIdentity.objects.filter(report_id=report.pk).first()
    pseudonym = reporter_pseudonym(
        report,
        viewer=viewer,
        holder_organisation_id=identity.visible_to_organisation_id if identity else None,
    )
    # The language is not identity (IDENTITY_FIELDS): intake of the organisation holding
    # the identity needs it to write to the reporter, also without the identity
    # permission. An organisation the report was forwarded to without consent does not
    # get it: with the pseudonym it could join that reporter's reports (BRIEF 2).
    language = identity.language if identity is not None else ""
    if not viewer.has_perm(VIEW_REPORTER_IDENTITY, obj=report):
        return ReporterView(pseudonym=pseudonym, language=language, hidden_reason="not_allowed")
    if identity is None:
        return ReporterView(pseudonym=pseudonym, hidden_reason="none")
    if identity.visible_to_organisation_id != report.receiving_organisation_id:
        return ReporterView(pseudonym=pseudonym, hidden_reason="not_forwarded")
    shown = [f for f in ReporterIdentity.IDENTITY_FIELDS if getattr(identity, f)]
    if shown:  # an anonymous report, or one whose contact was erased, shows nobody
        audit_record(
            viewer=viewer,
            action="view",
            object_type=IDENTITY_OBJECT,
            object_ids=[identity.pk],
            fields=shown,
            organisation_id=report.receiving_organisation_id,
            data_owner=DataOwner(identity.visible_to_organisation_id),
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
    "ForwardedByUs",
    "ForwardedReportView",
    "ReporterView",
    "TimelineEntry",
    "category_get",
    "category_list",
    "QueueCounts",
    "report_allowed_transitions",
    "report_assignees",
    "report_duplicates",
    "report_find_by_code",
    "report_queue_counts",
    "saved_queue_filters",
    "report_can_forward",
    "report_forward_targets",
    "report_forwarded_get",
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


# --- A request to get in touch and the resident it came from -------------------------------

CONTACT_SOURCE = "reports.report"  # the source of the contact moment (reports.services.contact)
CONTACT_CANDIDATES = 10


@dataclass
class ContactLink:
    """What the report page shows of a request to get in touch: the resident it is in the
    contact history of, or the residents found by intake's search (with only the fields
    the viewer may see; the search itself is an audited read of residents)."""

    resident_id: int | None = None
    query: str = ""
    candidates: list = field(default_factory=list)
    searched: bool = False


def report_contact_link_get(
    *, viewer: Viewer, report: Report, query: str = ""
) -> ContactLink | None:
    """None when the report is no request to get in touch, or when the viewer may not
    look for residents of its building."""
    if not report.category.is_contact_request:
        return None
    if not resident_buildings(viewer=viewer).filter(pk=report.building_id).exists():
        return None
    link = ContactLink(
        resident_id=contact_moment_resident_id(source_type=CONTACT_SOURCE, source_id=report.pk),
        query=query.strip(),
    )
    if link.resident_id is None and link.query:
        link.searched = True
        link.candidates = resident_list(
            viewer=viewer,
            building_id=report.building_id,
            search=link.query,
            page_size=CONTACT_CANDIDATES,
        ).items
    return link


# --- Standard texts (no personal data: not audited) ---------------------------------------


def standard_text_list(*, viewer: Viewer, include_inactive: bool = False) -> QuerySet[StandardText]:
    """The texts of the organisations the viewer does intake for."""
    texts = StandardText.objects.visible_to(viewer).select_related("organisation")
    if not include_inactive:
        texts = texts.filter(active=True)
    return texts.order_by("organisation__name", "title", "pk")


def standard_text_organisations(*, viewer: Viewer) -> list[Organisation]:
    """The organisations whose library the viewer keeps (those it does intake for)."""
    return list(
        Organisation.objects.filter(pk__in=viewer.organisations_with(RECEIVE_REPORTS)).order_by(
            "name"
        )
    )


def standard_text_get(*, viewer: Viewer, id) -> StandardText:
    text = StandardText.objects.visible_to(viewer).filter(pk=parse_id(id) or 0).first()
    if text is None:
        raise NotFound(_("Not found."))
    return text


def standard_texts_for_report(*, viewer: Viewer, report: Report, language: str) -> list:
    """The receiving organisation's texts in use, each with the version in `language`
    (the reporter's, as `reporter_identity_get` gives it to this viewer; else Dutch):
    [(text, body, language, in_reporters_language)]."""
    language = language or "nl"
    texts = standard_text_list(viewer=viewer).filter(
        organisation_id=report.receiving_organisation_id
    )
    out = []
    for text in texts:
        body, used = text.text_in(language)
        out.append((text, body, used, used == language.split("-")[0]))
    return out
