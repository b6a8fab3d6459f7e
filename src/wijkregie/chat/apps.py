from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "wijkregie.chat"
    label = "chat"
    verbose_name = _("Building chat")

    def ready(self):
        from wijkregie.chat import retention
        from wijkregie.core.navigation import register

        register(_("Building chat"), "chat:index", "chat.take_part", order=40)
        register(_("Chat moderation"), "chat:moderation", "chat.moderate", order=41)
        retention.register()
        from wijkregie.chat import letter_fields

        letter_fields.register()
