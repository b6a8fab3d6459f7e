"""What every case service shares: reading input, the case locked for a change, the
actor's organisation, the audit record with the case as its context."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wijkregie.cases.models import (
    VIEW_CASE,
    Case,
)
from wijkregie.cases.selectors import (
    case_context,
)
from wijkregie.cases.workflows import (
    CaseStatus,
)
from wijkregie.core.access import Viewer
from wijkregie.core.audit import audit_record
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import as_id, parse_id

REASON_MAX_LENGTH = 2000


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ValidationError({field: _("This text contains a character that is not allowed.")})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)d characters, please.") % {"n": max_length}})
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    return text


def _choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("Choose one of the options.")})
    return value


def _may(actor: Viewer, permission: str, case: Case) -> bool:
    return actor.is_superuser or actor.has_perm(permission, obj=case)


def _case_for(actor: Viewer, case_id, permission: str) -> Case:
    """The case, locked; NotFound if the actor may not see it, PermissionDenied if their
    role on it does not include `permission`."""
    case = Case.objects.select_for_update().filter(pk=as_id(case_id)).first()
    if case is None or not _may(actor, VIEW_CASE, case):
        raise NotFound(_("Not found."))
    if permission != VIEW_CASE and not _may(actor, permission, case):
        raise PermissionDenied(_("Your role on this case does not allow this."))
    return case


def _open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ApplicationError(_("This case is closed."))


def _acting_organisation(actor: Viewer, organisation_id, permission: str) -> int:
    """The organisation the actor acts for: the one given, or their only one holding
    `permission`; the platform (system) may act for any."""
    if actor.is_superuser:
        if parse_id(organisation_id) is None:
            raise ValidationError({"organisation": _("Choose the organisation.")})
        return parse_id(organisation_id)
    allowed = actor.organisations_with(permission)
    if organisation_id in (None, ""):
        if len(allowed) == 1:
            return next(iter(allowed))
        raise ValidationError({"organisation": _("Choose the organisation you act for.")})
    chosen = parse_id(organisation_id)
    if chosen not in allowed:
        raise ValidationError({"organisation": _("You cannot do this for that organisation.")})
    return chosen


def _granting(actor: Viewer) -> Viewer:
    """The actor as `object_grant_add` sees them once a service has checked the change
    itself: the grant is recorded in their name."""
    return Viewer(
        user_id=actor.user_id,
        label=actor.label,
        grants=actor.grants,
        origin=actor.origin,
        request_id=actor.request_id,
        is_superuser=True,
        extra=actor.extra,
    )


def _person_label(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _audit(actor: Viewer, case: Case, action: str, object_type: str, ids, fields) -> None:
    audit_record(
        viewer=actor,
        action=action,
        object_type=object_type,
        object_ids=ids,
        fields=fields,
        context=case_context(case),
    )
