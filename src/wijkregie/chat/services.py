"""Writes of the building chat: join codes and device sessions, messages, reactions,
flags, moderation, private lines and leaving. One transaction each, permission checked,
moderation and access acts in the audit trail; live events are published after commit.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.chat import live
from wijkregie.chat.links import recovery_link_id, recovery_link_token  # noqa: F401
from wijkregie.chat.models import (
    BODY_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    ISSUE_CODES,
    REASON_MAX_LENGTH,
    AnnouncementRead,
    Channel,
    ChannelEvent,
    ChannelEventKind,
    ChannelKind,
    DeviceSession,
    Flag,
    JoinCode,
    Member,
    MemberKind,
    Message,
    MessageKind,
    Reaction,
    RecoveryLink,
    code_digest,
    normalise_code,
)
from wijkregie.chat.selectors import (
    MEMBER_SUBJECT,
    actor_member,
    change_member_payload,
    change_message_payloads,
    channel_get,
    device_id_of,
    may_moderate,
    message_get,
    message_payload,
    professional_organisation_for,
    resident_member_get,
)
from wijkregie.core.access import ResidentPrincipal, Viewer, principal_issuer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import as_id
from wijkregie.places.models import Building
from wijkregie.reports.photos import SanitisedPhoto
from wijkregie.residents.selectors import resident_home

_issuer = principal_issuer(MEMBER_SUBJECT)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12


class JoinRefused(ApplicationError):
    """The code does not sign in (unknown, expired, revoked, used). `message` is shown."""


class JoinThrottled(ApplicationError):
    status_code = 429

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(ApplicationError):
    status_code = 429


def format_code(code: str) -> str:
    code = normalise_code(code)
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _context(building: Building) -> AuditContext:
    return AuditContext(type="places.building", id=str(building.pk), label=building.name[:200])


def _audit(actor, action, object_type, ids, fields, building, organisation_id=None):
    viewer = actor if isinstance(actor, Viewer) else actor.audit_viewer("chat member")
    audit_record(
        viewer=viewer,
        action=action,
        object_type=object_type,
        object_ids=ids,
        fields=fields,
        organisation_id=organisation_id,
        data_owner=DataOwner(building.owner_id),
        context=_context(building),
    )


# --- Channels --------------------------------------------------------------------------------


def channels_ensure(*, building: Building) -> dict[str, Channel]:
    """The building's channel and announcements channel (made when missing)."""
    found = {}
    for kind in (ChannelKind.GENERAL, ChannelKind.ANNOUNCEMENTS):
        found[kind] = Channel.objects.get_or_create(building=building, kind=kind)[0]
    return found


# --- Join codes ------------------------------------------------------------------------------


def join_code_issue(
    *, actor: Viewer, resident_id, purpose: str = "door", now: datetime | None = None
) -> tuple[str, JoinCode]:
    """A new personal code for the resident's current home; earlier unused codes of the
    resident stop working. The actor needs `chat.issue_join_codes` in the landlord.
    Returns the code (shown once: only its digest is kept) and the row."""
    now = now or timezone.now()
    home = resident_home(resident_id=as_id(resident_id))
    if home is None:
        raise ValidationError({"resident": _("This resident is not known.")})
    if home.unit is None:
        raise ValidationError(
            {"resident": _("This resident does not live in one of the buildings now.")}
        )
    unit, building = home.unit, home.unit.building
    if not (actor.is_superuser or actor.has_perm(ISSUE_CODES, building.owner_id)):
        raise PermissionDenied(_("You may not hand out chat codes for this building."))
    if Member.objects.filter(
        building=building, resident_id=home.resident_id, removed_at__isnull=False
    ).exists():
        raise ApplicationError(
            _("This resident was removed from the chat and cannot get a new code.")
        )
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    with transaction.atomic():
        JoinCode.objects.filter(
            resident_id=home.resident_id, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        row = JoinCode.objects.create(
            building=building,
            resident_id=home.resident_id,
            unit=unit,
            digest=code_digest(code),
            expires_at=now + timedelta(days=settings.WIJKREGIE_CHAT_CODE_DAYS),
            issued_by_label=actor.label[:200],
            purpose=purpose,
        )
        channels_ensure(building=building)
        _audit(
            actor, "create", "chat.joincode", [row.pk], ["resident", "unit", "expires_at"], building
        )
    return format_code(code), row


def join_code_for_letter(*, actor: Viewer, resident_id) -> str:
    """The code for a personally addressed letter (its merge field): a fresh one."""
    return join_code_issue(actor=actor, resident_id=resident_id, purpose="letter")[0]


def join_code_revoke(*, actor: Viewer, code_id, now: datetime | None = None) -> JoinCode:
    row = JoinCode.objects.select_related("building").filter(pk=as_id(code_id)).first()
    if row is None or not (
        actor.is_superuser or actor.has_perm(ISSUE_CODES, row.building.owner_id)
    ):
        raise NotFound(_("Not found."))
    with transaction.atomic():
        row.revoked_at = row.revoked_at or now or timezone.now()
        row.save(update_fields=["revoked_at", "updated_at"])
        _audit(actor, "update", "chat.joincode", [row.pk], ["revoked_at"], row.building)
    return row


def _rate(setting: str) -> tuple[int, int]:
    count, seconds = str(setting).split("/")
    return int(count), int(seconds)


def _count(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=seconds)
        return 1


def _join_throttle_check(keys: list[str]) -> None:
    slow_after, _window = _rate(settings.WIJKREGIE_CHAT_CODE_SLOW_AFTER)
    lock_after, lock_seconds = _rate(settings.WIJKREGIE_CHAT_CODE_LOCK_AFTER)
    worst = max((cache.get(f"chat-join-fail:{k}", 0) for k in keys), default=0)
    if worst >= lock_after:
        raise JoinThrottled(
            _(
                "Too many wrong codes were tried. Signing in is locked for an hour; "
                "ask the corporation for help."
            ),
            retry_after=lock_seconds,
        )
    if worst >= slow_after and any(cache.get(f"chat-join-wait:{k}") for k in keys):
        raise JoinThrottled(
            _("Too many wrong codes. Wait a minute and try again, carefully."), retry_after=60
        )


def _join_failed(keys: list[str]) -> None:
    slow_after, window = _rate(settings.WIJKREGIE_CHAT_CODE_SLOW_AFTER)
    _lock_after, lock_seconds = _rate(settings.WIJKREGIE_CHAT_CODE_LOCK_AFTER)
    for key in keys:
        failures = _count(f"chat-join-fail:{key}", max(window, lock_seconds))
        if failures >= slow_after:
            cache.set(f"chat-join-wait:{key}", 1, timeout=60)


def join_code_redeem(
    *,
    code: str,
    display_name: str,
    language: str = "",
    ip: str = "",
    device_key: str = "",
    now: datetime | None = None,
) -> ResidentPrincipal:
    """Sign a resident in on this device with their code; the code is spent.

    Raises `JoinThrottled` after too many wrong codes from one address or device (slowed
    down, then locked), `JoinRefused` for an unknown, expired, revoked or used code, and
    `ValidationError` for a bad display name (nothing is spent then)."""
    now = now or timezone.now()
    keys = [f"ip:{ip or '-'}"] + ([f"device:{device_key}"] if device_key else [])
    _join_throttle_check(keys)
    display_name = " ".join(str(display_name or "").split())
    if len(display_name) < 2 or len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "display_name": _(
                    "Choose a name of 2 to %(max)d characters; a made-up name is fine."
                )
                % {"max": DISPLAY_NAME_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        row = (
            JoinCode.objects.select_for_update()
            .select_related("building", "resident")
            .filter(digest=code_digest(code))
            .first()
        )
        refusal = None
        if row is None:
            refusal = _("This code is not known. Check the letters and digits on your letter.")
        elif row.revoked_at is not None:
            refusal = _("This code no longer works. Ask the corporation for a new one.")
        elif row.used_at is not None:
            refusal = _(
                "This code was already used on another device. Ask the corporation for "
                "a new code to sign in here."
            )
        elif row.expires_at <= now:
            refusal = _("This code has expired. Ask the corporation for a new one.")
        if refusal is not None:
            transaction.set_rollback(True)
        else:
            member = Member.objects.filter(building=row.building, resident=row.resident).first()
            if member is not None and member.removed_at is not None:
                refusal = _("You were removed from this chat.")
        if refusal is None:
            if member is None:
                member = Member(
                    building=row.building, resident=row.resident, kind=MemberKind.RESIDENT
                )
            member.unit = row.unit
            member.display_name = display_name
            member.language = (language or "")[:8]
            member.left_at = None
            member.rules_accepted_at = now
            member.save()
            row.used_at = now
            row.save(update_fields=["used_at", "updated_at"])
            device = DeviceSession.objects.create(member=member, join_code=row, last_seen_at=now)
            channels_ensure(building=row.building)
            principal = _issuer.issue(member.pk, proof=f"device:{device.pk}")
            _audit(principal, "create", "chat.devicesession", [device.pk], ["member"], row.building)
    if refusal is not None:
        _join_failed(keys)
        raise JoinRefused(refusal)
    return principal


# --- Recovery by e-mail ----------------------------------------------------------------------


class RecoveryThrottled(ApplicationError):
    status_code = 429


class RecoveryRefused(ApplicationError):
    """The link does not sign in (unknown, expired, used, member gone). `message` is shown."""


def _address_key(email: str) -> str:
    import hashlib

    return hashlib.sha256(email.encode()).hexdigest()[:32]


def recovery_link_request(*, email: str, ip: str = "", now: datetime | None = None) -> int:
    """A resident on a new device asks for a sign-in link by their recovery e-mail address.

    The answer is the same whether the address is known or not (no enumeration): the
    caller shows "if the address is known, a link is on its way". Asks are counted per
    address (known or not) and per client address, WIJKREGIE_CHAT_RECOVERY_RATE; more
    raise `RecoveryThrottled`. For every active resident member with that address a link
    (single use, WIJKREGIE_CHAT_RECOVERY_MINUTES) is mailed after commit. Returns how
    many (for tests and the audit trail only: never shown)."""
    now = now or timezone.now()
    email = str(email or "").strip().lower()[:254]
    count, seconds = _rate(settings.WIJKREGIE_CHAT_RECOVERY_RATE)
    asked = [
        _count(f"chat-recovery:address:{_address_key(email)}", seconds),
        _count(f"chat-recovery:ip:{ip or '-'}", seconds),
    ]
    if max(asked) > count:
        raise RecoveryThrottled(
            _("A sign-in link was asked for several times. Wait an hour and try again.")
        )
    if not email:
        return 0
    from wijkregie.chat import tasks

    members = Member.objects.select_related("building").filter(
        kind=MemberKind.RESIDENT,
        recovery_email__iexact=email,
        removed_at__isnull=True,
        left_at__isnull=True,
    )
    sent = 0
    with transaction.atomic():
        for member in members:
            link = RecoveryLink.objects.create(
                member=member,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.WIJKREGIE_CHAT_RECOVERY_MINUTES),
            )
            principal = _issuer.issue(member.pk, proof="recovery")
            _audit(principal, "create", "chat.recoverylink", [link.pk], ["member"], member.building)
            tasks.chat_recovery_link_notify.enqueue(link_id=link.pk)
            sent += 1
    return sent


def recovery_link_check(token: str, now: datetime | None = None) -> RecoveryLink:
    """The link's row while it still signs in; `RecoveryRefused` with a clear message."""
    now = now or timezone.now()
    try:
        link_id = recovery_link_id(token)
    except signing.SignatureExpired:
        raise RecoveryRefused(_("This link has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise RecoveryRefused(_("This link is not valid. Ask for a new one.")) from None
    link = RecoveryLink.objects.select_related("member__building").filter(pk=link_id).first()
    if link is None:
        raise RecoveryRefused(_("This link is not valid. Ask for a new one."))
    if link.used_at is not None:
        raise RecoveryRefused(
            _("This link was already used. Ask for a new one to sign in on this device.")
        )
    if link.expires_at <= now:
        raise RecoveryRefused(_("This link has expired. Ask for a new one."))
    if not link.member.is_active:
        raise RecoveryRefused(_("You are no longer a member of this chat."))
    return link


def recovery_link_redeem(*, token: str, now: datetime | None = None) -> ResidentPrincipal:
    """Sign this device in with the link from the e-mail; the link is spent."""
    now = now or timezone.now()
    link = recovery_link_check(token, now)
    with transaction.atomic():
        locked = RecoveryLink.objects.select_for_update().get(pk=link.pk)
        if locked.used_at is not None:  # used in the meantime, on another device
            raise RecoveryRefused(
                _("This link was already used. Ask for a new one to sign in on this device.")
            )
        member = link.member
        device = DeviceSession.objects.create(member=member, last_seen_at=now)
        locked.used_at = now
        locked.device = device
        locked.save(update_fields=["used_at", "device"])
        principal = _issuer.issue(member.pk, proof=f"device:{device.pk}")
        _audit(
            principal,
            "create",
            "chat.devicesession",
            [device.pk],
            ["member", "recovery_link"],
            member.building,
        )
    return principal


def member_principal_seal(principal: ResidentPrincipal) -> str:
    return _issuer.seal(principal)


def member_principal_resume(sealed) -> ResidentPrincipal | None:
    """The resident sealed in their session, while their device session lasts."""
    principal = _issuer.unseal(sealed, max_age=settings.WIJKREGIE_CHAT_DEVICE_DAYS * 24 * 3600)
    if principal is None:
        return None
    try:
        resident_member_get(principal=principal)
    except NotFound:
        return None
    return principal


def device_session_end(*, principal: ResidentPrincipal, now: datetime | None = None) -> None:
    """The resident signs this device out."""
    member = resident_member_get(principal=principal)
    device_id = device_id_of(principal)
    DeviceSession.objects.filter(pk=device_id, member=member).update(
        ended_at=now or timezone.now(), ended_by="resident"
    )
    transaction.on_commit(
        lambda: live.publish_control(
            {"type": "member_gone", "member": member.pk, "device": device_id}
        )
    )


def _end_devices(member: Member, by: str, now: datetime) -> int:
    ended = DeviceSession.objects.filter(member=member, ended_at__isnull=True).update(
        ended_at=now, ended_by=by
    )
    JoinCode.objects.filter(
        resident_id=member.resident_id, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    return ended


def member_sessions_revoke(*, actor: Viewer, member_id, now: datetime | None = None) -> int:
    """The corporation ends every device session of a resident member."""
    now = now or timezone.now()
    member = (
        Member.objects.select_related("building")
        .filter(pk=as_id(member_id), kind=MemberKind.RESIDENT)
        .first()
    )
    if member is None or not (
        actor.is_superuser or actor.has_perm(ISSUE_CODES, member.building.owner_id)
    ):
        raise NotFound(_("Not found."))
    with transaction.atomic():
        ended = _end_devices(member, "corporation", now)
        _audit(actor, "update", "chat.devicesession", [member.pk], ["ended_at"], member.building)
        transaction.on_commit(lambda: _publish_member_gone(member))
    return ended


def _publish_member_gone(member: Member) -> None:
    """Their open streams, in every process, end (one control event, no polling)."""
    live.publish_control({"type": "member_gone", "member": member.pk, "device": None})


# --- The change log --------------------------------------------------------------------------


def _log_change(channel_id: int, kind: str, *, message_id=None, member_id=None) -> ChannelEvent:
    """Log a change of a channel in the change's transaction (call it first: it locks the
    channel row, as a post does, so change ids are committed in order) and publish it
    after the commit. A stream that reconnects gets the changes after its position."""
    locked = (
        Channel.objects.select_for_update()
        .only("pk", "last_message_id", "last_event_id")
        .get(pk=channel_id)
    )
    row = ChannelEvent.objects.create(
        channel_id=channel_id,
        kind=kind,
        message_id=message_id,
        member_id=member_id,
        after_message=locked.last_message_id,
    )
    previous = locked.last_event_id
    Channel.objects.filter(pk=channel_id).update(last_event_id=row.pk)
    transaction.on_commit(lambda: _publish_change(row, previous))
    return row


def _publish_change(row: ChannelEvent, previous: int) -> None:
    event = {"type": row.kind, "event": row.pk, "previous": previous}
    if row.kind == ChannelEventKind.MEMBER:
        event["member"] = change_member_payload(row.member_id)
    else:
        event["message"] = change_message_payloads([row.message_id])[0]
    live.publish(row.channel_id, event)


def _member_channels(member: Member) -> list[int]:
    """The channels a member's removal is logged in: the building's two and their lines."""
    return list(
        Channel.objects.filter(building_id=member.building_id)
        .filter(
            Q(kind__in=[ChannelKind.GENERAL, ChannelKind.ANNOUNCEMENTS])
            | Q(resident_member=member)
            | Q(professional_member=member)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- Messages --------------------------------------------------------------------------------


def _member_for_posting(actor, channel: Channel) -> Member:
    if isinstance(actor, ResidentPrincipal):
        return resident_member_get(principal=actor)
    member = actor_member(actor, channel)
    if member is not None:
        if member.removed_at is not None:
            raise PermissionDenied(_("You were removed from this chat."))
        return member
    organisation_id = professional_organisation_for(actor, channel.building)
    if organisation_id is None and not actor.is_superuser:
        raise PermissionDenied(_("You do not take part in this chat."))
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=actor.user_id).first()
    name = (user.get_full_name() if user else "") or actor.label
    try:
        with transaction.atomic():
            return Member.objects.create(
                building=channel.building,
                kind=MemberKind.PROFESSIONAL,
                user_id=actor.user_id,
                organisation_id=organisation_id,
                display_name=name[:DISPLAY_NAME_MAX_LENGTH],
            )
    except IntegrityError:
        return actor_member(actor, channel)


def _flood_check(member: Member) -> None:
    count, seconds = _rate(settings.WIJKREGIE_CHAT_POST_RATE)
    if _count(f"chat-post:{member.pk}", seconds) > count:
        raise RateLimited(
            _(
                "You are sending many messages in a short time. Wait a moment before "
                "sending the next one; your text is kept."
            )
        )


def _publish_message(message: Message, previous_id: int) -> None:
    """The event carries the channel's previous message id: a stream that last sent a
    different one knows it missed something and reads the database instead. The payload
    is made from the message as posted (no reactions yet; author and reply loaded), not
    read back."""
    message._reactions = []
    live.publish(
        message.channel_id,
        {"type": "message", "previous": previous_id, "message": message_payload(message)},
    )


def message_post(
    *,
    actor,
    channel_id,
    body: str,
    reply_to_id=None,
    photo: SanitisedPhoto | None = None,
    kind: str = MessageKind.TEXT,
    now: datetime | None = None,
    rate_limited: bool = True,
) -> Message:
    """Post a message (a reply, with a photo) into a channel the actor belongs to.

    Refused: a body over BODY_MAX_LENGTH or empty without a photo, a muted member, a
    resident in the announcements channel, a flood from one member (`RateLimited`)."""
    now = now or timezone.now()
    channel = channel_get(actor=actor, channel_id=channel_id)
    body = str(body or "").replace("\x00", "").strip()
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _(
                    "A message can be at most %(max)d characters; this one has %(n)d. "
                    "Shorten it or split it up."
                )
                % {"max": BODY_MAX_LENGTH, "n": len(body)}
            }
        )
    if not body and photo is None:
        raise ValidationError({"body": _("Write a message or add a photo.")})
    if photo is not None and not isinstance(photo, SanitisedPhoto):
        raise TypeError("Photos are stored only as photos.sanitise_photo() made them.")
    member = _member_for_posting(actor, channel)
    if channel.kind == ChannelKind.ANNOUNCEMENTS and member.kind != MemberKind.PROFESSIONAL:
        raise PermissionDenied(_("Only professionals post in the announcements channel."))
    if member.is_muted(now):
        raise PermissionDenied(
            _("A moderator muted you until %(until)s. You can read along.")
            % {"until": timezone.localtime(member.muted_until).strftime("%d-%m %H:%M")}
        )
    reply_to = None
    if reply_to_id:
        reply_to = (
            Message.objects.select_related("author__organisation")
            .filter(pk=as_id(reply_to_id), channel=channel)
            .first()
        )
        if reply_to is None:
            raise ValidationError(
                {"reply_to": _("The message you reply to is not in this channel.")}
            )
    if rate_limited:
        _flood_check(member)
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        message = Message(
            channel=locked, author=member, body=body, reply_to=reply_to, kind=kind, created_at=now
        )
        if photo is not None:
            message.photo.save(f"photo.{photo.extension}", ContentFile(photo.content), save=False)
            message.photo_type = photo.content_type
        message.save(force_insert=True)
        previous_id = locked.last_message_id
        Channel.objects.filter(pk=locked.pk).update(last_message_id=message.pk)
        transaction.on_commit(lambda: _publish_message(message, previous_id))
    return message


def newsletter_post(*, actor: Viewer, building_id, title: str, body: str) -> Message:
    """A newsletter into the building's announcements channel."""
    channel = Channel.objects.filter(
        building_id=as_id(building_id), kind=ChannelKind.ANNOUNCEMENTS
    ).first()
    if channel is None:
        raise NotFound(_("Not found."))
    text = f"{title.strip()}\n\n{body.strip()}".strip()
    return message_post(actor=actor, channel_id=channel.pk, body=text, kind=MessageKind.NEWSLETTER)


def message_react(*, actor, message_id, emoji: str) -> bool:
    """Toggle a reaction; True when it is on afterwards."""
    if emoji not in Reaction.EMOJIS:
        raise ValidationError({"emoji": _("Choose one of the reactions offered.")})
    message = message_get(actor=actor, message_id=message_id)
    member = _member_for_posting(actor, message.channel)
    with transaction.atomic():
        _log_change(message.channel_id, ChannelEventKind.UPDATE, message_id=message.pk)
        deleted, _rows = Reaction.objects.filter(
            message=message, member=member, emoji=emoji
        ).delete()
        if not deleted:
            Reaction.objects.create(message=message, member=member, emoji=emoji)
    return not deleted


def message_flag(*, actor, message_id, reason: str = "") -> Flag:
    """Any member flags a message for the moderators."""
    message = message_get(actor=actor, message_id=message_id)
    member = _member_for_posting(actor, message.channel)
    flag, _created = Flag.objects.update_or_create(
        message=message,
        member=member,
        defaults={
            "reason": str(reason or "").strip()[:REASON_MAX_LENGTH],
            "resolved_at": None,
            "resolution": "",
        },
    )
    return flag


def _moderated(actor: Viewer, message_id) -> Message:
    message = (
        Message.objects.select_related("channel__building", "author")
        .filter(pk=as_id(message_id))
        .first()
    )
    if (
        message is None
        or not isinstance(actor, Viewer)
        or not may_moderate(actor, message.channel.building)
    ):
        raise NotFound(_("Not found."))
    return message


def _reason(reason: str) -> str:
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: members see it, and the audit trail keeps it.")}
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("The reason can be at most %(max)d characters.")
                % {"max": REASON_MAX_LENGTH}
            }
        )
    return reason


def message_hide(*, actor: Viewer, message_id, reason: str, now: datetime | None = None) -> Message:
    """Hide a message for everyone, with a reason members see."""
    reason = _reason(reason)
    message = _moderated(actor, message_id)
    now = now or timezone.now()
    with transaction.atomic():
        _log_change(message.channel_id, ChannelEventKind.UPDATE, message_id=message.pk)
        message.hidden_at = now
        message.hidden_reason = reason
        message.hidden_by_label = actor.label[:200]
        message.save(update_fields=["hidden_at", "hidden_reason", "hidden_by_label"])
        Flag.objects.filter(message=message, resolved_at__isnull=True).update(
            resolved_at=now, resolution="hidden"
        )
        _audit(
            actor,
            "update",
            "chat.message",
            [message.pk],
            ["hidden_at", "hidden_reason"],
            message.channel.building,
        )
    return message


def message_delete(
    *, actor: Viewer, message_id, reason: str, now: datetime | None = None
) -> Message:
    """Delete a message for everyone: text and photo are gone, the row says so."""
    reason = _reason(reason)
    message = _moderated(actor, message_id)
    now = now or timezone.now()
    with transaction.atomic():
        _log_change(message.channel_id, ChannelEventKind.UPDATE, message_id=message.pk)
        if message.photo:
            message.photo.delete(save=False)
        message.body = ""
        message.deleted_at = now
        message.hidden_reason = reason
        message.hidden_by_label = actor.label[:200]
        message.save(
            update_fields=["body", "photo", "deleted_at", "hidden_reason", "hidden_by_label"]
        )
        Flag.objects.filter(message=message, resolved_at__isnull=True).update(
            resolved_at=now, resolution="deleted"
        )
        _audit(
            actor,
            "delete",
            "chat.message",
            [message.pk],
            ["body", "photo"],
            message.channel.building,
        )
    return message


def flags_dismiss(*, actor: Viewer, message_id, now: datetime | None = None) -> int:
    """The moderator finds nothing wrong: the flags are closed, the message stays."""
    message = _moderated(actor, message_id)
    with transaction.atomic():
        count = Flag.objects.filter(message=message, resolved_at__isnull=True).update(
            resolved_at=now or timezone.now(), resolution="kept"
        )
        _audit(actor, "update", "chat.flag", [message.pk], ["resolution"], message.channel.building)
    return count


def message_pin(*, actor: Viewer, message_id, pinned: bool = True) -> Message:
    """Pin an announcement (professionals in the announcements channel)."""
    message = message_get(actor=actor, message_id=message_id)
    if not isinstance(actor, Viewer) or message.channel.kind != ChannelKind.ANNOUNCEMENTS:
        raise PermissionDenied(_("Only announcements can be pinned."))
    if (
        professional_organisation_for(actor, message.channel.building) is None
        and not actor.is_superuser
    ):
        raise PermissionDenied(_("You do not take part in this chat."))
    message.pinned_at = timezone.now() if pinned else None
    with transaction.atomic():
        _log_change(message.channel_id, ChannelEventKind.UPDATE, message_id=message.pk)
        message.save(update_fields=["pinned_at"])
    return message


def announcements_mark_read(*, actor, channel_id, message_ids) -> int:
    channel = channel_get(actor=actor, channel_id=channel_id)
    if channel.kind != ChannelKind.ANNOUNCEMENTS:
        return 0
    member = actor_member(actor, channel)
    if member is None:
        return 0
    ids = Message.objects.filter(channel=channel, pk__in=list(message_ids)).values_list(
        "pk", flat=True
    )
    rows = [AnnouncementRead(message_id=i, member=member) for i in ids]
    AnnouncementRead.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _moderated_member(actor: Viewer, member_id) -> Member:
    member = Member.objects.select_related("building").filter(pk=as_id(member_id)).first()
    if member is None or not may_moderate(actor, member.building):
        raise NotFound(_("Not found."))
    return member


def member_mute(
    *, actor: Viewer, member_id, reason: str, hours: int = 24, now: datetime | None = None
) -> Member:
    reason = _reason(reason)
    member = _moderated_member(actor, member_id)
    if not 1 <= int(hours) <= 24 * 30:
        raise ValidationError({"hours": _("Mute for 1 hour up to 30 days.")})
    now = now or timezone.now()
    with transaction.atomic():
        member.muted_until = now + timedelta(hours=int(hours))
        member.mute_reason = reason
        member.save(update_fields=["muted_until", "mute_reason", "updated_at"])
        _audit(
            actor,
            "update",
            "chat.member",
            [member.pk],
            ["muted_until", "mute_reason"],
            member.building,
        )
    return member


def member_unmute(*, actor: Viewer, member_id) -> Member:
    member = _moderated_member(actor, member_id)
    with transaction.atomic():
        member.muted_until = None
        member.save(update_fields=["muted_until", "updated_at"])
        _audit(actor, "update", "chat.member", [member.pk], ["muted_until"], member.building)
    return member


def member_remove(*, actor: Viewer, member_id, reason: str, now: datetime | None = None) -> Member:
    """Remove a member: their code and every device session stop working at once, and
    their open streams are closed."""
    reason = _reason(reason)
    member = _moderated_member(actor, member_id)
    now = now or timezone.now()
    with transaction.atomic():
        for channel_id in _member_channels(member):
            _log_change(channel_id, ChannelEventKind.MEMBER, member_id=member.pk)
        member.removed_at = now
        member.removed_reason = reason
        member.save(update_fields=["removed_at", "removed_reason", "updated_at"])
        _end_devices(member, "removed", now)
        _audit(
            actor,
            "update",
            "chat.member",
            [member.pk],
            ["removed_at", "removed_reason"],
            member.building,
        )
        transaction.on_commit(lambda: _publish_member_gone(member))
    return member


def member_leave(
    *, principal: ResidentPrincipal, remove_messages: bool = False, now: datetime | None = None
) -> int:
    """A resident leaves the chat; with `remove_messages` their messages go too.
    Returns how many messages were removed."""
    member = resident_member_get(principal=principal)
    now = now or timezone.now()
    with transaction.atomic():
        removed = 0
        for channel_id in _member_channels(member):
            _log_change(channel_id, ChannelEventKind.MEMBER, member_id=member.pk)
        if remove_messages:
            for channel_id, message_id in (
                Message.objects.filter(author=member)
                .order_by("channel_id", "pk")
                .values_list("channel_id", "pk")
            ):
                _log_change(channel_id, ChannelEventKind.UPDATE, message_id=message_id)
            removed = _messages_erase(Message.objects.filter(author=member))
        member.left_at = now
        member.save(update_fields=["left_at", "updated_at"])
        DeviceSession.objects.filter(member=member, ended_at__isnull=True).update(
            ended_at=now, ended_by="left"
        )
        _audit(principal, "update", "chat.member", [member.pk], ["left_at"], member.building)
        transaction.on_commit(lambda: _publish_member_gone(member))
    return removed


def _messages_erase(messages) -> int:
    names = [n for n in messages.exclude(photo="").values_list("photo", flat=True)]
    count, _rows = messages.delete()
    if names:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])
    return count


def member_display_name_change(
    *, principal: ResidentPrincipal, display_name: str, recovery_email: str = ""
) -> Member:
    member = resident_member_get(principal=principal)
    display_name = " ".join(str(display_name or "").split())
    if len(display_name) < 2 or len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "display_name": _(
                    "Choose a name of 2 to %(max)d characters; a made-up name is fine."
                )
                % {"max": DISPLAY_NAME_MAX_LENGTH}
            }
        )
    member.display_name = display_name
    if recovery_email is not None:
        member.recovery_email = recovery_email.strip()
    member.full_clean(exclude=["building", "resident", "unit", "user", "organisation"])
    member.save(update_fields=["display_name", "recovery_email", "updated_at"])
    return member


# --- Private lines ---------------------------------------------------------------------------


def private_line_open(*, principal: ResidentPrincipal, professional_member_id) -> Channel:
    """A resident opens (or returns to) a one-to-one line with a professional of their
    building's chat; the channel never sees it."""
    member = resident_member_get(principal=principal)
    professional = Member.objects.filter(
        pk=as_id(professional_member_id),
        building_id=member.building_id,
        kind=MemberKind.PROFESSIONAL,
        removed_at__isnull=True,
    ).first()
    if professional is None:
        raise NotFound(_("Not found."))
    channel, _created = Channel.objects.get_or_create(
        building_id=member.building_id,
        kind=ChannelKind.PRIVATE,
        resident_member=member,
        professional_member=professional,
    )
    return channel


def private_line_to_report(*, actor: Viewer, channel_id, category_id, description: str = ""):
    """The professional turns a private line into a shielded report in one step.

    The reporter's identity is the resident's own (name and contact details from the
    residents register), stored only in the report's shielded identity: from then on the
    identity rules of reports apply, and the professional sees no more of it than before.
    Returns the report."""
    from wijkregie.reports.models import Category, ContactMode
    from wijkregie.reports.models import Channel as ReportChannel
    from wijkregie.reports.services import ReporterDetails, report_submit

    channel = channel_get(actor=actor, channel_id=channel_id)
    if channel.kind != ChannelKind.PRIVATE or channel.professional_member.user_id != actor.user_id:
        raise NotFound(_("Not found."))
    if channel.report_id is not None:
        raise ApplicationError(_("This conversation is already a report."))
    category = Category.objects.filter(pk=as_id(category_id)).first()
    if category is None:
        raise ValidationError({"category": _("Choose a category.")})
    resident = channel.resident_member.resident
    lines = [
        f"{m.author.display_name}: {m.body}"
        for m in Message.objects.filter(channel=channel, deleted_at__isnull=True).select_related(
            "author"
        )
    ]
    text = (str(description or "").strip() + "\n\n" + "\n".join(lines)).strip()[:5000]
    if not text:
        raise ValidationError({"description": _("Describe what the report is about.")})
    has_contact = bool(resident.email or resident.phone)
    result = report_submit(
        actor=actor,
        building=channel.building,
        category=category,
        description=text,
        unit=channel.resident_member.unit,
        contact_mode=ContactMode.SHIELDED if has_contact else ContactMode.ANONYMOUS,
        reporter=ReporterDetails(
            name=resident.full_name,
            email=resident.email,
            phone=resident.phone,
            language=channel.resident_member.language or resident.preferred_language,
        ),
        channel=ReportChannel.CHAT,
        idempotency_key=f"chat-line:{channel.pk}",
    )
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(report=result.report)
        notice = _(
            "This conversation was turned into a report (%(code)s). Only the "
            "report's intake sees who you are."
        ) % {"code": result.tracking_code}
        message_post(actor=actor, channel_id=channel.pk, body=notice, kind=MessageKind.NOTICE)
        _audit(
            actor,
            "create",
            "reports.report",
            [result.report.pk],
            ["from_private_line"],
            channel.building,
        )
    return result.report
