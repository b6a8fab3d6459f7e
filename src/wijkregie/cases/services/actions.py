"""Shared actions: who does what by when, with reminders; no lost update."""

import datetime as dt
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events, tasks
from wijkregie.cases.models import (
    ACTION_MAX_LENGTH,
    VIEW_CASE,
    ActionReminder,
    Case,
    CaseAction,
    CaseEventType,
    CaseParticipant,
)
from wijkregie.cases.roles import MANAGE_ACTIONS
from wijkregie.cases.selectors import (
    case_organisations_of,
)
from wijkregie.cases.services._common import (
    _audit,
    _case_for,
    _choice,
    _may,
    _open,
    _text,
)
from wijkregie.cases.workflows import (
    ACTION_OPEN_STATUSES,
    ActionStatus,
    CaseStatus,
    ReminderKind,
)
from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import parse_id
from wijkregie.partners.models import Organisation

# --- Shared actions -------------------------------------------------------------------------

# Reminders: this many days before the due date, and once the day after it has passed.
REMINDER_DAYS_BEFORE = 2


class EditConflict(ApplicationError):
    """Someone else changed the object since the editor loaded it."""


def _date(value, *, field: str) -> dt.date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("Give a date, e.g. 2026-12-31.")}) from None


def _owner(case: Case, organisation_id, owner_id):
    """The owner organisation (on the case) and person (named on it for that one)."""
    organisation = Organisation.objects.filter(
        pk=parse_id(organisation_id) or 0,
        pk__in=CaseParticipant.objects.active().filter(case=case).values("organisation_id"),
    ).first()
    if organisation is None:
        raise ValidationError(
            {"owner_organisation": _("Choose an organisation that takes part in the case.")}
        )
    person = None
    if owner_id not in (None, ""):
        participant = (
            CaseParticipant.objects.active()
            .filter(case=case, organisation=organisation, user_id=parse_id(owner_id) or 0)
            .select_related("user")
            .first()
        )
        if participant is None:
            raise ValidationError(
                {
                    "owner": _("Choose a person named on the case for %(org)s.")
                    % {"org": organisation.name}
                }
            )
        person = participant.user
    return organisation, person


def _may_change_action(actor: Viewer, case: Case, action: CaseAction) -> bool:
    if _may(actor, MANAGE_ACTIONS, case):
        return True
    return action.owner_organisation_id in case_organisations_of(viewer=actor, case=case)


def action_create(
    *,
    actor: Viewer,
    case_id,
    description: str,
    owner_organisation_id,
    due_date,
    owner_id=None,
    now: datetime | None = None,
) -> CaseAction:
    """Agree a shared action: what, which organisation (and person) does it, by when.

    Needs `cases.manage_actions`. A due date in the past is allowed: the action is
    overdue at once, and the page says so.
    """
    now = now or timezone.now()
    description = _text(
        description, field="description", max_length=ACTION_MAX_LENGTH, required=True
    )
    due_date = _date(due_date, field="due_date")
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_ACTIONS)
        _open(case)
        organisation, person = _owner(case, owner_organisation_id, owner_id)
        mine = case_organisations_of(viewer=actor, case=case)
        action = CaseAction.objects.create(
            case=case,
            description=description,
            owner_organisation=organisation,
            owner=person,
            due_date=due_date,
            created_by_organisation_id=mine[0] if mine else None,
            created_at=now,
        )
        events.action_event(
            case=case,
            actor=actor,
            organisation_id=mine[0] if mine else None,
            at=now,
            type=CaseEventType.ACTION_CREATED,
            action_id=action.pk,
            status=action.status,
        )
        _audit(actor, case, "create", "cases.caseaction", [action.pk], ["owner", "due_date"])
    return action


def action_update(
    *,
    actor: Viewer,
    case_id,
    action_id,
    version,
    description: str,
    owner_organisation_id,
    due_date,
    status: str,
    outcome: str = "",
    owner_id=None,
    now: datetime | None = None,
) -> CaseAction:
    """Change an action, from the `version` the editor started from.

    Those who manage actions and the owner organisation's people on the case may. When
    someone else changed the action in between, `EditConflict` and nothing is saved:
    the second editor sees the action as it is now and makes their change again.
    """
    now = now or timezone.now()
    description = _text(
        description, field="description", max_length=ACTION_MAX_LENGTH, required=True
    )
    outcome = _text(outcome, field="outcome", max_length=ACTION_MAX_LENGTH)
    status = _choice(status, ActionStatus, field="status")
    due_date = _date(due_date, field="due_date")
    version = parse_id(version)
    if version is None:
        raise ValidationError({"version": _("This form is incomplete: reload the page.")})
    with transaction.atomic():
        case = _case_for(actor, case_id, VIEW_CASE)
        action = (
            CaseAction.objects.select_for_update()
            .filter(case=case, pk=parse_id(action_id) or 0)
            .first()
        )
        if action is None:
            raise NotFound(_("Not found."))
        if not _may_change_action(actor, case, action):
            raise PermissionDenied(_("Your role on this case does not allow this."))
        if action.version != version:
            raise EditConflict(
                _(
                    "Someone else changed this action while you were editing it. Your "
                    "change has not been saved: check the action as it is now, then make "
                    "your change again."
                ),
                extra={"current_version": action.version},
            )
        if status == ActionStatus.DONE and not outcome:
            raise ValidationError({"outcome": _("Say what came of it.")})
        organisation, person = _owner(case, owner_organisation_id, owner_id)
        was = action.status
        action.description = description
        action.owner_organisation = organisation
        action.owner = person
        action.due_date = due_date
        action.status = status
        action.outcome = outcome
        action.done_at = now if status == ActionStatus.DONE else None
        action.version = version + 1
        action.updated_at = now
        # The version in the WHERE as well: no lost update even without the row lock.
        changed = CaseAction.objects.filter(pk=action.pk, version=version).update(
            description=description,
            owner_organisation=organisation,
            owner=person,
            due_date=due_date,
            status=status,
            outcome=outcome,
            done_at=action.done_at,
            version=version + 1,
            updated_at=now,
        )
        if changed != 1:
            raise EditConflict(_("Someone else changed this action. Reload the page."))
        mine = case_organisations_of(viewer=actor, case=case)
        events.action_event(
            case=case,
            actor=actor,
            organisation_id=mine[0] if mine else None,
            at=now,
            type=CaseEventType.ACTION_DONE
            if status == ActionStatus.DONE and was != ActionStatus.DONE
            else CaseEventType.ACTION_CHANGED,
            action_id=action.pk,
            status=status,
        )
        _audit(actor, case, "update", "cases.caseaction", [action.pk], ["status", "outcome"])
    return action


def action_reminders_queue(*, now: datetime | None = None) -> int:
    """Queue the reminders that are due (run it from a scheduler, e.g. every hour).

    Before: from REMINDER_DAYS_BEFORE days ahead of the due date up to the day itself;
    after: once the due date has passed. Each (action, kind, due date) gets one marker
    row (a unique constraint), and only a new marker enqueues its e-mail task, so a
    reminder goes once however often this runs. Returns the number queued.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = CaseAction.objects.filter(
        status__in=ACTION_OPEN_STATUSES,
        case__status=CaseStatus.OPEN,
        due_date__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE),
    ).values_list("pk", "due_date")
    queued = 0
    for action_id, due_date in candidates:
        kind = ReminderKind.AFTER if due_date < today else ReminderKind.BEFORE
        with transaction.atomic():
            marker, created = ActionReminder.objects.get_or_create(
                action_id=action_id, kind=kind, due_date=due_date
            )
            if created:
                tasks.action_reminder_notify.enqueue(reminder_id=marker.pk)
                queued += 1
    return queued
