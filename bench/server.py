"""The benchmark's own uvicorn: started, probed, watched and stopped by the harness."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.common import RESULTS_DIR, ROOT, server_env

# Reports per client address and per building are rate-limited (settings); the load comes
# from one address at hundreds per second, so the limits are raised, not removed: the
# counting in Redis still happens on every request, as in production.
LOAD_LIMITS = {
    "WIJKREGIE_REPORT_RATE_PER_IP": "1000000000/3600",
    "WIJKREGIE_REPORT_RATE_PER_BUILDING": "1000000000/3600",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`uvicorn wijkregie.asgi:application --app-dir src --workers 2` with bench.settings."""

    def __init__(self, database_url: str, *, workers: int = 2, env: dict | None = None):
        self.database_url = database_url
        self.workers = workers
        self.extra_env = env or {}
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = RESULTS_DIR / "uvicorn.log"

    @property
    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).parent / "uvicorn"),
            "wijkregie.asgi:application",
            "--app-dir",
            "src",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]

    def start(self, timeout: float = 60) -> None:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        env = server_env(self.database_url, **LOAD_LIMITS, **self.extra_env)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends exactly it
        )
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/health/"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 (127.0.0.1)
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"uvicorn did not answer /health/ within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class ConnectionWatcher:
    """The most connections the bench database had open while the load ran, and how many
    of them were waiting for a lock (e.g. the audit chain's head row)."""

    def __init__(self, database_url: str, interval: float = 0.25):
        self.database_url = database_url
        self.interval = interval
        self.max = 0
        self.lock_waits: list[int] = []
        self.waiting_on: Counter = Counter()  # statement (shortened) -> samples waiting
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psycopg

        try:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                while not self._stop.is_set():
                    n, waiting = conn.execute(
                        "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') "
                        "FROM pg_stat_activity WHERE datname = current_database()"
                    ).fetchone()
                    self.max = max(self.max, n - 1)  # not counting this watcher
                    self.lock_waits.append(waiting)
                    if waiting:
                        for (query,) in conn.execute(
                            "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
                            "FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'"
                        ).fetchall():
                            self.waiting_on[query] += 1
                    self._stop.wait(self.interval)
        except Exception:
            pass

    @property
    def summary(self) -> dict:
        waits = self.lock_waits or [0]
        return {
            "max_db_connections": self.max,
            "lock_waiters_mean": round(sum(waits) / len(waits), 1),
            "lock_waiters_max": max(waits),
            "waiting_statements": dict(self.waiting_on.most_common(3)),
        }

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        return False
