"""E-mails of the chat: the sign-in link to a member's recovery address (nothing else).

Sent through `core.mail` (templates in `chat/email/`, in the member's language). The mail
says only what the member knows: their building's chat, the link and how long it works."""

from django.conf import settings
from django.urls import reverse

from wijkregie.chat.links import recovery_link_token
from wijkregie.chat.models import RecoveryLink
from wijkregie.core.mail import mail_send


def recovery_link_url(link_id: int) -> str:
    path = reverse("chat_resident:recover_link", args=[recovery_link_token(link_id)])
    return settings.SITE_URL.rstrip("/") + path


def recovery_link_send(*, link_id: int) -> int:
    link = RecoveryLink.objects.select_related("member").filter(pk=link_id).first()
    if link is None or link.used_at is not None or not link.member.recovery_email:
        return 0
    return mail_send(
        to=[link.member.recovery_email],
        template="chat/email/recovery_link",
        context={
            "link": recovery_link_url(link.pk),
            "minutes": settings.WIJKREGIE_CHAT_RECOVERY_MINUTES,
        },
        language=link.member.language,
        log_object=f"chat.recoverylink:{link.pk}",
    )
