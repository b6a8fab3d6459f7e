from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

import pytest

from wijkregie.chat import selectors, services
from wijkregie.chat.models import ChannelKind, DeviceSession, JoinCode, Member, Message
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry


def test_a_code_signs_in_one_device_once(world):
    code, row = world.code("anna")
    assert len(code) == 14 and code.count("-") == 2
    principal = services.join_code_redeem(
        code=code.lower(), display_name="Zonnebloem", ip="1.1.1.1"
    )
    member = selectors.resident_member_get(principal=principal)
    assert (member.display_name, member.unit_id, member.building_id) == (
        "Zonnebloem",
        world.units[12].pk,
        world.building.pk,
    )
    row.refresh_from_db()
    assert row.used_at is not None
    with pytest.raises(services.JoinRefused) as refused:
        services.join_code_redeem(code=code, display_name="Another", ip="1.1.1.2")
    assert "already used on another device" in refused.value.message
    assert DeviceSession.objects.filter(member=member).count() == 1


def test_expired_revoked_and_unknown_codes_are_refused_clearly(world):
    code, row = world.code("anna")
    JoinCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.JoinRefused) as refused:
        services.join_code_redeem(code=code, display_name="Zon")
    assert "expired" in refused.value.message
    code, row = world.code("anna")
    services.join_code_revoke(actor=world.viewer("manager"), code_id=row.pk)
    with pytest.raises(services.JoinRefused) as refused:
        services.join_code_redeem(code=code, display_name="Zon")
    assert "no longer works" in refused.value.message
    with pytest.raises(services.JoinRefused) as refused:
        services.join_code_redeem(code="AAAA-BBBB-CCCC", display_name="Zon")
    assert "not known" in refused.value.message
    assert Member.objects.count() == 0


def test_a_new_code_stops_the_earlier_one(world):
    first, _row = world.code("anna")
    world.code("anna")
    with pytest.raises(services.JoinRefused):
        services.join_code_redeem(code=first, display_name="Zon")


def test_wrong_codes_slow_down_then_lock(world, settings):
    settings.WIJKREGIE_CHAT_CODE_SLOW_AFTER = "3/900"
    settings.WIJKREGIE_CHAT_CODE_LOCK_AFTER = "5/3600"
    for _attempt in range(3):
        with pytest.raises(services.JoinRefused):
            services.join_code_redeem(code="WRONG-CODE", display_name="Zon", ip="9.9.9.9")
    with pytest.raises(services.JoinThrottled) as slowed:
        services.join_code_redeem(code="WRONG-CODE", display_name="Zon", ip="9.9.9.9")
    assert slowed.value.retry_after == 60
    assert "Wait a minute" in slowed.value.message
    # Another address is not slowed down.
    code, _row = world.code("anna")
    services.join_code_redeem(code=code, display_name="Zon", ip="8.8.8.8")


def test_only_the_landlord_issues_codes(world):
    with pytest.raises(PermissionDenied):
        services.join_code_issue(
            actor=world.viewer("agent"), resident_id=world.residents["anna"].pk
        )
    with pytest.raises(PermissionDenied):
        services.join_code_issue(
            actor=world.viewer("outsider"), resident_id=world.residents["anna"].pk
        )
    assert AuditEntry.objects.filter(object_type="chat.joincode").count() == 0
    code = services.join_code_for_letter(
        actor=world.viewer("manager"), resident_id=world.residents["anna"].pk
    )
    assert JoinCode.objects.get().purpose == "letter" and len(code) == 14
    assert AuditEntry.objects.filter(object_type="chat.joincode", action="create").count() == 1


def test_display_name_is_checked_before_the_code_is_spent(world):
    code, row = world.code("anna")
    with pytest.raises(ValidationError):
        services.join_code_redeem(code=code, display_name="x")
    row.refresh_from_db()
    assert row.used_at is None


def test_post_reply_and_announcement_rules(world):
    channels = world.channels()
    anna = world.join("anna")
    first = services.message_post(actor=anna, channel_id=channels["general"].pk, body="Lift stuk?")
    reply = services.message_post(
        actor=world.viewer("agent"),
        channel_id=channels["general"].pk,
        body="Ik kijk",
        reply_to_id=first.pk,
    )
    assert reply.reply_to_id == first.pk
    assert reply.author.kind == "professional" and reply.author.organisation_id == world.police.pk
    with pytest.raises(PermissionDenied):
        services.message_post(actor=anna, channel_id=channels["announcements"].pk, body="Hoi")
    announcement = services.message_post(
        actor=world.viewer("manager"), channel_id=channels["announcements"].pk, body="Onderhoud"
    )
    services.message_pin(actor=world.viewer("manager"), message_id=announcement.pk)
    assert [p["id"] for p in selectors.pinned_messages(channel=channels["announcements"])] == [
        announcement.pk
    ]
    channels["general"].refresh_from_db()
    assert channels["general"].last_message_id == reply.pk


def test_too_long_and_empty_messages_are_refused(world):
    channels = world.channels()
    anna = world.join("anna")
    with pytest.raises(ValidationError) as error:
        services.message_post(actor=anna, channel_id=channels["general"].pk, body="x" * 100_000)
    assert "at most 4000 characters; this one has 100000" in str(error.value)
    with pytest.raises(ValidationError):
        services.message_post(actor=anna, channel_id=channels["general"].pk, body="   ")
    assert Message.objects.count() == 0


def test_a_flood_from_one_member_is_limited_and_others_still_post(world, settings):
    settings.WIJKREGIE_CHAT_POST_RATE = "3/30"
    channels = world.channels()
    anna, bram = world.join("anna"), world.join("bram")
    for n in range(3):
        services.message_post(actor=anna, channel_id=channels["general"].pk, body=f"spam {n}")
    with pytest.raises(services.RateLimited) as limited:
        services.message_post(actor=anna, channel_id=channels["general"].pk, body="spam 3")
    assert "your text is kept" in limited.value.message
    services.message_post(actor=bram, channel_id=channels["general"].pk, body="Rustig aan")
    assert list(Message.objects.values_list("body", flat=True)) == [
        "spam 0",
        "spam 1",
        "spam 2",
        "Rustig aan",
    ]


def test_moderators_are_the_corporation_and_the_case_coordinator(world):
    from wijkregie.cases import services as case_services
    from wijkregie.cases.workflows import CaseKind

    channels = world.channels()
    anna = world.join("anna")
    message = services.message_post(
        actor=anna, channel_id=channels["general"].pk, body="Foute tekst"
    )
    for name in ("agent", "coordinator", "outsider"):
        with pytest.raises(NotFound):
            services.message_hide(actor=world.viewer(name), message_id=message.pk, reason="x")
    # Whoever opens the case holds its regie: the municipality's coordinator.
    case_services.case_open(
        actor=world.viewer("coordinator"),
        building_id=world.building.pk,
        title="Aanpak",
        goal="Rust",
        kind=CaseKind.BUILDING_APPROACH,
    )
    assert selectors.may_moderate(world.viewer("coordinator"), world.building)
    with pytest.raises(ValidationError):
        services.message_hide(actor=world.viewer("coordinator"), message_id=message.pk, reason="  ")
    services.message_hide(
        actor=world.viewer("coordinator"), message_id=message.pk, reason="Scheldwoord"
    )
    payload = selectors.message_payload(Message.objects.get(pk=message.pk))
    assert (payload["hidden"], payload["body"], payload["hidden_reason"]) == (
        True,
        "",
        "Scheldwoord",
    )
    entry = AuditEntry.objects.filter(object_type="chat.message").get()
    assert (entry.action, entry.object_ids, entry.actor_id) == (
        "update",
        [str(message.pk)],
        world.users["coordinator"].pk,
    )


def test_a_removed_member_is_out_at_once(world):
    channels = world.channels()
    anna = world.join("anna")
    message = services.message_post(actor=anna, channel_id=channels["general"].pk, body="Hallo")
    services.message_flag(actor=world.join("bram"), message_id=message.pk, reason="Vervelend")
    member = selectors.resident_member_get(principal=anna)
    fresh_code, _row = world.code("anna")
    services.member_remove(
        actor=world.viewer("manager"), member_id=member.pk, reason="Bedreigingen"
    )
    with pytest.raises(NotFound):
        selectors.channel_get(actor=anna, channel_id=channels["general"].pk)
    assert services.member_principal_resume(services.member_principal_seal(anna)) is None
    with pytest.raises(services.JoinRefused):
        services.join_code_redeem(code=fresh_code, display_name="Terug")
    with pytest.raises(Exception, match="removed"):
        world.code("anna")
    assert AuditEntry.objects.filter(object_type="chat.member", action="update").count() == 1


def test_mute_stops_posting_for_a_while(world):
    channels = world.channels()
    anna = world.join("anna")
    member = selectors.resident_member_get(principal=anna)
    services.member_mute(
        actor=world.viewer("manager"), member_id=member.pk, reason="Even rust", hours=2
    )
    with pytest.raises(PermissionDenied) as muted:
        services.message_post(actor=anna, channel_id=channels["general"].pk, body="Hallo")
    assert "muted you" in muted.value.message


def test_private_line_is_invisible_to_the_channel_and_becomes_a_shielded_report(world):
    from wijkregie.reports.models import Category, Report, ReporterIdentity

    channels = world.channels()
    anna, bram = world.join("anna"), world.join("bram")
    services.message_post(
        actor=world.viewer("agent"), channel_id=channels["general"].pk, body="Ik ben er"
    )
    agent_member = Member.objects.get(user=world.users["agent"])
    line = services.private_line_open(principal=anna, professional_member_id=agent_member.pk)
    services.message_post(actor=anna, channel_id=line.pk, body="Er wordt gedeald bij 16")
    assert line.kind == ChannelKind.PRIVATE
    with pytest.raises(NotFound):
        selectors.channel_get(actor=bram, channel_id=line.pk)
    with pytest.raises(NotFound):
        selectors.channel_get(actor=world.viewer("manager"), channel_id=line.pk)
    category = Category.objects.filter(active=True).first() or Category.objects.create(
        slug="overlast", name="Overlast"
    )
    report = services.private_line_to_report(
        actor=world.viewer("agent"), channel_id=line.pk, category_id=category.pk
    )
    report = Report.objects.get(pk=report.pk)
    identity = ReporterIdentity.objects.get(report=report)
    assert (identity.name, identity.email) == ("Annabel Zonneveld", "annabel@example.test")
    assert report.contact_mode == "shielded"
    assert "Er wordt gedeald bij 16" in report.description
    line.refresh_from_db()
    assert line.report_id == report.pk
    with pytest.raises(Exception, match="already a report"):
        services.private_line_to_report(
            actor=world.viewer("agent"), channel_id=line.pk, category_id=category.pk
        )


def test_leaving_can_remove_the_residents_messages(world):
    channels = world.channels()
    anna, bram = world.join("anna"), world.join("bram")
    services.message_post(actor=anna, channel_id=channels["general"].pk, body="Van Anna")
    services.message_post(actor=bram, channel_id=channels["general"].pk, body="Van Bram")
    assert services.member_leave(principal=anna, remove_messages=True) == 1
    assert list(Message.objects.values_list("body", flat=True)) == ["Van Bram"]
    with pytest.raises(NotFound):
        selectors.resident_member_get(principal=anna)


def test_retention_purges_old_messages(world, settings):
    from wijkregie.chat.retention import purge_messages

    settings.WIJKREGIE_CHAT_RETENTION_DAYS = 30
    channels = world.channels()
    anna = world.join("anna")
    old = services.message_post(actor=anna, channel_id=channels["general"].pk, body="Oud")
    new = services.message_post(actor=anna, channel_id=channels["general"].pk, body="Nieuw")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    services.message_react(actor=anna, message_id=new.pk, emoji="👍")
    services.message_react(actor=anna, message_id=new.pk, emoji="👍")
    from wijkregie.chat.models import ChannelEvent

    first, second = ChannelEvent.objects.order_by("id")
    ChannelEvent.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert purge_messages(timezone.now()) == 1
    assert list(Message.objects.values_list("pk", flat=True)) == [new.pk]
    assert list(ChannelEvent.objects.values_list("pk", flat=True)) == [second.pk]


def test_sessions_end_by_the_resident_and_by_the_corporation(world):
    anna = world.join("anna")
    services.device_session_end(principal=anna)
    assert services.member_principal_resume(services.member_principal_seal(anna)) is None
    bram = world.join("bram")
    member = selectors.resident_member_get(principal=bram)
    assert services.member_sessions_revoke(actor=world.viewer("manager"), member_id=member.pk) == 1
    with pytest.raises(NotFound):
        selectors.resident_member_get(principal=bram)


def _letter_to_anna(world, viewer):
    from wijkregie.communications import merge_fields

    return merge_fields.LetterContext(
        resident_id=world.residents["anna"].pk,
        given_name="",
        family_name="",
        address_lines=(),
        unit_id=world.units[12].pk,
        building_id=world.building.pk,
        building_name="De Toren",
        organisation_id=world.owner.pk,
        organisation_name="Woonstichting Test",
        batch_id=1,
        letter_id=1,
        reference="",
        code="",
        date=timezone.localdate(),
        language="en",
        viewer=viewer,
    )


def test_a_letter_carries_a_join_code_that_works_and_replaces_earlier_ones(world):
    from wijkregie.communications import merge_fields

    earlier, _row = world.code("anna")
    field = merge_fields.field_get("chat_join_code")
    letter = _letter_to_anna(world, world.viewer("manager"))

    text = field.provider(letter)
    preview = field.provider(
        merge_fields.LetterContext(**{**letter.__dict__, "preview": True, "letter_id": None})
    )

    code = text.split(" ")[0]
    assert text == f"{code} (enter it at http://127.0.0.1:8000/buurtchat/)"
    assert preview == "ABCD-EFGH-JKLM (enter it at http://127.0.0.1:8000/buurtchat/)"
    assert JoinCode.objects.filter(resident=world.residents["anna"]).count() == 2
    with pytest.raises(services.JoinRefused):
        services.join_code_redeem(code=earlier, display_name="Zonnebloem", ip="1.1.1.9")
    principal = services.join_code_redeem(code=code, display_name="Zonnebloem", ip="1.1.1.9")
    assert selectors.resident_member_get(principal=principal).unit_id == world.units[12].pk
    # Issued as the letter's author, and audited as them.
    entry = AuditEntry.objects.filter(object_type="chat.joincode").order_by("pk").last()
    assert (entry.action, entry.actor_id, JoinCode.objects.order_by("pk").last().purpose) == (
        "create",
        world.users["manager"].pk,
        "letter",
    )


@pytest.mark.parametrize("author", ["agent", "outsider", None])
def test_a_letter_by_an_author_who_may_not_issue_codes_has_no_join_code(world, author):
    from wijkregie.communications import merge_fields

    earlier, _row = world.code("anna")
    field = merge_fields.field_get("chat_join_code")
    letter = _letter_to_anna(world, world.viewer(author) if author else None)

    assert field.provider(letter) == ""
    # Nothing issued, nothing audited, and the resident's code from before still works.
    assert JoinCode.objects.filter(resident=world.residents["anna"]).count() == 1
    assert AuditEntry.objects.filter(object_type="chat.joincode").count() == 1
    principal = services.join_code_redeem(code=earlier, display_name="Zonnebloem", ip="1.1.1.9")
    assert selectors.resident_member_get(principal=principal).unit_id == world.units[12].pk
