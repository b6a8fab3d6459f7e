"""Chat pages and endpoints.

Professionals: their buildings' channels, a channel, the moderation queue, join codes
(a printable slip). Both sides (the URL conf says which, `side`): the event stream,
the polling fallback, posting, reactions, flags and photos. Residents' own pages are in
resident_views.py. Need-to-know is in the selectors; the actor is the professional's
Viewer or the resident's principal from the session (session.py).
"""

import asyncio

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, close_old_connections
from django.db import connection as db_connection
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asgiref.sync import sync_to_async

from wijkregie.chat import live, selectors, services
from wijkregie.chat.forms import (
    FlagForm,
    IssueCodeForm,
    LineReportForm,
    MessageForm,
    MuteForm,
    NewsletterForm,
    ReactForm,
    ReasonForm,
)
from wijkregie.chat.models import ISSUE_CODES, ChannelKind
from wijkregie.chat.pages import (
    PROFESSIONAL,
    RESIDENT,
    channel_context,
    channel_url,
    choose_language,
    render_resident,
    resident_context,
    wants_json,
)
from wijkregie.chat.session import SESSION_KEY, actor_for, resident_actor
from wijkregie.core.access import ResidentPrincipal
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.forms import add_service_errors
from wijkregie.reports.photos import PhotoRejected, sanitise_photo


class _Choice:
    def __init__(self, pk, label):
        self.pk = pk
        self.label = label


# --- Professionals' pages --------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    viewer = request.viewer
    channels = list(selectors.channel_list(actor=viewer).exclude(kind=ChannelKind.PRIVATE))
    by_building = {}
    for channel in channels:
        by_building.setdefault(channel.building, {})[channel.kind] = channel
    return render(
        request,
        "chat/index.html",
        {
            "buildings": [
                {
                    "building": b,
                    "general": c.get("general"),
                    "announcements": c.get("announcements"),
                }
                for b, c in by_building.items()
            ],
            "lines": selectors.private_lines(actor=viewer),
        },
    )


@login_required
@require_GET
def channel_page(request, channel_id):
    viewer = request.viewer
    channel = selectors.channel_get(actor=viewer, channel_id=channel_id)
    context = channel_context(request, viewer, channel, PROFESSIONAL)
    if channel.kind == ChannelKind.PRIVATE:
        from wijkregie.reports.selectors import category_list

        context["line_form"] = LineReportForm(categories=category_list())
    if channel.kind == ChannelKind.ANNOUNCEMENTS:
        context["newsletter_form"] = NewsletterForm()
    return render(request, "chat/channel.html", context)


@login_required
@require_GET
def moderation(request):
    viewer = request.viewer
    return render(
        request,
        "chat/moderation.html",
        {
            "items": selectors.moderation_queue(viewer=viewer),
            "reason_form": ReasonForm(),
            "mute_form": MuteForm(),
        },
    )


def _moderation_done(request, channel_id, text):
    messages.success(request, text)
    back = request.POST.get("next", "")
    if back == "queue":
        return redirect("chat:moderation")
    return redirect("chat:channel", channel_id)


@login_required
@require_POST
def moderate_message(request, message_id, action):
    viewer = request.viewer
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        if action == "hide":
            message = services.message_hide(actor=viewer, message_id=message_id, reason=reason)
            text = _("The message is hidden for everyone.")
        elif action == "delete":
            message = services.message_delete(actor=viewer, message_id=message_id, reason=reason)
            text = _("The message is deleted for everyone.")
        elif action == "keep":
            message = selectors.message_get(actor=viewer, message_id=message_id)
            services.flags_dismiss(actor=viewer, message_id=message_id)
            text = _("The flags are closed; the message stays.")
        elif action in ("pin", "unpin"):
            message = services.message_pin(
                actor=viewer, message_id=message_id, pinned=action == "pin"
            )
            text = (
                _("The announcement is pinned.")
                if action == "pin"
                else _("The announcement is no longer pinned.")
            )
        else:
            raise NotFound(_("Not found."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(request.POST.get("next") == "queue" and "chat:moderation" or "chat:index")
    return _moderation_done(request, message.channel_id, text)


@login_required
@require_POST
def moderate_member(request, member_id, action):
    viewer = request.viewer
    form = MuteForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    hours = form.cleaned_data.get("hours") or 24
    try:
        if action == "mute":
            services.member_mute(actor=viewer, member_id=member_id, reason=reason, hours=hours)
            text = _("The member is muted.")
        elif action == "unmute":
            services.member_unmute(actor=viewer, member_id=member_id)
            text = _("The member may post again.")
        elif action == "remove":
            services.member_remove(actor=viewer, member_id=member_id, reason=reason)
            text = _("The member is removed; their code and devices no longer work.")
        elif action == "sign-out":
            services.member_sessions_revoke(actor=viewer, member_id=member_id)
            text = _("Every device of this member is signed out.")
        else:
            raise NotFound(_("Not found."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("chat:moderation")
    messages.success(request, text)
    return redirect("chat:moderation")


@login_required
@require_http_methods(["GET", "POST"])
def join_codes(request, building_id):
    """Issue a code to hand over at the door: a printable slip (shown once)."""
    viewer = request.viewer
    channels = selectors.building_channels(actor=viewer, building_id=building_id)
    building = next(iter(channels.values())).building
    if not viewer.has_perm(ISSUE_CODES, building.owner_id):
        raise NotFound(_("Not found."))
    from wijkregie.residents.selectors import resident_list

    residents = [
        _Choice(
            item["id"],
            " · ".join(
                [f"{item.get('given_name', '')} {item.get('family_name', '')}".strip()]
                + [u["address"] for u in item.get("units", [])]
            ),
        )
        for item in resident_list(viewer=viewer, building_id=building.pk, page_size=200).items
    ]
    form = IssueCodeForm(request.POST or None, residents=residents)
    slip = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                code, row = services.join_code_issue(
                    actor=viewer, resident_id=form.cleaned_data["resident"]
                )
                slip = {
                    "code": code,
                    "expires_at": row.expires_at,
                    "join_url": request.build_absolute_uri(reverse("chat_resident:join")),
                }
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc, field="resident")
                status = 400
        else:
            status = 400
    return render(
        request,
        "chat/codes.html",
        {"building": building, "form": form, "slip": slip},
        status=status,
    )


@login_required
@require_POST
def line_report(request, channel_id):
    viewer = request.viewer
    from wijkregie.reports.selectors import category_list

    form = LineReportForm(request.POST, categories=category_list())
    if form.is_valid():
        try:
            report = services.private_line_to_report(
                actor=viewer,
                channel_id=channel_id,
                category_id=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
            messages.success(
                request,
                _("The conversation is now report %(code)s, shielded.")
                % {"code": report.tracking_code},
            )
        except (ValidationError, ApplicationError) as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a category."))
    return redirect("chat:channel", channel_id)


@login_required
@require_POST
def newsletter(request, channel_id):
    viewer = request.viewer
    channel = selectors.channel_get(actor=viewer, channel_id=channel_id)
    form = NewsletterForm(request.POST)
    if form.is_valid():
        try:
            services.newsletter_post(
                actor=viewer,
                building_id=channel.building_id,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
            messages.success(request, _("The newsletter is posted."))
        except (ValidationError, ApplicationError) as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
    else:
        messages.error(request, _("Give the newsletter a title and a text."))
    return redirect("chat:channel", channel_id)


# --- Both sides ------------------------------------------------------------------------------


def _render_channel(request, actor, channel, side, form, status):
    context = channel_context(request, actor, channel, side, form=form)
    template = "chat/resident/channel.html" if side == RESIDENT else "chat/channel.html"
    if side == RESIDENT:
        context.update(resident_context(request, actor, channel))
        return render_resident(request, template, context, status=status)
    return render(request, template, context, status=status)


@require_POST
def post(request, channel_id, side):
    actor = actor_for(request, side)
    channel = selectors.channel_get(actor=actor, channel_id=channel_id)
    form = MessageForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        photo = None
        try:
            upload = form.cleaned_data.get("photo")
            if upload:
                photo = sanitise_photo(upload.read())
            services.message_post(
                actor=actor,
                channel_id=channel.pk,
                body=form.cleaned_data["body"],
                reply_to_id=form.cleaned_data.get("reply_to"),
                photo=photo,
            )
        except PhotoRejected as exc:
            form.add_error("photo", exc.message)
        except services.RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc, field="body")
            status = getattr(exc, "status_code", 400)
        else:
            if wants_json(request):
                return JsonResponse({"ok": True})
            return redirect(channel_url(side, channel.pk) + "#wr-chat-end")
    if wants_json(request):
        errors = [str(e) for field in form.errors.values() for e in field]
        return JsonResponse({"ok": False, "errors": errors}, status=status)
    return _render_channel(request, actor, channel, side, form, status)


@require_POST
def react(request, message_id, side):
    actor = actor_for(request, side)
    form = ReactForm(request.POST)
    message = selectors.message_get(actor=actor, message_id=message_id)
    if form.is_valid():
        services.message_react(actor=actor, message_id=message.pk, emoji=form.cleaned_data["emoji"])
    if wants_json(request):
        return JsonResponse({"ok": form.is_valid()}, status=200 if form.is_valid() else 400)
    return redirect(channel_url(side, message.channel_id) + f"#m{message.pk}")


@require_POST
def flag(request, message_id, side):
    actor = actor_for(request, side)
    form = FlagForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    message = selectors.message_get(actor=actor, message_id=message_id)
    services.message_flag(actor=actor, message_id=message.pk, reason=reason)
    text = _("Thank you. The moderators will look at this message.")
    if wants_json(request):
        return JsonResponse({"ok": True, "message": text})
    messages.success(request, text)
    return redirect(channel_url(side, message.channel_id) + f"#m{message.pk}")


@require_GET
def photo(request, message_id, side="professional"):
    actor = None
    principal = resident_actor(request)
    if principal is not None:
        actor = principal
    elif request.user.is_authenticated:
        actor = request.viewer
    if actor is None:
        raise NotFound(_("Not found."))
    message = selectors.message_get(actor=actor, message_id=message_id)
    if not message.photo or message.hidden_at or message.deleted_at:
        raise NotFound(_("Not found."))
    response = FileResponse(
        default_storage.open(message.photo.name, "rb"), content_type=message.photo_type
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def poll(request, channel_id, side):
    """The fallback for browsers without a stream: messages after `after`."""
    actor = actor_for(request, side)
    channel = selectors.channel_get(actor=actor, channel_id=channel_id)
    start = selectors.stream_start(
        channel_id=channel.pk,
        last_event_id="",
        after=request.GET.get("after", ""),
        events=request.GET.get("events", ""),
    )
    missed = _missed(channel.pk, start.after, start.events)
    payloads = missed.messages
    last = payloads[-1]["id"] if payloads else start.after
    return JsonResponse(
        {
            "messages": payloads,
            "last": last,
            "changes": [{"kind": k, "data": d} for k, d in missed.changes.items],
            "events": missed.changes.last,
            "problem": start.problem,
        }
    )


def _released(func):
    """Run `func` (a database read of the stream), then give the connection back: a stream
    stays open for minutes, and must not hold one of the pool's few connections. (Inside
    a transaction, as in tests, the connection stays.)"""

    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            if not db_connection.in_atomic_block:
                close_old_connections()

    return run


class _StreamAccess:
    def __init__(self, channel_id, member_id, device_id, last_event_id, after, events, language):
        self.language = language
        self.ended = _("You are no longer signed in to this chat.")
        self.channel_id = channel_id
        self.member_id = member_id
        self.device_id = device_id
        self.last_event_id = last_event_id
        self.after = after
        self.events = events


def _stream_access(request, channel_id, side) -> _StreamAccess | str:
    """Who the stream is for, or (a device whose sign-in ended: removed, left, signed out
    elsewhere) the "ended" text in their language, so that the page stops reconnecting."""
    was_signed_in = side == RESIDENT and bool(request.session.get(SESSION_KEY))
    try:
        actor = actor_for(request, side)
    except NotFound:
        if was_signed_in:
            with translation.override(choose_language(request)[0]):
                return _("You are no longer signed in to this chat.")
        raise
    channel = selectors.channel_get(actor=actor, channel_id=channel_id)
    member_id = device_id = None
    language = translation.get_language()
    if isinstance(actor, ResidentPrincipal):
        member_id = actor.subject_id
        device_id = selectors.device_id_of(actor)
        language = choose_language(request)[0]
    with translation.override(language):
        return _StreamAccess(
            channel.pk,
            member_id,
            device_id,
            request.headers.get("Last-Event-ID", ""),
            request.GET.get("after", ""),
            request.GET.get("events", ""),
            language,
        )


class _Missed:
    """What a stream missed: the changes of messages it has, then the new messages."""

    def __init__(self, changes: selectors.Changes, messages: list[dict]):
        self.changes = changes
        self.messages = messages


def _missed(channel_id: int, last: int, seen: int | None) -> _Missed:
    # Changes first: a change committed after this read comes live (or as a gap); the
    # messages read next already show every change committed before it.
    changes = selectors.stream_changes(channel_id=channel_id, after_event=seen, seen_message=last)
    return _Missed(changes, selectors.stream_catch_up(channel_id=channel_id, after=last))


def _stream_open(access: _StreamAccess) -> tuple[selectors.CatchUp, _Missed]:
    """The start of a stream in one database visit: its position, and what it missed."""
    with translation.override(access.language):
        start = selectors.stream_start(
            channel_id=access.channel_id,
            last_event_id=access.last_event_id,
            after=access.after,
            events=access.events,
        )
    return start, _missed(access.channel_id, start.after, start.events)


async def _still_active(access: _StreamAccess) -> bool:
    try:
        return await sync_to_async(_released(selectors.stream_member_active))(
            member_id=access.member_id, device_id=access.device_id
        )
    except DatabaseError:
        return True  # asked again at the next control event or hub reconnect


def _sse(event: str, data: dict, event_id=None) -> bytes:
    return live.sse(event, data, event_id).encode()


def _position(last: int, seen: int) -> bytes:
    return f"id: {selectors.stream_position(last, seen)}\n".encode()


async def _events(access: _StreamAccess):
    """The stream of one channel for one member. Per event it only writes the text the
    process's hub encoded once; it reads the database at its start, when it finds a gap
    (an event's `previous` is not what it sent last, a full queue, a lost Redis
    connection) and when a control event says its member may be gone. Its position, the
    SSE id, is "<message id>:<change id>"."""
    hub = await live.hub()
    queue = hub.subscribe(access.channel_id, access.member_id)
    loop = asyncio.get_running_loop()
    try:
        yield b"retry: 2000\n\n"
        try:
            start, missed = await sync_to_async(_released(_stream_open))(access)
        except DatabaseError:
            return  # a busy pool: the browser comes back after the retry time
        if start.problem:
            yield _sse("notice", {"message": start.problem})
        last, seen = start.after, start.events

        def emit(found: _Missed):
            nonlocal last, seen
            out = []
            seen = found.changes.last
            for kind, payload in found.changes.items:
                out.append(_sse(kind, payload, selectors.stream_position(last, seen)))
            for payload in found.messages:
                last = payload["id"]
                out.append(_sse("message", payload, selectors.stream_position(last, seen)))
            return b"".join(out)

        async def catch_up():
            # A database that does not answer in time (a busy pool) does not end the
            # stream: the next event or keep-alive tries again from the same point.
            try:
                return await sync_to_async(_released(_missed))(access.channel_id, last, seen)
            except DatabaseError:
                return None

        chunk = emit(missed)
        if chunk:
            yield chunk
        behind = False
        deadline = loop.time() + settings.WIJKREGIE_CHAT_STREAM_SECONDS
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return
            try:
                event = await asyncio.wait_for(queue.get(), timeout=min(15, left))
            except TimeoutError:
                if behind:
                    found = await catch_up()
                    behind = found is None
                    if found is not None and (chunk := emit(found)):
                        yield chunk
                yield b": keep-alive\n\n"
                continue
            kind = event.type
            if kind == "message":
                if event.id <= last:
                    continue  # seen already (caught up from the database)
                if not behind and event.previous == last:
                    last = event.id
                    yield _position(last, seen) + event.chunk
                    continue
            elif kind in ("update", "member"):
                if event.id <= seen:
                    continue
                if (
                    not behind
                    and event.previous == seen
                    and (kind == "member" or event.target <= last)
                ):
                    seen = event.id
                    yield _position(last, seen) + event.chunk
                    continue
            elif kind == "member_gone":
                if event.device in (None, access.device_id) and not await _still_active(access):
                    yield _sse("ended", {"message": access.ended})
                    return
                continue
            elif kind == "catch_up":
                # The queue was full or Redis was away: control events may be lost too.
                if not await _still_active(access):
                    yield _sse("ended", {"message": access.ended})
                    return
            else:
                continue
            found = await catch_up()
            behind = found is None
            if found is not None and (chunk := emit(found)):
                yield chunk
    finally:
        hub.unsubscribe(access.channel_id, queue, access.member_id)


async def _ended(text: str):
    yield b"retry: 2000\n\n"
    yield _sse("ended", {"message": text})


@require_GET
async def stream(request, channel_id, side):
    """Server-sent events of one channel: new messages, updates (hidden, deleted, erased,
    reactions, pins) and members gone, all with the position "<message id>:<change id>" as
    event id, so that a reconnect (Last-Event-ID) gets what it missed of each; a notice for
    a stale or forged Last-Event-ID, and "ended" when the member is signed out or removed
    (also to a device that reconnects after that)."""
    try:
        access = await sync_to_async(_released(_stream_access))(request, channel_id, side)
    except NotFound:
        return HttpResponse(_("Not found."), status=404, content_type="text/plain; charset=utf-8")
    events = _ended(access) if isinstance(access, str) else _events(access)
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"
    return response
