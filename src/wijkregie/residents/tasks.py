"""Background work of the residents app: an interface that calls the services."""

from django_tasks import task

from wijkregie.residents import services


@task()
def residents_import(*, job_id: int) -> str:
    """Run a residents import job (enqueued by `services.residents_import_start`)."""
    return services.residents_import_run(job_id=job_id).status
