import io
import json

from django.urls import reverse

import pytest
from PIL import Image

from wijkregie.chat import selectors, services
from wijkregie.chat.models import Member, Message


def _join_page(client, world, name="anna", display_name="Zonnebloem"):
    code, _row = world.code(name)
    response = client.post(
        reverse("chat_resident:join"),
        {"code": code, "display_name": display_name, "accept_rules": "on"},
    )
    assert response.status_code == 302, response.content
    return response


def _consume(response) -> bytes:
    from asgiref.sync import async_to_sync

    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


def _events(response) -> list[tuple[str | None, str, dict]]:
    raw = _consume(response).decode()
    events = []
    for block in raw.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            key, _sep, value = line.partition(": ")
            fields[key] = value
        if "data" in fields:
            events.append((fields.get("id"), fields.get("event"), json.loads(fields["data"])))
    return events


@pytest.fixture(autouse=True)
def _short_streams(settings):
    settings.WIJKREGIE_CHAT_STREAM_SECONDS = 0.3


def test_join_page_shows_house_rules_in_the_residents_language(client, world):
    response = client.get(reverse("chat_resident:join") + "?lang=ar")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "112" in html


def test_join_with_a_code_then_post_and_see_it(client, world):
    channels = world.channels()
    _join_page(client, world)
    home = client.get(reverse("chat_resident:home"))
    assert home.status_code == 302 and home["Location"] == reverse(
        "chat_resident:channel", args=[channels["general"].pk]
    )
    response = client.post(
        reverse("chat_resident:post", args=[channels["general"].pk]),
        {"body": "<script>alert(1)</script> zie https://example.org/x"},
    )
    assert response.status_code == 302
    page = client.get(
        reverse("chat_resident:channel", args=[channels["general"].pk])
    ).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert 'href="https://example.org/x"' in page
    assert "Zonnebloem" in page


def test_wrong_code_gets_a_clear_message_and_keeps_the_name(client, world):
    response = client.post(
        reverse("chat_resident:join"),
        {"code": "ABCD-EFGH-JKLM", "display_name": "Zonnebloem", "accept_rules": "on"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This code is not known" in html or "Deze code" in html
    assert 'value="Zonnebloem"' in html


def test_a_100_kb_message_is_refused_and_the_text_kept(client, world):
    channels = world.channels()
    _join_page(client, world)
    body = "lang " * 20_000
    response = client.post(
        reverse("chat_resident:post", args=[channels["general"].pk]), {"body": body}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "4000" in html
    assert body.strip()[:200] in html
    json_answer = client.post(
        reverse("chat_resident:post", args=[channels["general"].pk]),
        {"body": body},
        HTTP_ACCEPT="application/json",
    )
    assert json_answer.status_code == 400 and "4000" in json_answer.json()["errors"][0]
    assert Message.objects.count() == 0


def test_a_photo_that_is_not_a_photo_is_refused_and_a_real_one_is_stripped(client, world):
    channels = world.channels()
    _join_page(client, world)
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "photo.jpg"
    response = client.post(
        reverse("chat_resident:post", args=[channels["general"].pk]),
        {"body": "kijk", "photo": fake},
    )
    assert response.status_code == 400
    assert Message.objects.count() == 0
    image = Image.new("RGB", (20, 20), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    buffer.seek(0)
    buffer.name = "photo.jpg"
    response = client.post(
        reverse("chat_resident:post", args=[channels["general"].pk]),
        {"body": "kijk", "photo": buffer},
    )
    assert response.status_code == 302
    message = Message.objects.get()
    photo = client.get(reverse("chat:photo", args=[message.pk]))
    assert photo.status_code == 200
    content = b"".join(photo.streaming_content)
    assert b"SpyCam" not in content and Image.open(io.BytesIO(content)).size == (20, 20)


def test_the_stream_catches_up_after_last_event_id_without_gaps_or_duplicates(client, world):
    channels = world.channels()
    _join_page(client, world)
    anna = selectors.resident_member_get(
        principal=services.member_principal_resume(client.session["wr_chat_member"])
    )
    bram = world.join("bram")
    ids = [
        services.message_post(actor=bram, channel_id=channels["general"].pk, body=f"bericht {n}").pk
        for n in range(5)
    ]
    url = reverse("chat_resident:stream", args=[channels["general"].pk])
    response = client.get(url, HTTP_LAST_EVENT_ID=str(ids[1]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    events = _events(response)
    assert [(e[0], e[1]) for e in events] == [(f"{i}:0", "message") for i in ids[2:]]
    assert [e[2]["body"] for e in events] == ["bericht 2", "bericht 3", "bericht 4"]
    assert anna.pk not in [e[2]["author"]["id"] for e in events]


@pytest.mark.parametrize("last_event_id", ["abc", "99999999999", "-1", "1" * 40])
def test_a_forged_last_event_id_gets_a_clear_notice(client, world, last_event_id):
    channels = world.channels()
    _join_page(client, world)
    services.message_post(actor=world.join("bram"), channel_id=channels["general"].pk, body="Hallo")
    response = client.get(
        reverse("chat_resident:stream", args=[channels["general"].pk]) + "?lang=en",
        HTTP_LAST_EVENT_ID=last_event_id,
    )
    assert response.status_code == 200
    events = _events(response)
    assert [e[1] for e in events] == ["notice"]
    assert "not valid" in events[0][2]["message"]


def test_a_stale_last_event_id_says_the_messages_are_gone(client, world):
    channels = world.channels()
    _join_page(client, world)
    bram = world.join("bram")
    old = services.message_post(actor=bram, channel_id=channels["general"].pk, body="Oud")
    services.message_post(actor=bram, channel_id=channels["general"].pk, body="Nieuw")
    Message.objects.filter(pk=old.pk).delete()
    events = _events(
        client.get(
            reverse("chat_resident:stream", args=[channels["general"].pk]) + "?lang=en",
            HTTP_LAST_EVENT_ID=str(old.pk),
        )
    )
    assert [e[1] for e in events] == ["notice"]
    assert "no longer kept" in events[0][2]["message"]


def test_the_polling_fallback(client, world):
    channels = world.channels()
    _join_page(client, world)
    bram = world.join("bram")
    first = services.message_post(actor=bram, channel_id=channels["general"].pk, body="een")
    second = services.message_post(actor=bram, channel_id=channels["general"].pk, body="twee")
    answer = client.get(
        reverse("chat_resident:poll", args=[channels["general"].pk]) + f"?after={first.pk}"
    ).json()
    assert [m["id"] for m in answer["messages"]] == [second.pk]
    assert answer["last"] == second.pk and answer["problem"] == ""


def test_a_removed_member_is_refused_by_every_endpoint(client, world):
    channels = world.channels()
    _join_page(client, world)
    member = Member.objects.get(display_name="Zonnebloem")
    services.member_remove(
        actor=world.viewer("manager"), member_id=member.pk, reason="Bedreigingen"
    )
    general = channels["general"].pk
    # The device that was signed in learns it once, in its language, and stops reconnecting.
    ended = client.get(reverse("chat_resident:stream", args=[general]) + "?lang=en")
    assert ended.status_code == 200
    assert _events(ended) == [
        (None, "ended", {"message": "You are no longer signed in to this chat."})
    ]
    assert client.get(reverse("chat_resident:stream", args=[general])).status_code == 404
    assert client.get(reverse("chat_resident:poll", args=[general])).status_code == 404
    assert (
        client.post(reverse("chat_resident:post", args=[general]), {"body": "x"}).status_code == 404
    )
    assert client.get(reverse("chat_resident:channel", args=[general])).status_code == 302


def test_professional_pages(client, world, login):
    channels = world.channels()
    anna = world.join("anna")
    message = services.message_post(
        actor=anna, channel_id=channels["general"].pk, body="Hallo allemaal"
    )
    services.message_flag(actor=world.join("bram"), message_id=message.pk, reason="spam")
    login(world.users["manager"])
    assert client.get(reverse("chat:index")).status_code == 200
    page = client.get(reverse("chat:channel", args=[channels["general"].pk])).content.decode()
    assert "Hallo allemaal" in page and ("Moderate" in page or "Modereren" in page)
    queue = client.get(reverse("chat:moderation")).content.decode()
    assert "Hallo allemaal" in queue and "spam" in queue
    response = client.post(
        reverse("chat:moderate_message", args=[message.pk, "hide"]),
        {"reason": "Geen spam", "next": "queue"},
    )
    assert response.status_code == 302
    assert "Hallo allemaal" not in client.get(reverse("chat:moderation")).content.decode()
    slip = client.post(
        reverse("chat:codes", args=[world.building.pk]), {"resident": world.residents["anna"].pk}
    )
    assert slip.status_code == 200 and b"wr-chat-slip__code" in slip.content


def test_a_partner_cannot_moderate_or_issue_codes(client, world, login):
    channels = world.channels()
    message = services.message_post(
        actor=world.join("anna"), channel_id=channels["general"].pk, body="Hallo"
    )
    login(world.users["agent"])
    assert client.get(reverse("chat:channel", args=[channels["general"].pk])).status_code == 200
    assert (
        client.post(
            reverse("chat:moderate_message", args=[message.pk, "hide"]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("chat:codes", args=[world.building.pk])).status_code == 404
    login(world.users["outsider"])
    assert client.get(reverse("chat:channel", args=[channels["general"].pk])).status_code == 404
