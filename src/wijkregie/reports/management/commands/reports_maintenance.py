"""Periodic work on reports; run it from cron or a scheduler, e.g. every 15 minutes."""

from django.core.management.base import BaseCommand

from wijkregie.reports import services


class Command(BaseCommand):
    help = (
        "Marks late reports, erases reporters' contact data after the retention period "
        "(WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS) and deletes reports past their "
        "category's retention."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-retention",
            action="store_true",
            help="Only refresh lateness (for a frequent schedule).",
        )

    def handle(self, *args, **options):
        late = services.report_lateness_refresh()
        self.stdout.write(f"lateness changed: {late}")
        if options["skip_retention"]:
            return
        erased = services.reporter_contact_erase_due()
        purged = services.report_retention_purge()
        self.stdout.write(f"reporter contact data erased: {erased}")
        self.stdout.write(f"reports deleted after retention: {purged}")
