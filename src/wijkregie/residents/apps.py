from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from wijkregie.core.navigation import register


class ResidentsConfig(AppConfig):
    name = "wijkregie.residents"
    label = "residents"
    verbose_name = _("Residents")

    def ready(self):
        from wijkregie.core import jobs
        from wijkregie.residents.importing import JOB_KIND

        jobs.register(
            JOB_KIND,
            label=_("residents and occupancies"),
            run="wijkregie.residents.services.residents_import_job",
        )
        register(_("Residents"), "residents:index", "residents.view_resident", order=30)
        register(_("Import residents"), "residents:import", "residents.import_residents", order=31)

        from wijkregie.residents import retention

        retention.register()
