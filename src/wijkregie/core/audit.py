"""The audit trail of every view and change of personal data (BRIEF 27).

`audit_record` is called by services and selectors inside their own transaction, so an
entry exists exactly when the read or write it describes happened. It is one plain INSERT:
no lock, no read of a chain head, so audited requests never wait for one another.

Tamper evidence comes afterwards, from the sealer (`audit_seal`, run by
`manage.py audit_seal --loop`): it takes the committed entries that have no seal yet, in id
order, computes a Merkle tree over their ids and hashes (RFC 6962) and stores the root in
an `AuditSeal` linked to the previous seal's hash (and signed with `AUDIT_SEAL_KEY` when
set). `audit_verify` checks every entry against its hash, every seal against its entries
and the chain of seals, and reports how far sealing lags behind.
docs/adr/0009-audit-sealed-asynchronously.md.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wijkregie.core.access import Viewer
from wijkregie.core.logging import log_event
from wijkregie.core.models import AuditEntry, AuditSeal, AuditSealHead

GENESIS_HASH = "0" * 64
# The content an entry's hash covers. Not the id: it is given by the database in the very
# INSERT that stores the hash. The sealer binds id and hash together in the Merkle leaf, so
# an entry moved to another id (a swap, a reorder) no longer matches its seal.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "data_owner_id",
    "data_owner_label",
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
# How many entries one seal holds at most (one UPDATE ... WHERE id IN (...) per seal).
SEAL_BATCH_SIZE = 5000


def entry_hash(entry: AuditEntry) -> str:
    payload = {name: getattr(entry, name) for name in HASHED_FIELDS}
    payload["occurred_at"] = entry.occurred_at.isoformat(timespec="microseconds")
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class AuditContext:
    """On behalf of what the data was read or changed (a building, a case, a report)."""

    type: str = ""
    id: str = ""
    label: str = ""


@dataclass(frozen=True)
class DataOwner:
    """The organisation whose personal data it was (the residents' landlord, the
    organisation holding the report): its privacy officer sees the entry."""

    id: int | None = None
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
    data_owner: DataOwner | None = None,
) -> AuditEntry:
    """One entry, one INSERT, in the caller's transaction.

    `organisation_id`: the organisation the viewer acted for (their first one if not
    given). `data_owner`: whose data it was; its label may be left out when the viewer is a
    member of it (then the grant names it, no query).
    """
    entry = audit_entry_new(
        viewer=viewer,
        action=action,
        object_type=object_type,
        object_ids=object_ids,
        fields=fields,
        organisation_id=organisation_id,
        context=context,
        data_owner=data_owner,
    )
    entry.save(force_insert=True)
    audit_entry_logged(viewer, entry)
    return entry


def audit_entry_logged(viewer: Viewer, entry: AuditEntry) -> None:
    """The log line of a written entry."""
    _log(viewer, entry)


def audit_record_by_owner(
    *,
    viewer: Viewer,
    action: str,
    object_type: str,
    objects: Iterable[tuple[object, DataOwner]],
    fields: Iterable[str] = (),
    organisation_id: int | None = None,
    context: AuditContext | None = None,
    default_owner: DataOwner | None = None,
) -> list[AuditEntry]:
    """As `audit_record` for objects of several data owners (a list of residents of two
    landlords): one entry per owner with that owner's object ids, all in one INSERT.
    No objects: one entry for `default_owner` (a list that showed nothing)."""
    by_owner: dict[DataOwner, list] = {}
    for object_id, owner in objects:
        by_owner.setdefault(owner, []).append(object_id)
    if not by_owner:
        by_owner[default_owner or DataOwner()] = []
    entries = [
        audit_entry_new(
            viewer=viewer,
            action=action,
            object_type=object_type,
            object_ids=ids,
            fields=fields,
            organisation_id=organisation_id,
            context=context,
            data_owner=owner,
        )
        for owner, ids in sorted(by_owner.items(), key=lambda item: item[0].id or 0)
    ]
    if len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        AuditEntry.objects.bulk_create(entries)
    for entry in entries:
        _log(viewer, entry)
    return entries


def audit_entry_new(
    *,
    viewer: Viewer,
    action: str,
    object_type: str,
    object_ids: Iterable,
    fields: Iterable[str] = (),
    organisation_id: int | None = None,
    context: AuditContext | None = None,
    data_owner: DataOwner | None = None,
) -> AuditEntry:
    """The entry `audit_record` would write, not yet saved: for a service that writes it
    together with its other rows in one statement (`core.db.rows_insert_together`), in
    the same transaction. Call `audit_entry_logged` once it is written."""
    # Numeric ids in numeric order (2 before 10); the order is fixed, so the hash is too.
    ids = sorted({str(i) for i in object_ids}, key=lambda i: (len(i), i))
    grant = viewer.grant_for(organisation_id) if organisation_id else viewer.primary_grant
    context = context or AuditContext()
    owner = data_owner or DataOwner()
    owner_label = owner.label
    if owner.id is not None and not owner_label:
        owner_grant = viewer.grant_for(owner.id)
        owner_label = owner_grant.organisation_name if owner_grant else ""
    entry = AuditEntry(
        occurred_at=timezone.now(),
        actor_id=viewer.user_id,
        actor_label=viewer.label[:200],
        organisation_id=grant.organisation_id if grant else None,
        organisation_label=(grant.organisation_name if grant else "")[:200],
        data_owner_id=owner.id,
        data_owner_label=owner_label[:200],
        action=action,
        object_type=object_type,
        object_ids=ids,
        fields=sorted(set(fields)),
        context_type=context.type,
        context_id=str(context.id),
        context_label=context.label[:200],
        origin=viewer.origin,
        request_id=viewer.request_id,
    )
    entry.hash = entry_hash(entry)
    return entry


def _log(viewer: Viewer, entry: AuditEntry) -> None:
    log_event(
        "audit",
        actor=viewer.label,
        organisation=entry.organisation_label,
        action=entry.action,
        object=f"{entry.object_type}:{','.join(entry.object_ids[:20])}",
        result="recorded",
        origin=viewer.origin,
        seq=entry.pk,
    )


# --- Sealing ------------------------------------------------------------------------------


def merkle_leaf(entry_id: int, entry_hash_hex: str) -> bytes:
    """The leaf of one entry: its id and its content hash (RFC 6962: 0x00 || data)."""
    return hashlib.sha256(b"\x00" + f"{entry_id}:{entry_hash_hex}".encode()).digest()


def merkle_root(leaves: list[bytes]) -> str:
    """The RFC 6962 Merkle tree hash over the leaves in order (split at the largest power
    of two below n; inner nodes 0x01 || left || right)."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()

    def node(items: list[bytes]) -> bytes:
        if len(items) == 1:
            return items[0]
        split = 1 << ((len(items) - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + node(items[:split]) + node(items[split:])).digest()

    return node(leaves).hex()


def entries_root(entries: Iterable[AuditEntry]) -> str:
    return merkle_root([merkle_leaf(e.pk, e.hash) for e in entries])


def seal_hash(seal: AuditSeal) -> str:
    body = "|".join(
        (
            seal.prev_hash,
            seal.root,
            str(seal.entry_count),
            str(seal.first_entry_id),
            str(seal.last_entry_id),
            seal.sealed_at.isoformat(timespec="microseconds"),
        )
    )
    return hashlib.sha256(body.encode()).hexdigest()


def seal_signature(seal_hash_hex: str) -> str:
    """HMAC-SHA256 of the seal's hash with AUDIT_SEAL_KEY; empty when no key is set."""
    key = settings.AUDIT_SEAL_KEY
    if not key:
        return ""
    return hmac.new(key.encode(), seal_hash_hex.encode(), hashlib.sha256).hexdigest()


def audit_seal(*, batch_size: int = SEAL_BATCH_SIZE) -> AuditSeal | None:
    """Seal the committed entries that have no seal yet (at most `batch_size`, lowest ids
    first) in one transaction; None when there is nothing to seal.

    The seal head's row lock serialises sealers (never requests); the entries are chosen by
    `seal IS NULL`, not by an id range, so an entry that committed after a higher id was
    sealed is simply in the next seal: no gaps, no doubles.
    """
    with transaction.atomic():
        head, _ = AuditSealHead.objects.select_for_update().get_or_create(pk=1)
        # Read after the lock: under READ COMMITTED this sees what the previous sealer
        # committed, so no entry is taken twice.
        entries = list(
            AuditEntry.objects.filter(seal__isnull=True)
            .order_by("id")
            .only("id", "hash")[:batch_size]
        )
        if not entries:
            return None
        ids = [e.pk for e in entries]
        seal = AuditSeal(
            prev_hash=head.last_hash,
            root=entries_root(entries),
            entry_count=len(entries),
            first_entry_id=ids[0],
            last_entry_id=ids[-1],
            entry_ids=ids,
            sealed_at=timezone.now(),
        )
        seal.hash = seal_hash(seal)
        seal.signature = seal_signature(seal.hash)
        seal.save(force_insert=True)
        sealed = AuditEntry.objects.filter(pk__in=ids).seal_with(seal)
        if sealed != len(ids):  # cannot happen while sealers hold the head's lock
            raise RuntimeError(f"sealed {sealed} of {len(ids)} audit entries; rolled back")
        head.last_seal_id = seal.pk
        head.last_hash = seal.hash
        head.save(update_fields=["last_seal_id", "last_hash"])
    log_event(
        "audit_sealed",
        object="core.auditseal",
        result="sealed",
        origin="command",
        seal=seal.pk,
        count=seal.entry_count,
        first_entry=seal.first_entry_id,
        last_entry=seal.last_entry_id,
        hash=seal.hash,
        signed=bool(seal.signature),
    )
    return seal


def audit_seal_all(*, batch_size: int = SEAL_BATCH_SIZE) -> list[AuditSeal]:
    """Seal until nothing is left unsealed (one seal per `batch_size` entries)."""
    seals = []
    while (seal := audit_seal(batch_size=batch_size)) is not None:
        seals.append(seal)
    return seals


# --- Lag ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealLag:
    oldest_unsealed_at: datetime | None
    seconds: int  # age of the oldest unsealed entry; 0 when everything is sealed
    max_seconds: int

    @property
    def lagging(self) -> bool:
        return self.seconds > self.max_seconds


def audit_seal_lag(now: datetime | None = None) -> SealLag:
    """How old the oldest unsealed entry is: one query on the partial index of unsealed
    entries (the lowest unsealed id is, give or take a commit, the oldest)."""
    oldest = (
        AuditEntry.objects.filter(seal__isnull=True)
        .order_by("id")
        .values_list("occurred_at", flat=True)
        .first()
    )
    now = now or timezone.now()
    seconds = max(0, int((now - oldest).total_seconds())) if oldest else 0
    return SealLag(oldest, seconds, settings.AUDIT_SEAL_MAX_LAG_SECONDS)


def log_lag(lag: SealLag) -> None:
    if lag.lagging:
        log_event(
            "audit_seal_lagging",
            level=logging.WARNING,
            object="core.auditentry",
            result="lagging",
            origin="command",
            oldest_unsealed_seconds=lag.seconds,
            max_lag_seconds=lag.max_seconds,
        )


# --- Verification -------------------------------------------------------------------------


@dataclass
class AuditProblem:
    kind: str  # "entry", "seal" or "head"
    id: int | None
    problem: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}: {self.problem}"


@dataclass
class AuditReport:
    entries: int = 0  # sealed entries checked
    seals: int = 0
    unsealed: int = 0
    problems: list[AuditProblem] = field(default_factory=list)
    lag: SealLag | None = None


def audit_verify(batch_size: int = 200) -> list[AuditProblem]:
    """Every problem found in the trail (see `audit_verify_chain`)."""
    return audit_verify_chain(batch_size).problems


def audit_verify_chain(batch_size: int = 200) -> AuditReport:
    """Check the whole trail, seal by seal (`batch_size` seals a query; constant memory).

    - each entry's content matches its hash (sealed and unsealed);
    - each seal holds exactly the entries of its id list (a deleted entry, or one inserted
      with this seal, shows), and their Merkle root is the seal's root (a changed id, a
      swap or a reorder shows);
    - each seal matches its own hash, links to the previous seal's hash, carries a valid
      signature when AUDIT_SEAL_KEY is set; the last seal is the one the head names;
    - how old the oldest unsealed entry is (a warning log line past
      AUDIT_SEAL_MAX_LAG_SECONDS).
    """
    report = AuditReport()
    problems = report.problems
    signing = bool(settings.AUDIT_SEAL_KEY)
    prev_hash = GENESIS_HASH
    last_seal = None
    while True:
        seals = list(
            AuditSeal.objects.filter(pk__gt=last_seal.pk if last_seal else 0).order_by("id")[
                :batch_size
            ]
        )
        if not seals:
            break
        for seal in seals:
            report.seals += 1
            if seal.prev_hash != prev_hash:
                problems.append(
                    AuditProblem("seal", seal.pk, "link to the previous seal is broken")
                )
            if seal_hash(seal) != seal.hash:
                problems.append(AuditProblem("seal", seal.pk, "content does not match its hash"))
            if signing and not hmac.compare_digest(seal.signature, seal_signature(seal.hash)):
                problems.append(AuditProblem("seal", seal.pk, "signature does not match"))
            _verify_sealed_entries(seal, report)
            prev_hash = seal.hash
            last_seal = seal
    head = AuditSealHead.objects.filter(pk=1).first()
    last_id = last_seal.pk if last_seal else None
    if head and (head.last_seal_id != last_id or (last_seal and head.last_hash != prev_hash)):
        problems.append(AuditProblem("head", head.last_seal_id, f"the seals end at seal {last_id}"))
    for entry in AuditEntry.objects.filter(seal__isnull=True).order_by("id").iterator(2000):
        report.unsealed += 1
        if entry_hash(entry) != entry.hash:
            problems.append(AuditProblem("entry", entry.pk, "content does not match its hash"))
    report.lag = audit_seal_lag()
    log_lag(report.lag)
    return report


def _verify_sealed_entries(seal: AuditSeal, report: AuditReport) -> None:
    problems = report.problems
    entries = list(AuditEntry.objects.filter(seal_id=seal.pk).order_by("id"))
    report.entries += len(entries)
    listed = set(seal.entry_ids)
    found = {e.pk for e in entries}
    for missing in sorted(listed - found):
        problems.append(
            AuditProblem("entry", missing, f"missing from seal {seal.pk} (deleted or moved)")
        )
    for entry in entries:
        if entry.pk not in listed:
            problems.append(
                AuditProblem("entry", entry.pk, f"not one of the entries of seal {seal.pk}")
            )
        if entry_hash(entry) != entry.hash:
            problems.append(AuditProblem("entry", entry.pk, "content does not match its hash"))
    if len(seal.entry_ids) != seal.entry_count or sorted(seal.entry_ids) != seal.entry_ids:
        problems.append(AuditProblem("seal", seal.pk, "its list of entries was changed"))
    if entries_root(entries) != seal.root:
        problems.append(
            AuditProblem(
                "seal",
                seal.pk,
                "its entries do not match its root (changed, swapped, moved, deleted or inserted)",
            )
        )
