from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "wijkregie.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from wijkregie.core.navigation import register

        register(_("Reports"), "reports:queue", "reports.receive_reports", 30)
        register(_("Log an observation"), "reports:observation", "places.view_building", 31)

        from wijkregie.reports import retention

        retention.register()
