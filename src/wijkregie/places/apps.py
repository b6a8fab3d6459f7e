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
        # Buildings kept by public code are forgotten in every process on a change.
        from django.db.models.signals import post_delete, post_save

        from wijkregie.partners.models import Organisation
        from wijkregie.places.models import Building, CommonArea, Unit
        from wijkregie.places.selectors import BUILDINGS_BY_CODE, COMMON_AREAS, FLOOR_PLANS

        for model in (Building, Organisation):
            for signal in (post_save, post_delete):
                signal.connect(
                    BUILDINGS_BY_CODE.on_model_change,
                    sender=model,
                    dispatch_uid=f"{BUILDINGS_BY_CODE.name}.{model.__name__}.{signal}",
                )
        for signal in (post_save, post_delete):
            signal.connect(
                COMMON_AREAS.on_model_change,
                sender=CommonArea,
                dispatch_uid=f"{COMMON_AREAS.name}.{signal}",
            )
        for model in (Unit, CommonArea):
            for signal in (post_save, post_delete):
                signal.connect(
                    FLOOR_PLANS.on_model_change,
                    sender=model,
                    dispatch_uid=f"{FLOOR_PLANS.name}.{model.__name__}.{signal}",
                )
        register(_("Buildings"), "places:building_list", "places.view_building", order=20)
