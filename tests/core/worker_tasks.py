"""A task for the worker tests: it leaves a file behind, so the test sees that it ran."""

from pathlib import Path

from django_tasks import task


@task()
def write_marker(path: str, text: str) -> None:
    Path(path).write_text(text)
