"""Timelines: append-only histories of an object (a report's, a case's, an outreach's).

An app's timeline is a concrete model on `TimelineEvent` (who, when, what type, small
parameters) with a foreign key to its subject, and one small function per event type in
the app's `events.py`, each calling `event_record` inside the service's transaction:

    class CaseEvent(TimelineEvent):
        case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
        type = models.CharField(max_length=32, choices=CaseEventType.choices)

    def case_assigned_event(*, case, actor, at, membership_id) -> CaseEvent:
        return event_record(CaseEvent, case=case, type=CaseEventType.ASSIGNED, actor=actor,
                            at=at, parameters={"membership_id": membership_id})

History is never edited: `AppendOnlyModel` refuses to save an existing row and its
queryset refuses `update()` (and so `bulk_update()`). Rows go only with their subject
(a cascade when retention deletes it). Parameters hold ids, slugs and short labels, never
personal data or message bodies.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from wijkregie.core.access import Viewer

APPEND_ONLY = "This history is append-only."


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(APPEND_ONLY)


class AppendOnlyModel(models.Model):
    """A history row: written once, never changed (deleted only with its subject)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(APPEND_ONLY)
        super().save(*args, **kwargs)


class TimelineEvent(AppendOnlyModel):
    """One entry of a timeline; the concrete model adds its subject and its `type` choices.

    The actor is kept as a user (if any, SET_NULL when the account goes) and a label, as
    the audit trail keeps it; the organisation the actor acted for is the app's to add.
    """

    type = models.CharField(max_length=32)
    parameters = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


def actor_fields(actor: Viewer | None) -> dict:
    """The actor columns of a history row: the user and a label (none for a resident)."""
    if actor is None:
        return {"actor_id": None, "actor_label": ""}
    return {
        "actor_id": actor.user_id,
        "actor_label": ("" if actor.is_anonymous else actor.label)[:200],
    }


def event_record(
    model: type[TimelineEvent],
    *,
    type: str,
    actor: Viewer | None,
    at: datetime | None = None,
    parameters: dict | None = None,
    **fields,
) -> TimelineEvent:
    """Append one event to `model`'s timeline; `fields` name its subject (and organisation).

    Call it inside the service's transaction, so the event exists exactly when the change
    it describes does.
    """
    return model.objects.create(
        type=type,
        parameters=parameters or {},
        created_at=at or timezone.now(),
        **actor_fields(actor),
        **fields,
    )
