from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Builds the demo flat (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write("The demo flat is built in wijkregie.demo.")
