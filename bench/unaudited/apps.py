"""A bench-only app that turns the audit write into a no-op in its own server process.

The audited-read benchmark compares the professional reads with and without the audit
entry each of them writes. The second server runs with bench.settings_unaudited, which
installs this app last: when the app registry is ready it replaces `audit_record` in
`wijkregie.core.audit` and in every module that imported the name, so that the read is
exactly the product's, minus the one insert. The product never installs this app.
"""

import sys

from django.apps import AppConfig


def _no_audit(**kwargs):
    return None


class UnauditedConfig(AppConfig):
    name = "bench.unaudited"
    label = "benchunaudited"

    def ready(self):
        from wijkregie.core import audit

        original = audit.audit_record
        for module in list(sys.modules.values()):
            if getattr(module, "audit_record", None) is original:
                module.audit_record = _no_audit
