from django.core.management.base import BaseCommand, CommandError

from wijkregie.core.audit import audit_verify_chain


class Command(BaseCommand):
    help = (
        "Walks the hash chain of the audit trail and reports every changed, deleted or "
        "reordered entry. Exits non-zero when the chain is broken."
    )

    def handle(self, *args, **options):
        report = audit_verify_chain()
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"entry {problem.seq}: {problem.problem}")
            raise CommandError(
                f"chain broken: {len(report.problems)} problem(s) in {report.entries} entries",
                returncode=1,
            )
        self.stdout.write(f"chain intact: {report.entries} entries")
