"""Object permissions on reports (found by rules' autodiscovery; asked through
`Viewer.has_perm(permission, obj=report)`)."""

import rules

from wijkregie.reports.predicates import (
    RECEIVE_REPORTS,
    VIEW_REPORTER_IDENTITY,
    is_identity_intake_for_report,
    is_intake_for_report,
)

rules.set_perm(RECEIVE_REPORTS, is_intake_for_report)
rules.set_perm(VIEW_REPORTER_IDENTITY, is_identity_intake_for_report)
