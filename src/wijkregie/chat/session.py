"""The resident's sign-in on a device: the sealed principal in the session, kept for
WIJKREGIE_CHAT_DEVICE_DAYS; every request checks it against the device session."""

from django.conf import settings
from django.utils.translation import gettext as _

from wijkregie.chat import services
from wijkregie.core.access import ResidentPrincipal
from wijkregie.core.exceptions import NotFound

SESSION_KEY = "wr_chat_member"


def resident_sign_in(request, principal: ResidentPrincipal) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = services.member_principal_seal(principal)
    request.session.set_expiry(settings.WIJKREGIE_CHAT_DEVICE_DAYS * 24 * 3600)


def resident_sign_out(request) -> None:
    request.session.pop(SESSION_KEY, None)


def resident_actor(request) -> ResidentPrincipal | None:
    sealed = request.session.get(SESSION_KEY)
    if not sealed:
        return None
    principal = services.member_principal_resume(sealed)
    if principal is None:
        request.session.pop(SESSION_KEY, None)
    return principal


def actor_for(request, side: str):
    """The resident's principal or the professional's viewer; NotFound for anyone else."""
    if side == "resident":
        principal = resident_actor(request)
        if principal is None:
            raise NotFound(_("Not found."))
        return principal
    if not request.user.is_authenticated:
        raise NotFound(_("Not found."))
    return request.viewer
