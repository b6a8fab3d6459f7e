from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from wijkregie.core.navigation import register


class PlacesConfig(AppConfig):
    name = "wijkregie.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self):
        from wijkregie.core import jobs
        from wijkregie.places.selectors import UNITS_JOB_KIND

        jobs.register(
            UNITS_JOB_KIND, label=_("units"), run="wijkregie.places.unit_import.units_job"
        )
        register(_("Buildings"), "places:building_list", "places.view_building", order=20)
