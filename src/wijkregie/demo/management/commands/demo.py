"""`manage.py demo`: builds the demo flat of the story, idempotently, through the services."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from wijkregie.core.audit import audit_seal_all
from wijkregie.demo import (
    cases,
    chat,
    letters,
    newsletters,
    open311,
    outreach,
    partners,
    places,
    reports,
    residents,
)


def current_totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class Command(BaseCommand):
    help = "Builds the demo flat: partners, personas, buildings, residents, reports and cases."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins.")

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "Refused: the demo data and its printed second-factor secrets are for demo "
                "mode only (WIJKREGIE_DEMO_MODE=true, never in production)."
            )
        built = partners.build_partners()
        places.build_places()
        residents.build_residents()
        reports.build_reports()
        cases.build_cases()
        letters.build_letters()
        newsletters.build_newsletters()
        outreach.build_outreach()
        chat.build_chat()
        app = open311.build_open311_app()
        # The demo's audit entries sealed at once, so that `audit_verify` and /health/ start
        # clean; from here on `audit_seal --loop` (make run) keeps up.
        audit_seal_all()
        self.stdout.write(self.style.SUCCESS("The demo flat is ready."))
        if options["quiet_logins"]:
            return
        self.stdout.write(
            "Demo logins (password 'wijkregie-demo'; the second factor is a TOTP code from the "
            "secret below, e.g. in an authenticator app, or the code printed now):"
        )
        for username, persona in sorted(built["personas"].items()):
            secret = persona["totp_secret"]
            self.stdout.write(
                f"  {username:18} {persona['organisation']:32} secret {secret}  "
                f"code now {current_totp(secret)}"
            )
        self.stdout.write(
            f"Open311 demo reporting app ({app['organisation']}): api_key {app['key']}  "
            "(GeoReport v2 at /open311/v2/; De Horizon is at lat 52.115938, long 5.113022)"
        )
