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
        from wijkregie.communications import letter_fields
        from wijkregie.communications.workflows import LETTERS_MAKE_JOB, LETTERS_SEND_JOB
        from wijkregie.core import jobs
        from wijkregie.core.navigation import register

        jobs.register(
            LETTERS_MAKE_JOB,
            label=_("letters"),
            run="wijkregie.communications.services.letters.letter_batch_make_job",
        )
        jobs.register(
            LETTERS_SEND_JOB,
            label=_("letter deliveries"),
            run="wijkregie.communications.services.letters.letter_batch_send_job",
        )
        letter_fields.register_builtin()
        register(_("Letters"), "communications:letters", "communications.send_letters", order=40)
