from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "wijkregie.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self):
        from wijkregie.core.navigation import register
        from wijkregie.partners import schema  # noqa: F401  (registers the token scheme)
        from wijkregie.partners.roles import create_default_roles_after_migrate

        post_migrate.connect(
            create_default_roles_after_migrate,
            sender=self,
            dispatch_uid="wijkregie.partners.create_default_roles",
        )
        register(_("Partner directory"), "partners:directory", "partners.view_directory", 50)
        register(_("Organisations"), "partners:organisation_list", "partners.manage_partners", 60)
        register(_("Roles"), "partners:role_list", "partners.manage_partners", 61)
        register(
            _("Data-sharing agreements"), "partners:agreement_list", "partners.manage_partners", 62
        )
