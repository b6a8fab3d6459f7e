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
    ChannelEvent,
    ChannelEventKind,
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
    return (
        Member.objects.filter(
            building=building, user_id=viewer.user_id, kind=MemberKind.PROFESSIONAL
        )
        .select_related("organisation")
        .first()
    )


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
    given = getattr(message, "_reactions", None)  # a new message: [] without a query
    for reaction in message.reactions.all() if given is None else given:
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
    """Where a reconnecting stream starts: after message id `after` and change-log id
    `events` (None: not known, the changes since message `after` was the newest are sent;
    they are states, so sending one twice does no harm). `problem` is a clear message for a
    stale or forged Last-Event-ID (the stream then starts from now)."""

    after: int
    events: int | None = 0
    problem: str = ""


def stream_position(message_id: int, event_id: int) -> str:
    """The event id of the stream: the client's position, resent as Last-Event-ID."""
    return f"{message_id}:{event_id}"


def _number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def stream_start(*, channel_id: int, last_event_id: str, after: str, events: str = "") -> CatchUp:
    """Check a Last-Event-ID ("<message id>:<change id>", or a plain message id) or the
    page's `after` and `events`: a message id of this channel that is still kept, and
    neither position beyond the channel's newest."""
    from django.utils.translation import gettext as _

    channel = (
        Channel.objects.filter(pk=channel_id).values("last_message_id", "last_event_id").first()
    )
    newest = channel["last_message_id"] if channel else 0
    newest_event = channel["last_event_id"] if channel else 0
    raw = (last_event_id or after or "").strip()
    if not raw:
        return CatchUp(after=newest, events=newest_event)
    if last_event_id.strip():
        message_part, sep, event_part = raw.partition(":")
    else:
        message_part, sep, event_part = raw, bool(events), str(events or "").strip()
    value = _number(message_part)
    event_value = _number(event_part) if sep else None
    invalid = _("The position to resume from is not valid; showing new messages from now on.")
    if value is None or value > newest or (sep and event_value is None):
        return CatchUp(after=newest, events=newest_event, problem=invalid)
    if event_value is not None and event_value > newest_event:
        return CatchUp(after=newest, events=newest_event, problem=invalid)
    if value and not Message.objects.filter(channel_id=channel_id, pk__lte=value).exists():
        return CatchUp(
            after=newest,
            events=newest_event,
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
            events=newest_event,
            problem=_(
                "You were away for a long time; reload the page to see everything you missed."
            ),
        )
    return CatchUp(after=value, events=event_value)


def stream_catch_up(*, channel_id: int, after: int, limit: int = 200) -> list[dict]:
    messages = (
        Message.objects.filter(channel_id=channel_id, id__gt=after)
        .select_related("author__organisation", "reply_to__author__organisation")
        .prefetch_related("reactions")
        .order_by("id")[:limit]
    )
    return [message_payload(m) for m in messages]


def change_message_payloads(message_ids) -> list[dict]:
    """The current state of changed messages, in the order asked; a message that is no
    longer there (erased) is `{"id": …, "erased": true}`."""
    ids = [int(i) for i in message_ids]
    found = {
        m.pk: message_payload(m)
        for m in Message.objects.filter(pk__in=ids)
        .select_related("author__organisation", "reply_to__author__organisation")
        .prefetch_related("reactions")
    }
    return [found.get(i) or {"id": i, "erased": True} for i in ids]


def change_member_payload(member_id: int) -> dict:
    """A member who is no longer in the chat (removed or left): the id only."""
    return {"id": member_id, "gone": True}


@dataclass(frozen=True)
class Changes:
    """The changes a stream missed: (kind, payload) in order, and the newest change id."""

    items: list
    last: int


def stream_changes(
    *, channel_id: int, after_event: int | None, seen_message: int, limit: int = 200
) -> Changes:
    """The changes of a channel after change id `after_event` (None: since message
    `seen_message` was the newest). Each changed message once, in its current state; only
    messages the client has (up to `seen_message`: later ones it gets as new messages)."""
    rows = ChannelEvent.objects.filter(channel_id=channel_id)
    if after_event is None:
        # Up to the newest change now; later ones come live (the stream listens already).
        newest = (
            Channel.objects.filter(pk=channel_id).values_list("last_event_id", flat=True).first()
            or 0
        )
        rows = rows.filter(after_message__gte=seen_message, id__lte=newest)
    else:
        rows = rows.filter(id__gt=after_event)
    rows = list(rows.order_by("-id").values("id", "kind", "message_id", "member_id")[:limit])
    rows.reverse()
    last = rows[-1]["id"] if rows else after_event
    if after_event is None:
        last = newest
    order, seen = [], set()
    for row in reversed(rows):  # the newest change of each message or member counts
        key = (row["kind"], row["message_id"] or row["member_id"])
        if key in seen:
            continue
        seen.add(key)
        if row["kind"] == ChannelEventKind.UPDATE and row["message_id"] > seen_message:
            continue
        order.append(row)
    order.reverse()
    messages = {
        p["id"]: p
        for p in change_message_payloads(
            [r["message_id"] for r in order if r["kind"] == ChannelEventKind.UPDATE]
        )
    }
    items = [
        ("update", messages[r["message_id"]])
        if r["kind"] == ChannelEventKind.UPDATE
        else ("member", change_member_payload(r["member_id"]))
        for r in order
    ]
    return Changes(items=items, last=last)


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
