"""Background jobs: one lifecycle for every long piece of work (imports, letter batches).

An app registers a kind of job once, in its `AppConfig.ready()`, with the function that
does the work (a dotted path, imported when a job runs):

    jobs.register("units", label=_("units"), run="wijkregie.places.unit_import.units_job")

A service starts a job; the core task `job_run_task` runs it in a worker:

    job = jobs.job_start(actor=actor, kind="units", organisation_id=..., target_id=...,
                         file_name=name, content=data, language="nl")

The runner receives a `JobRun`: the job, `progress(done, total)`, an `errors` report with
a cap, and `succeed(...)` / `fail()`, which it calls inside its own write transaction so
that the work and the finished status are committed together (or neither is).

The lifecycle: queued → running (claimed by one worker: a retried task does nothing
twice) → succeeded | failed. A job that was running when its worker died is put back in
the queue by `job_resume_stale()` (scheduled maintenance: `manage.py jobs_resume`); every
claim counts an attempt, and only the current attempt may finish the job: a superseded
run that wakes up again rolls its own write back (`JobSuperseded`). Runners are written
all-or-nothing (check everything, then write in one transaction), so a restart after a
crash starts again from a clean state.

Who started a job is recorded as it is in the audit trail: the user (if any) and the
actor's label; the platform never invents an account for jobs it starts itself. The
language of the job's report must be one of the interface languages; anything else is
refused when the job is started.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.logging import log_event
from wijkregie.core.models import Job

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 1000  # errors kept in a job's report; the rest are counted
STALE_AFTER = timedelta(minutes=15)  # a running job without progress this long is dead


# --- The registry of kinds ----------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: str  # dotted path of `def run(job_run: JobRun) -> None`


_KINDS: dict[str, JobKind] = {}


def register(name: str, *, label, run: str) -> JobKind:
    """Declare a kind of job (from an app's `ready()`); registering it again is a no-op."""
    kind = JobKind(name=name, label=label, run=run)
    known = _KINDS.setdefault(name, kind)
    if known.run != run:
        raise ValueError(f"Job kind {name!r} is already registered by {known.run}.")
    return known


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No job kind {name!r} is registered.") from None


def job_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


# --- Per-row errors ---------------------------------------------------------------------------


class JobErrors:
    """Per-row errors of a job: the first MAX_REPORTED_ERRORS are kept, all are counted.

    `row` is the row number a spreadsheet shows (the header is 1), None for the file as a
    whole; `column` names the column ("" for the row). `report()` sorts by row and by the
    order of `columns`, and ends with a line saying how many more were not kept.
    """

    def __init__(self, columns: Iterable[str] = ()):
        self.columns = {name: i for i, name in enumerate(columns)}
        self.errors: list[dict] = []
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, row: int | None, column: str, message) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"row": row, "column": column, "message": str(message)})

    def report(self) -> list[dict]:
        errors = sorted(
            self.errors, key=lambda e: (e["row"] or 0, self.columns.get(e["column"], -1))
        )
        hidden = self.count - len(errors)
        if hidden:
            errors.append(
                {
                    "row": None,
                    "column": "",
                    "message": _("%(count)s more errors are not shown.") % {"count": hidden},
                }
            )
        return errors


# --- Starting ----------------------------------------------------------------------------------


def check_language(language: str) -> None:
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ApplicationError(
            _("Unknown language code: %(code)s. Use one of: %(codes)s.")
            % {
                "code": str(language)[:8],
                "codes": ", ".join(code for code, _name in settings.LANGUAGES),
            }
        )


def job_start(
    *,
    actor: Viewer,
    kind: str,
    organisation_id: int,
    language: str,
    file_name: str = "",
    content: bytes = b"",
    target_id: int | None = None,
) -> Job:
    """Store a job and enqueue its run in the caller's transaction (or in its own).

    The caller has checked the permission. An unregistered kind is a programming error
    (LookupError); an unknown report language is refused (ApplicationError). With the
    immediate task backend the job has run when this returns.
    """
    from wijkregie.core.tasks import job_run_task

    job_kind(kind)
    check_language(language)
    with transaction.atomic():
        job = Job(
            kind=kind,
            created_by_id=actor.user_id,
            created_by_label=actor.label[:200],
            organisation_id=organisation_id,
            target_id=target_id,
            file_name=file_name[:255],
            content=content,
            language=language,
        )
        job.save(force_insert=True)
        job_run_task.enqueue(job_id=job.pk)
    job.refresh_from_db()
    return job


# --- Running -------------------------------------------------------------------------------------


class JobSuperseded(Exception):
    """This run's job was restarted (or finished) by another attempt; roll back."""


class JobRun:
    """What a runner gets: the job (claimed for this attempt) and its lifecycle calls."""

    def __init__(self, job: Job, *, columns: Iterable[str] = ()):
        self.job = job
        self.attempt = job.attempts
        self.errors = JobErrors(columns)
        self.finished = False

    def _mine(self):
        return Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING, attempts=self.attempt)

    def set_columns(self, columns: Iterable[str]) -> None:
        """The column order of the error report (the file's documented columns)."""
        self.errors.columns = {name: i for i, name in enumerate(columns)}

    def progress(self, done: int, total: int) -> None:
        """Commit the progress now (outside any write transaction, so others see it)."""
        self.job.processed_rows, self.job.total_rows = done, total
        if not self._mine().update(
            processed_rows=done, total_rows=total, updated_at=timezone.now()
        ):
            raise JobSuperseded(self.job.pk)

    def succeed(self, *, total_rows: int, created: int = 0, updated: int = 0) -> None:
        """Finish as succeeded; call it inside the transaction that writes the work."""
        self._finish(
            status=Job.Status.SUCCEEDED,
            total_rows=total_rows,
            processed_rows=total_rows,
            created_count=created,
            updated_count=updated,
            errors=[],
            error_count=0,
        )

    def fail(self, *, total_rows: int | None = None) -> None:
        """Finish as failed with the errors collected in `self.errors`; nothing written."""
        self._finish(
            status=Job.Status.FAILED,
            total_rows=self.job.total_rows if total_rows is None else total_rows,
            processed_rows=self.job.processed_rows,
            created_count=0,
            updated_count=0,
            errors=self.errors.report(),
            error_count=self.errors.count,
        )

    def _finish(self, **fields) -> None:
        now = timezone.now()
        if not self._mine().update(finished_at=now, updated_at=now, **fields):
            raise JobSuperseded(self.job.pk)
        for name, value in fields.items():
            setattr(self.job, name, value)
        self.job.finished_at = now
        self.finished = True


def _claim(job_id: int) -> Job | None:
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        attempts=F("attempts") + 1,
        processed_rows=0,
        started_at=now,
        updated_at=now,
    )
    return Job.objects.get(pk=job_id) if claimed else None


def job_run(*, job_id: int) -> str:
    """Run a queued job (called by `job_run_task`); returns its status, or "skipped".

    Claims the job (queued → running) so a retried or duplicated task does nothing twice,
    runs its kind's runner in the job's language, and makes sure the job ends: a runner
    that raises leaves the job failed with one message (and the error in the log); a
    runner that returns without finishing fails it the same way.
    """
    job = _claim(job_id)
    if job is None:
        return "skipped"
    run = JobRun(job)
    runner: Callable[[JobRun], None] = import_string(job_kind(job.kind).run)
    try:
        with translation.override(job.language):
            runner(run)
            if not run.finished:
                raise RuntimeError(f"The runner of job {job.pk} did not finish it.")
    except JobSuperseded:
        log_event("job_superseded", object=f"core.job:{job.pk}", result="skipped", kind=job.kind)
        return "skipped"
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        with translation.override(job.language):
            run.errors = JobErrors()
            run.errors.add(
                None,
                "",
                _(
                    "The job stopped because of an unexpected error. Nothing was changed. "
                    "Please try again later."
                ),
            )
            try:
                run.fail()
            except JobSuperseded:
                return "skipped"
        log_event(
            "job_failed",
            object=f"core.job:{job.pk}",
            result="error",
            level=logging.ERROR,
            kind=job.kind,
        )
        raise
    log_event(
        "job_finished",
        action=job.kind,
        object=f"core.job:{job.pk}",
        result=run.job.status,
        origin="task",
        rows=run.job.total_rows,
        created_count=run.job.created_count,
        updated_count=run.job.updated_count,
        error_count=run.job.error_count,
        attempt=run.attempt,
    )
    return run.job.status


def job_resume_stale(*, now=None, stale_after: timedelta = STALE_AFTER) -> int:
    """Put jobs whose worker died back in the queue and enqueue them again.

    A running job that has not reported progress for `stale_after` is taken to be dead:
    its status goes back to queued and a new run is enqueued (the new attempt claims it;
    the old one, should it wake up, can no longer finish it). Returns how many.
    """
    from wijkregie.core.tasks import job_run_task

    now = now or timezone.now()
    resumed = 0
    stale = Job.objects.filter(status=Job.Status.RUNNING, updated_at__lt=now - stale_after)
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            if Job.objects.filter(
                pk=job_id, status=Job.Status.RUNNING, updated_at__lt=now - stale_after
            ).update(status=Job.Status.QUEUED, updated_at=now):
                job_run_task.enqueue(job_id=job_id)
                resumed += 1
                log_event("job_resumed", object=f"core.job:{job_id}", result="queued")
    return resumed
