"""Meetings: schedule with a generated agenda, attendance with mandate, minutes,
decisions (flagged outside a mandate) with the action that follows."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events, tasks
from wijkregie.cases.models import (
    AgendaItem,
    Attendance,
    Case,
    CaseAction,
    CaseParticipant,
    CaseReport,
    Decision,
    Escalation,
    Meeting,
    MinutesMailing,
)
from wijkregie.cases.roles import MANAGE_MEETINGS
from wijkregie.cases.selectors import (
    _agreements,
    agreement_mismatches,
    case_organisations_of,
)
from wijkregie.cases.services._common import (
    _audit,
    _case_for,
    _choice,
    _open,
    _text,
)
from wijkregie.cases.services.actions import action_create
from wijkregie.cases.workflows import (
    MANDATE_RANK,
    AgendaSource,
    EscalationStatus,
)
from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import parse_id
from wijkregie.partners.models import MandateLevel, Membership

# --- Meetings, agenda, attendance, decisions -----------------------------------------------


def _meeting_for(actor: Viewer, case_id, meeting_id, permission: str) -> tuple[Case, Meeting]:
    case = _case_for(actor, case_id, permission)
    meeting = (
        Meeting.objects.select_for_update().filter(case=case, pk=parse_id(meeting_id) or 0).first()
    )
    if meeting is None:
        raise NotFound(_("Not found."))
    return case, meeting


def _agenda_generate(case: Case, meeting: Meeting, now: datetime) -> int:
    """The items that need the table: reports linked since the previous meeting,
    overdue actions, diverging expectations, escalations waiting up or down. All of it is
    the case's own (what every participant sees); a restricted sub-case never
    contributes."""
    previous = (
        Meeting.objects.filter(case=case, starts_at__lt=meeting.starts_at)
        .exclude(pk=meeting.pk)
        .order_by("-starts_at")
        .first()
    )
    links = CaseReport.objects.filter(case=case).select_related("report__category")
    if previous is not None:
        links = links.filter(created_at__gte=previous.starts_at)
    items = [
        (
            AgendaSource.REPORT,
            _("New report #%(id)s: %(category)s")
            % {"id": link.report_id, "category": link.report.category.name_in(None)},
            link.report_id,
        )
        for link in links.order_by("created_at", "id")
    ]
    moment = min(now, meeting.starts_at)
    today = timezone.localdate(moment)
    for action in (
        CaseAction.objects.overdue(today)
        .filter(case=case)
        .select_related("owner_organisation")
        .order_by("due_date", "id")
    ):
        items.append(
            (
                AgendaSource.ACTION,
                _("Overdue action of %(org)s (due %(date)s): %(what)s")
                % {
                    "org": action.owner_organisation.name,
                    "date": action.due_date.isoformat(),
                    "what": action.description[:300],
                },
                action.pk,
            )
        )
    for mismatch in agreement_mismatches(_agreements(case)):
        items.append((AgendaSource.MISMATCH, mismatch.text[:500], None))
    for escalation in Escalation.objects.filter(
        case=case, status__in=[EscalationStatus.OPEN, EscalationStatus.ANSWERED]
    ).order_by("created_at", "pk"):
        level = MandateLevel(escalation.level).label.lower()
        items.append(
            (
                AgendaSource.ESCALATION,
                (
                    _("Escalation to the %(level)s level, waiting for an answer: %(q)s")
                    if escalation.status == EscalationStatus.OPEN
                    else _("Answer from the %(level)s level to take up: %(q)s")
                )
                % {"level": level, "q": escalation.question[:300]},
                escalation.pk,
            )
        )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=n, title=title[:500], source=source, ref_id=ref)
            for n, (source, title, ref) in enumerate(items, start=1)
        ]
    )
    return len(items)


def meeting_schedule(
    *,
    actor: Viewer,
    case_id,
    title: str,
    starts_at: datetime,
    location: str = "",
    held: bool = False,
    now: datetime | None = None,
) -> Meeting:
    """Schedule a meeting; its agenda is generated from what needs the table.

    Needs `cases.manage_meetings` (coordinator, chair). A moment in the past is refused
    unless the meeting is recorded afterwards (`held=True`).
    """
    now = now or timezone.now()
    title = _text(title, field="title", max_length=200, required=True)
    location = _text(location, field="location", max_length=200)
    if not isinstance(starts_at, datetime):
        raise ValidationError({"starts_at": _("Give a date and time.")})
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at < now and not held:
        raise ValidationError(
            {
                "starts_at": _(
                    "This moment has passed. To record a meeting that took place, say "
                    "that it has been held."
                )
            }
        )
    if starts_at > now and held:
        raise ValidationError({"starts_at": _("A meeting that has been held lies in the past.")})
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_MEETINGS)
        _open(case)
        meeting = Meeting.objects.create(
            case=case, title=title, starts_at=starts_at, location=location, created_at=now
        )
        _agenda_generate(case, meeting, now)
        mine = case_organisations_of(viewer=actor, case=case)
        events.meeting_scheduled_event(
            case=case,
            actor=actor,
            organisation_id=mine[0] if mine else None,
            at=now,
            meeting_id=meeting.pk,
            starts_at=starts_at,
        )
        _audit(actor, case, "create", "cases.meeting", [meeting.pk], ["starts_at"])
    return meeting


def agenda_item_add(*, actor: Viewer, case_id, meeting_id, title: str) -> AgendaItem:
    title = _text(title, field="title", max_length=500, required=True)
    with transaction.atomic():
        _case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        last = meeting.agenda.order_by("-position").values_list("position", flat=True).first()
        return AgendaItem.objects.create(
            meeting=meeting, title=title, source=AgendaSource.MANUAL, position=(last or 0) + 1
        )


def agenda_item_remove(*, actor: Viewer, case_id, meeting_id, item_id) -> None:
    with transaction.atomic():
        _case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        deleted, _rows = AgendaItem.objects.filter(
            meeting=meeting, pk=parse_id(item_id) or 0
        ).delete()
        if not deleted:
            raise NotFound(_("Not found."))


def meeting_attendance_set(*, actor: Viewer, case_id, meeting_id, user_ids) -> list[Attendance]:
    """Who attended: people named on the case, each with their organisation and the
    mandate of their membership there (copied). Someone who took a decision stays."""
    with transaction.atomic():
        case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        wanted = {parse_id(u) for u in user_ids or []}
        if None in wanted:
            raise ValidationError({"attendees": _("Choose people named on the case.")})
        named = {
            p.user_id: p
            for p in CaseParticipant.objects.active()
            .filter(case=case, user_id__in=wanted)
            .order_by("created_at", "id")
        }
        if set(named) != wanted:
            raise ValidationError({"attendees": _("Choose people named on the case.")})
        present = {a.user_id: a for a in meeting.attendance.all()}
        leaving = [a for uid, a in present.items() if uid not in wanted]
        deciders = set(
            Decision.objects.filter(decided_by__in=leaving).values_list(
                "decided_by__user_id", flat=True
            )
        )
        if deciders:
            raise ValidationError(
                {"attendees": _("Someone who took a decision in this meeting was present.")}
            )
        Attendance.objects.filter(pk__in=[a.pk for a in leaving]).delete()
        memberships = {
            (m.user_id, m.organisation_id): m
            for m in Membership.objects.filter(user_id__in=wanted, is_active=True)
        }
        for uid in sorted(wanted - set(present)):
            p = named[uid]
            m = memberships.get((uid, p.organisation_id))
            Attendance.objects.create(
                meeting=meeting,
                user_id=uid,
                organisation_id=p.organisation_id,
                mandate_level=m.mandate_level if m else MandateLevel.OPERATIONAL,
                may_decide_on=m.may_decide_on if m else "",
            )
        _audit(actor, case, "update", "cases.meeting", [meeting.pk], ["attendance"])
    return list(meeting.attendance.select_related("user", "organisation"))


def meeting_minutes_set(*, actor: Viewer, case_id, meeting_id, minutes: str) -> Meeting:
    minutes = _text(minutes, field="minutes", max_length=20000)
    with transaction.atomic():
        case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        meeting.minutes = minutes
        meeting.save(update_fields=["minutes", "updated_at"])
        _audit(actor, case, "update", "cases.meeting", [meeting.pk], ["minutes"])
    return meeting


def meeting_minutes_send(
    *, actor: Viewer, case_id, meeting_id, now: datetime | None = None
) -> MinutesMailing:
    """Send the minutes (the PDF) to the people named on the case, by e-mail in the
    background; once per meeting. Needs `cases.manage_meetings`; the meeting has been
    held and has minutes."""
    now = now or timezone.now()
    with transaction.atomic():
        case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        if meeting.starts_at > now:
            raise ValidationError({"minutes": _("The meeting has not taken place yet.")})
        if not meeting.minutes.strip():
            raise ValidationError({"minutes": _("Write the minutes before sending them.")})
        mailing, created = MinutesMailing.objects.get_or_create(
            meeting=meeting, defaults={"requested_by_label": actor.label[:200], "created_at": now}
        )
        if not created:
            raise ValidationError(
                {
                    "minutes": _("The minutes of this meeting were sent on %(date)s.")
                    % {"date": formats.date_format(timezone.localtime(mailing.created_at))}
                }
            )
        tasks.minutes_notify.enqueue(mailing_id=mailing.pk)
        mine = case_organisations_of(viewer=actor, case=case)
        events.minutes_sent_event(
            case=case,
            actor=actor,
            organisation_id=mine[0] if mine else None,
            at=now,
            meeting_id=meeting.pk,
        )
        _audit(actor, case, "export", "cases.meeting", [meeting.pk], ["minutes"])
    return mailing


def _outside_mandate(attendance: Attendance, level: str, within: bool) -> str:
    reasons = []
    if MANDATE_RANK[attendance.mandate_level] < MANDATE_RANK[level]:
        reasons.append(
            _("%(person)s has a mandate at %(held)s level; this decision is at %(level)s level.")
            % {
                "person": attendance.person_name,
                "held": MandateLevel(attendance.mandate_level).label.lower(),
                "level": MandateLevel(level).label.lower(),
            }
        )
    if not within:
        reasons.append(
            _("This lies outside what %(person)s may decide on (“%(scope)s”).")
            % {
                "person": attendance.person_name,
                "scope": attendance.may_decide_on or _("nothing recorded"),
            }
        )
    return " ".join(str(r) for r in reasons)


def decision_record(
    *,
    actor: Viewer,
    case_id,
    meeting_id,
    text: str,
    decided_by_user_id,
    level: str | None = None,
    within_may_decide_on: bool = True,
    action: dict | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record a decision of a meeting that has started, by someone present.

    `level` (default: the case's) against the decider's mandate level, and whether it
    falls within what they may decide on: outside either, the decision is recorded and
    flagged, with the reason in words. `action` ({"description", "owner_organisation_id",
    "owner_id", "due_date"}) creates the shared action that follows from it, in the same
    step.
    """
    now = now or timezone.now()
    text = _text(text, field="text", max_length=5000, required=True)
    with transaction.atomic():
        case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        level = _choice(level or case.level, MandateLevel, field="level")
        if meeting.starts_at > now:
            raise ValidationError({"text": _("The meeting has not started yet.")})
        attendance = (
            meeting.attendance.select_related("user")
            .filter(user_id=parse_id(decided_by_user_id) or 0)
            .first()
        )
        if attendance is None:
            raise ValidationError(
                {
                    "decided_by": _(
                        "Only someone present at the meeting decides: record who attended first."
                    )
                }
            )
        reason = _outside_mandate(attendance, level, bool(within_may_decide_on))
        decision = Decision.objects.create(
            meeting=meeting,
            text=text,
            decided_by=attendance,
            level=level,
            within_may_decide_on=bool(within_may_decide_on),
            outside_mandate=bool(reason),
            outside_reason=reason,
            created_at=now,
        )
        events.decision_recorded_event(
            case=case,
            actor=actor,
            organisation_id=attendance.organisation_id,
            at=now,
            decision_id=decision.pk,
            outside_mandate=decision.outside_mandate,
        )
        _audit(actor, case, "create", "cases.decision", [decision.pk], ["text", "decided_by"])
        if action:
            created = action_create(
                actor=actor,
                case_id=case.pk,
                description=action.get("description") or text,
                owner_organisation_id=action.get("owner_organisation_id"),
                owner_id=action.get("owner_id"),
                due_date=action.get("due_date"),
                now=now,
            )
            CaseAction.objects.filter(pk=created.pk).update(decision=decision)
    return decision
