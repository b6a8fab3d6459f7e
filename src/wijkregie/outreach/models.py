"""Door-to-door rounds, their visits, and residents' evenings (docs/outreach.md).

A round walks a list of doors (`RoundDoor`, in walking order: entrance, floor, number).
Each outcome at a door is a `Visit` with a client-made idempotency key, so a phone that
syncs its offline outbox twice, or in another order, stores each visit once. What a door
"is" in the coverage is decided by its latest visit by the time it was recorded on the
phone, not by the time it reached the server.

A residents' evening invites residents with personal codes; the input form behind a code
is anonymous: an `EveningInput` keeps no link to the code or the resident.
"""

import secrets

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from wijkregie.cases.models import CaseAction
from wijkregie.core.access import NOTHING, Viewer, VisibleToQuerySet
from wijkregie.core.models import BaseModel
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places.models import Building, Unit
from wijkregie.reports.models import Report
from wijkregie.residents.models import Resident

# Organisation permissions (partners roles grant them).
PLAN_OUTREACH = "outreach.plan_outreach"  # plan rounds and evenings, see all of them
VISIT_DOORS = "outreach.visit_doors"  # take part in a round's team

TITLE_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 2000
INPUT_MAX_LENGTH = 4000


class VisitOutcome(models.TextChoices):
    SPOKE = "spoke", _("Spoke with a resident")
    NOT_HOME = "not_home", _("Not at home")
    NO_ANSWER = "no_answer", _("Did not open")
    LETTER_LEFT = "letter_left", _("Letter left")
    VACANT = "vacant", _("Looks vacant")


class Topic(models.TextChoices):
    NUISANCE = "nuisance", _("Nuisance from neighbours")
    SAFETY = "safety", _("Feeling unsafe")
    DRUGS = "drugs", _("Drug dealing")
    YOUTH = "youth", _("Young people hanging around")
    CLEANLINESS = "cleanliness", _("Rubbish and cleanliness")
    MAINTENANCE = "maintenance", _("Repairs and maintenance")
    STORAGE = "storage", _("Storage rooms")
    LONELINESS = "loneliness", _("Loneliness or care")
    MONEY = "money", _("Money worries")
    POSITIVE = "positive", _("Something positive")


class ContactAgainChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    POST = "letter", _("Letter by post")
    VISIT = "visit", _("Another visit")


class Coverage(models.TextChoices):
    """A door's state in a round's coverage (drawn with places.drawing's marks)."""

    SPOKEN = "reached", _("Spoken")
    NOT_HOME = "not_reached", _("Not at home")
    REVISIT = "revisit", _("To revisit")
    NOT_TRIED = "to_do", _("Not yet tried")


def _team_condition(viewer: Viewer) -> Q:
    if viewer.user_id is None:
        return NOTHING
    return Q(
        Exists(
            Round.team.through.objects.filter(
                round_id=OuterRef("pk"), membership__user_id=viewer.user_id
            )
        )
    )


class RoundQuerySet(VisibleToQuerySet):
    default_permission = PLAN_OUTREACH

    def need_to_know(self, viewer: Viewer, permission: str) -> Q:
        """Planners see the rounds of their organisation; a team member sees their rounds."""
        planners = viewer.organisations_with(PLAN_OUTREACH)
        condition = _team_condition(viewer)
        if planners:
            condition |= Q(organisation_id__in=planners)
        return condition


class Round(BaseModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="rounds"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    entrances = models.JSONField(_("entrances"), default=list, blank=True)
    floors = models.JSONField(_("floors"), default=list, blank=True)
    team = models.ManyToManyField(Membership, verbose_name=_("team"), related_name="+")
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    created_by_membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("door-to-door round")
        verbose_name_plural = _("door-to-door rounds")
        permissions = [
            ("plan_outreach", "Can plan door-to-door rounds and residents' evenings"),
            ("visit_doors", "Can take part in door-to-door rounds"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="round_dates_ordered"
            )
        ]

    def __str__(self):
        return self.title


class RoundDoor(models.Model):
    """One door on a round's list; `position` is the walking order."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="doors")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="round_door_unique"),
        ]

    def __str__(self):
        return f"{self.round_id}:{self.unit_id}"


class Visit(BaseModel):
    """One outcome at one door. `idempotency_key` is made by the phone (a UUID): a replay
    of the same outcome finds it taken and gets this visit back."""

    idempotency_key = models.UUIDField(_("idempotency key"), unique=True)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="visits")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices)
    revisit = models.BooleanField(_("come back another time"), default=False)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    topics_other = models.CharField(_("other topic"), max_length=200, blank=True)
    note = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    # The resident spoken with, when the visitor may see the residents (else null).
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_again = models.BooleanField(_("may be contacted again"), default=False)
    contact_channel = models.CharField(
        _("contact again by"), max_length=8, choices=ContactAgainChannel.choices, blank=True
    )
    recorded_at = models.DateTimeField(_("recorded at"))  # on the phone
    by_membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case_action = models.ForeignKey(
        CaseAction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "-recorded_at", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["round", "unit", "-recorded_at"], name="visit_round_unit_idx")
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} {self.recorded_at:%Y-%m-%d}"


# --- Residents' evenings ------------------------------------------------------------------


class EveningQuerySet(VisibleToQuerySet):
    default_permission = PLAN_OUTREACH

    def need_to_know(self, viewer: Viewer, permission: str) -> Q:
        organisations = viewer.organisations_with(PLAN_OUTREACH)
        if not organisations:
            return NOTHING
        return Q(organisation_id__in=organisations)


class Evening(BaseModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    buildings = models.ManyToManyField(Building, verbose_name=_("buildings"), related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=TITLE_MAX_LENGTH)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=10000, blank=True)
    inputs_until = models.DateTimeField(_("input open until"))

    objects = EveningQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("residents' evening")
        verbose_name_plural = _("residents' evenings")

    def __str__(self):
        return self.title


def new_invitation_code() -> str:
    return secrets.token_urlsafe(12)


class Invitation(models.Model):
    """A personal invitation to an evening: its code opens the evening's anonymous form."""

    evening = models.ForeignKey(Evening, on_delete=models.CASCADE, related_name="invitations")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=32, unique=True, default=new_invitation_code)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["evening", "unit", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evening", "resident"], name="invitation_once_per_resident"
            )
        ]

    def __str__(self):
        return f"{self.evening_id}:{self.unit_id}"


class EveningInput(models.Model):
    """What a resident wrote on the evening's form: no code, no resident, no address."""

    evening = models.ForeignKey(Evening, on_delete=models.CASCADE, related_name="inputs")
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("input"), max_length=INPUT_MAX_LENGTH)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(_("received at"))
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case_action = models.ForeignKey(
        CaseAction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by_membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["evening", "received_at", "pk"]
        verbose_name = _("evening input")
        verbose_name_plural = _("evening inputs")

    def __str__(self):
        return f"{self.evening_id}:{self.pk}"
