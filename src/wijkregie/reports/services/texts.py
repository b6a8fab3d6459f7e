"""The library of standard texts an organisation's intake sends to reporters."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.ids import as_id
from wijkregie.core.logging import log_event
from wijkregie.reports.models import StandardText
from wijkregie.reports.predicates import RECEIVE_REPORTS
from wijkregie.reports.services.common import RESIDENT_TEXT_MAX_LENGTH, _text

TITLE_MAX_LENGTH = 120


def _languages() -> list[str]:
    return [code for code, _name in settings.WIJKREGIE_RESIDENT_LANGUAGES]


def _checked(*, title: str, body: dict) -> dict:
    errors = {}
    if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
        raise ValidationError({"body": _("Give the texts as text per language code.")})
    title = title.strip() if isinstance(title, str) else ""
    if not title:
        errors["title"] = _("Give the text a title.")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("At most %(max)d characters.") % {"max": TITLE_MAX_LENGTH}
    unknown = sorted(set(body or {}) - set(_languages()))
    if unknown:
        errors["body"] = _("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)}
    texts = {}
    for code in _languages():
        try:
            value = _text(
                (body or {}).get(code, ""),
                field=f"body_{code}",
                max_length=RESIDENT_TEXT_MAX_LENGTH,
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if value:
            texts[code] = value
    if "nl" not in texts and "body_nl" not in errors:
        errors["body_nl"] = _("The Dutch text is required; other languages are optional.")
    if errors:
        raise ValidationError(errors)
    return {"title": title, "body": texts}


def _may_manage(actor: Viewer, organisation_id: int) -> None:
    if not (actor.is_superuser or actor.has_perm(RECEIVE_REPORTS, organisation_id)):
        raise PermissionDenied(_("You may not change the standard texts of this organisation."))


def standard_text_create(*, actor: Viewer, organisation_id, title: str, body: dict) -> StandardText:
    """A new text in the library of an organisation the actor does intake for (`None`:
    the only one it does intake for). Dutch is required, the other resident languages
    optional; titles are unique per organisation."""
    if organisation_id is None:
        own = actor.organisations_with(RECEIVE_REPORTS)
        if len(own) != 1:
            raise ValidationError({"organisation": _("Say which organisation the text is for.")})
        organisation_id = next(iter(own))
    organisation_id = as_id(organisation_id)
    _may_manage(actor, organisation_id)
    values = _checked(title=title, body=body)
    try:
        with transaction.atomic():
            text = StandardText.objects.create(organisation_id=organisation_id, **values)
    except IntegrityError:
        raise ValidationError({"title": _("There is already a text with this title.")}) from None
    log_event("standard_text_created", actor=actor.label, object=f"standard_text:{text.pk}")
    return text


def standard_text_update(
    *,
    actor: Viewer,
    text_id,
    title: str,
    body: dict,
    active: bool = True,
) -> StandardText:
    """Change a text (all of it, as the edit form sends it); `active=False` takes it out
    of use without losing it."""
    with transaction.atomic():
        text = (
            StandardText.objects.visible_to(actor)
            .select_for_update()
            .filter(pk=as_id(text_id))
            .first()
        )
        if text is None:
            raise NotFound(_("Not found."))
        values = _checked(title=title, body=body)
        for name, value in values.items():
            setattr(text, name, value)
        text.active = bool(active)
        try:
            with transaction.atomic():
                text.save()
        except IntegrityError:
            raise ValidationError(
                {"title": _("There is already a text with this title.")}
            ) from None
    log_event("standard_text_changed", actor=actor.label, object=f"standard_text:{text.pk}")
    return text
