"""Every chat page, fragment, event stream and API endpoint, walked as every demo persona
and as two resident members: each sees exactly the channels they may, the private line
only its professional and its resident, and no answer anywhere carries a resident
member's name, e-mail address, phone number or address."""

import json

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from wijkregie.chat import services
from wijkregie.chat.models import Channel, ChannelKind, Member, Message
from wijkregie.demo.cases import build_cases
from wijkregie.demo.chat import build_chat
from wijkregie.demo.partners import PERSONAS, build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.demo.residents import build_residents

IN_THE_CHANNEL = {
    "wijkbeheerder",
    "leefbaarheid",
    "gebiedsregisseur",
    "boa",
    "wijkagent",
    "opbouwwerker",
    "wijkteam",
}
MODERATORS = {
    "wijkbeheerder",
    "leefbaarheid",
    "gebiedsregisseur",
}  # the corporation, the case's regie
ISSUE_CODES = {"wijkbeheerder", "leefbaarheid"}
LINE_PROFESSIONAL = "wijkagent"


@pytest.fixture
def demo(db, settings):
    settings.WIJKREGIE_CHAT_STREAM_SECONDS = 0.1
    settings.WIJKREGIE_CHAT_REDIS_URL = ""
    build_partners()
    build_places()
    build_residents()
    build_reports()
    build_cases()
    build_chat()
    general = Channel.objects.get(building__name="De Horizon", kind=ChannelKind.GENERAL)
    return {
        "general": general,
        "announcements": Channel.objects.get(
            building__name="De Horizon", kind=ChannelKind.ANNOUNCEMENTS
        ),
        "line": Channel.objects.get(kind=ChannelKind.PRIVATE),
    }


def _forbidden_strings() -> list[str]:
    """Residents' full names, family names, e-mail addresses, phone numbers and addresses
    (a family name that a professional shares, e.g. El Amrani, only as the full name)."""
    professionals = " ".join(
        Member.objects.filter(kind="professional").values_list("display_name", flat=True)
    )
    strings = []
    for member in Member.objects.filter(kind="resident").select_related(
        "resident", "unit__building"
    ):
        resident = member.resident
        strings += [resident.full_name, resident.email, resident.phone]
        if resident.family_name not in professionals:
            strings.append(resident.family_name)
        strings.append(f"{member.unit.building.street} {member.unit.address}")
    return [s for s in strings if s and len(s) > 3]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        from asgiref.sync import async_to_sync

        if hasattr(response.streaming_content, "__aiter__"):

            async def collect():
                return b"".join([c async for c in response.streaming_content])

            return async_to_sync(collect)().decode()
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


def _professional_urls(demo) -> dict[str, list[str]]:
    general, announcements, line = demo["general"], demo["announcements"], demo["line"]
    building_id = general.building_id
    message_ids = list(Message.objects.filter(channel=general).values_list("pk", flat=True)[:1])
    urls = {
        "index": [reverse("chat:index"), reverse("chat_api:channel_list")],
        "moderation": [reverse("chat:moderation"), reverse("chat_api:moderation")],
    }
    for name, channel in (("general", general), ("announcements", announcements), ("line", line)):
        urls[name] = [
            reverse("chat:channel", args=[channel.pk]),
            reverse("chat:poll", args=[channel.pk]) + "?after=0",
            reverse("chat:stream", args=[channel.pk]) + "?after=0",
            reverse("chat_api:channel_messages", args=[channel.pk]),
        ]
    urls["members"] = [reverse("chat_api:building_members", args=[building_id])]
    urls["codes"] = [reverse("chat:codes", args=[building_id])]
    urls["photo"] = [reverse("chat:photo", args=[message_ids[0]])]
    return urls


def _login(client, username):
    user = get_user_model().objects.get(username=username)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


def test_every_persona_sees_exactly_its_chat_and_never_a_residents_identity(client, demo):
    forbidden = _forbidden_strings()
    assert len(forbidden) >= 30 * 4, forbidden
    urls = _professional_urls(demo)
    for username in PERSONAS:
        client.logout()
        _login(client, username)
        reached = set()
        for group, group_urls in urls.items():
            for url in group_urls:
                response = client.get(url)
                assert response.status_code in (200, 404), (username, url, response.status_code)
                body = _body(response)
                if response.status_code == 200:
                    reached.add(group)
                if group != "codes":  # the landlord's staff pick the resident to give a code
                    leaked = [s for s in forbidden if s in body]
                    assert leaked == [], (username, url, leaked[:3])
        expected = {"index", "moderation"}
        if username in IN_THE_CHANNEL:
            expected |= {"general", "announcements", "members", "photo"}
        if username == LINE_PROFESSIONAL:
            expected.add("line")
        if username in ISSUE_CODES:
            expected.add("codes")
        # Pages that everyone reaches must still show nothing: the queue and index empty.
        assert reached - {"photo"} == expected - {"photo"}, username
        queue = client.get(reverse("chat_api:moderation")).json()
        assert (len(queue) == 1) == (username in MODERATORS), username
        channels = {c["kind"] for c in client.get(reverse("chat_api:channel_list")).json()}
        assert channels == (
            ({"general", "announcements"} if username in IN_THE_CHANNEL else set())
            | ({"private"} if username == LINE_PROFESSIONAL else set())
        ), username


def test_two_resident_members_see_their_channels_and_nobodys_identity(client, demo):
    forbidden = _forbidden_strings()
    general, announcements, line = demo["general"], demo["announcements"], demo["line"]
    line_resident = line.resident_member.resident
    other = (
        Member.objects.filter(kind="resident")
        .exclude(pk=line.resident_member_id)
        .order_by("pk")
        .first()
        .resident
    )
    from wijkregie.partners.selectors import viewer_for

    manager = viewer_for(get_user_model().objects.get(username="wijkbeheerder"))
    for resident, sees_line in (
        (line_resident, True),
        (other.__class__.objects.get(pk=other.pk), False),
    ):
        client.logout()
        client.cookies.clear()
        # A new device for the member: a fresh code from the corporation.
        code, _row = services.join_code_issue(actor=manager, resident_id=resident.pk)
        response = client.post(
            reverse("chat_resident:join"),
            {"code": code, "display_name": "Nieuwe naam", "accept_rules": "on"},
        )
        assert response.status_code == 302
        own = Member.objects.get(resident=resident)
        for channel, visible in ((general, True), (announcements, True), (line, sees_line)):
            for url in (
                reverse("chat_resident:channel", args=[channel.pk]),
                reverse("chat_resident:poll", args=[channel.pk]) + "?after=0",
                reverse("chat_resident:stream", args=[channel.pk]) + "?after=0",
            ):
                response = client.get(url)
                assert response.status_code == (200 if visible else 404), (resident.pk, url)
                body = _body(response)
                leaked = [s for s in forbidden if s in body]
                assert leaked == [], (url, leaked[:3])
        for url in (reverse("chat_resident:settings"), reverse("chat_resident:rules")):
            response = client.get(url)
            assert response.status_code == 200
            body = _body(response)
            # Their own recovery e-mail may show on their own settings page; nothing else.
            assert [s for s in forbidden if s in body] == [], url
        # Professional pages and the API are not for residents.
        for url in (
            reverse("chat:index"),
            reverse("chat_api:channel_list"),
            reverse("chat:channel", args=[general.pk]),
        ):
            assert client.get(url).status_code in (302, 401, 403, 404), url
        stream = _body(client.get(reverse("chat_resident:stream", args=[general.pk]) + "?after=0"))
        payloads = [
            json.loads(line[6:]) for line in stream.splitlines() if line.startswith('data: {"id"')
        ]
        assert payloads and all(
            set(p["author"]) == {"id", "name", "kind", "organisation"} for p in payloads
        )
        assert own.display_name == "Nieuwe naam"
