"""Case kinds, statuses and roles (plain data; DOMAIN.md "Cases")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    BUILDING_APPROACH = "building_approach", _("Building approach")
    NUISANCE = "nuisance", _("Nuisance")
    HOUSING_FRAUD = "housing_fraud", _("Housing fraud")
    CARE = "care", _("Care")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Confidentiality(models.TextChoices):
    # A sub-case "for the table" is seen by the parent case's participants too; a
    # restricted one only by its own participants (not even as a count under the parent).
    NORMAL = "normal", _("Participants (and those of the parent case)")
    RESTRICTED = "restricted", _("Restricted: only its own participants")


class CaseRole(models.TextChoices):
    """A participant's role on the case; the coordinator holds the regie."""

    COORDINATOR = "coordinator", _("Coordinator (regie)")
    CHAIR = "chair", _("Chair")
    HANDLER = "handler", _("Handler")
    ADVISER = "adviser", _("Adviser")
    INVOLVED = "involved", _("Involved")


# Roles of which a case has at most one active participant.
SINGLE_ROLES = frozenset({CaseRole.COORDINATOR, CaseRole.CHAIR})


class AgreementStatus(models.TextChoices):
    """Where a task agreement stands: an organisation takes a task on itself, or others
    expect it of the organisation and it has not (yet) accepted, or it declined."""

    EXPECTED = "expected", _("Expected, not accepted yet")
    ACCEPTED = "accepted", _("Taken on")
    DECLINED = "declined", _("Declined")


class ActionStatus(models.TextChoices):
    """A shared action's status; "overdue" is derived from the due date, never stored."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which an action still has to be done (and can become overdue).
ACTION_OPEN_STATUSES = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("Before the due date")
    AFTER = "after", _("After the due date")


class AgendaSource(models.TextChoices):
    REPORT = "report", _("New linked report")
    ACTION = "action", _("Overdue action")
    MISMATCH = "mismatch", _("Diverging expectation")
    ESCALATION = "escalation", _("Escalation")
    MANUAL = "manual", _("Added by hand")


# Mandate levels from low to high: a decision at a level needs a mandate at least as high.
MANDATE_RANK = {"operational": 1, "tactical": 2, "strategic": 3}


class Phase(models.IntegerChoices):
    """Platform31, "Wijkgericht werken. Zo doe je dat": the three phases."""

    GETTING_STARTED = 1, _("1. Getting collaboration going")
    SHAPING = 2, _("2. Shaping it appropriately")
    IMPASSE = 3, _("3. Preventing or breaking an impasse")


# The checklist per phase: (item, label). Items in AUTO_ITEMS tick themselves when the
# case's data proves them (selectors.phase_checklist); the others are ticked by hand.
PHASE_ITEMS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (
        ("shared_analysis", _("Shared analysis of the problem")),
        ("partners_identified", _("Partners identified")),
        ("lead_named", _("Lead (regie) named")),
        ("commitment_recorded", _("Commitment of the partners recorded")),
    ),
    2: (
        ("roles_and_agreements", _("Roles and task agreements recorded")),
        ("data_sharing", _("Data-sharing agreement in place for what is shared")),
        ("meeting_rhythm", _("Meeting rhythm set")),
        ("measurable_goals", _("Measurable goals")),
    ),
    3: (
        ("impasses_visible", _("Impasses made visible")),
        ("escalation_contacts", _("Escalation contacts per level")),
        ("evaluation", _("Evaluation")),
    ),
}
AUTO_ITEMS = frozenset(
    {"partners_identified", "lead_named", "roles_and_agreements", "data_sharing", "meeting_rhythm"}
)


class EscalationStatus(models.TextChoices):
    """An escalation goes up with a question, is answered there and comes back down: the
    table takes the answer up (closed)."""

    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered, back to the table")
    CLOSED = "closed", _("Taken up by the table")


class FragmentKind(models.TextChoices):
    NOTE = "note", _("Note")
    DOCUMENT = "document", _("Document")
    VISIT_REPORT = "visit_report", _("Visit report")


class FragmentAudience(models.TextChoices):
    """Who of the case's participants sees a note, document or visit report (besides its
    author's organisation, which always does)."""

    ALL = "all", _("All participants")
    ORGANISATIONS = "organisations", _("Named organisations only")
    COORDINATOR = "coordinator", _("The coordinator only")
