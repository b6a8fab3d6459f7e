"""Background work of places: an interface that calls the import engine, nothing more."""

from django_tasks import task

from wijkregie.places import unit_import


@task()
def units_import_task(job_id: int) -> str:
    return unit_import.units_import_run(job_id=job_id)
