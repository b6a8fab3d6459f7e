"""The token of a recovery link (chat.services.recovery_link_request): the link's row id,
signed with the site's secret and a salt of its own, and timed."""

from django.conf import settings
from django.core import signing

RECOVERY_SALT = "wijkregie.chat.recovery"


def recovery_link_token(link_id: int) -> str:
    return signing.dumps(link_id, salt=RECOVERY_SALT, compress=False)


def recovery_link_id(token: str) -> int:
    """The row id; `signing.SignatureExpired` after WIJKREGIE_CHAT_RECOVERY_MINUTES,
    `signing.BadSignature` for anything that is not our token."""
    value = signing.loads(
        str(token or ""), salt=RECOVERY_SALT, max_age=settings.WIJKREGIE_CHAT_RECOVERY_MINUTES * 60
    )
    if not isinstance(value, int) or isinstance(value, bool):
        raise signing.BadSignature("not a link id")
    return value
