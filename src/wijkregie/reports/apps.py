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

        from wijkregie.core import home
        from wijkregie.reports.views import home_counts

        home.register(
            "reports",
            "reports/intake/_home.html",
            home_counts,
            "reports.receive_reports",
            order=10,
        )

        from wijkregie.reports import retention

        retention.register()

        # The kept categories and routing rules are forgotten in every process on a change.
        from django.db.models.signals import post_delete, post_save

        from wijkregie.reports.models import Category, RoutingRule
        from wijkregie.reports.selectors import CATEGORIES
        from wijkregie.reports.services.routing import ROUTING

        for memo, model in ((CATEGORIES, Category), (ROUTING, RoutingRule)):
            for signal in (post_save, post_delete):
                signal.connect(
                    memo.on_model_change, sender=model, dispatch_uid=f"{memo.name}.{signal}"
                )
