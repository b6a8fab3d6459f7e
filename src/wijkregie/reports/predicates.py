"""django-rules predicates for reports: pure functions of the viewer and a report.

The viewer is a `wijkregie.core.access.Viewer` (not a Django user): permissions hold per
organisation, and a report's rules depend on its *current* receiving organisation. They
are registered under the permission names in `reports/rules.py`; code asks
`viewer.has_perm(RECEIVE_REPORTS, obj=report)`.
"""

import rules

from wijkregie.core.access import Viewer

RECEIVE_REPORTS = "reports.receive_reports"
VIEW_REPORTER_IDENTITY = "reports.view_reporter_identity"


@rules.predicate
def is_intake_for_report(viewer: Viewer, report) -> bool:
    if viewer.is_superuser:
        return True
    return viewer.has_perm(RECEIVE_REPORTS, report.receiving_organisation_id)


@rules.predicate
def is_identity_intake_for_report(viewer: Viewer, report) -> bool:
    # BRIEF 2: only intake of the organisation receiving the report now. No superuser
    # bypass: an administrator is not intake.
    return viewer.has_perm(RECEIVE_REPORTS, report.receiving_organisation_id) and (
        viewer.has_perm(VIEW_REPORTER_IDENTITY, report.receiving_organisation_id)
    )
