"""Scheduled maintenance: put jobs whose worker died back in the queue."""

from django.core.management.base import BaseCommand

from wijkregie.core import jobs


class Command(BaseCommand):
    help = (
        "Re-enqueues background jobs that were running when their worker died (no progress "
        "for 15 minutes); the new attempt starts them again from a clean state."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"jobs resumed: {jobs.job_resume_stale()}")
