"""Rule registration only (found by rules' autodiscovery)."""

import rules

from wijkregie.reports.predicates import is_intake_for_report, may_view_reporter_identity

for name, predicate in (
    ("reports.is_intake_for_report", is_intake_for_report),
    ("reports.may_view_reporter_identity", may_view_reporter_identity),
):
    rules.set_rule(name, predicate)
