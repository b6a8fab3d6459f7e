"""Reads of the building chat, need-to-know applied.

Who looks is an `actor`: a professional's `Viewer`, or a resident's `ResidentPrincipal`
for one chat member (made by services.join_code_redeem and checked here on every read:
a removed member or an ended device session sees nothing any more).

What other members receive of a message is `message_payload`: the author's display name,
and for professionals their name and organisation. Never a resident's name, unit,
e-mail address or phone number: the Member row holds the resident's link, and no
payload, page or API field reads it.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from wijkregie.cases.models import Case
from wijkregie.cases.workflows import CaseRole, CaseStatus
from wijkregie.chat.models import (
    MODERATE,
    TAKE_PART,
    AnnouncementRead,
    Channel,
    ChannelKind,
    DeviceSession,
    Flag,
    Member,
    MemberKind,
    Message,
)
from wijkregie.core.access import ResidentPrincipal, Viewer
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import as_id
from wijkregie.core.models import ObjectGrant
from wijkregie.places.models import Building, BuildingContact

MEMBER_SUBJECT = "chat.member"


def device_id_of(principal: ResidentPrincipal) -> int | None:
    kind, _sep, value = principal.proof.partition(":")
    return int(value) if kind == "device" and value.isdigit() else None


def resident_member_get(*, principal: ResidentPrincipal) -> Member:
    """The member a principal stands for, while it and its device session are active."""
    if not isinstance(principal, ResidentPrincipal) or principal.subject_type != MEMBER_SUBJECT:
        raise NotFound("Not found.")
    device_id = device_id_of(principal)
    found = (
        DeviceSession.objects.select_related("member", "member__building")
        .filter(
            pk=device_id,
            member_id=principal.subject_id,
            ended_at__isnull=True,
            member__removed_at__isnull=True,
            member__left_at__isnull=True,
        )
        .first()
    )
    if found is None:
        raise NotFound("Not found.")
    return found.member


# --- Professionals ---------------------------------------------------------------------------


def chat_buildings(*, viewer: Viewer) -> QuerySet[Building]:
    """The buildings whose channels the professional takes part in."""
    return Building.objects.visible_to(viewer, permission=TAKE_PART).order_by("name")


def professional_organisation_for(viewer: Viewer, building: Building) -> int | None:
    """The organisation a professional speaks for in a building's chat: the owner, or a
    partner of the building, in which they hold `chat.take_part`."""
    organisations = viewer.organisations_with(TAKE_PART)
    if viewer.is_superuser and not organisations:
        return building.owner_id
    if building.owner_id in organisations:
        return building.owner_id
    partners = BuildingContact.objects.partner_organisation_ids(building.pk)
    for grant in viewer.grants:
        if grant.organisation_id in organisations and grant.organisation_id in partners:
            return grant.organisation_id
    return None


def may_moderate(viewer: Viewer, building: Building) -> bool:
    """Moderators: the corporation's staff (`chat.moderate` in the owner organisation)
    and the coordinator of an open case on the building."""
    if not isinstance(viewer, Viewer) or viewer.is_anonymous and not viewer.is_superuser:
        return False
    if viewer.is_superuser or building.owner_id in viewer.organisations_with(MODERATE):
        return True
    # The building's own case (not a sub-case, which has a coordinator of its own), while open.
    case_ids = (
        Case.objects.filter(building_id=building.pk, parent__isnull=True)
        .exclude(status=CaseStatus.CLOSED)
        .values("pk")
    )
    return (
        ObjectGrant.objects.active()
        .held_by(viewer)
        .filter(
            content_type__app_label="cases",
            content_type__model="case",
            role=f"cases.{CaseRole.COORDINATOR}",
            object_id__in=case_ids,
        )
        .exists()
    )


def moderated_buildings(*, viewer: Viewer) -> list[Building]:
    return [b for b in Building.objects.all().order_by("name") if may_moderate(viewer, b)]


def _professional_member(viewer: Viewer, building: Building) -> Member | None:
    return Member.objects.filter(
        building=building, user_id=viewer.user_id, kind=MemberKind.PROFESSIONAL
    ).first()


# --- Channels --------------------------------------------------------------------------------


def _visible_channels(actor) -> QuerySet[Channel]:
    if isinstance(actor, ResidentPrincipal):
        member = resident_member_get(principal=actor)
        return Channel.objects.filter(
            Q(
                building_id=member.building_id,
                kind__in=[ChannelKind.GENERAL, ChannelKind.ANNOUNCEMENTS],
            )
            | Q(kind=ChannelKind.PRIVATE, resident_member=member)
        )
    if not isinstance(actor, Viewer) or (actor.is_anonymous and not actor.is_superuser):
        return Channel.objects.none()
    if actor.is_superuser:
        return Channel.objects.all()
    buildings = chat_buildings(viewer=actor).values("pk")
    return Channel.objects.filter(
        Q(building_id__in=buildings, kind__in=[ChannelKind.GENERAL, ChannelKind.ANNOUNCEMENTS])
        | Q(kind=ChannelKind.PRIVATE, professional_member__user_id=actor.user_id)
    )


def channel_list(*, actor) -> QuerySet[Channel]:
    return (
        _visible_channels(actor).select_related("building").order_by("building__name", "kind", "pk")
    )


def channel_get(*, actor, channel_id) -> Channel:
    found = _visible_channels(actor).select_related("building").filter(pk=as_id(channel_id)).first()
    if found is None:
        raise NotFound("Not found.")
    return found


def building_channels(*, actor, building_id) -> dict[str, Channel]:
    channels = _visible_channels(actor).filter(
        building_id=as_id(building_id), kind__in=[ChannelKind.GENERAL, ChannelKind.ANNOUNCEMENTS]
    )
    found = {c.kind: c for c in channels.select_related("building")}
    if not found:
        raise NotFound("Not found.")
    return found


def private_lines(*, actor) -> list[Channel]:
    return list(
        _visible_channels(actor)
        .filter(kind=ChannelKind.PRIVATE)
        .select_related(
            "building", "resident_member", "professional_member__organisation", "report"
        )
        .order_by("-last_message_id")
    )


def actor_member(actor, channel: Channel) -> Member | None:
    """The actor's member row in the channel's building (None: a professional who has
    not taken part yet)."""
    if isinstance(actor, ResidentPrincipal):
        return resident_member_get(principal=actor)
    return _professional_member(actor, channel.building)


# --- Messages --------------------------------------------------------------------------------


def author_payload(member: Member) -> dict:
    """What other members see of a member. Residents: the display name, nothing else."""
    if member.kind == MemberKind.PROFESSIONAL:
        return {
            "id": member.pk,
            "name": member.display_name,
            "kind": "professional",
            "organisation": member.organisation.name if member.organisation_id else "",
        }
    return {"id": member.pk, "name": member.display_name, "kind": "resident", "organisation": ""}


def message_payload(message: Message) -> dict:
    """The one form of a message sent to members' browsers (pages, JSON, event stream)."""
    removed = message.deleted_at is not None
    hidden = message.hidden_at is not None
    reply = None
    if message.reply_to_id and message.reply_to is not None:
        target = message.reply_to
        visible = target.deleted_at is None and target.hidden_at is None
        reply = {
            "id": target.pk,
            "author": author_payload(target.author)["name"],
            "excerpt": target.body[:80] if visible else "",
        }
    reactions = {}
    for reaction in getattr(message, "_reactions", None) or message.reactions.all():
        reactions[reaction.emoji] = reactions.get(reaction.emoji, 0) + 1
    return {
        "id": message.pk,
        "channel": message.channel_id,
        "kind": message.kind,
        "author": author_payload(message.author),
        "body": "" if (removed or hidden) else message.body,
        "photo": (
            reverse("chat:photo", args=[message.pk])
            if message.photo and not (removed or hidden)
            else ""
        ),
        "reply_to": reply,
        "created_at": message.created_at.isoformat(),
        "time": date_format(timezone.localtime(message.created_at), "j M H:i"),
        "pinned": message.pinned_at is not None,
        "hidden": hidden,
        "hidden_reason": message.hidden_reason if hidden and not removed else "",
        "deleted": removed,
        "reactions": reactions,
    }


def _messages(channel: Channel) -> QuerySet[Message]:
    return (
        Message.objects.filter(channel=channel)
        .select_related("author__organisation", "reply_to__author__organisation")
        .prefetch_related("reactions")
    )


def channel_messages(
    *, actor, channel: Channel, after: int | None = None, limit: int = 100
) -> list[dict]:
    """The newest `limit` messages (or those after id `after`, oldest first)."""
    messages = _messages(channel)
    if after is not None:
        return [message_payload(m) for m in messages.filter(id__gt=after).order_by("id")[:limit]]
    newest = list(messages.order_by("-id")[:limit])
    return [message_payload(m) for m in reversed(newest)]


def pinned_messages(*, channel: Channel) -> list[dict]:
    return [
        message_payload(m)
        for m in _messages(channel).filter(
            pinned_at__isnull=False, hidden_at__isnull=True, deleted_at__isnull=True
        )
    ]


def message_get(*, actor, message_id) -> Message:
    message = (
        Message.objects.select_related("channel__building", "author")
        .filter(pk=as_id(message_id))
        .first()
    )
    if message is None:
        raise NotFound("Not found.")
    channel_get(actor=actor, channel_id=message.channel_id)
    return message


def read_counts(*, channel: Channel, message_ids) -> dict[int, int]:
    """Announcements only: how many members read each; never who."""
    if channel.kind != ChannelKind.ANNOUNCEMENTS:
        return {}
    rows = (
        AnnouncementRead.objects.filter(message_id__in=list(message_ids))
        .values("message_id")
        .annotate(n=Count("pk"))
    )
    return {r["message_id"]: r["n"] for r in rows}


@dataclass(frozen=True)
class CatchUp:
    """Where a reconnecting stream starts. `problem` is a clear message for a stale or
    forged Last-Event-ID (the stream then starts from now)."""

    after: int
    problem: str = ""


def stream_start(*, channel_id: int, last_event_id: str, after: str) -> CatchUp:
    """Check a Last-Event-ID (or the page's `after`): a message id of this channel that is
    still kept, and not beyond its newest message."""
    from django.utils.translation import gettext as _

    channel = Channel.objects.filter(pk=channel_id).values("last_message_id").first()
    newest = channel["last_message_id"] if channel else 0
    raw = (last_event_id or after or "").strip()
    if not raw:
        return CatchUp(after=newest)
    if not raw.isdigit() or len(raw) > 18:
        return CatchUp(
            after=newest,
            problem=_(
                "The position to resume from is not valid; showing new messages from now on."
            ),
        )
    value = int(raw)
    if value > newest:
        return CatchUp(
            after=newest,
            problem=_(
                "The position to resume from is not valid; showing new messages from now on."
            ),
        )
    if value and not Message.objects.filter(channel_id=channel_id, pk__lte=value).exists():
        return CatchUp(
            after=newest,
            problem=_(
                "Older messages are no longer kept; reload the page to see the messages there are."
            ),
        )
    if (
        newest - value > 0
        and Message.objects.filter(channel_id=channel_id, pk__gt=value).count() > 200
    ):
        return CatchUp(
            after=newest,
            problem=_(
                "You were away for a long time; reload the page to see everything you missed."
            ),
        )
    return CatchUp(after=value)


def stream_catch_up(*, channel_id: int, after: int, limit: int = 200) -> list[dict]:
    messages = (
        Message.objects.filter(channel_id=channel_id, id__gt=after)
        .select_related("author__organisation", "reply_to__author__organisation")
        .prefetch_related("reactions")
        .order_by("id")[:limit]
    )
    return [message_payload(m) for m in messages]


def stream_member_active(*, member_id: int | None, device_id: int | None) -> bool:
    if member_id is None:
        return True
    members = Member.objects.filter(pk=member_id, removed_at__isnull=True, left_at__isnull=True)
    if device_id is not None:
        members = members.filter(devices__pk=device_id, devices__ended_at__isnull=True)
    return members.exists()


# --- Members and moderation ------------------------------------------------------------------


def building_members(*, actor, building_id) -> list[dict]:
    """The members of a building's chat as other members see them."""
    building_channels(actor=actor, building_id=building_id)  # need-to-know
    members = (
        Member.objects.filter(
            building_id=as_id(building_id), removed_at__isnull=True, left_at__isnull=True
        )
        .select_related("organisation")
        .order_by("kind", "display_name")
    )
    return [author_payload(m) | {"muted": m.is_muted()} for m in members]


def professional_members(*, building: Building) -> list[Member]:
    return list(
        Member.objects.filter(
            building=building, kind=MemberKind.PROFESSIONAL, removed_at__isnull=True
        )
        .select_related("organisation")
        .order_by("display_name")
    )


@dataclass
class QueueItem:
    message: dict
    body: str
    building: Building
    channel_id: int
    flags: int
    reasons: list[str]
    member_id: int


def moderation_queue(*, viewer: Viewer) -> list[QueueItem]:
    """Flagged messages not yet handled, in the buildings the viewer moderates."""
    buildings = {b.pk: b for b in moderated_buildings(viewer=viewer)}
    flagged = (
        Message.objects.filter(
            Exists(Flag.objects.filter(message=OuterRef("pk"), resolved_at__isnull=True)),
            channel__building_id__in=list(buildings),
            deleted_at__isnull=True,
        )
        .exclude(channel__kind=ChannelKind.PRIVATE)
        .select_related("author__organisation", "channel", "reply_to__author__organisation")
        .order_by("id")
    )
    items = []
    for message in flagged:
        flags = list(Flag.objects.filter(message=message, resolved_at__isnull=True))
        items.append(
            QueueItem(
                message=message_payload(message),
                body=message.body,
                building=buildings[message.channel.building_id],
                channel_id=message.channel_id,
                flags=len(flags),
                reasons=[f.reason for f in flags if f.reason],
                member_id=message.author_id,
            )
        )
    return items
