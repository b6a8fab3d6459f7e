"""The background-task worker that survives a database outage.

django-tasks-db's `db_worker` exits with a plain-text traceback when the database is
away for a moment, and the queued tasks wait until someone restarts it. This command
runs the same worker (same options) inside a loop: an error is one structured log line
(`task_worker_database_unavailable`, or `task_worker_failed` with the traceback), then
the worker waits with a doubling delay (1 s, 2 s, … at most 30 s) and resumes. It stops
only on SIGINT/SIGTERM (finishing the current task first, as db_worker does), or when
`--batch` or `--max-tasks` says so.
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connections

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from wijkregie.core.logging import log_event

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
# A worker that ran this long before failing starts again at the first delay.
HEALTHY_AFTER_SECONDS = 60.0


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a dead connection may fail to close; it is dropped anyway
            connection.connection = None


class Command(DbWorkerCommand):
    help = "Run the background-task worker; it survives database outages and resumes."

    def configure_logging(self, verbosity: int) -> None:
        # settings.LOGGING sends django_tasks and django_tasks_db to the JSON stdout
        # handler, so db_worker adds no plain-text handler of its own; only the levels.
        level = {0: logging.CRITICAL, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("django_tasks", "django_tasks_db", "django.tasks"):
            logging.getLogger(name).setLevel(level)

    def handle(self, *, reload: bool, **options) -> None:
        # The reloader restarts the whole process on code changes; this loop replaces it.
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        exclude = options["exclude_queues"]
        worker_options = {
            "queue_names": queue_names,
            "interval": options["interval"],
            "batch": options["batch"],
            "backend_name": options["backend_name"],
            "startup_delay": options["startup_delay"],
            "max_tasks": options["max_tasks"],
            "worker_id": options["worker_id"],
            "excluded_queue_names": exclude.split(",") if exclude else [],
        }
        run_until_stopped(Worker(**worker_options))


def run_until_stopped(worker: Worker, *, sleep=time.sleep) -> None:
    """Run `worker`; after any error log one line, wait (doubling) and run it again."""
    worker.configure_signals()
    delay = FIRST_DELAY_SECONDS
    while worker.running:
        started = time.monotonic()
        try:
            worker.run()
            return  # --batch or --max-tasks: done
        except (OperationalError, InterfaceError) as error:
            event, exc_info = "task_worker_database_unavailable", False
            failure = error
        except Exception as error:  # a bug in a task's plumbing must not stop all tasks
            event, exc_info = "task_worker_failed", True
            failure = error
        worker.running_task = False
        _close_connections()
        if time.monotonic() - started >= HEALTHY_AFTER_SECONDS:
            delay = FIRST_DELAY_SECONDS
        log_event(
            event,
            level=logging.ERROR,
            object=worker.worker_id,
            result="retrying",
            origin="command",
            error=f"{type(failure).__name__}: {failure}"[:300],
            retry_in_seconds=delay,
            exc_info=failure if exc_info else None,
        )
        sleep(delay)
        delay = min(delay * 2, MAX_DELAY_SECONDS)
        if worker.running:
            log_event(
                "task_worker_resuming", object=worker.worker_id, result="ok", origin="command"
            )
