"""The building chat: one channel and one announcements channel per building, private
lines between a resident and a professional, members, join codes, device sessions,
messages, reactions, flags and the aggregate "read by N" of announcements.

A resident member is bound to a resident and their unit, but the chat never shows who
they are: other members see the display name only (selectors.message_payload).
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wijkregie.core.models import BaseModel
from wijkregie.partners.models import Organisation
from wijkregie.places.models import Building, Unit
from wijkregie.residents.models import Resident

# Organisation permissions (partners roles grant them).
TAKE_PART = "chat.take_part"  # a professional in the channels of their buildings
MODERATE = "chat.moderate"  # hide/delete messages, mute/remove members
ISSUE_CODES = "chat.issue_join_codes"  # hand out join codes (letters, at the door)

BODY_MAX_LENGTH = 4000
DISPLAY_NAME_MAX_LENGTH = 40
REASON_MAX_LENGTH = 500


class ChannelKind(models.TextChoices):
    GENERAL = "general", _("Building channel")
    ANNOUNCEMENTS = "announcements", _("Announcements")
    PRIVATE = "private", _("Private line")


class MemberKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    PROFESSIONAL = "professional", _("Professional")


class Member(BaseModel):
    """A person in a building's chat: a resident (by join code) or a professional."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="chat_members")
    kind = models.CharField(_("kind"), max_length=16, choices=MemberKind.choices)
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, null=True, blank=True, related_name="chat_members"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_members",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    display_name = models.CharField(_("display name"), max_length=DISPLAY_NAME_MAX_LENGTH)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    recovery_email = models.EmailField(_("e-mail for recovery"), blank=True, default="")
    rules_accepted_at = models.DateTimeField(null=True, blank=True)
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    mute_reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True, default="")
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True, default="")
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat member")
        verbose_name_plural = _("chat members")
        default_permissions = ()
        permissions = [
            ("take_part", "Can take part in the chats of the organisation's buildings"),
            ("moderate", "Can moderate the chats of the organisation's buildings"),
            ("issue_join_codes", "Can issue chat join codes to residents"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "resident"],
                condition=models.Q(resident__isnull=False),
                name="chat_member_resident_unique",
            ),
            models.UniqueConstraint(
                fields=["building", "user", "organisation"],
                condition=models.Q(user__isnull=False),
                name="chat_member_user_unique",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def is_active(self) -> bool:
        return self.removed_at is None and self.left_at is None

    def is_muted(self, now=None) -> bool:
        return self.muted_until is not None and self.muted_until > (now or timezone.now())


class Channel(BaseModel):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="chat_channels")
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    # A private line: the resident who opened it and the professional they talk to.
    resident_member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    professional_member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        "reports.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The newest message id; posts lock this row, so ids within a channel are committed in
    # order (a client that saw id N never misses a later-committed id below N).
    last_message_id = models.BigIntegerField(default=0)
    # The newest change-log id (ChannelEvent), kept the same way.
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["building", "kind"],
                condition=~models.Q(kind="private"),
                name="chat_channel_per_building",
            ),
            models.UniqueConstraint(
                fields=["resident_member", "professional_member"],
                condition=models.Q(kind="private"),
                name="chat_private_line_unique",
            ),
        ]

    def __str__(self):
        return f"{self.building} · {self.get_kind_display()}"


def code_digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


class JoinCode(BaseModel):
    """A personal code for one resident at one unit: expires, can be revoked, and signs
    in one device only (once used it is spent)."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="chat_codes")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    issued_by_label = models.CharField(max_length=200, blank=True, default="")
    purpose = models.CharField(max_length=16, default="door")  # door | letter

    class Meta:
        verbose_name = _("join code")
        verbose_name_plural = _("join codes")
        default_permissions = ()


class DeviceSession(BaseModel):
    """A resident's signed-in device: long-lived, ended by the resident, the corporation
    or a removal."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="devices")
    join_code = models.ForeignKey(JoinCode, on_delete=models.SET_NULL, null=True, related_name="+")
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        default_permissions = ()


class MessageKind(models.TextChoices):
    TEXT = "text", _("Message")
    NEWSLETTER = "newsletter", _("Newsletter")
    NOTICE = "notice", _("Notice")


class Message(models.Model):
    id = models.BigAutoField(primary_key=True)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=MessageKind.choices, default=MessageKind.TEXT)
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH, blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    photo = models.FileField(upload_to="chat/%Y/%m/", blank=True, default="")
    photo_type = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True, default="")
    hidden_by_label = models.CharField(max_length=200, blank=True, default="")
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        indexes = [models.Index(fields=["channel", "id"], name="chat_message_channel_idx")]

    def __str__(self):
        return f"#{self.pk}"


class ChannelEventKind(models.TextChoices):
    UPDATE = "update", "update"  # a message changed: hidden, deleted, pinned, reactions
    MEMBER = "member", "member"  # a member was removed or left


class ChannelEvent(models.Model):
    """The change log of a channel, so that a stream that reconnects (Last-Event-ID) also
    gets the changes it missed, not only the new messages. Written in the change's own
    transaction with the channel row locked: ids are committed in order per channel, and
    `after_message` is the channel's newest message id at the time (a client that last saw
    message N missed at most the changes with `after_message >= N`). It says what changed,
    never what it was: the current state is read when it is sent."""

    id = models.BigAutoField(primary_key=True)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=ChannelEventKind.choices)
    message_id = models.BigIntegerField(null=True, blank=True)  # no FK: erasure keeps it
    member_id = models.BigIntegerField(null=True, blank=True)
    after_message = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        indexes = [
            models.Index(fields=["channel", "id"], name="chat_event_channel_idx"),
            models.Index(fields=["channel", "after_message"], name="chat_event_after_idx"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class RecoveryLink(models.Model):
    """A sign-in link sent to a member's recovery e-mail address, for a new device: the
    link carries this row's id, signed (services.recovery_link_token); it works once and
    until `expires_at` (WIJKREGIE_CHAT_RECOVERY_MINUTES)."""

    id = models.BigAutoField(primary_key=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    device = models.ForeignKey(
        "DeviceSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"recovery #{self.pk}"


class Reaction(models.Model):
    EMOJIS = ("👍", "❤️", "😮", "🙏")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["message", "member", "emoji"], name="chat_reaction_unique"
            )
        ]

    def __str__(self):
        return self.emoji


class Flag(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="flags")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["message", "member"], name="chat_flag_unique")
        ]

    def __str__(self):
        return f"flag on #{self.message_id}"


class AnnouncementRead(models.Model):
    """That a member read an announcement: counted, never shown per member."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reads")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["message", "member"], name="chat_read_unique")
        ]

    def __str__(self):
        return f"read #{self.message_id}"
