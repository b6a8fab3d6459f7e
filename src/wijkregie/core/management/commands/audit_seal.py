"""Seal the audit trail: the entries that have no seal yet, in batches (docs/adr/0009).

Once: seals until nothing is left and prints the seals made. `--loop --interval 5`: the
long-running sealer beside the web processes and workers; a database outage is one log
line and a retry, not an exit. `--export`: prints the seal heads (id, count, last entry,
hash, sealed at) as JSON lines, to be kept where the database administrator cannot
change them and compared later.
"""

import json
import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from wijkregie.core.audit import SEAL_BATCH_SIZE, audit_seal, audit_seal_lag, log_lag
from wijkregie.core.logging import log_event
from wijkregie.core.models import AuditSeal


class Command(BaseCommand):
    help = (
        "Seals the unsealed audit entries (Merkle root per batch, chained, signed with "
        "AUDIT_SEAL_KEY when set). --loop keeps sealing every --interval seconds; "
        "--export prints the seal heads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep sealing until stopped")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between rounds (--loop)"
        )
        parser.add_argument(
            "--batch-size", type=int, default=SEAL_BATCH_SIZE, help="most entries per seal"
        )
        parser.add_argument(
            "--export", action="store_true", help="print every seal head as a JSON line"
        )

    def handle(self, *args, loop, interval, batch_size, export, **options):
        if batch_size < 1 or interval <= 0:
            raise CommandError("--batch-size and --interval must be positive.")
        if export:
            self._export()
            return
        if not loop:
            seals = self._seal_all(batch_size)
            self.stdout.write(
                f"sealed {sum(s.entry_count for s in seals)} entries in {len(seals)} seal(s)"
            )
            return
        self._stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while not self._stopping:
            try:
                self._seal_all(batch_size)
                log_lag(audit_seal_lag())
            except DatabaseError as error:
                log_event(
                    "audit_seal_failed",
                    level=logging.WARNING,
                    object="core.auditseal",
                    result="retry",
                    origin="command",
                    error=f"{type(error).__name__}: {error}"[:300],
                )
                for connection in connections.all(initialized_only=True):
                    connection.close_if_unusable_or_obsolete()
            slept = 0.0
            while slept < interval and not self._stopping:
                time.sleep(min(0.5, interval - slept))
                slept += 0.5

    def _stop(self, signum, frame):
        self._stopping = True

    def _seal_all(self, batch_size: int) -> list[AuditSeal]:
        seals = []
        while (seal := audit_seal(batch_size=batch_size)) is not None:
            seals.append(seal)
            if seal.entry_count < batch_size:
                break
        return seals

    def _export(self):
        for seal in AuditSeal.objects.order_by("id").iterator(chunk_size=500):
            self.stdout.write(
                json.dumps(
                    {
                        "seal": seal.pk,
                        "count": seal.entry_count,
                        "first_entry": seal.first_entry_id,
                        "last_entry": seal.last_entry_id,
                        "sealed_at": seal.sealed_at.isoformat(),
                        "prev_hash": seal.prev_hash,
                        "hash": seal.hash,
                    }
                )
            )
