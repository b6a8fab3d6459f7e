"""Live delivery: what a stream that reconnects gets of the changes it missed (hidden,
deleted, erased, pinned, reactions, members gone), the polling fallback's changes, and
the hub's work per event (decoded and encoded once per process, control events to the
member's streams only)."""

import asyncio
import json

from django.urls import reverse

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from tests.chat.test_views import _events, _join_page
from wijkregie.chat import live, selectors, services
from wijkregie.chat.models import Channel, ChannelEvent, Member


@pytest.fixture(autouse=True)
def _short_streams(settings):
    settings.WIJKREGIE_CHAT_STREAM_SECONDS = 0.3


def _position(channel_id) -> str:
    channel = Channel.objects.get(pk=channel_id)
    return f"{channel.last_message_id}:{channel.last_event_id}"


def _stream(client, channel_id, last_event_id):
    return _events(
        client.get(
            reverse("chat_resident:stream", args=[channel_id]) + "?lang=en",
            HTTP_LAST_EVENT_ID=last_event_id,
        )
    )


def test_a_reconnect_gets_the_changes_it_missed_once_then_the_new_messages(client, world):
    general = world.channels()["general"].pk
    _join_page(client, world)
    bram = world.join("bram")
    bram_member = selectors.resident_member_get(principal=bram)
    m1, m2, m3 = (
        services.message_post(actor=bram, channel_id=general, body=f"bericht {n}").pk
        for n in (1, 2, 3)
    )
    position = _position(general)
    assert position == f"{m3}:0"
    # While the page is away: a moderator hides one and deletes one, a reaction, a new
    # message (with a reaction of its own), and the member is removed.
    manager = world.viewer("manager")
    services.message_hide(actor=manager, message_id=m1, reason="Persoonlijke gegevens")
    services.message_delete(actor=manager, message_id=m2, reason="Bedreiging")
    anna = services.member_principal_resume(client.session["wr_chat_member"])
    services.message_react(actor=anna, message_id=m3, emoji="👍")
    m4 = services.message_post(actor=bram, channel_id=general, body="bericht 4").pk
    services.message_react(actor=anna, message_id=m4, emoji="🙏")
    services.member_remove(actor=manager, member_id=bram_member.pk, reason="Bedreigingen")
    last_change = Channel.objects.get(pk=general).last_event_id
    # hide, delete, two reactions, the removal
    assert ChannelEvent.objects.filter(channel_id=general).count() == 5

    events = _stream(client, general, position)
    assert [(e[0], e[1]) for e in events] == [
        (f"{m3}:{last_change}", "update"),
        (f"{m3}:{last_change}", "update"),
        (f"{m3}:{last_change}", "update"),
        (f"{m3}:{last_change}", "member"),
        (f"{m4}:{last_change}", "message"),
    ]
    hidden, deleted, reacted, gone, new = (e[2] for e in events)
    assert (hidden["id"], hidden["hidden"], hidden["body"]) == (m1, True, "")
    assert hidden["hidden_reason"] == "Persoonlijke gegevens"
    assert (deleted["id"], deleted["deleted"], deleted["body"]) == (m2, True, "")
    assert (reacted["id"], reacted["reactions"]) == (m3, {"👍": 1})
    assert gone == {"id": bram_member.pk, "gone": True}
    assert (new["id"], new["body"], new["reactions"]) == (m4, "bericht 4", {"🙏": 1})
    # From the position it reached: nothing again (no doubles).
    assert _stream(client, general, f"{m4}:{last_change}") == []
    # A position of only a message id (an older page): the changes since that message
    # was the newest; states, so sending one again does no harm.
    assert [(e[0], e[1], e[2]["id"]) for e in _stream(client, general, str(m3))] == [
        (f"{m3}:{last_change}", "update", m1),
        (f"{m3}:{last_change}", "update", m2),
        (f"{m3}:{last_change}", "update", m3),
        (f"{m3}:{last_change}", "member", bram_member.pk),
        (f"{m4}:{last_change}", "message", m4),
    ]


def _last_event(channel_id: int) -> int:
    """The channel's last change id: one sequence over all channels, so not 1 on a
    database whose sequences go on between tests (PostgreSQL)."""
    return Channel.objects.get(pk=channel_id).last_event_id


def test_a_pin_and_an_erasure_reach_a_reconnecting_page(client, world, login):
    channels = world.channels()
    _join_page(client, world)
    agent = world.viewer("agent")
    announcement = services.message_post(
        actor=agent, channel_id=channels["announcements"].pk, body="Lift in onderhoud"
    ).pk
    position = _position(channels["announcements"].pk)
    services.message_pin(actor=agent, message_id=announcement)
    pinned = _last_event(channels["announcements"].pk)
    events = _stream(client, channels["announcements"].pk, position)
    assert [(e[0], e[1], e[2]["id"], e[2]["pinned"]) for e in events] == [
        (f"{announcement}:{pinned}", "update", announcement, True)
    ]

    anna = services.member_principal_resume(client.session["wr_chat_member"])
    services.message_post(actor=anna, channel_id=channels["general"].pk, body="Welkom")
    bram = world.join("bram")
    bram_member = selectors.resident_member_get(principal=bram)
    said = services.message_post(actor=bram, channel_id=channels["general"].pk, body="Hoi").pk
    position = _position(channels["general"].pk)
    services.member_leave(principal=bram, remove_messages=True)
    events = _stream(client, channels["general"].pk, position)
    # Change ids are one sequence for all channels: the pin's + 1 (here) and + 2
    # (announcements) for the member, + 3 for the erased message.
    erased = pinned + 3
    assert _last_event(channels["general"].pk) == erased
    assert events == [
        (f"{said}:{erased}", "member", {"id": bram_member.pk, "gone": True}),
        (f"{said}:{erased}", "update", {"id": said, "erased": True}),
    ]


@pytest.mark.parametrize("last_event_id", ["1:99", "1:x", "1:", ":1"])
def test_a_forged_change_position_gets_a_clear_notice(client, world, last_event_id):
    general = world.channels()["general"].pk
    _join_page(client, world)
    services.message_post(actor=world.join("bram"), channel_id=general, body="Hallo")
    events = _stream(client, general, last_event_id)
    assert [e[1] for e in events] == ["notice"]
    assert "not valid" in events[0][2]["message"]


def test_the_polling_fallback_sends_the_changes_too(client, world):
    general = world.channels()["general"].pk
    _join_page(client, world)
    bram = world.join("bram")
    first = services.message_post(actor=bram, channel_id=general, body="een").pk
    services.message_hide(actor=world.viewer("manager"), message_id=first, reason="Spam")
    second = services.message_post(actor=bram, channel_id=general, body="twee").pk
    answer = client.get(
        reverse("chat_resident:poll", args=[general]) + f"?after={first}&events=0"
    ).json()
    assert [m["id"] for m in answer["messages"]] == [second]
    assert [(c["kind"], c["data"]["id"], c["data"]["hidden"]) for c in answer["changes"]] == [
        ("update", first, True)
    ]
    hidden = _last_event(general)
    assert (answer["last"], answer["events"], answer["problem"]) == (second, hidden, "")
    again = client.get(
        reverse("chat_resident:poll", args=[general]) + f"?after={second}&events={hidden}"
    ).json()
    assert (again["messages"], again["changes"], again["events"]) == ([], [], hidden)


def test_the_page_carries_the_change_position_for_its_stream(client, world):
    general = world.channels()["general"].pk
    _join_page(client, world)
    bram = world.join("bram")
    first = services.message_post(actor=bram, channel_id=general, body="een").pk
    services.message_hide(actor=world.viewer("manager"), message_id=first, reason="Spam")
    page = client.get(reverse("chat_resident:channel", args=[general])).content.decode()
    assert f'data-after="{first}" data-events="{_last_event(general)}"' in page


def test_the_hub_encodes_an_event_once_and_sends_control_events_to_the_member_only():
    async def scenario():
        hub = live.Hub(asyncio.get_running_loop())
        first = hub.subscribe(7, member_id=1)
        second = hub.subscribe(7, member_id=2)
        elsewhere = hub.subscribe(8)
        hub.dispatch(
            json.dumps(
                {"type": "message", "channel": 7, "previous": 3, "message": {"id": 4, "body": "x"}}
            )
        )
        one, two = first.get_nowait(), second.get_nowait()
        assert one is two and elsewhere.empty()
        assert (one.type, one.id, one.previous) == ("message", 4, 3)
        assert one.chunk == b'event: message\ndata: {"id":4,"body":"x"}\n\n'
        hub.dispatch(json.dumps({"type": "member_gone", "member": 2, "device": 5}))
        assert first.empty() and elsewhere.empty()
        gone = second.get_nowait()
        assert (gone.type, gone.member, gone.device) == ("member_gone", 2, 5)
        for bad in ("not json", '{"type": "message"}', '{"type": "update", "channel": 7}', "[]"):
            hub.dispatch(bad)
        assert first.empty() and second.empty()
        hub.unsubscribe(7, first, member_id=1)
        hub.unsubscribe(7, second, member_id=2)
        hub.unsubscribe(8, elsewhere)
        assert hub.queues == {} and hub.members == {} and hub.connections() == 0

    asyncio.run(scenario())


def test_a_live_stream_writes_the_hubs_text_catches_up_a_gap_and_ends_on_removal(
    client, world, settings
):
    """In one event loop: the stream is open, events come through the hub as Redis would
    hand them over."""
    settings.WIJKREGIE_CHAT_STREAM_SECONDS = 10
    general = world.channels()["general"].pk
    _join_page(client, world)
    bram = world.join("bram")
    m1 = services.message_post(actor=bram, channel_id=general, body="een").pk
    anna = Member.objects.get(display_name="Zonnebloem")
    response = client.get(reverse("chat_resident:stream", args=[general]))

    async def scenario():
        hub = await live.hub()
        chunks = response.streaming_content.__aiter__()
        assert await chunks.__anext__() == b"retry: 2000\n\n"
        # The stream reads its start, then waits on its queue.
        pending = asyncio.ensure_future(chunks.__anext__())
        while not hub.queues.get(general):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        payload = {"id": m1 + 100, "body": "live"}
        hub.dispatch(
            json.dumps({"type": "message", "channel": general, "previous": m1, "message": payload})
        )
        live_chunk = await pending
        # A change whose `previous` is not the stream's: it reads the database instead.
        hidden = await sync_to_async(services.message_hide)(
            actor=world.viewer("manager"), message_id=m1, reason="Spam"
        )
        hub.dispatch(
            json.dumps(
                {
                    "type": "update",
                    "channel": general,
                    "event": 7,
                    "previous": 6,
                    "message": {"id": hidden.pk},
                }
            )
        )
        caught_up = await chunks.__anext__()
        await sync_to_async(Member.objects.filter(pk=anna.pk).update)(removed_at=hidden.hidden_at)
        hub.dispatch(json.dumps({"type": "member_gone", "member": anna.pk, "device": None}))
        ended = await chunks.__anext__()
        with pytest.raises(StopAsyncIteration):
            await chunks.__anext__()
        return live_chunk, caught_up, ended

    live_chunk, caught_up, ended = async_to_sync(scenario)()
    assert (
        live_chunk
        == (
            f'id: {m1 + 100}:0\nevent: message\ndata: {{"id":{m1 + 100},"body":"live"}}\n\n'
        ).encode()
    )
    hidden_at = _last_event(general)
    assert caught_up.startswith(f"id: {m1 + 100}:{hidden_at}\nevent: update\n".encode())
    assert json.loads(caught_up.split(b"data: ")[1])["hidden"] is True
    assert ended.startswith(b"event: ended\n")
