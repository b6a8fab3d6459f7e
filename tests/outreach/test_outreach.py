"""Door to door and the residents' evening on the demo flat: the story, idempotent visits
synced twice or out of order, bad input, need-to-know for every persona, the evening form.
"""

import datetime
import re
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import pytest

from wijkregie.demo.outreach import EVENING_TITLE, ROUND_TITLE, build_outreach
from wijkregie.demo.partners import PERSONAS
from wijkregie.outreach import selectors, services
from wijkregie.outreach.models import (
    Coverage,
    Evening,
    EveningInput,
    Invitation,
    Round,
    Visit,
    VisitOutcome,
)
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building, Unit
from wijkregie.reports.models import Category, Channel, Report, ReporterIdentity
from wijkregie.residents.models import (
    ConsentPurpose,
    ContactConsent,
    ContactMoment,
    Resident,
    current_occupancies,
)

SEES_ROUND = {"wijkbeheerder", "leefbaarheid", "opbouwwerker", "beveiliger"}
SEES_EVENING = {"opbouwwerker"}


def _viewer(username):
    return viewer_for(get_user_model().objects.get(username=username))


def _round():
    return Round.objects.get(title=ROUND_TITLE)


def _untried_unit(round_):
    tried = set(Visit.objects.filter(round=round_).values_list("unit_id", flat=True))
    return round_.doors.exclude(unit_id__in=tried).order_by("position").first().unit


def _record(username="leefbaarheid", **overrides):
    round_ = _round()
    values = {
        "actor": _viewer(username),
        "round_id": round_.pk,
        "idempotency_key": uuid.uuid4(),
        "unit_id": _untried_unit(round_).pk,
        "outcome": VisitOutcome.SPOKE,
    }
    values.update(overrides)
    return services.visit_record(**values)


# --- The story ----------------------------------------------------------------------------


def test_the_demo_round_and_evening(demo):
    round_ = _round()
    coverage = selectors.round_coverage(viewer=_viewer("leefbaarheid"), round_=round_)
    assert (coverage.door_count, coverage.tried, coverage.percent) == (120, 96, 80)
    assert coverage.totals[Coverage.NOT_TRIED] == 24
    assert sum(coverage.totals.values()) == 120
    assert len(coverage.to_try_again) == 120 - coverage.totals[Coverage.SPOKEN]
    assert coverage.totals[Coverage.REVISIT] > 0
    assert round_.completed_at is not None
    # Walking order: entrance, floor, number.
    units = [d.unit for d in round_.doors.select_related("unit").order_by("position")]
    assert units == sorted(units, key=lambda u: (u.entrance, u.floor, u.house_number))

    evening = Evening.objects.get(title=EVENING_TITLE)
    inputs = list(EveningInput.objects.filter(evening=evening).order_by("pk"))
    assert len(inputs) == 5
    assert [bool(i.report_id) for i in inputs] == [True, True, False, False, False]
    assert [bool(i.case_action_id) for i in inputs] == [False, False, False, True, False]
    reports = Report.objects.filter(pk__in=[i.report_id for i in inputs if i.report_id])
    assert {r.channel for r in reports} == {Channel.EVENING}
    assert all(EVENING_TITLE in r.description for r in reports)
    residents = (
        current_occupancies(timezone.localdate())
        .filter(unit__building__name="De Horizon")
        .values("resident_id")
        .distinct()
        .count()
    )
    assert Invitation.objects.filter(evening=evening).count() == residents
    assert evening.attendance == 34

    before = (Visit.objects.count(), ContactMoment.objects.count(), Report.objects.count())
    assert build_outreach()["visits"] == 0  # idempotent: every visit replays
    assert (Visit.objects.count(), ContactMoment.objects.count(), Report.objects.count()) == before


# --- Idempotent, out of order -------------------------------------------------------------


def test_a_replayed_visit_is_the_same_visit_and_writes_nothing(demo):
    key = uuid.uuid4()
    round_ = _round()
    unit = _untried_unit(round_)
    resident_id = current_occupancies(timezone.localdate()).filter(unit=unit).first().resident_id
    moments = ContactMoment.objects.count()
    first, created = _record(idempotency_key=key, unit_id=unit.pk, resident_id=resident_id)
    assert created is True
    assert ContactMoment.objects.count() == moments + 1
    again, created = _record(idempotency_key=str(key), unit_id=unit.pk, resident_id=resident_id)
    assert (again.pk, created) == (first.pk, False)
    assert Visit.objects.filter(idempotency_key=key).count() == 1
    assert ContactMoment.objects.count() == moments + 1


def test_the_same_key_for_another_door_is_refused(demo):
    key = uuid.uuid4()
    _record(idempotency_key=key)
    other = _round().doors.order_by("-position").first().unit
    with pytest.raises(services.IdempotencyKeyConflict) as refused:
        _record(idempotency_key=key, unit_id=other.pk)
    assert refused.value.status_code == 409
    assert Visit.objects.filter(idempotency_key=key).count() == 1


def test_outcomes_synced_out_of_order_follow_the_phone_time(demo):
    round_ = _round()
    unit = _untried_unit(round_)
    now = timezone.now()
    # The later outcome (spoke) arrives first, the earlier one (not home) after it.
    _record(unit_id=unit.pk, outcome=VisitOutcome.SPOKE, recorded_at=now)
    _record(
        unit_id=unit.pk,
        outcome=VisitOutcome.NOT_HOME,
        recorded_at=now - datetime.timedelta(hours=2),
    )
    doors = {
        d.unit_id: d for d in selectors.round_doors(viewer=_viewer("leefbaarheid"), round_=round_)
    }
    assert (doors[unit.pk].state, doors[unit.pk].visits) == (Coverage.SPOKEN, 2)


# --- Bad input ----------------------------------------------------------------------------


def test_an_unknown_unit_or_a_door_of_another_building(demo):
    baken_unit = Unit.objects.filter(building__name="Het Baken").first()
    for unit_id in (999_999, baken_unit.pk, "x"):
        with pytest.raises(ValidationError) as refused:
            _record(unit_id=unit_id)
        assert refused.value.message_dict == {"unit_id": ["This door is not on the round's list."]}


def test_bad_keys_outcomes_and_times(demo):
    with pytest.raises(ValidationError) as refused:
        _record(idempotency_key="not-a-uuid")
    assert "idempotency_key" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _record(outcome="shouted")
    assert refused.value.message_dict == {"outcome": ["Choose an outcome."]}
    with pytest.raises(ValidationError) as refused:
        _record(recorded_at=timezone.now() + datetime.timedelta(hours=1))
    assert refused.value.message_dict == {"recorded_at": ["A visit cannot lie in the future."]}
    with pytest.raises(ValidationError) as refused:
        _record(contact_again=True)
    assert refused.value.message_dict == {
        "contact_channel": ["Choose how the resident wants contact."]
    }


def test_a_round_for_a_building_one_may_not_see(demo, client):
    horizon = Building.objects.get(name="De Horizon")
    with pytest.raises(ValidationError) as refused:
        services.round_create(
            actor=_viewer("oostwaard"),
            building_id=horizon.pk,
            title="Langs",
            starts_on="2026-12-01",
            ends_on="2026-12-02",
        )
    assert refused.value.message_dict == {"building_id": ["Building not found."]}
    client.force_login(get_user_model().objects.get(username="oostwaard"))
    response = client.post(
        reverse("outreach_api:round_list"),
        {
            "building_id": horizon.pk,
            "title": "Langs",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-02",
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"building_id": ["Building not found."]}
    assert Round.objects.count() == 1


def test_the_api_answers_201_then_200_for_a_replay_then_409(demo, client):
    client.force_login(get_user_model().objects.get(username="leefbaarheid"))
    round_ = _round()
    unit = _untried_unit(round_)
    url = reverse("outreach_api:round_visits", args=[round_.pk])
    body = {"idempotency_key": str(uuid.uuid4()), "unit_id": unit.pk, "outcome": "not_home"}
    first = client.post(url, body, content_type="application/json")
    again = client.post(url, body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    other = round_.doors.order_by("-position").first().unit
    conflict = client.post(url, {**body, "unit_id": other.pk}, content_type="application/json")
    assert conflict.status_code == 409
    unknown = client.post(
        url,
        {**body, "idempotency_key": str(uuid.uuid4()), "unit_id": 999999},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {
        "unit_id": ["Deze deur staat niet op de lijst van de ronde."]  # Dutch by default
    }
    assert Visit.objects.filter(round=round_, unit=unit).count() == 1


def test_a_concern_becomes_a_shielded_report_and_an_action_in_one_step(demo):
    round_ = _round()
    unit = _untried_unit(round_)
    occupancy = current_occupancies(timezone.localdate()).filter(unit=unit).first()
    category = Category.objects.get(slug="nitrous-oxide")
    case_id = selectors.action_cases(
        viewer=_viewer("leefbaarheid"), building_id=round_.building_id
    )[0][0]
    visit, _created = _record(
        unit_id=unit.pk,
        resident_id=occupancy.resident_id,
        concern="Lachgasflessen in de berging.",
        concern_category_id=category.pk,
        concern_case_id=case_id,
    )
    report = visit.report
    assert (report.channel, report.contact_mode, report.unit_id) == ("door", "shielded", unit.pk)
    identity = ReporterIdentity.objects.get(report=report)
    assert identity.name == Resident.objects.get(pk=occupancy.resident_id).full_name
    assert visit.case_action.description == "Lachgasflessen in de berging."
    # A replay makes no second report or action.
    again, created = _record(
        idempotency_key=visit.idempotency_key,
        unit_id=unit.pk,
        resident_id=occupancy.resident_id,
        concern="Lachgasflessen in de berging.",
        concern_category_id=category.pk,
        concern_case_id=case_id,
    )
    assert (again.pk, created, again.report_id) == (visit.pk, False, report.pk)
    assert Report.objects.filter(channel="door", unit=unit).count() == 1


def test_the_follow_up_round_starts_with_the_doors_to_try_again(demo, client):
    round_ = _round()
    expected = [
        d.unit_id
        for d in selectors.round_coverage(
            viewer=_viewer("leefbaarheid"), round_=round_
        ).to_try_again
    ]
    client.force_login(get_user_model().objects.get(username="leefbaarheid"))
    response = client.post(reverse("outreach:round_follow_up", args=[round_.pk]))
    follow_up = Round.objects.get(follows=round_)
    assert response.url == reverse("outreach:round_detail", args=[follow_up.pk])
    assert list(follow_up.doors.order_by("position").values_list("unit_id", flat=True)) == expected
    assert set(follow_up.team.all()) == set(round_.team.all())


# --- Need-to-know -------------------------------------------------------------------------


def _round_urls(round_):
    return [
        reverse("outreach:round_detail", args=[round_.pk]),
        reverse("outreach_api:round_detail", args=[round_.pk]),
        reverse("outreach_api:round_visits", args=[round_.pk]),
    ]


def _evening_urls(evening):
    return [
        reverse("outreach:evening_detail", args=[evening.pk]),
        reverse("outreach_api:evening_detail", args=[evening.pk]),
    ]


def test_every_persona_sees_exactly_their_rounds_and_evenings(demo, client):
    round_ = _round()
    evening = Evening.objects.get(title=EVENING_TITLE)
    names = {r.pk: r.full_name for r in Resident.objects.all()}
    assert names
    for username in PERSONAS:
        client.force_login(get_user_model().objects.get(username=username))
        listed = {r["title"] for r in client.get(reverse("outreach_api:round_list")).json()}
        assert listed == ({ROUND_TITLE} if username in SEES_ROUND else set()), username
        statuses = {client.get(url).status_code for url in _round_urls(round_)}
        assert statuses == ({200} if username in SEES_ROUND else {404}), username
        walk = client.get(reverse("outreach:round_walk", args=[round_.pk]))
        assert walk.status_code == (200 if username in SEES_ROUND else 404), username
        evenings = {e["title"] for e in client.get(reverse("outreach_api:evening_list")).json()}
        assert evenings == ({EVENING_TITLE} if username in SEES_EVENING else set()), username
        statuses = {client.get(url).status_code for url in _evening_urls(evening)}
        assert statuses == ({200} if username in SEES_EVENING else {404}), username
        pages = {
            name: client.get(reverse(f"outreach:{name}")).status_code
            for name in ("round_list", "round_create", "evening_list", "evening_create")
        }
        planner = username in {
            "wijkbeheerder",
            "leefbaarheid",
            "opbouwwerker",
            "gebiedsregisseur",
            "oostwaard",
        }
        walker = planner or username in {"boa", "wijkagent", "wijkteam", "beveiliger"}
        assert pages == {
            "round_list": 200,
            "round_create": 200 if planner else 403,
            "evening_list": 200 if planner else 403,
            "evening_create": 200 if planner else 403,
        }, username
        nav = client.get(reverse("core:home")).content.decode()
        assert (reverse("outreach:round_list") in nav) == walker, username
        if username in SEES_ROUND:
            shown = {
                int(person.split("=")[0])
                for value in re.findall(r'data-residents="([^"]*)"', walk.content.decode())
                for person in value.split("|")
                if person
            }
            visits = client.get(reverse("outreach_api:round_visits", args=[round_.pk])).json()
            named = {v["resident_name"] for v in visits} - {""}
            if username == "beveiliger":
                assert (shown, named) == (set(), set())
            elif username == "opbouwwerker":
                consented = set(
                    ContactConsent.objects.current()
                    .filter(purpose=ConsentPurpose.SHARE_WITH_PARTNERS)
                    .values_list("resident_id", flat=True)
                )
                horizon = set(
                    current_occupancies(timezone.localdate())
                    .filter(unit__building__name="De Horizon")
                    .values_list("resident_id", flat=True)
                )
                assert shown == consented & horizon and shown
            else:
                assert shown == set(
                    current_occupancies(timezone.localdate())
                    .filter(unit__building__name="De Horizon")
                    .values_list("resident_id", flat=True)
                )
                assert named <= {names[pk] for pk in shown} and named


def test_a_security_guards_outcomes_carry_no_resident(demo, client):
    guard_visits = Visit.objects.filter(by_membership__user__username="beveiliger")
    assert guard_visits.exists()
    assert not guard_visits.filter(resident__isnull=False).exists()
    # Even naming one is refused: the guard may not see the residents.
    unit = _untried_unit(_round())
    resident_id = current_occupancies(timezone.localdate()).filter(unit=unit).first().resident_id
    with pytest.raises(ValidationError) as refused:
        _record("beveiliger", unit_id=unit.pk, resident_id=resident_id)
    assert refused.value.message_dict == {"resident_id": ["Resident not found."]}


# --- The phone page, offline pieces -------------------------------------------------------


def test_the_walk_page_without_javascript_records_a_visit(demo, client):
    client.force_login(get_user_model().objects.get(username="leefbaarheid"))
    round_ = _round()
    unit = _untried_unit(round_)
    url = reverse("outreach:round_walk", args=[round_.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'rel="manifest"' in body and "walk.js" in body and 'aria-live="polite"' in body
    assert "<script>" not in body
    key = str(uuid.uuid4())
    response = client.post(
        url, {"idempotency_key": key, "unit_id": unit.pk, "outcome": "letter_left"}
    )
    assert response.status_code == 302
    assert Visit.objects.get(idempotency_key=key).outcome == "letter_left"
    bad = client.post(url, {"idempotency_key": key, "unit_id": 999999, "outcome": "spoke"})
    assert bad.status_code == 400
    assert "Deze deur staat niet op de lijst van de ronde." in bad.content.decode()


def test_the_service_worker_and_the_manifest(demo, client):
    worker = client.get(reverse("outreach:service_worker"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/outreach/"
    assert b"caches.open" in worker.content
    manifest = client.get(reverse("outreach:manifest")).json()
    assert (manifest["scope"], manifest["start_url"], manifest["display"]) == (
        "/outreach/",
        "/outreach/",
        "standalone",
    )


# --- The evening form -----------------------------------------------------------------------


def _token(seconds_ago):
    from wijkregie.outreach import public

    return public._token("k-" + uuid.uuid4().hex, int(timezone.now().timestamp()) - seconds_ago)


def test_the_anonymous_evening_form(demo, client):
    invitation = Invitation.objects.order_by("pk").first()
    url = reverse("outreach_public:evening_form", args=[invitation.code])
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="nl").status_code == 200
    before = EveningInput.objects.count()
    too_fast = client.post(url, {"text": "Het licht is kapot.", "form_token": _token(0)})
    assert too_fast.status_code == 400
    assert "Het licht is kapot." in too_fast.content.decode()  # kept on refusal
    bot = client.post(
        url, {"text": "spam", "form_token": _token(60), "wr_contact_website": "http://x"}
    )
    assert bot.status_code == 200 and EveningInput.objects.count() == before
    token = _token(60)
    sent = client.post(url, {"text": "Het licht is kapot.", "form_token": token})
    again = client.post(url, {"text": "Het licht is kapot.", "form_token": token})
    assert (sent.status_code, again.status_code) == (200, 200)
    assert EveningInput.objects.count() == before + 1
    entry = EveningInput.objects.latest("pk")
    assert (entry.text, entry.evening_id) == ("Het licht is kapot.", invitation.evening_id)
    assert not hasattr(entry, "invitation_id") and not hasattr(entry, "resident_id")
    assert client.get(reverse("outreach_public:evening_form", args=["nope"])).status_code == 404


def test_a_flood_on_one_code_is_throttled_and_the_text_kept(demo, client):
    invitation = Invitation.objects.order_by("pk")[1]
    url = reverse("outreach_public:evening_form", args=[invitation.code])
    statuses = [
        client.post(url, {"text": f"bericht {n}", "form_token": _token(60)}).status_code
        for n in range(12)
    ]
    assert statuses == [200] * 10 + [429, 429]
    last = client.post(url, {"text": "nog eentje", "form_token": _token(60)})
    assert "nog eentje" in last.content.decode()


def test_the_invitation_link_and_its_qr_code(demo, client):
    invitation = Invitation.objects.order_by("pk").first()
    url = selectors.evening_invitation_url(
        evening_id=invitation.evening_id, resident_id=invitation.resident_id
    )
    assert url.endswith(f"/bewonersavond/{invitation.code}/")
    assert selectors.evening_invitation_url(evening_id=invitation.evening_id, resident_id=0) == ""
    qr = client.get(reverse("outreach_public:evening_qr", args=[invitation.code]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")
    # Issuing again adds nobody.
    assert (
        services.evening_invitations_issue(
            actor=_viewer("opbouwwerker"), evening_id=invitation.evening_id
        )
        == 0
    )


def test_the_invitation_is_a_merge_field_of_the_letters(demo):
    from wijkregie.communications import merge_fields

    invitation = Invitation.objects.select_related("evening", "unit").order_by("pk").first()
    evening = invitation.evening
    field = merge_fields.field_get("evening_invitation_qr")
    letter = merge_fields.LetterContext(
        resident_id=invitation.resident_id,
        given_name="",
        family_name="",
        address_lines=(),
        unit_id=invitation.unit_id,
        building_id=invitation.unit.building_id,
        building_name="",
        organisation_id=evening.organisation_id,
        organisation_name="",
        batch_id=None,
        letter_id=None,
        reference="",
        code="",
        date=datetime.date(2026, 12, 4),
        language="nl",
    )

    evening.inputs_until = timezone.now() + datetime.timedelta(days=7)
    evening.save(update_fields=["inputs_until"])
    assert field.kind == "qr"
    assert field.provider(letter).endswith(f"/bewonersavond/{invitation.code}/")
    evening.inputs_until = timezone.now() - datetime.timedelta(days=1)
    evening.save(update_fields=["inputs_until"])
    assert field.provider(letter) == ""  # an evening that is over invites nobody


@pytest.mark.parametrize("username", ["leefbaarheid", "opbouwwerker"])
def test_consent_to_be_contacted_again_becomes_a_consent_record(demo, username):
    round_ = _round()
    visible = {
        r["id"]
        for names in selectors._names_by_unit(_viewer(username), round_.building_id).values()
        for r in names
    }
    tried = set(Visit.objects.filter(round=round_).values_list("unit_id", flat=True))
    occupancy = (
        current_occupancies(timezone.localdate())
        .filter(resident_id__in=visible, unit__building=round_.building)
        .exclude(unit_id__in=tried)
        .first()
    )
    visit, _created = _record(
        username,
        unit_id=occupancy.unit_id,
        resident_id=occupancy.resident_id,
        contact_again=True,
        contact_channel="phone",
    )
    consent = ContactConsent.objects.current().get(
        resident_id=occupancy.resident_id, purpose=ConsentPurpose.CONTACT_AGAIN
    )
    assert (consent.given_source, consent.channel, consent.source_type, consent.source_id) == (
        "door",
        "phone",
        "outreach.visit",
        str(visit.pk),
    )
