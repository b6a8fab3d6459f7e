"""The resident's chat pages: joining with a personal code (house rules in their
language), the building's channel and announcements, private lines, their settings,
signing out and leaving. No password account: the code signs this device in."""

import contextlib
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wijkregie.chat import selectors, services
from wijkregie.chat.forms import JoinForm, LeaveForm, ProfileForm, RecoveryForm
from wijkregie.chat.models import ChannelKind
from wijkregie.chat.pages import (
    RESIDENT,
    channel_context,
    choose_language,
    render_resident,
    resident_context,
)
from wijkregie.chat.session import resident_actor, resident_sign_in, resident_sign_out
from wijkregie.core.exceptions import NotFound
from wijkregie.core.forms import add_service_errors
from wijkregie.core.http import client_ip

DEVICE_COOKIE = "wr_chat_device"


def _language(request) -> str:
    return choose_language(request)[0]


@require_http_methods(["GET", "POST"])
def join(request):
    """The code from the letter (or handed over at the door) and a display name."""
    if request.method == "GET" and resident_actor(request) is not None:
        return redirect("chat_resident:home")
    language = _language(request)
    with translation.override(language):
        form = JoinForm(request.POST or None)
        status = 200
        retry_after = None
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    principal = services.join_code_redeem(
                        code=form.cleaned_data["code"],
                        display_name=form.cleaned_data["display_name"],
                        language=language,
                        ip=client_ip(request),
                        device_key=request.COOKIES.get(DEVICE_COOKIE, "")[:64],
                    )
                except services.JoinThrottled as exc:
                    form.add_error("code", exc.message)
                    status, retry_after = 429, exc.retry_after
                except services.JoinRefused as exc:
                    form.add_error("code", exc.message)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    resident_sign_in(request, principal)
                    messages.success(request, _("Welcome to your building's chat."))
                    return redirect("chat_resident:home")
    response = render_resident(request, "chat/resident/join.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@require_http_methods(["GET", "POST"])
def recover(request):
    """A new device: ask for a sign-in link by the recovery e-mail address. The answer is
    the same whether the address is known or not."""
    language = _language(request)
    status = 200
    sent = False
    with translation.override(language):
        form = RecoveryForm(request.POST or None)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.recovery_link_request(
                        email=form.cleaned_data["email"], ip=client_ip(request)
                    )
                except services.RecoveryThrottled as exc:
                    form.add_error("email", exc.message)
                    status = 429
                else:
                    sent, status = True, 200
    response = render_resident(
        request, "chat/resident/recover.html", {"form": form, "sent": sent}, status=status
    )
    if status == 429:
        response["Retry-After"] = "3600"
    return response


@require_http_methods(["GET", "POST"])
def recover_link(request, token):
    """The link from the e-mail. Opening it (GET) only asks to confirm, so that a mail
    program that looks at links does not spend it; the button (POST) signs this device in."""
    language = _language(request)
    refusal = ""
    with translation.override(language):
        try:
            if request.method == "POST":
                principal = services.recovery_link_redeem(token=token)
                resident_sign_in(request, principal)
                messages.success(request, _("This device is signed in to your building's chat."))
                return redirect("chat_resident:home")
            services.recovery_link_check(token)
        except services.RecoveryRefused as exc:
            refusal = exc.message
    return render_resident(
        request,
        "chat/resident/recover_link.html",
        {"refusal": refusal},
        status=400 if refusal else 200,
    )


def _principal_or_join(request):
    principal = resident_actor(request)
    if principal is None:
        messages.info(request, _("Sign in with your personal code."))
    return principal


@require_GET
def home(request):
    principal = _principal_or_join(request)
    if principal is None:
        return redirect("chat_resident:join")
    member = selectors.resident_member_get(principal=principal)
    channels = selectors.building_channels(actor=principal, building_id=member.building_id)
    return redirect("chat_resident:channel", channels[ChannelKind.GENERAL].pk)


@require_GET
def house_rules(request):
    return render_resident(request, "chat/resident/rules.html", {})


@require_GET
def channel(request, channel_id):
    principal = _principal_or_join(request)
    if principal is None:
        return redirect("chat_resident:join")
    found = selectors.channel_get(actor=principal, channel_id=channel_id)
    context = channel_context(request, principal, found, RESIDENT)
    context.update(resident_context(request, principal, found))
    return render_resident(request, "chat/resident/channel.html", context)


@require_POST
def line_open(request, member_id):
    principal = _principal_or_join(request)
    if principal is None:
        return redirect("chat_resident:join")
    line = services.private_line_open(principal=principal, professional_member_id=member_id)
    return redirect("chat_resident:channel", line.pk)


@require_http_methods(["GET", "POST"])
def settings_page(request):
    principal = _principal_or_join(request)
    if principal is None:
        return redirect("chat_resident:join")
    member = selectors.resident_member_get(principal=principal)
    language = _language(request)
    status = 200
    with translation.override(language):
        form = ProfileForm(
            request.POST or None,
            initial={"display_name": member.display_name, "recovery_email": member.recovery_email},
        )
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.member_display_name_change(
                        principal=principal,
                        display_name=form.cleaned_data["display_name"],
                        recovery_email=form.cleaned_data["recovery_email"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("Your settings are saved."))
                    return redirect("chat_resident:settings")
    context = {"form": form, "leave_form": LeaveForm(), "me": member}
    return render_resident(request, "chat/resident/settings.html", context, status=status)


@require_POST
def sign_out(request):
    principal = resident_actor(request)
    if principal is not None:
        with contextlib.suppress(NotFound):
            services.device_session_end(principal=principal)
    resident_sign_out(request)
    messages.info(request, _("This device is signed out. You need a new code to sign in again."))
    return redirect("chat_resident:join")


@require_POST
def leave(request):
    principal = _principal_or_join(request)
    if principal is None:
        return redirect("chat_resident:join")
    form = LeaveForm(request.POST)
    remove = form.is_valid() and form.cleaned_data["remove_messages"]
    removed = services.member_leave(principal=principal, remove_messages=remove)
    resident_sign_out(request)
    if remove:
        messages.info(
            request, _("You left the chat; %(n)d of your messages were removed.") % {"n": removed}
        )
    else:
        messages.info(request, _("You left the chat."))
    return redirect("chat_resident:join")
