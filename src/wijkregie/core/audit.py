"""The audit trail of every view and change of personal data (BRIEF 27).

`audit_record` is called by services and selectors inside their own transaction, so an
entry exists exactly when the read or write it describes happened. Appends are serialised
through the one `AuditChainHead` row (a row lock on PostgreSQL; SQLite runs IMMEDIATE
transactions, which serialise writers anyway).
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from wijkregie.core.access import Viewer
from wijkregie.core.logging import log_event
from wijkregie.core.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "action",
    "object_type",
    "object_ids",
    "fields",
    "context_type",
    "context_id",
    "context_label",
    "origin",
    "request_id",
)


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    payload = {name: getattr(entry, name) for name in HASHED_FIELDS}
    payload["occurred_at"] = entry.occurred_at.isoformat(timespec="microseconds")
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditContext:
    """On behalf of what the data was read or changed (a building, a case, a report)."""

    type: str = ""
    id: str = ""
    label: str = ""


def audit_record(
    *,
    viewer: Viewer,
    action: str,
    object_type: str,
    object_ids: Iterable,
    fields: Iterable[str] = (),
    organisation_id: int | None = None,
    context: AuditContext | None = None,
) -> AuditEntry:
    # Numeric ids in numeric order (2 before 10); the order is fixed, so the hash is too.
    ids = sorted({str(i) for i in object_ids}, key=lambda i: (len(i), i))
    grant = viewer.grant_for(organisation_id) if organisation_id else viewer.primary_grant
    context = context or AuditContext()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            occurred_at=timezone.now(),
            actor_id=viewer.user_id,
            actor_label=viewer.label[:200],
            organisation_id=grant.organisation_id if grant else None,
            organisation_label=(grant.organisation_name if grant else "")[:200],
            action=action,
            object_type=object_type,
            object_ids=ids,
            fields=sorted(set(fields)),
            context_type=context.type,
            context_id=str(context.id),
            context_label=context.label[:200],
            origin=viewer.origin,
            request_id=viewer.request_id,
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry, head.last_hash)
        entry.save(force_insert=True)
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    log_event(
        "audit",
        actor=viewer.label,
        organisation=entry.organisation_label,
        action=action,
        object=f"{object_type}:{','.join(ids[:20])}",
        result="recorded",
        origin=viewer.origin,
        seq=entry.seq,
    )
    return entry


@dataclass
class ChainProblem:
    seq: int
    problem: str


@dataclass
class ChainReport:
    entries: int  # how many entries were walked
    problems: list[ChainProblem]


def audit_verify(batch_size: int = 5000) -> list[ChainProblem]:
    """Walk the whole chain; report every entry whose hash, link or position is wrong."""
    return audit_verify_chain(batch_size).problems


def audit_verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in `seq` order, in batches (constant memory).

    A changed entry no longer matches its hash; a deleted one leaves a gap in `seq` and a
    broken link; a reordered pair (swapped `seq`) matches neither its hash nor its link;
    a deleted tail is caught against the chain head.
    """
    problems: list[ChainProblem] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    last_seen = 0
    walked = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last_seen).order_by("seq")[:batch_size])
        if not batch:
            break
        for entry in batch:
            walked += 1
            if entry.seq != expected_seq:
                problems.append(
                    ChainProblem(entry.seq, f"expected entry {expected_seq}: missing entries")
                )
            if entry.prev_hash != prev_hash:
                problems.append(ChainProblem(entry.seq, "link to the previous entry is broken"))
            if entry_hash(entry, entry.prev_hash) != entry.hash:
                problems.append(ChainProblem(entry.seq, "content does not match its hash"))
            prev_hash = entry.hash
            expected_seq = entry.seq + 1
            last_seen = entry.seq
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_seq != last_seen:
        problems.append(
            ChainProblem(head.last_seq, f"chain ends at {last_seen}, head says {head.last_seq}")
        )
    elif head and head.last_hash != prev_hash and last_seen:
        problems.append(ChainProblem(last_seen, "last entry differs from the recorded head"))
    return ChainReport(entries=walked, problems=problems)
