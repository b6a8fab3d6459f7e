"""Reads of cases: every function takes the viewer and returns only what they may see.

- cases: `Case.objects.visible_to(viewer)` (roles on the case, and the parent's
  participants for a sub-case that is not restricted); `case_get` answers `NotFound` for
  missing and forbidden alike;
- what hangs on a case (participants, linked reports, timeline, sub-cases) is read
  through `case_get` first, so it follows the case;
- linked reports are shown without their reporter (no path from `Report` leads there)
  and every read of them is in the audit trail with the case as context.
"""

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wijkregie.cases.models import (
    CHANGE_CASE,
    LINK_REPORT,
    MANAGE_PARTICIPANTS,
    MOVE_REGIE,
    OPEN_CASE,
    VIEW_CASE,
    Attendance,
    Case,
    CaseAction,
    CaseEvent,
    CaseEventType,
    CaseFragment,
    CaseParticipant,
    CaseReport,
    Decision,
    Escalation,
    EscalationAddressee,
    Meeting,
    MinutesMailing,
    PhaseCheck,
    TaskAgreement,
)
from wijkregie.cases.roles import MANAGE_ACTIONS, MANAGE_AGREEMENTS, MANAGE_MEETINGS
from wijkregie.cases.workflows import (
    ACTION_OPEN_STATUSES,
    AUTO_ITEMS,
    MANDATE_RANK,
    PHASE_ITEMS,
    AgreementStatus,
    CaseRole,
    CaseStatus,
    EscalationStatus,
    FragmentAudience,
    FragmentKind,
    Phase,
)
from wijkregie.core.access import Viewer, object_permissions
from wijkregie.core.audit import AuditContext, audit_record
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import as_id, parse_id
from wijkregie.partners.models import DataCategory, MandateLevel, Membership, Organisation
from wijkregie.partners.selectors import (
    may_view_directory,
    organisations_sharing_with,
    shared_categories,
)
from wijkregie.places.models import Building
from wijkregie.reports.location import location_label
from wijkregie.reports.models import Report

# The fields of a linked report a case shows (never the reporter, never the tracking code).
REPORT_FIELDS_ON_CASE = ["category", "building", "location", "description", "status"]
CASE_PERMISSIONS = (
    VIEW_CASE,
    CHANGE_CASE,
    MANAGE_PARTICIPANTS,
    MOVE_REGIE,
    LINK_REPORT,
    MANAGE_AGREEMENTS,
    MANAGE_ACTIONS,
    MANAGE_MEETINGS,
)


def case_context(case: Case) -> AuditContext:
    return AuditContext(type="cases.case", id=str(case.pk), label=case.title[:200])


def case_permissions(*, viewer: Viewer, case: Case) -> frozenset[str]:
    """What the viewer may do on the case (one query for the roles held on it)."""
    if viewer.is_superuser:
        return frozenset(CASE_PERMISSIONS)
    return object_permissions(viewer, case, CASE_PERMISSIONS)


def may_open_case(viewer: Viewer) -> bool:
    return viewer.is_superuser or viewer.has_perm(OPEN_CASE)


# --- Lists ----------------------------------------------------------------------------------


def case_list(*, viewer: Viewer, filters: dict | None = None) -> QuerySet[Case]:
    """The cases the viewer takes part in (and visible sub-cases), newest first."""
    qs = Case.objects.visible_to(viewer)
    filters = filters or {}
    status = filters.get("status")
    if status:
        if status not in CaseStatus.values:
            return qs.none()
        qs = qs.filter(status=status)
    building = filters.get("building")
    if building not in (None, ""):
        building_id = parse_id(building)
        if building_id is None:
            return qs.none()
        qs = qs.filter(building_id=building_id)
    if not viewer.is_superuser:
        # The ids first (no joins), then the cases with their building and unit by id:
        # with the need-to-know filter and the joins in one statement PostgreSQL misjudges
        # how few cases come out and hashes every unit in the country
        # (docs/performance.md, "Cases").
        qs = Case.objects.filter(pk__in=list(qs.values_list("pk", flat=True)))
    return qs.select_related("building", "unit", "regie_organisation").order_by(
        "-created_at", "-pk"
    )


def _visible_ids(viewer: Viewer) -> dict[int, str]:
    """The ids of every case the viewer sees, with their status (one query, no joins)."""
    return dict(Case.objects.visible_to(viewer).values_list("pk", "status"))


def building_cases(*, viewer: Viewer, building_id) -> list[Case]:
    """The building's cases the viewer may see (the building page's section)."""
    building_id = parse_id(building_id)
    if building_id is None:
        return []
    return list(case_list(viewer=viewer, filters={"building": building_id}))


def organisation_cases(*, viewer: Viewer, organisation_id) -> list[Case]:
    """The open cases an organisation takes part in that the viewer may see (the
    partner directory's section): each with its building."""
    organisation_id = parse_id(organisation_id)
    if organisation_id is None:
        return []
    return list(
        case_list(viewer=viewer, filters={"status": CaseStatus.OPEN}).filter(
            pk__in=CaseParticipant.objects.active()
            .filter(organisation_id=organisation_id)
            .values("case_id")
        )
    )


def case_link_targets(*, viewer: Viewer, report: Report) -> list[Case]:
    """Open cases on the report's building the viewer may link reports to."""
    return list(
        Case.objects.visible_to(viewer, permission=LINK_REPORT)
        .filter(status=CaseStatus.OPEN, building_id=report.building_id)
        .exclude(report_links__report=report)
        .order_by("title")
    )


def cases_to_link(*, viewer: Viewer, reports: list[Report]) -> list[Case]:
    """Open cases on the buildings of `reports` the viewer may link reports to (the
    queue's bulk link)."""
    buildings = {r.building_id for r in reports}
    return list(
        Case.objects.visible_to(viewer, permission=LINK_REPORT)
        .filter(status=CaseStatus.OPEN, building_id__in=buildings)
        .select_related("building")
        .order_by("building__name", "title", "pk")
    )


# --- One case -------------------------------------------------------------------------------


def case_get(*, viewer: Viewer, id) -> Case:
    """One case the viewer may see; `NotFound` for missing and forbidden alike."""
    case = (
        Case.objects.visible_to(viewer)
        .select_related(
            "building", "unit", "parent", "regie_organisation", "opened_by_organisation"
        )
        .filter(pk=as_id(id))
        .first()
    )
    if case is None:
        raise NotFound(_("Not found."))
    return case


def case_participants(*, viewer: Viewer, case: Case) -> list[CaseParticipant]:
    """The active participants of a case the viewer may see (directory data only)."""
    return _participants(case_get(viewer=viewer, id=case.pk))


def _participants(case: Case) -> list[CaseParticipant]:
    return list(
        CaseParticipant.objects.active()
        .filter(case=case)
        .select_related("organisation", "user")
        .order_by("organisation__name", "id")
    )


@dataclass
class ParticipatingOrganisation:
    organisation: Organisation
    roles: list[str]
    people: list[CaseParticipant]


def participating_organisations(participants: list[CaseParticipant]) -> list:
    """The participants grouped per organisation, for the case page."""
    grouped: dict[int, ParticipatingOrganisation] = {}
    for p in participants:
        entry = grouped.setdefault(
            p.organisation_id, ParticipatingOrganisation(p.organisation, [], [])
        )
        label = str(CaseRole(p.role).label)
        if label not in entry.roles:
            entry.roles.append(label)
        if p.user_id:
            entry.people.append(p)
    return list(grouped.values())


def parent_visible(*, viewer: Viewer, case: Case) -> bool:
    return case.parent_id is not None and viewer.has_perm(VIEW_CASE, obj=case.parent)


def case_subcases(*, viewer: Viewer, case: Case) -> list[Case]:
    """Sub-cases the viewer may see; a restricted one they do not take part in is not
    there at all (not even in a count)."""
    return list(Case.objects.visible_to(viewer).filter(parent=case).order_by("created_at", "pk"))


@dataclass
class LinkedReport:
    id: int
    category: str
    location: str
    description: str
    status: str
    status_label: str
    received_at: datetime
    linked_at: datetime
    linked_by: str
    note: str


def case_reports(*, viewer: Viewer, case: Case) -> list[LinkedReport]:
    """The reports linked to the case, newest link first; one audit entry for the read."""
    return _reports(viewer, case_get(viewer=viewer, id=case.pk))


def _reports(viewer: Viewer, case: Case) -> list[LinkedReport]:
    links = list(
        CaseReport.objects.filter(case=case)
        .select_related(
            "report__category",
            "report__unit",
            "report__common_area",
            "linked_by_organisation",
        )
        .order_by("-created_at", "-id")
    )
    result = [
        LinkedReport(
            id=link.report_id,
            category=link.report.category.name_in(None),
            location=location_label(link.report),
            description=link.report.description,
            status=link.report.status,
            status_label=str(link.report.get_status_display()),
            received_at=link.report.created_at,
            linked_at=link.created_at,
            linked_by=link.linked_by_organisation.name,
            note=link.note,
        )
        for link in links
    ]
    if result:
        audit_record(
            viewer=viewer,
            action="list",
            object_type="reports.report",
            object_ids=[r.id for r in result],
            fields=REPORT_FIELDS_ON_CASE,
            context=case_context(case),
        )
    return result


@dataclass
class CaseTimelineEntry:
    at: datetime
    kind: str
    title: str
    text: str
    actor_label: str
    organisation_name: str
    details: dict = field(default_factory=dict)
    id: int | None = None


def _event_text(event: CaseEvent) -> str:
    p = event.parameters or {}
    if event.type == CaseEventType.REGIE_MOVED:
        return _("From %(from)s to %(to)s. Reason: %(reason)s") % {
            "from": p.get("from") or "—",
            "to": p.get("to", ""),
            "reason": p.get("reason", ""),
        }
    if event.type in (CaseEventType.PARTICIPANT_ADDED, CaseEventType.PARTICIPANT_ENDED):
        who = p.get("organisation", "")
        if p.get("person"):
            who = f"{p['person']} ({who})"
        if p.get("role"):
            return f"{who}: {CaseRole(p['role']).label}"
        return who
    if event.type in (CaseEventType.AGREEMENT_RECORDED, CaseEventType.AGREEMENT_ANSWERED):
        whose = p.get("organisation") or _("nobody yet")
        status = p.get("status")
        label = AgreementStatus(status).label if status in AgreementStatus.values else ""
        return f"{p.get('topic', '')}: {whose} ({label})"
    if event.type == CaseEventType.DECISION_RECORDED and p.get("outside_mandate"):
        return _("Outside the mandate of the person who decided.")
    if event.type == CaseEventType.PHASE_MOVED:
        text = _("From phase %(from)s to phase %(to)s: %(note)s") % {
            "from": p.get("from"),
            "to": p.get("to"),
            "note": p.get("note", ""),
        }
        if p.get("skipped"):
            text += " " + _("Skipped: %(items)s. Reason: %(reason)s") % {
                "items": ", ".join(p["skipped"]),
                "reason": p.get("reason", ""),
            }
        return text
    if event.type in (
        CaseEventType.ESCALATED,
        CaseEventType.ESCALATION_ANSWERED,
        CaseEventType.ESCALATION_CLOSED,
    ):
        level = p.get("level")
        label = MandateLevel(level).label.lower() if level in MandateLevel.values else ""
        if event.type == CaseEventType.ESCALATED:
            return _("To the %(level)s level: %(people)s") % {
                "level": label,
                "people": ", ".join(p.get("addressees") or []),
            }
        return _("%(level)s level") % {"level": label.capitalize()}
    if event.type == CaseEventType.FRAGMENT_ADDED:
        kind = p.get("kind")
        label = FragmentKind(kind).label if kind in FragmentKind.values else ""
        return f"{label}: {p.get('title', '')}"
    if event.type == CaseEventType.REPORT_LINKED:
        return _("Report #%(id)s") % {"id": p.get("report_id")}
    return ""


def case_timeline(*, viewer: Viewer, case_id) -> list[CaseTimelineEntry]:
    """The case's whole timeline, oldest first (two queries). Events about a sub-case are
    on the sub-case's own timeline; the parent says only that a non-restricted one was
    opened."""
    return [_entry(e) for e in _events(case_get(viewer=viewer, id=case_id))]


def _events(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("organisation")


def _entry(e: CaseEvent) -> CaseTimelineEntry:
    return CaseTimelineEntry(
        at=e.created_at,
        kind=e.type,
        title=str(CaseEventType(e.type).label),
        text=_event_text(e),
        actor_label=e.actor_label,
        organisation_name=e.organisation.name if e.organisation_id else "",
        details=dict(e.parameters or {}),
        id=e.pk,
    )


# The case page shows the latest events; older ones a page at a time, before a cursor.
TIMELINE_PAGE = 25


@dataclass
class TimelinePage:
    entries: list[CaseTimelineEntry]  # oldest first
    older: int | None  # the cursor for the page before (the oldest entry's id), if any


def _timeline(case: Case, *, before: CaseEvent | None = None, limit=TIMELINE_PAGE) -> TimelinePage:
    """The `limit` latest events (before the event `before`), in one query."""
    qs = _events(case)
    if before is not None:
        qs = qs.filter(
            Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, pk__lt=before.pk)
        )
    rows = list(qs.order_by("-created_at", "-pk")[: limit + 1])
    shown = rows[:limit]
    return TimelinePage(
        entries=[_entry(e) for e in reversed(shown)],
        older=shown[-1].pk if len(rows) > limit else None,
    )


def case_timeline_page(*, viewer: Viewer, case_id, before=None) -> TimelinePage:
    """One page of the case's timeline: the latest events, or those before the event
    `before` (its id, from `TimelinePage.older`); `NotFound` for a cursor that is not an
    event of the case."""
    case = case_get(viewer=viewer, id=case_id)
    cursor = None
    if before not in (None, ""):
        cursor = (
            CaseEvent.objects.filter(case=case, pk=parse_id(before) or 0)
            .only("pk", "created_at")
            .first()
        )
        if cursor is None:
            raise NotFound(_("Not found."))
    return _timeline(case, before=cursor)


# --- Task agreements ------------------------------------------------------------------------


def case_organisations_of(*, viewer: Viewer, case: Case) -> list[int]:
    """The organisations the viewer takes part in the case for (as a named person)."""
    if viewer.user_id is None:
        return []
    return sorted(
        CaseParticipant.objects.active()
        .filter(case=case, user_id=viewer.user_id, organisation_id__in=viewer.organisation_ids)
        .values_list("organisation_id", flat=True)
        .distinct()
    )


def _agreements(case: Case) -> list[TaskAgreement]:
    return list(
        TaskAgreement.objects.filter(case=case)
        .select_related("organisation", "expected_by")
        .order_by("topic_key", "organisation__name", "id")
    )


def case_agreements(*, viewer: Viewer, case_id) -> list[TaskAgreement]:
    return _agreements(case_get(viewer=viewer, id=case_id))


@dataclass(frozen=True)
class Mismatch:
    """A diverging expectation, said in words (for the case page and the agenda)."""

    kind: str  # not_accepted, declined, claimed_twice, nobody
    topic: str
    text: str
    organisation_ids: tuple[int, ...] = ()


def agreement_mismatches(agreements: list[TaskAgreement]) -> list[Mismatch]:
    """Derived from the agreements: expected of an organisation that has not accepted
    (or declined), taken on by two or more, a topic nobody has taken. No query."""
    found: list[Mismatch] = []
    topics: dict[str, list[TaskAgreement]] = {}
    for a in agreements:
        topics.setdefault(a.topic_key, []).append(a)
        if a.organisation_id is None or a.status == AgreementStatus.ACCEPTED:
            continue
        what = a.description or a.topic
        values = {"org": a.organisation.name, "task": what}
        if a.status == AgreementStatus.DECLINED:
            text = (
                _("%(org)s is expected to take on: %(task)s. %(org)s has declined this.") % values
            )
            if a.answer_note:
                text += " " + _("Their answer: %(note)s") % {"note": a.answer_note}
            found.append(Mismatch("declined", a.topic, text, (a.organisation_id,)))
        else:
            found.append(
                Mismatch(
                    "not_accepted",
                    a.topic,
                    _("%(org)s is expected to take on: %(task)s. %(org)s has not accepted this.")
                    % values,
                    (a.organisation_id,),
                )
            )
    for rows in topics.values():
        accepted = [a for a in rows if a.status == AgreementStatus.ACCEPTED and a.organisation_id]
        topic = min(rows, key=lambda a: a.pk).topic
        if len(accepted) > 1:
            names = [a.organisation.name for a in accepted]
            text = (
                _("%(orgs)s and %(last)s have both taken on: %(topic)s. Agree who does what.")
                if len(names) == 2
                else _("%(orgs)s and %(last)s have all taken on: %(topic)s. Agree who does what.")
            )
            found.append(
                Mismatch(
                    "claimed_twice",
                    topic,
                    text % {"orgs": ", ".join(names[:-1]), "last": names[-1], "topic": topic},
                    tuple(a.organisation_id for a in accepted),
                )
            )
        pending = [a for a in rows if a.organisation_id and a.status == AgreementStatus.EXPECTED]
        if not accepted and not pending:
            found.append(
                Mismatch("nobody", topic, _("Nobody has taken on: %(topic)s.") % {"topic": topic})
            )
    return found


def case_mismatches(*, viewer: Viewer, case_id) -> list[Mismatch]:
    return agreement_mismatches(case_agreements(viewer=viewer, case_id=case_id))


@dataclass
class OrganisationTasks:
    organisation: Organisation
    takes_on: list[TaskAgreement]
    expected: list[TaskAgreement]


def agreements_per_organisation(
    organisations: list[ParticipatingOrganisation], agreements: list[TaskAgreement]
) -> list[OrganisationTasks]:
    """Per participating organisation: what it takes on, what others expect of it."""
    rows = {o.organisation.pk: OrganisationTasks(o.organisation, [], []) for o in organisations}
    for a in agreements:
        if a.organisation_id is None:
            continue
        entry = rows.setdefault(a.organisation_id, OrganisationTasks(a.organisation, [], []))
        (entry.takes_on if a.status == AgreementStatus.ACCEPTED else entry.expected).append(a)
    return list(rows.values())


# --- Shared actions -------------------------------------------------------------------------


def _actions(case: Case) -> list[CaseAction]:
    return list(
        CaseAction.objects.filter(case=case)
        .select_related("owner_organisation", "owner")
        .order_by("due_date", "id")
    )


def case_actions(*, viewer: Viewer, case_id) -> list[CaseAction]:
    return _actions(case_get(viewer=viewer, id=case_id))


def case_action_get(*, viewer: Viewer, case_id, action_id) -> tuple[Case, CaseAction]:
    case = case_get(viewer=viewer, id=case_id)
    action = (
        CaseAction.objects.select_related("owner_organisation", "owner")
        .filter(case=case, pk=as_id(action_id))
        .first()
    )
    if action is None:
        raise NotFound(_("Not found."))
    return case, action


def action_owner_choices(participants: list[CaseParticipant]) -> list[tuple[int, str]]:
    """People named on the case, for the owner field (organisation in brackets)."""
    return [
        (p.user_id, f"{p.person_name} ({p.organisation.name})") for p in participants if p.user_id
    ]


# --- Meetings --------------------------------------------------------------------------------


def _meetings(case: Case) -> list[Meeting]:
    return list(Meeting.objects.filter(case=case).order_by("starts_at", "id"))


def case_meetings(*, viewer: Viewer, case_id) -> list[Meeting]:
    return _meetings(case_get(viewer=viewer, id=case_id))


@dataclass
class MeetingPage:
    case: Case
    meeting: Meeting
    permissions: frozenset[str]
    agenda: list
    attendance: list[Attendance]
    decisions: list[Decision]
    participants: list[CaseParticipant]
    has_started: bool
    mailing: object = None  # MinutesMailing, once the minutes were sent


def meeting_page(*, viewer: Viewer, case_id, meeting_id) -> MeetingPage:
    """A meeting of a case the viewer may see: agenda, attendance, decisions with the
    actions that followed (five queries); the view is audited with the case."""
    case = case_get(viewer=viewer, id=case_id)
    meeting = Meeting.objects.filter(case=case, pk=as_id(meeting_id)).first()
    if meeting is None:
        raise NotFound(_("Not found."))
    audit_record(
        viewer=viewer,
        action="view",
        object_type="cases.meeting",
        object_ids=[meeting.pk],
        fields=["agenda", "attendance", "decisions", "minutes"],
        context=case_context(case),
    )
    return meeting_page_for(case, meeting, permissions=case_permissions(viewer=viewer, case=case))


def meeting_page_for(case: Case, meeting: Meeting, *, permissions=frozenset()) -> MeetingPage:
    """What a meeting's page and its minutes (PDF) show, read for a meeting already
    checked (`meeting_page`) or for the system (the minutes mailed to the participants)."""
    return MeetingPage(
        case=case,
        meeting=meeting,
        permissions=frozenset(permissions),
        agenda=list(meeting.agenda.order_by("position", "id")),
        attendance=list(
            meeting.attendance.select_related("user", "organisation").order_by(
                "organisation__name", "id"
            )
        ),
        decisions=list(
            meeting.decisions.select_related("decided_by__user", "decided_by__organisation")
            .prefetch_related("actions__owner_organisation")
            .order_by("created_at", "id")
        ),
        participants=_participants(case),
        has_started=meeting.starts_at <= timezone.now(),
        mailing=MinutesMailing.objects.filter(meeting=meeting).first(),
    )


# --- Health ----------------------------------------------------------------------------------

# Thresholds of the impasse warnings (docs/cases.md, "Health").
WAITING_DAYS = 28  # actions of one organisation open longer than this
NO_MEETING_DAYS = 56  # no meeting held in this long, and none planned
ABSENT_MEETINGS = 2  # an organisation missing from this many last meetings


@dataclass(frozen=True)
class HealthWarning:
    kind: str
    text: str


def case_health(
    *,
    case: Case,
    participants: list[CaseParticipant],
    actions: list[CaseAction],
    mismatches: list,
    meetings: list[Meeting],
    today,
    now,
    present: dict | None = None,
    without_follow_up: int | None = None,
) -> list[HealthWarning]:
    """Why a case is in trouble, in words; derived from what the page has read already
    (one query for attendance and one for decisions of the last meetings, unless a list
    of cases read them for all its cases at once: `present`, meeting id -> organisation
    ids present, and `without_follow_up`, the number of decisions without an action)."""
    warnings: list[HealthWarning] = []
    if not any(p.role == CaseRole.COORDINATOR for p in participants):
        warnings.append(
            HealthWarning("no_coordinator", _("Nobody holds the regie: name a coordinator."))
        )
    overdue = [a for a in actions if a.is_overdue(today)]
    if overdue:
        warnings.append(
            HealthWarning(
                "overdue",
                ngettext("%(n)d action is overdue.", "%(n)d actions are overdue.", len(overdue))
                % {"n": len(overdue)},
            )
        )
    waiting: dict[str, int] = {}
    for a in actions:
        if (
            a.status in ("open", "in_progress")
            and (today - a.created_at.date()).days > WAITING_DAYS
        ):
            waiting[a.owner_organisation.name] = waiting.get(a.owner_organisation.name, 0) + 1
    for name, n in sorted(waiting.items()):
        warnings.append(
            HealthWarning(
                "waiting",
                ngettext(
                    "%(n)d action has been waiting on %(org)s for more than %(days)d days.",
                    "%(n)d actions have been waiting on %(org)s for more than %(days)d days.",
                    n,
                )
                % {"n": n, "org": name, "days": WAITING_DAYS},
            )
        )
    if mismatches:
        warnings.append(
            HealthWarning(
                "mismatches",
                ngettext(
                    "%(n)d diverging expectation about tasks is unresolved.",
                    "%(n)d diverging expectations about tasks are unresolved.",
                    len(mismatches),
                )
                % {"n": len(mismatches)},
            )
        )
    held = [m for m in meetings if m.starts_at <= now]
    planned = [m for m in meetings if m.starts_at > now]
    if not planned and (not held or (now - held[-1].starts_at).days > NO_MEETING_DAYS):
        warnings.append(
            HealthWarning(
                "no_meeting",
                _("No meeting for more than %(days)d days and none planned.")
                % {"days": NO_MEETING_DAYS}
                if held
                else _("The partners have not met yet and no meeting is planned."),
            )
        )
    last = held[-ABSENT_MEETINGS:]
    if len(last) == ABSENT_MEETINGS:
        if present is None:
            present = {}
            for row in Attendance.objects.filter(meeting__in=last).values(
                "meeting_id", "organisation_id"
            ):
                present.setdefault(row["meeting_id"], set()).add(row["organisation_id"])
        absent = sorted(
            {
                p.organisation.name
                for p in participants
                if all(p.organisation_id not in present.get(m.pk, set()) for m in last)
            }
        )
        for name in absent:
            warnings.append(
                HealthWarning(
                    "absent",
                    _("%(org)s was absent from the last %(n)d meetings.")
                    % {"org": name, "n": ABSENT_MEETINGS},
                )
            )
    if held:
        without = (
            without_follow_up
            if without_follow_up is not None
            else Decision.objects.filter(meeting__in=held, actions__isnull=True).count()
        )
        if without:
            warnings.append(
                HealthWarning(
                    "no_follow_up",
                    ngettext(
                        "%(n)d decision has no action to follow it up.",
                        "%(n)d decisions have no action to follow them up.",
                        without,
                    )
                    % {"n": without},
                )
            )
    return warnings


def _meeting_follow_up(case: Case, meetings: list[Meeting], now) -> tuple[dict, int]:
    """What the health of one case needs of its held meetings: who was present at the last
    ABSENT_MEETINGS (meeting id -> organisation ids) and the number of decisions without
    an action. Two queries, asked whether or not there are meetings, so that the case
    page reads the same number of statements for every case."""
    last = [m.pk for m in meetings if m.starts_at <= now][-ABSENT_MEETINGS:]
    present: dict[int, set[int]] = {}
    for row in Attendance.objects.filter(meeting__case=case, meeting_id__in=last or [0]).values(
        "meeting_id", "organisation_id"
    ):
        present.setdefault(row["meeting_id"], set()).add(row["organisation_id"])
    without = (
        Decision.objects.filter(
            meeting__case=case, meeting__starts_at__lte=now, actions__isnull=True
        )
        .values("pk")
        .distinct()
        .count()
    )
    return present, without


@dataclass
class CasePage:
    case: Case
    permissions: frozenset[str]
    participants: list[CaseParticipant]
    organisations: list[ParticipatingOrganisation]
    parent_visible: bool
    subcases: list[Case]
    reports: list[LinkedReport]
    timeline: list[CaseTimelineEntry]  # the latest TIMELINE_PAGE events, oldest first
    timeline_older: int | None  # the cursor of the older events, when there are any
    agreements: list[TaskAgreement]
    tasks: list[OrganisationTasks]
    open_topics: list[TaskAgreement]
    mismatches: list[Mismatch]
    my_organisations: list[int]
    actions: list[CaseAction]
    today: object
    overdue: list[CaseAction]
    meetings: list[Meeting]
    health: list[HealthWarning]
    checklist: list["ChecklistItem"]
    phases: list
    escalations: list = field(default_factory=list)
    fragments: list = field(default_factory=list)
    data_limits: list = field(default_factory=list)

    @property
    def timeline_page(self) -> TimelinePage:
        return TimelinePage(self.timeline, self.timeline_older)


def case_page(*, viewer: Viewer, id) -> CasePage:
    """Everything the case page shows, for a viewer who may see the case; the view is
    audited once (the case, and the linked reports read with it)."""
    case = case_get(viewer=viewer, id=id)
    participants = _participants(case)
    organisations = participating_organisations(participants)
    agreements = _agreements(case)
    actions = _actions(case)
    today = timezone.localdate()
    meetings = _meetings(case)
    mismatches = agreement_mismatches(agreements)
    sharing = _sharing(participants)
    timeline = _timeline(case)
    now = timezone.now()
    present, without_follow_up = _meeting_follow_up(case, meetings, now)
    audit_record(
        viewer=viewer,
        action="view",
        object_type="cases.case",
        object_ids=[case.pk],
        fields=["title", "goal", "unit", "participants"],
        context=case_context(case),
    )
    return CasePage(
        case=case,
        permissions=case_permissions(viewer=viewer, case=case),
        participants=participants,
        organisations=organisations,
        parent_visible=parent_visible(viewer=viewer, case=case),
        subcases=case_subcases(viewer=viewer, case=case),
        reports=_reports(viewer, case),
        timeline=timeline.entries,
        timeline_older=timeline.older,
        agreements=agreements,
        tasks=agreements_per_organisation(organisations, agreements),
        open_topics=[a for a in agreements if a.organisation_id is None],
        mismatches=mismatches,
        my_organisations=sorted(_at_the_table(viewer, participants)[0]),
        actions=actions,
        today=today,
        overdue=[a for a in actions if a.is_overdue(today)],
        meetings=meetings,
        health=case_health(
            case=case,
            participants=participants,
            actions=actions,
            mismatches=mismatches,
            meetings=meetings,
            today=today,
            now=now,
            present=present,
            without_follow_up=without_follow_up,
        ),
        checklist=phase_checklist(
            case=case, participants=participants, agreements=agreements, meetings=meetings
        ),
        phases=list(Phase.choices),
        escalations=_escalations_on_page(viewer, case),
        fragments=_fragments(viewer, case, participants, sharing),
        data_limits=data_limits(viewer=viewer, participants=participants, sharing=sharing),
    )


# --- Phases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    item: str
    label: str
    done: bool
    automatic: bool
    note: str = ""


def _proven(case: Case, participants, agreements, meetings, now) -> set[str]:
    """The checklist items the case's data proves."""
    organisations = {p.organisation_id for p in participants}
    proven = set()
    if len(organisations) >= 2:
        proven.add("partners_identified")
    if any(p.role == CaseRole.COORDINATOR for p in participants):
        proven.add("lead_named")
    taken = {a.organisation_id for a in agreements if a.status == AgreementStatus.ACCEPTED}
    if organisations and organisations <= taken:
        proven.add("roles_and_agreements")
    if any(m.starts_at > now for m in meetings):
        proven.add("meeting_rhythm")
    others = organisations - {case.building.owner_id}
    if others and others <= set(
        organisations_sharing_with(case.building.owner_id, DataCategory.RESIDENT_IDENTITY)
    ):
        proven.add("data_sharing")
    return proven


def phase_checklist(
    *, case: Case, participants, agreements, meetings, phase: int | None = None
) -> list[ChecklistItem]:
    """The checklist of `phase` (default: the case's): proven items tick themselves,
    the others are ticked by hand with a note."""
    phase = phase or case.phase
    proven = _proven(case, participants, agreements, meetings, timezone.now())
    ticked = {c.item: c for c in PhaseCheck.objects.filter(case=case)}
    return [
        ChecklistItem(
            item=item,
            label=str(label),
            done=(item in proven) if item in AUTO_ITEMS else item in ticked,
            automatic=item in AUTO_ITEMS,
            note=ticked[item].note if item in ticked else "",
        )
        for item, label in PHASE_ITEMS[phase]
    ]


def case_checklist(*, viewer: Viewer, case_id, phase: int | None = None) -> list[ChecklistItem]:
    case = case_get(viewer=viewer, id=case_id)
    return phase_checklist(
        case=case,
        participants=_participants(case),
        agreements=_agreements(case),
        meetings=_meetings(case),
        phase=phase,
    )


# --- My work and cases by health --------------------------------------------------------------


@dataclass
class CaseHealth:
    case: Case
    warnings: list[HealthWarning]


class _HealthRow(SimpleNamespace):
    """A participant, agreement or meeting as the health reads it (`cases_by_health`)."""


class _HealthAction(SimpleNamespace):
    def is_overdue(self, today) -> bool:
        return CaseAction.is_overdue(self, today)


@dataclass(frozen=True)
class _Named:
    name: str


def _by_case(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped


def cases_by_health(*, viewer: Viewer, visible: dict[int, str] | None = None) -> list[CaseHealth]:
    """The viewer's open cases, those with the most warnings first. Everything the
    health needs is read for all the cases at once (a fixed number of queries, however
    many cases, actions, meetings or participants). `visible`: the ids and statuses of
    the cases the viewer sees, when read already (`_visible_ids`)."""
    today = timezone.localdate()
    now = timezone.now()
    # The ids first (no joins), then the cases with their building and unit by id: with
    # the need-to-know filter and the joins in one statement PostgreSQL misjudges how
    # few cases come out and hashes every unit in the country (docs/performance.md).
    if visible is None:
        visible = _visible_ids(viewer)
    ids = sorted(pk for pk, status in visible.items() if status == CaseStatus.OPEN)
    if not ids:
        return []
    cases = list(
        Case.objects.filter(pk__in=ids)
        .select_related("building", "unit", "regie_organisation")
        .order_by("-created_at", "-pk")
    )
    # Only what the health reads (`case_health`, `agreement_mismatches`), as plain rows
    # rather than model instances: a big case has fifty participants and a hundred
    # actions, the viewer dozens of cases, and building thousands of instances was most
    # of the page's time (docs/performance.md, "Cases after …").
    participants = _by_case(
        _HealthRow(case_id=c, role=r, organisation_id=o, organisation=_Named(n))
        for c, r, o, n in CaseParticipant.objects.active()
        .filter(case_id__in=ids)
        .values_list("case_id", "role", "organisation_id", "organisation__name")
        .order_by("organisation__name", "organisation_id", "role")
        .distinct()
    )
    # Health looks only at actions still to be done.
    actions = _by_case(
        _HealthAction(case_id=c, status=st, due_date=d, created_at=at, owner_organisation=_Named(n))
        for c, st, d, at, n in CaseAction.objects.filter(
            case_id__in=ids, status__in=ACTION_OPEN_STATUSES
        )
        .values_list("case_id", "status", "due_date", "created_at", "owner_organisation__name")
        .order_by("due_date", "id")
    )
    agreements = _by_case(
        _HealthRow(
            pk=pk,
            case_id=c,
            topic=t,
            topic_key=k,
            description=d,
            status=st,
            answer_note=note,
            organisation_id=o,
            organisation=_Named(n) if o else None,
        )
        for pk, c, t, k, d, st, note, o, n in TaskAgreement.objects.filter(case_id__in=ids)
        .values_list(
            "pk",
            "case_id",
            "topic",
            "topic_key",
            "description",
            "status",
            "answer_note",
            "organisation_id",
            "organisation__name",
        )
        .order_by("topic_key", "organisation__name", "id")
    )
    meetings = _by_case(
        _HealthRow(pk=pk, case_id=c, starts_at=at)
        for pk, c, at in Meeting.objects.filter(case_id__in=ids)
        .values_list("pk", "case_id", "starts_at")
        .order_by("starts_at", "id")
    )
    last = [
        m.pk
        for found in meetings.values()
        for m in [m for m in found if m.starts_at <= now][-ABSENT_MEETINGS:]
    ]
    present: dict[int, set[int]] = {}
    for row in Attendance.objects.filter(meeting_id__in=last).values(
        "meeting_id", "organisation_id"
    ):
        present.setdefault(row["meeting_id"], set()).add(row["organisation_id"])
    without = dict(
        Decision.objects.filter(
            meeting__case_id__in=ids, meeting__starts_at__lte=now, actions__isnull=True
        )
        .values("meeting__case_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("meeting__case_id", "n")
    )
    rows = [
        CaseHealth(
            case,
            case_health(
                case=case,
                participants=participants.get(case.pk, []),
                actions=actions.get(case.pk, []),
                mismatches=agreement_mismatches(agreements.get(case.pk, [])),
                meetings=meetings.get(case.pk, []),
                today=today,
                now=now,
                present=present,
                without_follow_up=without.get(case.pk, 0),
            ),
        )
        for case in cases
    ]
    return sorted(rows, key=lambda r: (-len(r.warnings), r.case.title))


@dataclass
class MyWork:
    actions: list[CaseAction]
    meetings: list[Meeting]
    cases: list[CaseHealth]
    today: object


def my_work(*, viewer: Viewer) -> MyWork:
    """One professional's page: open actions of theirs (named as owner, or of their
    organisation without an owner) on cases they take part in, the meetings coming up,
    and their cases by health. The actions and meetings carry only what the page shows
    (and their case's title)."""
    # The ids of the visible cases once (see `case_list`), for the actions, the meetings
    # and the cases by health; a superuser's are every case, asked as such.
    visible = _visible_ids(viewer)
    on_cases = Q() if viewer.is_superuser else Q(case_id__in=list(visible))
    actions = (
        CaseAction.objects.filter(on_cases, status__in=ACTION_OPEN_STATUSES)
        .filter(
            Q(owner_id=viewer.user_id)
            | Q(owner__isnull=True, owner_organisation_id__in=viewer.organisation_ids)
        )
        .select_related("case")
        .only("case_id", "description", "due_date", "status", "case__title")
        .order_by("due_date", "id")
    )
    meetings = (
        Meeting.objects.filter(on_cases, starts_at__gte=timezone.now())
        .select_related("case")
        .only("case_id", "title", "starts_at", "case__title")
        .order_by("starts_at", "id")[:20]
    )
    return MyWork(
        actions=list(actions),
        meetings=list(meetings),
        cases=cases_by_health(viewer=viewer, visible=visible),
        today=timezone.localdate(),
    )


# --- Notes, documents and visit reports ---------------------------------------------------


def _at_the_table(viewer: Viewer, participants: list[CaseParticipant]) -> tuple[set[int], bool]:
    """The organisations the viewer sits at the table for, and whether they hold the
    regie (coordinator), from the participants read already."""
    mine = [
        p
        for p in participants
        if p.user_id is not None
        and p.user_id == viewer.user_id
        and p.organisation_id in viewer.organisation_ids
    ]
    return {p.organisation_id for p in mine}, any(p.role == CaseRole.COORDINATOR for p in mine)


def fragment_visible_q(
    *, viewer: Viewer, participants: list[CaseParticipant], sharing: dict | None = None
) -> Q:
    """The fragments of a case (one the viewer sees) that the viewer may see.

    Audience: those for all participants; those of an organisation they sit at the table
    for; those for named organisations among theirs; those for the coordinator, when they
    hold it. Data-sharing: a fragment holding personal data of a category reaches them
    only from their own organisation, or from an author organisation that shares that
    category with one of theirs under a valid agreement (`sharing`, from
    `partners.selectors.shared_categories`).
    """
    if viewer.is_superuser:
        return Q()
    organisations, coordinator = _at_the_table(viewer, participants)
    q = Q(audience=FragmentAudience.ALL)
    if organisations:
        q |= Q(author_organisation_id__in=organisations)
        q |= Q(
            audience=FragmentAudience.ORGANISATIONS,
            pk__in=CaseFragment.audience_organisations.through.objects.filter(
                organisation_id__in=organisations
            ).values("casefragment_id"),
        )
    if coordinator:
        q |= Q(audience=FragmentAudience.COORDINATOR)
    received = Q(data_category="")
    if organisations:
        received |= Q(author_organisation_id__in=organisations)
        for category in DataCategory.values:
            authors = sorted(
                author
                for (author, other), categories in (sharing or {}).items()
                if other in organisations and category in categories
            )
            if authors:
                received |= Q(data_category=category, author_organisation_id__in=authors)
    return q & received


def _sharing(participants: list[CaseParticipant]) -> dict:
    return shared_categories({p.organisation_id for p in participants})


@dataclass(frozen=True)
class DataLimit:
    """What one participating organisation's data does not bring the viewer: the
    categories with no agreement between it and the viewer's organisations."""

    organisation: str
    categories: list[str]
    none_at_all: bool


def data_limits(
    *, viewer: Viewer, participants: list[CaseParticipant], sharing: dict
) -> list[DataLimit]:
    """Why the viewer receives less from some partners at the table: per other
    participating organisation, the data categories no agreement with the viewer's
    organisations covers. Drawn from the agreements alone, so it says nothing of what is
    on the case."""
    mine, _coordinator = _at_the_table(viewer, participants)
    if not mine or viewer.is_superuser:
        return []
    others = {p.organisation_id: p.organisation for p in participants}
    limits = []
    for oid, organisation in sorted(others.items(), key=lambda o: o[1].name):
        if oid in mine:
            continue
        covered = set().union(*(sharing.get((oid, m), frozenset()) for m in mine))
        missing = [str(label) for value, label in DataCategory.choices if value not in covered]
        if missing:
            limits.append(DataLimit(organisation.name, missing, not covered))
    return limits


def sharing_gaps(*, case: Case, organisation_id) -> list[str]:
    """The other organisations at the table with which `organisation_id` shares no data
    category at all: it sits at the table, but their personal data does not reach it."""
    participants = _participants(case)
    sharing = _sharing(participants)
    return sorted(
        {
            p.organisation.name
            for p in participants
            if p.organisation_id != organisation_id
            and not sharing.get((p.organisation_id, organisation_id))
        }
    )


def _fragments_qs(viewer: Viewer, case: Case, participants, sharing=None) -> QuerySet[CaseFragment]:
    if sharing is None:
        sharing = _sharing(participants)
    return (
        CaseFragment.objects.filter(case=case)
        .filter(fragment_visible_q(viewer=viewer, participants=participants, sharing=sharing))
        .select_related("author_organisation")
        .prefetch_related("audience_organisations")
        .order_by("-created_at", "-pk")
    )


def _fragments(viewer: Viewer, case: Case, participants, sharing=None) -> list[CaseFragment]:
    return list(_fragments_qs(viewer, case, participants, sharing))


def case_fragments(*, viewer: Viewer, case_id) -> list[CaseFragment]:
    """The notes, documents and visit reports of a case the viewer may see, newest
    first; audited with the case as context when there are any."""
    case = case_get(viewer=viewer, id=case_id)
    found = _fragments(viewer, case, _participants(case))
    if found:
        audit_record(
            viewer=viewer,
            action="list",
            object_type="cases.casefragment",
            object_ids=[f.pk for f in found],
            fields=["title", "text"],
            context=case_context(case),
        )
    return found


def case_fragment_get(*, viewer: Viewer, case_id, fragment_id) -> CaseFragment:
    """One fragment the viewer may see (its file is served from it); `NotFound` for
    missing and forbidden alike. Audited with the case as context."""
    case = case_get(viewer=viewer, id=case_id)
    fragment = (
        _fragments_qs(viewer, case, _participants(case))
        .filter(pk=parse_id(fragment_id) or 0)
        .first()
    )
    if fragment is None:
        raise NotFound(_("Not found."))
    audit_record(
        viewer=viewer,
        action="view",
        object_type="cases.casefragment",
        object_ids=[fragment.pk],
        fields=["file"],
        context=case_context(case),
    )
    return fragment


# --- Escalations ----------------------------------------------------------------------------


def escalation_levels_above(level: str) -> list[str]:
    """The mandate levels above `level`, low to high (where a case escalates to)."""
    return [m for m, rank in MANDATE_RANK.items() if rank > MANDATE_RANK.get(level, 0)]


def escalation_reach(*, case: Case, level: str, exclude_user_id=None) -> list[Membership]:
    """Who an escalation to `level` reaches: the people of the organisations at the table
    (active participants) whose membership holds that mandate level or a higher one;
    people, not service accounts, and not the one asking."""
    levels = [m for m, rank in MANDATE_RANK.items() if rank >= MANDATE_RANK.get(level, 99)]
    qs = (
        Membership.objects.filter(
            organisation_id__in=CaseParticipant.objects.active()
            .filter(case=case)
            .values("organisation_id"),
            mandate_level__in=levels,
            is_active=True,
            is_service_account=False,
            user__is_active=True,
            organisation__is_active=True,
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__username", "pk")
    )
    if exclude_user_id is not None:
        qs = qs.exclude(user_id=exclude_user_id)
    return list(qs)


def _escalations_visible(viewer: Viewer) -> QuerySet[Escalation]:
    """Escalations on cases the viewer sees, and those addressed to them."""
    if viewer.is_superuser:
        return Escalation.objects.all()
    return Escalation.objects.filter(
        Q(case__in=Case.objects.visible_to(viewer).values("pk"))
        | Q(
            pk__in=EscalationAddressee.objects.filter(
                user_id=viewer.user_id or 0, organisation_id__in=viewer.organisation_ids
            ).values("escalation_id")
        )
    )


def _with_people(qs: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return qs.select_related(
        "case", "asked_by_organisation", "answered_by_organisation"
    ).prefetch_related(
        Prefetch(
            "addressees",
            queryset=EscalationAddressee.objects.select_related("user", "organisation"),
        )
    )


def _escalations(case: Case) -> list[Escalation]:
    return list(_with_people(Escalation.objects.filter(case=case)).order_by("-created_at", "-pk"))


def _escalations_on_page(viewer: Viewer, case: Case) -> list[Escalation]:
    """The case page's escalations, newest first, each with `addressed_to_viewer` (one
    query, whether or not there are any)."""
    return list(
        Escalation.objects.filter(case=case)
        .select_related("asked_by_organisation", "answered_by_organisation")
        .annotate(
            addressed_to_viewer=Exists(
                EscalationAddressee.objects.filter(
                    escalation=OuterRef("pk"),
                    user_id=viewer.user_id or 0,
                    organisation_id__in=viewer.organisation_ids,
                )
            )
        )
        .order_by("-created_at", "-pk")
    )


def case_escalations(*, viewer: Viewer, case_id) -> list[Escalation]:
    """The escalations of a case the viewer sees, newest first."""
    return _escalations(case_get(viewer=viewer, id=case_id))


def escalation_is_addressed_to(escalation: Escalation, viewer: Viewer) -> bool:
    return any(
        a.user_id == viewer.user_id and a.organisation_id in viewer.organisation_ids
        for a in escalation.addressees.all()
    )


@dataclass
class EscalationPage:
    escalation: Escalation
    may_answer: bool
    may_close: bool
    sees_case: bool


def escalation_page(*, viewer: Viewer, id) -> EscalationPage:
    """One escalation, for whoever sees its case or is addressed; `NotFound` otherwise.
    An addressee who is not at the table sees the question, the case's title and who
    asked, not the rest of the case. The read is audited with the case as context."""
    escalation = _with_people(_escalations_visible(viewer)).filter(pk=as_id(id)).first()
    if escalation is None:
        raise NotFound(_("Not found."))
    case = escalation.case
    sees_case = Case.objects.visible_to(viewer).filter(pk=case.pk).exists()
    audit_record(
        viewer=viewer,
        action="view",
        object_type="cases.escalation",
        object_ids=[escalation.pk],
        fields=["question", "answer"],
        context=case_context(case),
    )
    return EscalationPage(
        escalation=escalation,
        may_answer=escalation.status == EscalationStatus.OPEN
        and escalation_is_addressed_to(escalation, viewer),
        may_close=escalation.status == EscalationStatus.ANSWERED
        and sees_case
        and (viewer.is_superuser or viewer.has_perm(CHANGE_CASE, obj=case)),
        sees_case=sees_case,
    )


@dataclass
class EscalationsWaiting:
    for_me: list[Escalation]  # open, addressed to the viewer: theirs to answer
    for_the_table: list[Escalation]  # answered, on cases the viewer changes: to take up


def escalations_waiting(*, viewer: Viewer) -> EscalationsWaiting:
    """What waits for the viewer on each side of an escalation (two queries and their
    prefetches, whatever the number of cases)."""
    if viewer.user_id is None:
        return EscalationsWaiting([], [])
    for_me = _with_people(
        Escalation.objects.filter(
            status=EscalationStatus.OPEN,
            pk__in=EscalationAddressee.objects.filter(
                user_id=viewer.user_id, organisation_id__in=viewer.organisation_ids
            ).values("escalation_id"),
        )
    ).order_by("created_at", "pk")
    for_table = _with_people(
        Escalation.objects.filter(
            status=EscalationStatus.ANSWERED,
            case__in=Case.objects.visible_to(viewer, permission=CHANGE_CASE).values("pk"),
        )
    ).order_by("answered_at", "pk")
    return EscalationsWaiting(list(for_me), list(for_table))


# --- Choices for the forms -----------------------------------------------------------------


def case_building_choices(*, viewer: Viewer) -> QuerySet[Building]:
    """Buildings the viewer may open a case on: those they may see."""
    return Building.objects.visible_to(viewer).order_by("name")


def case_organisation_choices() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_active=True).order_by("name")


PERSON_SUGGESTIONS = 10


def _people(*, viewer: Viewer, organisation_id) -> QuerySet[Membership]:
    """The people of one organisation who may be named on a case and whom the viewer may
    see: active members (no service accounts) of an active organisation, following the
    partner directory's rule (colleagues always; others with `partners.view_directory`)."""
    organisation_id = parse_id(organisation_id)
    if organisation_id is None:
        return Membership.objects.none()
    qs = Membership.objects.filter(
        organisation_id=organisation_id,
        is_active=True,
        is_service_account=False,
        organisation__is_active=True,
        user__is_active=True,
    )
    if not (viewer.is_superuser or may_view_directory(viewer)):
        qs = qs.filter(organisation_id__in=viewer.organisation_ids)
    return qs.select_related("user", "organisation")


def case_person_suggestions(
    *, viewer: Viewer, organisation_id, q: str, limit: int = PERSON_SUGGESTIONS
) -> list[Membership]:
    """At most `limit` people of the organisation whose name, username or e-mail address
    contains `q`, by name: the suggestions of the add-participant form's person search.
    Nothing for fewer than two characters. One query."""
    q = " ".join((q or "").split())[:100]
    if len(q) < 2:
        return []
    match = Q()
    for word in q.split(" "):
        match &= (
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
            | Q(user__email__icontains=word)
            | Q(work_email__icontains=word)
        )
    return list(
        _people(viewer=viewer, organisation_id=organisation_id)
        .filter(match)
        .order_by("user__last_name", "user__first_name", "user__username", "pk")[:limit]
    )


def case_person_matches(
    *, viewer: Viewer, organisation_id, user_id=None, text: str = ""
) -> list[Membership]:
    """Who the add-participant form names: the person chosen from the suggestions
    (`user_id`), or typed without them (`text`: a username or e-mail address, or words
    of the name that fit exactly one person). At most two people: more than one is
    ambiguous. One query (two for a name)."""
    people = _people(viewer=viewer, organisation_id=organisation_id)
    if user_id not in (None, ""):
        return list(people.filter(user_id=parse_id(user_id) or 0)[:1])
    text = " ".join((text or "").split())[:100]
    if not text:
        return []
    exact = list(
        people.filter(
            Q(user__username__iexact=text)
            | Q(user__email__iexact=text)
            | Q(work_email__iexact=text)
        )[:2]
    )
    if exact:
        return exact
    return case_person_suggestions(viewer=viewer, organisation_id=organisation_id, q=text, limit=2)
