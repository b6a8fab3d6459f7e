"""Every write to newsletters: writing, translating, images, sending, unsubscribing and
the mail provider's reports. Keyword-only, `actor` first, one transaction each,
permission checked, audited (BRIEF 27).

A newsletter is edited while it is a draft; sending freezes it. `newsletter_send`
computes the e-mail list from the consent records at that moment, writes one queued
delivery per resident and enqueues the task that sends them (communications/sending.py,
which asks for consent again just before each mail).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.communications import consent, links, tasks
from wijkregie.communications.models import (
    BODY_MAX_LENGTH,
    MANAGE_NEWSLETTERS,
    SUBJECT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DeliveryChannel,
    DeliveryStatus,
    Newsletter,
    NewsletterDelivery,
    NewsletterImage,
    NewsletterStatus,
    NewsletterVersion,
)
from wijkregie.communications.richtext import clean_body
from wijkregie.communications.selectors.newsletters import newsletter_get
from wijkregie.core.access import Viewer
from wijkregie.core.audit import audit_record
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import parse_id
from wijkregie.places.models import Building
from wijkregie.reports.photos import PhotoRejected, sanitise_photo
from wijkregie.residents.models import Resident
from wijkregie.residents.selectors import resident_itself

OBJECT_TYPE = "communications.newsletter"
MAX_IMAGES = 6
ALT_MAX_LENGTH = 200


def _languages() -> set[str]:
    return {code for code, _name in settings.WIJKREGIE_RESIDENT_LANGUAGES}


def _audit(actor: Viewer, newsletter: Newsletter, action: str, fields) -> None:
    audit_record(
        viewer=actor,
        action=action,
        object_type=OBJECT_TYPE,
        object_ids=[newsletter.pk],
        fields=sorted(fields),
        organisation_id=newsletter.organisation_id if not actor.is_superuser else None,
    )


def _draft(actor: Viewer, newsletter_id, *, lock: bool = True) -> Newsletter:
    newsletter = newsletter_get(viewer=actor, id=newsletter_id)
    if lock:
        newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if newsletter.status != NewsletterStatus.DRAFT:
        raise ApplicationError(_("This newsletter has been sent; it can no longer be changed."))
    return newsletter


def _check_text(*, title=None, subject=None) -> None:
    errors = {}
    if title is not None and not title.strip():
        errors["title"] = _("Give the newsletter a title.")
    if title is not None and len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("The title can be at most %(n)s characters.") % {"n": TITLE_MAX_LENGTH}
    if subject is not None and not subject.strip():
        errors["subject"] = _("Give the newsletter a subject line.")
    if subject is not None and len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = _("The subject can be at most %(n)s characters.") % {
            "n": SUBJECT_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)


def _clean(body: str):
    if len(body or "") > BODY_MAX_LENGTH:
        raise ValidationError(
            {"body": _("The text can be at most %(n)s characters.") % {"n": BODY_MAX_LENGTH}}
        )
    cleaned = clean_body(body)
    if not cleaned.html:
        raise ValidationError({"body": _("Write the text of the newsletter.")})
    return cleaned


def _buildings(actor: Viewer, organisation_id: int, building_ids) -> list[Building]:
    ids = {parse_id(b) for b in building_ids or ()}
    ids.discard(None)
    if not ids:
        raise ValidationError({"buildings": _("Choose at least one building.")})
    buildings = list(Building.objects.filter(pk__in=ids, owner_id=organisation_id))
    if len(buildings) != len(ids):
        raise ValidationError(
            {"buildings": _("Choose buildings of the organisation that writes the newsletter.")}
        )
    return buildings


def _organisation_for(actor: Viewer, organisation_id) -> int:
    if actor.is_superuser:
        if organisation_id is None:
            raise ApplicationError(_("Choose the organisation that writes the newsletter."))
        return organisation_id
    allowed = actor.organisations_with(MANAGE_NEWSLETTERS)
    if organisation_id is None:
        if len(allowed) != 1:
            raise ApplicationError(_("Choose the organisation that writes the newsletter."))
        return next(iter(allowed))
    if organisation_id not in allowed:
        raise PermissionDenied(_("You may not write newsletters for this organisation."))
    return organisation_id


def newsletter_create(
    *,
    actor: Viewer,
    title: str,
    building_ids,
    subject: str,
    body: str,
    organisation_id: int | None = None,
) -> tuple[Newsletter, tuple[str, ...]]:
    """A draft with its Dutch version; returns it and what the sanitiser removed."""
    _check_text(title=title, subject=subject)
    cleaned = _clean(body)
    with transaction.atomic():
        organisation_id = _organisation_for(actor, organisation_id)
        buildings = _buildings(actor, organisation_id, building_ids)
        newsletter = Newsletter.objects.create(
            organisation_id=organisation_id, title=title.strip(), created_by_id=actor.user_id
        )
        newsletter.buildings.set(buildings)
        NewsletterVersion.objects.create(
            newsletter=newsletter, language="nl", subject=subject.strip(), body_html=cleaned.html
        )
        _audit(actor, newsletter, "create", ["title", "buildings", "versions"])
    return newsletter, cleaned.removed


def newsletter_update(*, actor: Viewer, newsletter_id, title: str, building_ids) -> Newsletter:
    _check_text(title=title)
    with transaction.atomic():
        newsletter = _draft(actor, newsletter_id)
        newsletter.buildings.set(_buildings(actor, newsletter.organisation_id, building_ids))
        newsletter.title = title.strip()
        newsletter.save(update_fields=["title", "updated_at"])
        _audit(actor, newsletter, "update", ["title", "buildings"])
    return newsletter


def version_save(
    *, actor: Viewer, newsletter_id, language: str, subject: str, body: str
) -> tuple[NewsletterVersion, tuple[str, ...]]:
    """Write the version in `language` (one of the resident languages); returns it and
    what the sanitiser removed."""
    if language not in _languages():
        raise ValidationError({"language": _("Choose one of the residents' languages.")})
    _check_text(subject=subject)
    cleaned = _clean(body)
    with transaction.atomic():
        newsletter = _draft(actor, newsletter_id)
        version, _created = NewsletterVersion.objects.update_or_create(
            newsletter=newsletter,
            language=language,
            defaults={"subject": subject.strip(), "body_html": cleaned.html},
        )
        _audit(actor, newsletter, "update", [f"versions.{language}"])
    return version, cleaned.removed


def version_delete(*, actor: Viewer, newsletter_id, language: str) -> None:
    if language == "nl":
        raise ApplicationError(_("The Dutch version cannot be removed."))
    with transaction.atomic():
        newsletter = _draft(actor, newsletter_id)
        deleted, _rows = newsletter.versions.filter(language=language).delete()
        if not deleted:
            raise NotFound(_("There is no version in this language."))
        _audit(actor, newsletter, "update", [f"versions.{language}"])


def image_add(*, actor: Viewer, newsletter_id, content: bytes, alt_text: str) -> NewsletterImage:
    """Add an image: checked by its content, size-capped, re-encoded without metadata
    (reports/photos.py, the one place that strips uploads)."""
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ValidationError({"alt_text": _("Describe the image for readers who cannot see it.")})
    if len(alt_text) > ALT_MAX_LENGTH:
        raise ValidationError(
            {
                "alt_text": _("The description can be at most %(n)s characters.")
                % {"n": ALT_MAX_LENGTH}
            }
        )
    try:
        photo = sanitise_photo(content)
    except PhotoRejected as exc:
        raise ValidationError({"image": exc.message}) from None
    with transaction.atomic():
        newsletter = _draft(actor, newsletter_id)
        if newsletter.images.count() >= MAX_IMAGES:
            raise ApplicationError(
                _("A newsletter can have at most %(n)s images.") % {"n": MAX_IMAGES}
            )
        image = NewsletterImage(
            newsletter=newsletter,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            alt_text=alt_text,
        )
        image.file.save(f"image.{photo.extension}", ContentFile(photo.content), save=False)
        image.save()
        _audit(actor, newsletter, "update", ["images"])
    return image


def image_delete(*, actor: Viewer, newsletter_id, image_id) -> None:
    with transaction.atomic():
        newsletter = _draft(actor, newsletter_id)
        image = newsletter.images.filter(pk=parse_id(image_id) or 0).first()
        if image is None:
            raise NotFound(_("Image not found."))
        file = image.file
        image.delete()
        transaction.on_commit(lambda: file.delete(save=False))
        _audit(actor, newsletter, "update", ["images"])


def newsletter_send(*, actor: Viewer, newsletter_id) -> Newsletter:
    """Freeze the newsletter and send it by e-mail to the residents of its buildings who
    consent now. One queued delivery per resident, in the resident's language when there
    is a version in it, else Dutch; the mails go out in the background."""
    with transaction.atomic():
        newsletter = _draft(actor, newsletter_id)
        languages = set(newsletter.versions.values_list("language", flat=True))
        if "nl" not in languages:
            raise ApplicationError(_("Write the Dutch version first."))
        building_ids = list(newsletter.buildings.values_list("pk", flat=True))
        recipients = consent.newsletter_recipients(building_ids=building_ids).filter(
            landlord_id=newsletter.organisation_id
        )
        NewsletterDelivery.objects.bulk_create(
            [
                NewsletterDelivery(
                    newsletter=newsletter,
                    resident_id=pk,
                    channel=DeliveryChannel.EMAIL,
                    language=language if language in languages else "nl",
                )
                for pk, language in recipients.values_list("pk", "preferred_language")
            ],
            ignore_conflicts=True,
        )
        newsletter.status = NewsletterStatus.SENDING
        newsletter.sent_by_label = actor.label
        newsletter.save(update_fields=["status", "sent_by_label", "updated_at"])
        _audit(actor, newsletter, "update", ["status"])
        tasks.newsletter_deliver.enqueue(newsletter_id=newsletter.pk)
    return newsletter


# --- Residents and the mail provider (no account) ----------------------------------------


class UnsubscribeRefused(ApplicationError):
    """The unsubscribe link was changed or made up."""


def newsletter_unsubscribe(*, token: str) -> Resident:
    """Withdraw the consent to newsletters by e-mail of the resident the signed link was
    sent to (source: unsubscribe). Doing it twice changes nothing more."""
    principal = links.unsubscribe_principal(token)
    resident = resident_itself(resident_id=principal.subject_id) if principal else None
    if resident is None:
        raise UnsubscribeRefused(
            _(
                "This unsubscribe link is not valid: it may have been changed or cut off. "
                "Use the link from the e-mail exactly as it is, or ask the sender to "
                "unsubscribe you."
            )
        )
    with transaction.atomic():
        consent.withdraw_by_unsubscribe(principal=principal)
    return resident


PROVIDER_EVENTS = {
    "bounced": DeliveryStatus.BOUNCED,
    "rejected": DeliveryStatus.BOUNCED,
    "complained": DeliveryStatus.COMPLAINED,
}


def delivery_event_record(*, delivery_id, event_type: str, at=None, detail: str = "") -> bool:
    """A bounce or complaint the mail provider reported (django-anymail's tracking
    webhook, signature already checked). Returns whether a delivery was updated."""
    status = PROVIDER_EVENTS.get(event_type)
    pk = parse_id(delivery_id)
    if status is None or pk is None:
        return False
    updated = NewsletterDelivery.objects.filter(pk=pk).update(
        status=status,
        event_at=at or timezone.now(),
        event_detail=(detail or "")[:300],
        updated_at=timezone.now(),
    )
    return bool(updated)
