"""Recovery by e-mail: on a new device a resident asks for a sign-in link by the address
they gave in the settings. The same answer for known and unknown addresses, limited per
address and per client address; the link is signed, works once and expires; a removed
member's link does not sign in; every link and its use is in the audit trail."""

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from wijkregie.chat import services
from wijkregie.chat.models import DeviceSession, Member, RecoveryLink
from wijkregie.core.models import AuditEntry

ADDRESS = "anna.herstel@example.test"
SENT = "If this address belongs to a member of a building chat, a sign-in link is on its way"


@pytest.fixture
def anna(world):
    principal = world.join("anna")
    services.member_display_name_change(
        principal=principal, display_name="Zonnebloem", recovery_email=ADDRESS
    )
    return Member.objects.get(display_name="Zonnebloem")


def _ask(client, email, ip="10.0.0.9"):
    return client.post(
        reverse("chat_resident:recover") + "?lang=en", {"email": email}, REMOTE_ADDR=ip
    )


def _link(message) -> str:
    return re.search(r"http\S+/buurtchat/herstel/(\S+)/", message.body).group(0)


def test_a_link_by_e_mail_signs_a_new_device_in_once(
    world, anna, mailoutbox, django_capture_on_commit_callbacks
):
    device = Client()
    with django_capture_on_commit_callbacks(execute=True):
        answer = _ask(device, "Anna.Herstel@Example.TEST")
    assert answer.status_code == 200 and SENT in answer.content.decode()
    assert [m.to for m in mailoutbox] == [[ADDRESS]]
    mail = mailoutbox[0]
    assert mail.subject == "Je inloglink voor de buurtchat"  # the member's language: nl
    assert "30" in mail.body and "Annabel" not in mail.body and "Zonnebloem" not in mail.body
    path = _link(mail).split("127.0.0.1:8000", 1)[-1]
    # Opening the link asks to confirm (a mail program that looks at it spends nothing).
    confirm = device.get(path + "?lang=en")
    assert confirm.status_code == 200 and "Sign in on this device" in confirm.content.decode()
    assert RecoveryLink.objects.get().used_at is None
    signed_in = device.post(path)
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("chat_resident:home")
    assert device.get(reverse("chat_resident:home")).status_code == 302
    channel = world.channels()["general"].pk
    assert device.get(reverse("chat_resident:channel", args=[channel])).status_code == 200
    link = RecoveryLink.objects.get()
    assert link.used_at is not None and link.device.member_id == anna.pk
    assert DeviceSession.objects.filter(member=anna, ended_at__isnull=True).count() == 2
    audit = list(
        AuditEntry.objects.filter(object_type__in=["chat.recoverylink", "chat.devicesession"])
        .order_by("id")
        .values_list("object_type", "object_ids", "fields")
    )
    assert audit[-2:] == [
        ("chat.recoverylink", [str(link.pk)], ["member"]),
        ("chat.devicesession", [str(link.device_id)], ["member", "recovery_link"]),
    ]
    # A second use, on any device, is refused clearly.
    again = Client().post(path + "?lang=en")
    assert again.status_code == 400 and "already used" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    world, anna, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = _ask(Client(), ADDRESS, ip="10.0.0.1")
        unknown = _ask(Client(), "nobody@example.test", ip="10.0.0.2")
    assert unknown.status_code == known.status_code == 200

    def text(response):
        html = response.content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert text(unknown) == text(known)
    assert [m.to for m in mailoutbox] == [[ADDRESS]]
    assert RecoveryLink.objects.count() == 1


def test_asking_is_limited_per_address_and_per_client_address(world, anna, settings):
    settings.WIJKREGIE_CHAT_RECOVERY_RATE = "3/3600"
    for n in range(3):
        assert _ask(Client(), "nobody@example.test", ip=f"10.0.1.{n}").status_code == 200
    refused = _ask(Client(), "nobody@example.test", ip="10.0.1.9")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert "Wait an hour" in refused.content.decode()
    for n in range(3):
        assert _ask(Client(), f"other{n}@example.test", ip="10.0.2.1").status_code == 200
    assert _ask(Client(), ADDRESS, ip="10.0.2.1").status_code == 429
    assert RecoveryLink.objects.count() == 0


def test_an_expired_or_forged_link_is_refused(world, anna, django_capture_on_commit_callbacks):
    services.recovery_link_request(
        email=ADDRESS, ip="10.0.0.3", now=timezone.now() - timedelta(minutes=31)
    )
    link = RecoveryLink.objects.get()
    token = services.recovery_link_token(link.pk)
    device = Client()
    expired = device.post(reverse("chat_resident:recover_link", args=[token]) + "?lang=en")
    assert expired.status_code == 400 and "has expired" in expired.content.decode()
    for forged in (token[:-2] + "xx", "abc", services.recovery_link_token(link.pk + 99)):
        answer = device.get(reverse("chat_resident:recover_link", args=[forged]) + "?lang=en")
        assert answer.status_code == 400 and "not valid" in answer.content.decode()
    assert RecoveryLink.objects.get().used_at is None
    assert DeviceSession.objects.filter(member=anna).count() == 1


def test_a_removed_member_gets_no_link_and_an_earlier_one_stops(
    world, anna, mailoutbox, django_capture_on_commit_callbacks
):
    services.recovery_link_request(email=ADDRESS, ip="10.0.0.4")
    token = services.recovery_link_token(RecoveryLink.objects.get().pk)
    services.member_remove(actor=world.viewer("manager"), member_id=anna.pk, reason="Spam")
    device = Client()
    refused = device.post(reverse("chat_resident:recover_link", args=[token]) + "?lang=en")
    assert refused.status_code == 400
    assert "no longer a member" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = _ask(Client(), ADDRESS, ip="10.0.0.5")
    assert answer.status_code == 200 and SENT in answer.content.decode()
    assert mailoutbox == [] and RecoveryLink.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("nl", "Inloggen op een nieuw apparaat"),
        ("en", "Sign in on a new device"),
        ("tr", "Yeni bir cihazda giriş yapın"),
        ("ar", "تسجيل الدخول على جهاز جديد"),
        ("pl", "Zaloguj się na nowym urządzeniu"),
        ("uk", "Увійти на новому пристрої"),
    ],
)
def test_the_recovery_pages_speak_the_resident_languages(client, world, language, title):
    html = client.get(reverse("chat_resident:recover") + f"?lang={language}").content.decode()
    assert f'lang="{language}"' in html and title in html
    assert ('dir="rtl"' in html) == (language == "ar")
    join = client.get(reverse("chat_resident:join") + f"?lang={language}").content.decode()
    assert reverse("chat_resident:recover") in join
