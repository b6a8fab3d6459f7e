"""Reads of newsletters, their versions, images and deliveries.

Need-to-know: a newsletter is seen by the staff of the organisation that writes it who
hold `communications.manage_newsletters` there (NotFound for missing and forbidden
alike). Who received it (resident names) is personal data: shown only to those who may
see the landlord's residents (`residents.view_resident` in that organisation), and
audited. The public page reads only sent newsletters, by their unguessable code.
"""

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from wijkregie.communications.models import (
    MANAGE_NEWSLETTERS,
    Newsletter,
    NewsletterDelivery,
    NewsletterImage,
    NewsletterStatus,
    NewsletterVersion,
)
from wijkregie.core.access import Viewer
from wijkregie.core.audit import DataOwner, audit_record
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import parse_id
from wijkregie.places.models import Building
from wijkregie.residents.models import VIEW_RESIDENT
from wijkregie.residents.selectors import resident_itself

RESIDENT_OBJECT_TYPE = "residents.resident"


def resident_languages() -> list[tuple[str, str]]:
    return list(settings.WIJKREGIE_RESIDENT_LANGUAGES)


def language_name(code: str) -> str:
    return dict(resident_languages()).get(code, code)


def managing_organisations(viewer: Viewer) -> frozenset[int] | None:
    """The organisations whose newsletters the viewer manages; None: all (superuser)."""
    if viewer.is_superuser:
        return None
    return viewer.organisations_with(MANAGE_NEWSLETTERS)


def may_manage(viewer: Viewer) -> bool:
    organisations = managing_organisations(viewer)
    return organisations is None or bool(organisations)


def _visible(viewer: Viewer) -> QuerySet[Newsletter]:
    organisations = managing_organisations(viewer)
    qs = Newsletter.objects.select_related("organisation")
    return qs if organisations is None else qs.filter(organisation_id__in=organisations)


def newsletter_list(*, viewer: Viewer) -> QuerySet[Newsletter]:
    return _visible(viewer).prefetch_related(
        Prefetch("versions", queryset=NewsletterVersion.objects.order_by("language")),
        Prefetch("buildings", queryset=Building.objects.order_by("name")),
    )


def newsletter_get(*, viewer: Viewer, id) -> Newsletter:
    pk = parse_id(id)
    newsletter = newsletter_list(viewer=viewer).filter(pk=pk).first() if pk else None
    if newsletter is None:
        raise NotFound(_("Newsletter not found."))
    return newsletter


def newsletter_buildings(*, viewer: Viewer) -> QuerySet[Building]:
    """The buildings the viewer may write newsletters for: those their organisations own."""
    organisations = managing_organisations(viewer)
    qs = Building.objects.order_by("name")
    return qs if organisations is None else qs.filter(owner_id__in=organisations)


def versions_by_language(newsletter: Newsletter) -> dict[str, NewsletterVersion]:
    return {v.language: v for v in newsletter.versions.all()}


def version_for(newsletter: Newsletter, language: str | None) -> NewsletterVersion | None:
    """The version in `language`, else the Dutch one."""
    versions = versions_by_language(newsletter)
    return versions.get(language or "nl") or versions.get("nl")


def image_list(newsletter: Newsletter) -> list[NewsletterImage]:
    return list(newsletter.images.all())


def image_get(*, viewer: Viewer, newsletter_id, image_id) -> NewsletterImage:
    newsletter = newsletter_get(viewer=viewer, id=newsletter_id)
    pk = parse_id(image_id)
    image = newsletter.images.filter(pk=pk).first() if pk else None
    if image is None:
        raise NotFound(_("Image not found."))
    return image


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    resident_id: int | None
    resident_name: str | None  # None: the viewer may not see who it was
    channel: str
    channel_label: str
    language: str
    status: str
    status_label: str
    sent_at: object
    event_at: object
    event_detail: str


def may_see_recipients(viewer: Viewer, newsletter: Newsletter) -> bool:
    return viewer.is_superuser or viewer.has_perm(VIEW_RESIDENT, newsletter.organisation_id)


def delivery_counts(newsletter: Newsletter) -> dict[str, int]:
    return dict(Counter(newsletter.deliveries.values_list("status", flat=True)))


def delivery_list(*, viewer: Viewer, newsletter: Newsletter) -> list[DeliveryRow]:
    """Who received the newsletter how. Names only for those who may see the residents
    (one "list" audit entry with their ids); the others see the rows without names."""
    deliveries = list(
        NewsletterDelivery.objects.filter(newsletter=newsletter)
        .select_related("resident")
        .order_by("resident__family_name", "resident__given_name", "pk")
    )
    named = may_see_recipients(viewer, newsletter)
    if named and deliveries:
        audit_record(
            viewer=viewer,
            action="list",
            object_type=RESIDENT_OBJECT_TYPE,
            object_ids=[d.resident_id for d in deliveries],
            fields=["given_name", "family_name"],
            organisation_id=newsletter.organisation_id if not viewer.is_superuser else None,
            data_owner=DataOwner(newsletter.organisation_id),
        )
    return [
        DeliveryRow(
            id=d.pk,
            resident_id=d.resident_id if named else None,
            resident_name=d.resident.full_name if named else None,
            channel=d.channel,
            channel_label=d.get_channel_display(),
            language=d.language,
            status=d.status,
            status_label=d.get_status_display(),
            sent_at=d.sent_at,
            event_at=d.event_at,
            event_detail=d.event_detail,
        )
        for d in deliveries
    ]


# --- The public page (no personal data) -------------------------------------------------


def newsletter_public_get(*, code: str) -> Newsletter:
    newsletter = (
        Newsletter.objects.filter(public_code=str(code)[:32])
        .exclude(status=NewsletterStatus.DRAFT)
        .select_related("organisation")
        .first()
    )
    if newsletter is None:
        raise NotFound(_("This newsletter does not exist (any more)."))
    return newsletter


def public_image_get(*, code: str, image_id) -> NewsletterImage:
    newsletter = newsletter_public_get(code=code)
    pk = parse_id(image_id)
    image = newsletter.images.filter(pk=pk).first() if pk else None
    if image is None:
        raise NotFound(_("Image not found."))
    return image


def unsubscribe_resident(*, principal):
    """The resident a signed unsubscribe link proves (for the page's language and the
    landlord's name), or None."""
    return resident_itself(resident_id=principal.subject_id)
