"""Sealing the audit trail and verifying it (docs/adr/0009-audit-sealed-asynchronously.md)."""

import hashlib
import io
import json
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

import pytest

from tests.core.test_audit_trail import record, viewer_of
from wijkregie.core import audit
from wijkregie.core.audit import (
    GENESIS_HASH,
    audit_seal,
    audit_seal_all,
    audit_verify,
    entries_root,
    entry_hash,
    merkle_leaf,
    merkle_root,
    seal_hash,
)
from wijkregie.core.models import AuditEntry, AuditSeal, AuditSealHead

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the trigger and concurrent transactions exist on PostgreSQL only",
)


@pytest.fixture
def four_entries(organisation):
    viewer = viewer_of(organisation)
    return [record(viewer, ids=[i]) for i in range(1, 5)]


def ids_of(entries) -> list[int]:
    return [e.pk for e in entries]


def sealed_ids() -> dict[int, int]:
    """Each entry's seal."""
    return dict(AuditEntry.objects.values_list("id", "seal_id"))


# --- Sealing ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_seal_holds_the_unsealed_entries_in_id_order(four_entries, log_lines):
    seal = audit_seal()

    ids = ids_of(four_entries)
    assert seal.entry_ids == ids
    assert (seal.entry_count, seal.first_entry_id, seal.last_entry_id) == (4, ids[0], ids[-1])
    assert seal.prev_hash == GENESIS_HASH
    assert seal.root == merkle_root([merkle_leaf(e.pk, e.hash) for e in four_entries])
    assert seal.hash == seal_hash(seal)
    assert seal.signature == ""
    assert sealed_ids() == dict.fromkeys(ids, seal.pk)
    head = AuditSealHead.objects.get(pk=1)
    assert (head.last_seal_id, head.last_hash) == (seal.pk, seal.hash)
    [line] = log_lines("audit_sealed")
    assert (line["seal"], line["count"], line["hash"]) == (seal.pk, 4, seal.hash)
    assert audit_seal() is None  # nothing left


@pytest.mark.django_db
def test_the_next_seal_links_to_the_previous_one(four_entries, organisation):
    first = audit_seal()
    later = [record(viewer_of(organisation), ids=[9]), record(viewer_of(organisation), ids=[8])]

    second = audit_seal()

    assert second.prev_hash == first.hash
    assert second.entry_ids == ids_of(later)
    assert AuditEntry.objects.filter(seal=first).count() == 4
    assert audit_verify() == []


@pytest.mark.django_db
def test_a_seal_takes_at_most_its_batch_size(four_entries, organisation):
    record(viewer_of(organisation), ids=[5])

    seals = audit_seal_all(batch_size=2)

    assert [s.entry_ids for s in seals] == [
        ids_of(four_entries[:2]),
        ids_of(four_entries[2:]),
        [AuditEntry.objects.order_by("-id").first().pk],
    ]
    assert [s.prev_hash for s in seals[1:]] == [s.hash for s in seals[:-1]]


def test_the_merkle_root_is_that_of_rfc_6962():
    a, b, c = (hashlib.sha256(bytes([0]) + x).digest() for x in (b"a", b"b", b"c"))

    def node(left, right):
        return hashlib.sha256(b"\x01" + left + right).digest()

    assert merkle_root([a]) == a.hex()
    assert merkle_root([a, b]) == node(a, b).hex()
    # Three leaves split at two: ((a, b), c).
    assert merkle_root([a, b, c]) == node(node(a, b), c).hex()
    assert merkle_root([]) == hashlib.sha256(b"").hexdigest()


@pytest.mark.django_db
def test_a_signed_seal_carries_the_hmac_of_its_hash(four_entries, settings):
    settings.AUDIT_SEAL_KEY = "k" * 32

    seal = audit_seal()

    assert len(seal.signature) == 64
    assert seal.signature == audit.seal_signature(seal.hash)
    assert audit_verify() == []
    settings.AUDIT_SEAL_KEY = "another key"
    assert [str(p) for p in audit_verify()] == [f"seal {seal.pk}: signature does not match"]


@pytest.mark.django_db
def test_a_rolled_back_entry_leaves_a_gap_that_does_not_matter(organisation):
    viewer = viewer_of(organisation)
    before = record(viewer, ids=[1])
    with pytest.raises(RuntimeError), transaction.atomic():
        record(viewer, ids=[2])
        raise RuntimeError("the service failed after its audit entry")
    after = record(viewer, ids=[3])

    seal = audit_seal()

    assert seal.entry_ids == [before.pk, after.pk]
    if connection.vendor == "postgresql":  # a sequence is never rolled back
        assert after.pk == before.pk + 2
    assert audit_verify() == []


@pytest.mark.django_db
def test_a_sealer_that_dies_before_committing_leaves_the_entries_for_the_next(
    four_entries, monkeypatch
):
    def dies(self, seal):
        raise DatabaseError("server closed the connection unexpectedly")

    with monkeypatch.context() as m:
        m.setattr(type(AuditEntry.objects.all()), "seal_with", dies)
        with pytest.raises(DatabaseError):
            audit_seal()

    assert AuditSeal.objects.count() == 0
    assert set(sealed_ids().values()) == {None}
    seal = audit_seal()
    assert seal.entry_ids == ids_of(four_entries)
    assert seal.prev_hash == GENESIS_HASH
    assert audit_verify() == []


@pytest.mark.django_db
def test_the_seal_command_once_and_its_export(four_entries):
    out = io.StringIO()
    call_command("audit_seal", stdout=out)
    assert out.getvalue() == "sealed 4 entries in 1 seal(s)\n"

    out = io.StringIO()
    call_command("audit_seal", "--export", stdout=out)

    seal = AuditSeal.objects.get()
    [line] = [json.loads(line) for line in out.getvalue().splitlines()]
    assert line == {
        "seal": seal.pk,
        "count": 4,
        "first_entry": seal.first_entry_id,
        "last_entry": seal.last_entry_id,
        "sealed_at": seal.sealed_at.isoformat(),
        "prev_hash": GENESIS_HASH,
        "hash": seal.hash,
    }


@pytest.mark.django_db
def test_the_seal_command_refuses_a_zero_batch():
    with pytest.raises(CommandError, match="must be positive"):
        call_command("audit_seal", "--batch-size", "0")


# --- Verification -------------------------------------------------------------------------


@contextmanager
def as_an_attacker_with_superuser_rights():
    """Raw SQL past the model; on PostgreSQL with the append-only triggers disabled."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The seal's foreign-key checks are deferred; ALTER TABLE wants them done.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditseal DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditseal ENABLE TRIGGER USER")


def verify() -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def sealed(four_entries):
    return audit_seal(), ids_of(four_entries)


@pytest.mark.django_db
def test_verify_reports_an_intact_trail(sealed, organisation):
    record(viewer_of(organisation), ids=[5])

    out, err, error = verify()

    assert error is None
    assert out == "trail intact: 4 sealed entries in 1 seal(s), 1 unsealed\n"
    assert err == ""


@pytest.mark.django_db
def test_verify_reports_an_empty_trail_as_intact():
    out, _, error = verify()

    assert error is None
    assert out == "trail intact: 0 sealed entries in 0 seal(s), 0 unsealed\n"


@pytest.mark.django_db
def test_verify_detects_a_changed_sealed_entry(sealed):
    seal, ids = sealed
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor_label = 'someone else' WHERE id = %s", [ids[1]]
        )

    out, err, error = verify()

    assert error.returncode == 1
    assert str(error) == "trail broken: 1 problem(s); 4 sealed entries in 1 seal(s), 0 unsealed"
    assert err == f"entry {ids[1]}: content does not match its hash\n"
    assert out == ""


@pytest.mark.django_db
def test_verify_detects_a_changed_entry_whose_hash_was_recomputed(sealed):
    seal, ids = sealed
    entry = AuditEntry.objects.get(pk=ids[1])
    entry.actor_label = "someone else"
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor_label = %s, hash = %s WHERE id = %s",
            [entry.actor_label, entry_hash(entry), ids[1]],
        )

    _, err, error = verify()

    assert err == (
        f"seal {seal.pk}: its entries do not match its root (changed, swapped, moved, "
        "deleted or inserted)\n"
    )


@pytest.mark.django_db
def test_verify_detects_a_deleted_sealed_entry(sealed):
    seal, ids = sealed
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [ids[2]])

    _, err, error = verify()

    assert str(error) == "trail broken: 2 problem(s); 3 sealed entries in 1 seal(s), 0 unsealed"
    assert err == (
        f"entry {ids[2]}: missing from seal {seal.pk} (deleted or moved)\n"
        f"seal {seal.pk}: its entries do not match its root (changed, swapped, moved, "
        "deleted or inserted)\n"
    )


@pytest.mark.django_db
def test_verify_detects_a_fake_entry_inserted_into_a_seal(sealed, organisation):
    seal, ids = sealed
    fake = AuditEntry(
        occurred_at=timezone.now(),
        actor_label="nobody",
        action="view",
        object_type="residents.resident",
        object_ids=["1"],
    )
    fake.hash = entry_hash(fake)
    fake.save()
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute("UPDATE core_auditentry SET seal_id = %s WHERE id = %s", [seal.pk, fake.pk])

    _, err, error = verify()

    assert err == (
        f"entry {fake.pk}: not one of the entries of seal {seal.pk}\n"
        f"seal {seal.pk}: its entries do not match its root (changed, swapped, moved, "
        "deleted or inserted)\n"
    )


@pytest.mark.django_db
def test_verify_detects_two_swapped_entries(sealed):
    seal, ids = sealed
    a, b = ids[1], ids[2]
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute("UPDATE core_auditentry SET id = -1 WHERE id = %s", [a])
        cursor.execute("UPDATE core_auditentry SET id = %s WHERE id = %s", [a, b])
        cursor.execute("UPDATE core_auditentry SET id = %s WHERE id = -1", [b])

    _, err, error = verify()

    assert str(error) == "trail broken: 1 problem(s); 4 sealed entries in 1 seal(s), 0 unsealed"
    assert err == (
        f"seal {seal.pk}: its entries do not match its root (changed, swapped, moved, "
        "deleted or inserted)\n"
    )


@pytest.mark.django_db
def test_verify_detects_a_changed_seal_and_a_broken_link(sealed, organisation):
    first, ids = sealed
    record(viewer_of(organisation), ids=[5])
    second = audit_seal()
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute("UPDATE core_auditseal SET root = %s WHERE id = %s", ["0" * 64, first.pk])
        cursor.execute("UPDATE core_auditseal SET hash = %s WHERE id = %s", ["1" * 64, first.pk])

    _, err, error = verify()

    assert err == (
        f"seal {first.pk}: content does not match its hash\n"
        f"seal {first.pk}: its entries do not match its root (changed, swapped, moved, "
        "deleted or inserted)\n"
        f"seal {second.pk}: link to the previous seal is broken\n"
    )


@pytest.mark.django_db
def test_verify_detects_that_the_last_seal_was_removed(sealed, organisation):
    first, _ = sealed
    record(viewer_of(organisation), ids=[5])
    second = audit_seal()
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seal_id = %s", [second.pk])
        cursor.execute("DELETE FROM core_auditseal WHERE id = %s", [second.pk])

    _, err, error = verify()

    assert err == f"head {second.pk}: the seals end at seal {first.pk}\n"


@pytest.mark.django_db
def test_verify_checks_unsealed_entries_against_their_hash(organisation):
    entry = record(viewer_of(organisation))
    with as_an_attacker_with_superuser_rights() as cursor:
        cursor.execute("UPDATE core_auditentry SET fields = '[]' WHERE id = %s", [entry.pk])

    _, err, _ = verify()

    assert err == f"entry {entry.pk}: content does not match its hash\n"


# --- Lag ----------------------------------------------------------------------------------


@pytest.fixture
def old_unsealed_entry(organisation, monkeypatch):
    moment = timezone.now() - timedelta(seconds=90)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: moment)
        return record(viewer_of(organisation))


@pytest.mark.django_db
def test_health_fails_the_audit_check_when_an_unsealed_entry_is_too_old(client, old_unsealed_entry):
    response = client.get("/health/")

    assert response.status_code == 200  # the web processes stay in the load balancer
    body = response.json()
    assert body["status"] == "degraded"
    assert body["failing"] == ["audit"]
    assert body["audit"] == "lagging"
    assert 90 <= body["audit_oldest_unsealed_seconds"] < 100
    assert (body["database"], body["cache"]) == ("ok", "ok")

    audit_seal()
    assert client.get("/health/").json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "audit": "ok",
        "audit_oldest_unsealed_seconds": 0,
    }


@pytest.mark.django_db
def test_health_accepts_young_unsealed_entries(client, organisation, settings):
    settings.AUDIT_SEAL_MAX_LAG_SECONDS = 60
    record(viewer_of(organisation))

    body = client.get("/health/").json()

    assert (body["status"], body["audit"]) == ("ok", "ok")
    assert body["audit_oldest_unsealed_seconds"] < 60


@pytest.mark.django_db
def test_verify_warns_when_sealing_lags(old_unsealed_entry, log_lines):
    out, err, error = verify()

    assert error is None
    assert err.startswith("warning: sealing lags: the oldest unsealed entry is 9")
    assert err.endswith(" s old (at most 60 s)\n")
    assert out == "trail intact: 0 sealed entries in 0 seal(s), 1 unsealed\n"
    [line] = log_lines("audit_seal_lagging")
    assert (line["level"], line["max_lag_seconds"]) == ("warning", 60)
    assert 90 <= line["oldest_unsealed_seconds"] < 100


# --- The append-only trigger (PostgreSQL) -------------------------------------------------


def refused(sql: str, params=()) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(error.value).splitlines()[0]


@on_postgresql
@pytest.mark.django_db
def test_postgresql_lets_through_only_the_setting_of_a_seal(four_entries):
    ids = ids_of(four_entries)
    seal = audit_seal()
    other = AuditSeal.objects.create(
        prev_hash=seal.hash,
        root="0" * 64,
        entry_count=0,
        first_entry_id=0,
        last_entry_id=0,
        sealed_at=timezone.now(),
        hash="2" * 64,
    )
    update = "The audit trail is append-only: UPDATE on core_auditentry refused"
    delete = "The audit trail is append-only: DELETE on core_auditentry refused"

    assert refused("UPDATE core_auditentry SET actor_label = 'x' WHERE id = %s", [ids[0]]) == update
    assert refused("UPDATE core_auditentry SET seal_id = %s WHERE id = %s", [other.pk, ids[0]]) == (
        update
    )
    assert refused("UPDATE core_auditentry SET seal_id = NULL WHERE id = %s", [ids[0]]) == update
    assert refused("DELETE FROM core_auditentry WHERE id = %s", [ids[0]]) == delete
    assert refused("UPDATE core_auditseal SET root = 'x' WHERE id = %s", [seal.pk]) == (
        "The audit seals are append-only: UPDATE on core_auditseal refused"
    )
    assert refused("DELETE FROM core_auditseal WHERE id = %s", [other.pk]) == (
        "The audit seals are append-only: DELETE on core_auditseal refused"
    )

    fresh = record(viewer_of_first_organisation(four_entries))
    # Setting the seal and changing anything else in the same statement: refused.
    assert (
        refused(
            "UPDATE core_auditentry SET seal_id = %s, fields = '[]' WHERE id = %s",
            [other.pk, fresh.pk],
        )
        == update
    )
    with connection.cursor() as c:  # the sealer's own statement
        c.execute("UPDATE core_auditentry SET seal_id = %s WHERE id = %s", [other.pk, fresh.pk])
    assert AuditEntry.objects.get(pk=fresh.pk).seal_id == other.pk
    assert AuditEntry.objects.get(pk=ids[0]).actor_label == "wijkagent"


def viewer_of_first_organisation(entries):
    from wijkregie.partners.models import Organisation

    return viewer_of(Organisation.objects.get(pk=entries[0].organisation_id))


# --- Concurrency (PostgreSQL) -------------------------------------------------------------


def in_thread(target):
    """Run `target` on its own connection; the exception it raised, if any, is returned by
    the join function."""
    failure: list = []

    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            failure.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(timeout=60)
        assert not thread.is_alive()
        return failure[0] if failure else None

    return join


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_entry_committed_after_a_higher_id_was_sealed_is_in_the_next_seal(organisation):
    viewer = viewer_of(organisation)
    recorded, go_on = threading.Event(), threading.Event()
    slow: list[int] = []

    def slow_transaction():
        with transaction.atomic():
            slow.append(record(viewer, ids=[1]).pk)  # the lower id ...
            recorded.set()
            assert go_on.wait(timeout=30)
        # ... committed only now

    join = in_thread(slow_transaction)
    assert recorded.wait(timeout=30)
    fast = record(viewer, ids=[2])  # a higher id, committed at once
    first = audit_seal()
    go_on.set()
    assert join() is None
    second = audit_seal()

    assert slow[0] < fast.pk
    assert first.entry_ids == [fast.pk]
    assert second.entry_ids == [slow[0]]
    assert sealed_ids() == {fast.pk: first.pk, slow[0]: second.pk}
    assert audit_verify() == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_seal_each_entry_once(organisation):
    viewer = viewer_of(organisation)
    entries = [record(viewer, ids=[i]) for i in range(300)]
    barrier = threading.Barrier(2)
    seals: list[list[AuditSeal]] = [[], []]

    def sealer(i):
        def run():
            barrier.wait(timeout=30)
            seals[i].extend(audit_seal_all(batch_size=25))

        return run

    joins = [in_thread(sealer(0)), in_thread(sealer(1))]
    assert [join() for join in joins] == [None, None]

    made = sorted([*seals[0], *seals[1]], key=lambda s: s.pk)
    assert sum(s.entry_count for s in made) == 300
    assert sorted(i for s in made for i in s.entry_ids) == ids_of(entries)
    assert [s.prev_hash for s in made] == [GENESIS_HASH, *(s.hash for s in made[:-1])]
    assert AuditEntry.objects.filter(seal__isnull=True).count() == 0
    assert audit_verify() == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_recording_waits_for_no_lock_while_a_sealer_holds_the_head(organisation):
    viewer = viewer_of(organisation)
    record(viewer, ids=[1])
    holding, release = threading.Event(), threading.Event()

    def sealer_holding_the_head():
        with transaction.atomic():
            AuditSealHead.objects.select_for_update().get_or_create(pk=1)
            holding.set()
            assert release.wait(timeout=30)

    join = in_thread(sealer_holding_the_head)
    assert holding.wait(timeout=30)
    with connection.cursor() as c:
        c.execute("SET lock_timeout = '1s'")
    try:
        entry = record(viewer, ids=[2])  # would raise on a lock wait past 1 s
    finally:
        with connection.cursor() as c:
            c.execute("RESET lock_timeout")
        release.set()
    assert join() is None
    assert entry.seal_id is None
    assert entries_root([entry]) == merkle_root([merkle_leaf(entry.pk, entry.hash)])
