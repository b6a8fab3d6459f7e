"""Erase or delete the personal data past its retention, in every app (core.retention).

Run it hourly (`make run` does); it is idempotent, and each category commits in batches.
"""

from django.core.management.base import BaseCommand, CommandError

from wijkregie.core import retention


class Command(BaseCommand):
    help = "Erases or deletes personal data past its retention in every registered category."

    def handle(self, *args, **options):
        result = retention.retention_purge()
        for key, count in result.counts.items():
            self.stdout.write(f"{key}: {count}")
        if result.failed:
            raise CommandError(
                "retention purge failed for: "
                + ", ".join(f"{k} ({v})" for k, v in sorted(result.failed.items()))
            )
