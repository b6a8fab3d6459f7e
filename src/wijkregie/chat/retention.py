"""The chat's personal data in the retention registry (core.retention, docs/privacy.md).

- `chat.messages`: messages (with photos, reactions and flags), kept
  WIJKREGIE_CHAT_RETENTION_DAYS, then deleted by `retention_purge` (the hourly
  maintenance). A resident who leaves can have their own removed at once.
- `chat.members`: a resident's membership (display name, device sessions, codes), deleted
  with the resident (residents.resident) and erasable on request.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wijkregie.chat.models import ChannelEvent, Member, Message, RecoveryLink
from wijkregie.core import retention
from wijkregie.core.access import system_viewer
from wijkregie.core.audit import DataOwner, audit_record

BATCH = 500


def purge_messages(now: datetime) -> int:
    """Delete messages older than the retention period, in batches; their photos too."""
    before = now - timedelta(days=settings.WIJKREGIE_CHAT_RETENTION_DAYS)
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Message.objects.filter(created_at__lt=before)
                .order_by("pk")
                .values_list("pk", "photo")[:BATCH]
            )
            if not rows:
                # The change log and the recovery links of that age go too (ids only).
                ChannelEvent.objects.filter(created_at__lt=before).delete()
                RecoveryLink.objects.filter(expires_at__lt=before).delete()
                return total
            ids = [pk for pk, _photo in rows]
            Message.objects.filter(reply_to_id__in=ids).update(reply_to=None)
            Message.objects.filter(pk__in=ids).delete()
            audit_record(
                viewer=system_viewer("chat retention"),
                action="delete",
                object_type="chat.message",
                object_ids=ids,
                fields=["body", "photo"],
                data_owner=DataOwner(None, "chat"),
            )
            photos = [photo for _pk, photo in rows if photo]
            transaction.on_commit(lambda photos=photos: [default_storage.delete(p) for p in photos])
        total += len(rows)


def _members(subject):
    if subject.type != "residents.resident":
        return Member.objects.none()
    return Member.objects.filter(resident_id=subject.id)


def export_members(subject) -> retention.SubjectData:
    data = retention.SubjectData()
    for member in _members(subject).select_related("building"):
        data.records.append(
            {
                "building": member.building.name,
                "display_name": member.display_name,
                "joined": retention.stamp(member.created_at),
                "left": retention.stamp(member.left_at),
                "messages": list(
                    Message.objects.filter(author=member).values_list("body", flat=True)
                ),
            }
        )
    return data


def erase_members(subject, actor, reason: str) -> int:
    members = _members(subject)
    count = 0
    with transaction.atomic():
        for member in members:
            count += Message.objects.filter(author=member).delete()[0]
        count += members.delete()[0]
    return count


def register() -> None:
    retention.register(
        retention.PersonalDataCategory(
            key="chat.messages",
            label=_("Building chat messages"),
            retention=_("the configured number of days (WIJKREGIE_CHAT_RETENTION_DAYS)"),
            purge=purge_messages,
            order=200,
        )
    )
    retention.register(
        retention.PersonalDataCategory(
            key="chat.members",
            label=_("Building chat membership and own messages"),
            retention=_("until the resident leaves or is deleted"),
            export=export_members,
            erase=erase_members,
            order=201,
        )
    )
