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
        # The kept API tokens are forgotten in every process when a token, an organisation
        # or a user changes (partners.selectors.api_token_for_key).
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from wijkregie.partners.models import ApiToken, Membership, Organisation, Role
        from wijkregie.partners.selectors import API_TOKENS, GRANTS

        for model in (ApiToken, Organisation, get_user_model()):
            for signal in (post_save, post_delete):
                signal.connect(
                    API_TOKENS.on_model_change,
                    sender=model,
                    dispatch_uid=f"{API_TOKENS.name}.{model.__name__}.{signal}",
                )
        # The kept grants of viewers (partners.selectors.viewer_for): forgotten when a
        # membership, a role, an organisation or a user changes, or a role's permissions
        # or a membership's roles.
        for model in (Membership, Role, Organisation, get_user_model()):
            for signal in (post_save, post_delete):
                signal.connect(
                    GRANTS.on_model_change,
                    sender=model,
                    dispatch_uid=f"{GRANTS.name}.{model.__name__}.{signal}",
                )
        for through in (Membership.roles.through, Role.permissions.through):
            m2m_changed.connect(
                GRANTS.on_model_change,
                sender=through,
                dispatch_uid=f"{GRANTS.name}.{through.__name__}.m2m",
            )
        register(_("Partner directory"), "partners:directory", "partners.view_directory", 50)
        register(_("Organisations"), "partners:organisation_list", "partners.manage_partners", 60)
        register(_("Roles"), "partners:role_list", "partners.manage_partners", 61)
        register(
            _("Data-sharing agreements"), "partners:agreement_list", "partners.manage_partners", 62
        )
