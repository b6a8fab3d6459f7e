"""Notes, documents (uploads, checked by content) and visit reports on a case, each for
an audience and flagged when residents may be told."""

import datetime as dt
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events
from wijkregie.cases.models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VIEW_CASE,
    CaseFragment,
    CaseParticipant,
)
from wijkregie.cases.services._common import _audit, _case_for, _choice, _open, _text
from wijkregie.cases.services.agreements import _acting_on_case
from wijkregie.cases.uploads import DocumentRejected, check_document
from wijkregie.cases.workflows import FragmentAudience, FragmentKind
from wijkregie.core.access import Viewer
from wijkregie.core.ids import parse_id
from wijkregie.partners.models import DataCategory


def _visited_on(value, today: dt.date) -> dt.date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value or "").strip())
        except ValueError as exc:
            raise ValidationError({"visited_on": _("Give the date of the visit.")}) from exc
    if value > today:
        raise ValidationError({"visited_on": _("A visit report is about a visit that took place.")})
    return value


def fragment_add(
    *,
    actor: Viewer,
    case_id,
    kind: str,
    title: str,
    text: str = "",
    audience: str = FragmentAudience.ALL,
    organisation_ids=(),
    residents_may_be_told: bool = False,
    data_category: str = "",
    visited_on=None,
    file_name: str = "",
    file_data: bytes | None = None,
    organisation_id=None,
    now: datetime | None = None,
) -> CaseFragment:
    """Add a note, a document or a visit report to the case, for an audience.

    Anyone named on the case adds them, for the organisation they sit at the table for
    (the author organisation, which always sees its own). `audience` "organisations"
    names participating organisations (`organisation_ids`); "coordinator" is for the one
    holding the regie. `data_category` names the personal data it holds, if any: it then
    reaches only organisations sharing that category with the author's. A document's file
    is checked by its content (`cases/uploads.py`); a visit report has the date of a visit
    that took place. The timeline mentions a fragment only when all participants
    receive it (for all, without personal data).
    """
    now = now or timezone.now()
    kind = _choice(kind, FragmentKind, field="kind")
    audience = _choice(audience, FragmentAudience, field="audience")
    data_category = data_category or ""
    if data_category:
        data_category = _choice(data_category, DataCategory, field="data_category")
    title = _text(title, field="title", max_length=TITLE_MAX_LENGTH, required=True)
    text = _text(
        text, field="text", max_length=TEXT_MAX_LENGTH, required=kind != FragmentKind.DOCUMENT
    )
    day = None
    if kind == FragmentKind.VISIT_REPORT:
        day = _visited_on(visited_on, timezone.localdate(now))
    document = None
    if kind == FragmentKind.DOCUMENT:
        if not file_data:
            raise ValidationError({"file": _("Choose the file to add.")})
        try:
            document = check_document(name=file_name, data=file_data)
        except DocumentRejected as exc:
            raise ValidationError({"file": exc.message}) from exc
    elif file_data:
        raise ValidationError({"file": _("Only a document carries a file.")})
    wanted = {parse_id(o) for o in organisation_ids or []}
    with transaction.atomic():
        case = _case_for(actor, case_id, VIEW_CASE)
        _open(case)
        acting = _acting_on_case(actor, case, organisation_id)
        named = set()
        if audience == FragmentAudience.ORGANISATIONS:
            participating = set(
                CaseParticipant.objects.active()
                .filter(case=case)
                .values_list("organisation_id", flat=True)
            )
            if not wanted or None in wanted or not wanted <= participating:
                raise ValidationError(
                    {
                        "organisations": _(
                            "Choose one or more organisations that take part in the case."
                        )
                    }
                )
            named = wanted
        fragment = CaseFragment(
            case=case,
            kind=kind,
            title=title,
            text=text,
            visited_on=day,
            author_id=actor.user_id,
            author_label=actor.label[:200],
            author_organisation_id=acting,
            audience=audience,
            residents_may_be_told=bool(residents_may_be_told),
            data_category=data_category,
            created_at=now,
        )
        if document is not None:
            fragment.file.save(document.name, ContentFile(document.content), save=False)
            fragment.file_name = document.name[:200]
            fragment.content_type = document.content_type
            fragment.size = len(document.content)
        fragment.save()
        if named:
            fragment.audience_organisations.set(sorted(named))
        if audience == FragmentAudience.ALL and not data_category:
            # The timeline is everyone's: it names only what everyone receives.
            events.fragment_added_event(
                case=case,
                actor=actor,
                organisation_id=acting,
                at=now,
                fragment_id=fragment.pk,
                kind=kind,
                title=title[:200],
            )
        _audit(actor, case, "create", "cases.casefragment", [fragment.pk], ["title", "text"])
    return fragment
