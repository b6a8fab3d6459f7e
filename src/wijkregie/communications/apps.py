from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "wijkregie.communications"
    label = "communications"
    verbose_name = _("Communications")

    def ready(self):
        from wijkregie.communications import signals  # noqa: F401  (mail provider events)
        from wijkregie.communications.models import MANAGE_NEWSLETTERS
        from wijkregie.core.navigation import register

        register(_("Newsletters"), "communications:newsletter_list", MANAGE_NEWSLETTERS, 40)
