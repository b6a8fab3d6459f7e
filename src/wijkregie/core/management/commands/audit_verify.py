from django.core.management.base import BaseCommand, CommandError

from wijkregie.core.audit import audit_verify_chain


class Command(BaseCommand):
    help = (
        "Checks the audit trail: every entry against its hash, every seal against its "
        "entries, the chain of seals (and their signatures when AUDIT_SEAL_KEY is set). "
        "Exits non-zero when anything was changed, removed, inserted or reordered; warns "
        "when sealing lags behind."
    )

    def handle(self, *args, **options):
        report = audit_verify_chain()
        lag = report.lag
        if lag is not None and lag.lagging:
            self.stderr.write(
                f"warning: sealing lags: the oldest unsealed entry is {lag.seconds} s old "
                f"(at most {lag.max_seconds} s)"
            )
        summary = (
            f"{report.entries} sealed entries in {report.seals} seal(s), {report.unsealed} unsealed"
        )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"trail broken: {len(report.problems)} problem(s); {summary}", returncode=1
            )
        self.stdout.write(f"trail intact: {summary}")
