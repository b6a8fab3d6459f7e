from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wijkregie.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from wijkregie.cases import roles  # noqa: F401  (declares the roles on a case)
        from wijkregie.core.navigation import register

        # Every professional: the list shows only the cases they take part in.
        register(_("Cases"), "cases:list", None, 25)
        register(_("My work"), "cases:my_work", None, 24)
