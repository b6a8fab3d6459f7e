"""Background work of the kernel: the one task that runs every job (see jobs.py)."""

from django_tasks import task

from wijkregie.core import jobs


@task()
def job_run_task(*, job_id: int) -> str:
    return jobs.job_run(job_id=job_id)
