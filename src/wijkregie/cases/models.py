"""Shared cases: partners around one table (DOMAIN.md "Cases"; docs/cases.md).

Who sees a case is decided by roles on the case (`cases/roles.py`, held as
`core.ObjectGrant`s written by the participant services): a named participant sees it, and
a sub-case that is not restricted is seen by the parent case's participants as well. No
organisation-wide permission shows a case. A linked report travels without its reporter:
`CaseReport` points at the report, and `ReporterIdentity` has no path from `Report`.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wijkregie.cases.workflows import (
    ACTION_OPEN_STATUSES,
    ActionStatus,
    AgendaSource,
    AgreementStatus,
    CaseKind,
    CaseRole,
    CaseStatus,
    Confidentiality,
    EscalationStatus,
    FragmentAudience,
    FragmentKind,
    Phase,
    ReminderKind,
)
from wijkregie.core.access import NOTHING, VisibleToQuerySet, object_grant_q
from wijkregie.core.models import BaseModel
from wijkregie.core.timeline import TimelineEvent
from wijkregie.partners.models import DataCategory, MandateLevel, Organisation
from wijkregie.places.models import Building, Unit
from wijkregie.reports.models import Report

# Permissions on one case (held through roles on it, cases/roles.py).
VIEW_CASE = "cases.view_case"
CHANGE_CASE = "cases.change_case"
MANAGE_PARTICIPANTS = "cases.manage_participants"
MOVE_REGIE = "cases.move_regie"
LINK_REPORT = "cases.link_report"
# An organisation permission (a partners role grants it): open a case.
OPEN_CASE = "cases.open_case"

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 5000


class CaseQuerySet(VisibleToQuerySet):
    default_permission = VIEW_CASE

    def need_to_know(self, viewer, permission: str) -> models.Q:
        """Besides the cases the viewer holds a role on (object grants): a sub-case that
        is not restricted, for those who may see its parent that way."""
        if permission != VIEW_CASE:
            return NOTHING
        through_parent = object_grant_q(viewer, Case, VIEW_CASE, field="parent_id")
        if through_parent == NOTHING:
            return NOTHING
        return models.Q(confidentiality=Confidentiality.NORMAL) & through_parent


class Case(BaseModel):
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="cases"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("home (household)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subcases",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    goal = models.TextField(_("goal"), max_length=TEXT_MAX_LENGTH)
    kind = models.CharField(_("kind"), max_length=32, choices=CaseKind.choices)
    level = models.CharField(
        _("level"), max_length=16, choices=MandateLevel.choices, default=MandateLevel.OPERATIONAL
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=16,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    # The regie, denormalised for the header and the lists; only services write it.
    phase = models.PositiveSmallIntegerField(
        _("phase"), choices=Phase.choices, default=Phase.GETTING_STARTED
    )
    regie_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("regie"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    regie_since = models.DateTimeField(_("regie since"), null=True, blank=True)
    regie_reason = models.TextField(_("reason for the regie"), blank=True)
    opened_by_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        default_permissions = ()
        permissions = [("open_case", "Can open cases")]
        indexes = [models.Index(fields=["building", "status"], name="case_building_idx")]

    def __str__(self):
        return self.title


class ParticipantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class CaseParticipant(BaseModel):
    """An organisation on the case, with a named person or without (the organisation as
    such); the person's role holds through `grant` (a `core.ObjectGrant`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("role on the case"), max_length=16, choices=CaseRole.choices)
    grant = models.ForeignKey(
        "core.ObjectGrant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["case", "created_at", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation", "user"],
                condition=models.Q(ended_at__isnull=True, user__isnull=False),
                name="case_participant_person_unique",
            ),
            models.UniqueConstraint(
                fields=["case", "organisation"],
                condition=models.Q(ended_at__isnull=True, user__isnull=True),
                name="case_participant_organisation_unique",
            ),
            models.UniqueConstraint(
                fields=["case", "role"],
                condition=models.Q(ended_at__isnull=True, role__in=["coordinator", "chair"]),
                name="case_participant_single_role",
            ),
        ]

    def __str__(self):
        return f"{self.organisation_id}/{self.user_id}: {self.role}"

    @property
    def person_name(self) -> str:
        if self.user_id is None:
            return ""
        return self.user.get_full_name() or self.user.username


class CaseReport(BaseModel):
    """A report taken up by a case; one report may be on several cases."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="report_links")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="case_links")
    linked_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    linked_by_label = models.CharField(max_length=200, blank=True)
    note = models.TextField(_("why it belongs to the case"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("linked report")
        verbose_name_plural = _("linked reports")
        constraints = [
            models.UniqueConstraint(fields=["case", "report"], name="case_report_unique")
        ]


def topic_key(topic: str) -> str:
    """What makes two agreements be about the same topic: the words, case and spacing
    aside."""
    return " ".join(str(topic or "").casefold().split())[:200]


class TaskAgreement(BaseModel):
    """What one organisation takes on in the case, or what others expect of it.

    `organisation` empty: a topic on the table that no organisation has been asked to
    take yet. Mismatches are derived (selectors.agreement_mismatches), never stored.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreements")
    topic = models.CharField(_("topic"), max_length=200)
    topic_key = models.CharField(max_length=200, editable=False)
    description = models.TextField(_("what exactly"), max_length=2000, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("whose task"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expected_by = models.ForeignKey(
        Organisation,
        verbose_name=_("expected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=AgreementStatus.choices)
    answer_note = models.TextField(_("answer"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "topic_key", "id"]
        verbose_name = _("task agreement")
        verbose_name_plural = _("task agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "topic_key", "organisation"],
                name="task_agreement_unique",
            )
        ]

    def __str__(self):
        return self.topic


ACTION_MAX_LENGTH = 2000


class CaseActionQuerySet(models.QuerySet):
    def overdue(self, today):
        return self.filter(status__in=ACTION_OPEN_STATUSES, due_date__lt=today)


class CaseAction(BaseModel):
    """A shared action (afspraak/actie): who does what by when, and what came of it.

    `version` counts the changes: an edit names the version it started from, and a
    change made by someone else in between refuses it (no lost update). Overdue is
    derived from `due_date` and `status`.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("what"), max_length=ACTION_MAX_LENGTH)
    owner_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), max_length=ACTION_MAX_LENGTH, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    decision = models.ForeignKey(
        "Decision",
        verbose_name=_("from decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )

    objects = CaseActionQuerySet.as_manager()

    class Meta:
        ordering = ["case", "due_date", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [
            models.Index(fields=["case", "status", "due_date"], name="case_action_idx"),
            models.Index(fields=["status", "due_date"], name="case_action_due_idx"),
        ]

    def __str__(self):
        return self.description[:80]

    def is_overdue(self, today) -> bool:
        return self.status in ACTION_OPEN_STATUSES and self.due_date < today


class ActionReminder(models.Model):
    """The marker that a reminder for an action's due date was sent (or is on its way):
    one per action, kind and due date, so a reminder goes once, however often the
    reminder run or its worker starts again. A new due date gets new reminders."""

    action = models.ForeignKey(CaseAction, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    due_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "kind", "due_date"], name="action_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.action_id}: {self.kind} {self.due_date}"


class Meeting(BaseModel):
    """A case meeting (overleg): when, where, the agenda, who attended, minutes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("where"), max_length=200, blank=True)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)

    class Meta:
        ordering = ["case", "starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["case", "starts_at"], name="case_meeting_idx")]

    def __str__(self):
        return self.title


class MinutesMailing(models.Model):
    """The marker that a meeting's minutes were sent to the participants (or are on
    their way): one per meeting, so they go once, however often the task or its worker
    starts again."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="mailing")
    requested_by_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    def __str__(self):
        return f"minutes of {self.meeting_id}"


class AgendaItem(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("item"), max_length=500)
    source = models.CharField(max_length=16, choices=AgendaSource.choices)
    ref_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        return self.title


class Attendance(BaseModel):
    """Who attended, for which organisation, with the mandate they held then (a copy of
    the membership's, so later changes do not rewrite the record)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    mandate_level = models.CharField(
        _("mandate level"), max_length=16, choices=MandateLevel.choices
    )
    may_decide_on = models.TextField(_("may decide on"), blank=True)

    class Meta:
        ordering = ["meeting", "organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_unique")
        ]

    def __str__(self):
        return f"{self.meeting_id}: {self.user_id}"

    @property
    def person_name(self) -> str:
        return self.user.get_full_name() or self.user.username


class Decision(BaseModel):
    """A decision of a meeting: who decided, under which mandate; flagged when it lies
    outside that mandate (a level above the person's, or outside what they may decide
    on)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"), max_length=5000)
    decided_by = models.ForeignKey(
        Attendance, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=16, choices=MandateLevel.choices)
    within_may_decide_on = models.BooleanField(_("within what they may decide on"), default=True)
    outside_mandate = models.BooleanField(_("outside the mandate"), default=False)
    outside_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "created_at", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self):
        return self.text[:80]


class PhaseCheck(BaseModel):
    """A checklist item ticked by hand, with a note (items the data proves are not
    stored: they are worked out each time)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="phase_checks")
    item = models.CharField(max_length=40)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    ticked_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "item"], name="phase_check_unique")]

    def __str__(self):
        return f"{self.case_id}: {self.item}"


class Escalation(BaseModel):
    """A question taken from the table up to the tactical or strategic level: to the
    people of the participating organisations who hold that mandate level (the
    addressees, fixed when it is asked); answered there and brought back down.

    Seen by whoever sees the case, and by its addressees (who need not sit at the table:
    they see the escalation, the case's title and who asked, not the rest of the case).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(_("to level"), max_length=16, choices=MandateLevel.choices)
    question = models.TextField(_("question"), max_length=TEXT_MAX_LENGTH)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    asked_by_label = models.CharField(max_length=200, blank=True)
    asked_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EscalationStatus.choices, default="open"
    )
    answer = models.TextField(_("answer"), max_length=TEXT_MAX_LENGTH, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_by_label = models.CharField(max_length=200, blank=True)
    answered_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("taken up at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "created_at", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [models.Index(fields=["case", "status"], name="case_escalation_idx")]

    def __str__(self):
        return self.question[:80]


class EscalationAddressee(models.Model):
    """One person an escalation is addressed to, for the organisation whose mandate they
    hold (a copy of the membership's level when it was asked)."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="addressees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    mandate_level = models.CharField(max_length=16, choices=MandateLevel.choices)

    class Meta:
        ordering = ["escalation", "organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "user", "organisation"], name="escalation_addressee_unique"
            )
        ]
        indexes = [models.Index(fields=["user", "escalation"], name="escalation_addressee_idx")]

    def __str__(self):
        return f"{self.escalation_id}: {self.user_id}"


def fragment_file_path(instance, filename) -> str:
    # Unguessable names: documents are served only through a view that checks access.
    return f"cases/documents/{secrets.token_hex(16)}{filename[filename.rfind('.') :]}"


class CaseFragment(BaseModel):
    """A note, document (upload) or visit report on a case: written by one organisation
    for an audience — all participants, named organisations, or the coordinator only —
    and flagged when residents may be told its content. Who may not see it does not see
    it at all: not in a list, a count, an agenda or the timeline (selectors)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="fragments")
    kind = models.CharField(_("kind"), max_length=16, choices=FragmentKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH, blank=True)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True)
    author_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("author organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience = models.CharField(_("who sees it"), max_length=16, choices=FragmentAudience.choices)
    audience_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations that see it"), blank=True, related_name="+"
    )
    residents_may_be_told = models.BooleanField(_("residents may be told"), default=False)
    # The kind of personal data it holds, if any: an organisation without an agreement
    # with the author organisation covering it never receives it (selectors).
    data_category = models.CharField(
        _("personal data"), max_length=32, choices=DataCategory.choices, blank=True
    )
    file = models.FileField(_("file"), upload_to=fragment_file_path, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["case", "-created_at", "-id"]
        verbose_name = _("note, document or visit report")
        verbose_name_plural = _("notes, documents and visit reports")
        indexes = [models.Index(fields=["case", "audience"], name="case_fragment_idx")]

    def __str__(self):
        return self.title


class CaseEventType(models.TextChoices):
    OPENED = "opened", _("Case opened")
    PARTICIPANT_ADDED = "participant_added", _("Participant added")
    PARTICIPANT_ENDED = "participant_ended", _("Participant left the case")
    REGIE_MOVED = "regie_moved", _("Regie moved")
    REPORT_LINKED = "report_linked", _("Report linked")
    SUBCASE_OPENED = "subcase_opened", _("Sub-case opened")
    AGREEMENT_RECORDED = "agreement_recorded", _("Task agreement recorded")
    AGREEMENT_ANSWERED = "agreement_answered", _("Task agreement answered")
    ACTION_CREATED = "action_created", _("Action agreed")
    ACTION_CHANGED = "action_changed", _("Action changed")
    ACTION_DONE = "action_done", _("Action done")
    MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
    DECISION_RECORDED = "decision_recorded", _("Decision recorded")
    PHASE_ITEM_TICKED = "phase_item_ticked", _("Checklist item ticked")
    PHASE_MOVED = "phase_moved", _("Phase changed")
    FRAGMENT_ADDED = "fragment_added", _("Note, document or visit report added")
    MINUTES_SENT = "minutes_sent", _("Minutes sent to the participants")
    ESCALATED = "escalated", _("Escalated")
    ESCALATION_ANSWERED = "escalation_answered", _("Escalation answered")
    ESCALATION_CLOSED = "escalation_closed", _("Escalation answer taken up")


class CaseEvent(TimelineEvent):
    """One entry of a case's timeline (events.py); parameters hold ids and short labels."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=CaseEventType.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_idx")]

    def __str__(self):
        return f"{self.case_id}: {self.type}"
