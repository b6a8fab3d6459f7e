"""Task agreements: what each organisation takes on, and what others expect of it."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events
from wijkregie.cases.models import (
    VIEW_CASE,
    Case,
    CaseParticipant,
    TaskAgreement,
    topic_key,
)
from wijkregie.cases.selectors import (
    case_organisations_of,
)
from wijkregie.cases.services._common import (
    _audit,
    _case_for,
    _may,
    _open,
    _text,
)
from wijkregie.cases.workflows import (
    AgreementStatus,
)
from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.ids import parse_id
from wijkregie.partners.models import Organisation

# --- Task agreements ------------------------------------------------------------------------


def _acting_on_case(actor: Viewer, case: Case, organisation_id=None) -> int:
    """The organisation the actor takes part in the case for (the one given when they
    take part for several); the platform may name any participating organisation."""
    if actor.is_superuser:
        chosen = parse_id(organisation_id)
        if (
            chosen is None
            or not CaseParticipant.objects.active()
            .filter(case=case, organisation_id=chosen)
            .exists()
        ):
            raise ValidationError({"organisation": _("Choose an organisation on the case.")})
        return chosen
    mine = case_organisations_of(viewer=actor, case=case)
    if organisation_id not in (None, ""):
        chosen = parse_id(organisation_id)
        if chosen not in mine:
            raise ValidationError(
                {"organisation": _("You do not take part in this case for that organisation.")}
            )
        return chosen
    if not mine:
        raise PermissionDenied(_("Only people named on the case can do this."))
    return mine[0]


def agreement_record(
    *,
    actor: Viewer,
    case_id,
    topic: str,
    description: str = "",
    organisation_id=None,
    acting_for=None,
    now: datetime | None = None,
) -> TaskAgreement:
    """Record a task agreement on the case.

    For the actor's own organisation it is taken on (accepted); for another participating
    organisation it is what the actor's organisation expects of it, until that one
    answers; without an organisation it is a topic on the table nobody was asked to take.
    Any participant says what their own organisation takes on; expecting a task of
    another, or putting a topic on the table, needs `cases.change_case`. The same topic
    for the same organisation twice is refused.
    """
    now = now or timezone.now()
    topic = _text(topic, field="topic", max_length=200, required=True)
    description = _text(description, field="description", max_length=2000)
    with transaction.atomic():
        case = _case_for(actor, case_id, VIEW_CASE)
        _open(case)
        acting = _acting_on_case(actor, case, acting_for)
        whose = None
        if organisation_id not in (None, ""):
            whose = Organisation.objects.filter(
                pk=parse_id(organisation_id) or 0,
                pk__in=CaseParticipant.objects.active().filter(case=case).values("organisation_id"),
            ).first()
            if whose is None:
                raise ValidationError(
                    {"organisation": _("Choose an organisation that takes part in the case.")}
                )
        key = topic_key(topic)
        if TaskAgreement.objects.filter(case=case, topic_key=key, organisation=whose).exists():
            raise ValidationError(
                {"topic": _("This topic is already recorded for this organisation.")}
            )
        own = whose is not None and whose.pk == acting
        if not own and not _may(actor, "cases.change_case", case):
            raise PermissionDenied(_("Your role on this case does not allow this."))
        agreement = TaskAgreement.objects.create(
            case=case,
            topic=topic,
            topic_key=key,
            description=description,
            organisation=whose,
            expected_by=None if own else Organisation.objects.get(pk=acting),
            status=AgreementStatus.ACCEPTED if own else AgreementStatus.EXPECTED,
            answered_at=now if own else None,
            created_at=now,
        )
        events.agreement_recorded_event(
            case=case,
            actor=actor,
            organisation_id=acting,
            at=now,
            agreement_id=agreement.pk,
            topic=topic,
            whose=whose.name if whose else "",
            status=agreement.status,
        )
        _audit(actor, case, "create", "cases.taskagreement", [agreement.pk], ["topic", "status"])
    return agreement


def agreement_answer(
    *, actor: Viewer, case_id, agreement_id, accept: bool, note: str = "", now=None
) -> TaskAgreement:
    """The organisation a task is expected of accepts or declines it (with a note).

    Only a person named on the case for that organisation answers; a topic without an
    organisation is taken on by recording it for one's own organisation instead.
    """
    now = now or timezone.now()
    note = _text(note, field="note", max_length=2000)
    with transaction.atomic():
        case = _case_for(actor, case_id, VIEW_CASE)
        _open(case)
        agreement = (
            TaskAgreement.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(case=case, pk=parse_id(agreement_id) or 0)
            .first()
        )
        if agreement is None:
            raise NotFound(_("Not found."))
        if agreement.organisation_id is None:
            raise ValidationError(
                {"agreement": _("Nobody was asked this yet: record it for your organisation.")}
            )
        if not actor.is_superuser and agreement.organisation_id not in case_organisations_of(
            viewer=actor, case=case
        ):
            raise PermissionDenied(
                _("Only %(org)s answers what is expected of it.")
                % {"org": agreement.organisation.name}
            )
        if not accept and not note:
            raise ValidationError({"note": _("Say why your organisation does not take this on.")})
        agreement.status = AgreementStatus.ACCEPTED if accept else AgreementStatus.DECLINED
        agreement.answer_note = note
        agreement.answered_at = now
        agreement.save(update_fields=["status", "answer_note", "answered_at", "updated_at"])
        events.agreement_answered_event(
            case=case,
            actor=actor,
            organisation_id=agreement.organisation_id,
            at=now,
            agreement_id=agreement.pk,
            topic=agreement.topic,
            whose=agreement.organisation.name,
            status=agreement.status,
        )
        _audit(actor, case, "update", "cases.taskagreement", [agreement.pk], ["status"])
    return agreement
