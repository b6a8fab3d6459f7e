from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from wijkregie.core.navigation import register


class ResidentsConfig(AppConfig):
    name = "wijkregie.residents"
    label = "residents"
    verbose_name = _("Residents")

    def ready(self):
        register(_("Residents"), "residents:index", "residents.view_resident", order=30)
        register(_("Import residents"), "residents:import", "residents.import_residents", order=31)

        from wijkregie.residents import retention

        retention.register()
