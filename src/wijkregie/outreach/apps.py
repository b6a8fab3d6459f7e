from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "wijkregie.outreach"
    label = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        from wijkregie.core.navigation import register
        from wijkregie.outreach.models import VISIT_DOORS

        # Team members without planning rights see the rounds they walk.
        register(_("Door to door"), "outreach:round_list", VISIT_DOORS, 30)
