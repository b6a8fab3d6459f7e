"""`manage.py newsletters_resume`: after a worker died while sending a newsletter, mark the
delivery it was sending as unknown (never sent twice) and send the rest."""

from django.core.management.base import BaseCommand
from django.db import transaction

from wijkregie.communications import sending, tasks


class Command(BaseCommand):
    help = "Sends the queued deliveries of newsletters whose sending stopped (a dead worker)."

    def handle(self, *args, **options):
        waiting = sending.deliveries_resume()
        with transaction.atomic():
            for newsletter_id in waiting:
                tasks.newsletter_deliver.enqueue(newsletter_id=newsletter_id)
        self.stdout.write(f"Newsletters with deliveries to send: {len(waiting)}")
