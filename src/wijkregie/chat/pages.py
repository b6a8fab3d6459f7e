"""What a channel page shows (both sides), and how a resident's chat page is answered:
in the resident's language (the six of the report form, Arabic right to left), never
cached, with the language links."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from wijkregie.chat import selectors, services
from wijkregie.chat.forms import MessageForm, ReasonForm
from wijkregie.chat.models import ISSUE_CODES, ChannelKind
from wijkregie.core.access import ResidentPrincipal
from wijkregie.core.exceptions import NotFound


def resident_language_codes() -> list[str]:
    return [code for code, _name in settings.WIJKREGIE_RESIDENT_LANGUAGES]


def choose_language(request, member_language: str = "") -> tuple[str, bool]:
    codes = resident_language_codes()
    asked = request.GET.get("lang", "")
    if asked in codes:
        return asked, True
    for cookie in (settings.WIJKREGIE_RESIDENT_LANGUAGE_COOKIE, settings.LANGUAGE_COOKIE_NAME):
        remembered = request.COOKIES.get(cookie, "")
        if remembered in codes:
            return remembered, False
    if member_language in codes:
        return member_language, False
    for tag, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = tag.split("-")[0].lower()
        if base in codes:
            return base, False
    return settings.LANGUAGE_CODE, False


def language_links(request) -> list[dict]:
    params = {k: v for k, v in request.GET.items() if k != "lang"}
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": name,
            "url": f"{request.path}?{urlencode({**params, 'lang': code})}",
            "current": code == current,
        }
        for code, name in settings.WIJKREGIE_RESIDENT_LANGUAGES
    ]


def render_resident(request, template: str, context: dict, *, status: int = 200):
    language, chosen = choose_language(request)
    with translation.override(language):
        response = render(
            request,
            template,
            {**context, "resident_language_links": language_links(request)},
            status=status,
        )
    if chosen:
        response.set_cookie(
            settings.WIJKREGIE_RESIDENT_LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
        )
    response.headers["Content-Language"] = language
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    add_never_cache_headers(response)
    return response


def resident_context(request, principal, channel=None) -> dict:
    member = selectors.resident_member_get(principal=principal)
    return {
        "me": member,
        "professionals": selectors.professional_members(building=member.building)
        if channel is None or channel.kind != ChannelKind.PRIVATE
        else [],
        "lines": selectors.private_lines(actor=principal),
    }


RESIDENT = "resident"
PROFESSIONAL = "professional"


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def channel_url(side: str, channel_id: int) -> str:
    name = "chat_resident:channel" if side == RESIDENT else "chat:channel"
    return reverse(name, args=[channel_id])


def _reply_initial(request) -> dict:
    """Without JavaScript, "Reply" links to the page with ?reply=<id>: the form carries it."""
    reply = request.GET.get("reply", "")
    return {"reply_to": int(reply)} if reply.isdigit() and len(reply) < 19 else {}


def channel_context(request, actor, channel, side: str, form=None) -> dict:
    """What a channel page shows, for both sides."""
    building = channel.building
    payloads = selectors.channel_messages(actor=actor, channel=channel)
    member = selectors.actor_member(actor, channel)
    viewer = actor if not isinstance(actor, ResidentPrincipal) else None
    is_professional = viewer is not None
    reads = selectors.read_counts(channel=channel, message_ids=[p["id"] for p in payloads])
    for payload in payloads:
        payload["read_by"] = reads.get(payload["id"])
    if channel.kind == ChannelKind.ANNOUNCEMENTS and member is not None:
        services.announcements_mark_read(
            actor=actor, channel_id=channel.pk, message_ids=[p["id"] for p in payloads]
        )
    try:
        siblings = selectors.building_channels(actor=actor, building_id=building.pk)
    except NotFound:
        siblings = {}
    may_post = channel.kind != ChannelKind.ANNOUNCEMENTS or is_professional
    prefix = "chat_resident" if side == RESIDENT else "chat"
    return {
        "channel": channel,
        "building": building,
        "side": side,
        "messages_list": payloads,
        "pinned": selectors.pinned_messages(channel=channel)
        if channel.kind == ChannelKind.ANNOUNCEMENTS
        else [],
        "general": siblings.get(ChannelKind.GENERAL),
        "announcements": siblings.get(ChannelKind.ANNOUNCEMENTS),
        "member": member,
        "muted": member is not None and member.is_muted(),
        "may_post": may_post and not (member is not None and member.is_muted()),
        "may_moderate": viewer is not None and selectors.may_moderate(viewer, building),
        "may_pin": is_professional and channel.kind == ChannelKind.ANNOUNCEMENTS,
        "may_issue_codes": viewer is not None and viewer.has_perm(ISSUE_CODES, building.owner_id),
        "form": form or MessageForm(initial=_reply_initial(request)),
        "after": payloads[-1]["id"] if payloads else channel.last_message_id,
        # Read with the channel, before the messages: the stream sends the changes since.
        "events": channel.last_event_id,
        "stream_url": reverse(f"{prefix}:stream", args=[channel.pk]),
        "poll_url": reverse(f"{prefix}:poll", args=[channel.pk]),
        "post_url": reverse(f"{prefix}:post", args=[channel.pk]),
        "react_name": f"{prefix}:react",
        "flag_name": f"{prefix}:flag",
        "emojis": ("👍", "❤️", "😮", "🙏"),
        "reason_form": ReasonForm(),
    }
