from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "wijkregie.outreach"
    label = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        from wijkregie.core.navigation import register
        from wijkregie.outreach.models import VISIT_DOORS

        # Team members without planning rights see the rounds they walk.
        register(_("Door to door"), "outreach:round_list", VISIT_DOORS, 30)

        # Invitations to a residents' evening go out as letters: the personal link, as a QR
        # code, is a merge field of the letter templates.
        from wijkregie.communications import merge_fields
        from wijkregie.outreach.selectors import next_evening_invitation_url

        if merge_fields.field_get("evening_invitation_qr") is None:
            merge_fields.register(
                "evening_invitation_qr",
                label=_("QR code of the personal invitation to the next residents' evening"),
                provider=lambda letter: (
                    "https://wijkregie.example/bewonersavond/VOORBEELD/"
                    if letter.preview
                    else next_evening_invitation_url(
                        resident_id=letter.resident_id, building_id=letter.building_id
                    )
                ),
                kind="qr",
            )
