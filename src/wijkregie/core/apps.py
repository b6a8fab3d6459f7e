from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wijkregie.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from allauth.mfa import signals as mfa_signals

        from wijkregie.core import checks  # noqa: F401  (registers the system checks)
        from wijkregie.core.auth import log_second_factor_failed
        from wijkregie.core.navigation import register

        mfa_signals.authentication_failed.connect(
            log_second_factor_failed, dispatch_uid="wijkregie.core.log_second_factor_failed"
        )
        register(_("Audit trail"), "core:audit_list", "core.view_auditentry", 90)
        register(
            _("Data subject requests"), "core:privacy", "core.handle_data_subject_requests", 91
        )

        from wijkregie.core.retention import register_kernel_categories

        register_kernel_categories()
