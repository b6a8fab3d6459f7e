"""The task worker survives a database outage and runs the tasks queued after it."""

import json
import subprocess
import sys

from tests.core.services import ROOT, manage, production_env, wait_for


def test_the_worker_survives_a_database_outage_and_runs_a_task_afterwards(postgres, tmp_path):
    env = production_env(DATABASE_URL=postgres.url())
    log_path = tmp_path / "worker.log"
    marker = tmp_path / "ran"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--interval", "0.2",
             "--no-startup-delay"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(lambda: "Starting worker" in log_path.read_text(), "the worker to start")
        postgres.stop()
        wait_for(
            lambda: "task_worker_database_unavailable" in log_path.read_text(),
            "the worker to notice the outage",
        )
        assert worker.poll() is None, log_path.read_text()
        postgres.start()
        manage(
            "shell", "-c",
            "from tests.core.worker_tasks import write_marker; "
            f"write_marker.enqueue({str(marker)!r}, 'after the outage')",
            env=env,
        )  # fmt: skip
        wait_for(marker.exists, "the worker to run the task queued after the outage")

        assert marker.read_text() == "after the outage"
        assert worker.poll() is None, log_path.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]  # no plain text
    outage = next(line for line in lines if line["event"] == "task_worker_database_unavailable")
    assert (outage["level"], outage["logger"], outage["origin"], outage["result"]) == (
        "error",
        "wijkregie.events",
        "command",
        "retrying",
    )
    assert outage["error"].startswith("OperationalError: ")
    assert outage["retry_in_seconds"] == 1.0
    assert "task_worker_resuming" in [line["event"] for line in lines]
    assert worker.returncode == 0  # SIGTERM: a graceful stop


def test_make_run_starts_the_surviving_worker_again_if_it_exits():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\nrun: ") : makefile.index("\ntest: ")]

    assert "while true; do $(MANAGE) task_worker --queue-name '*' --interval 1;" in recipe
    assert "db_worker" not in recipe
