"""Queue the reminders of shared actions; run it from cron or a scheduler, e.g. hourly."""

from django.core.management.base import BaseCommand

from wijkregie.cases import services


class Command(BaseCommand):
    help = (
        "Queues the e-mail reminders of shared actions due within "
        f"{services.REMINDER_DAYS_BEFORE} days or overdue; each reminder is sent once."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"reminders queued: {services.action_reminders_queue()}")
