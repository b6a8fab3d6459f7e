"""The need-to-know matrix (docs/development.md "Need-to-know rules").

A realistic world: two landlords with one building each, a partner organisation of every
kind with the roles of the persona table, the covenant of the demo, and residents with and
without consent. For every persona: the exact residents and the exact fields per resident,
through the selector, the pages and the API alike, and one audit entry per read.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from tests.residents.factories import (
    make_agreement,
    make_building,
    make_occupancy,
    make_organisation,
    make_partner,
    make_person,
    make_resident,
    make_role,
    make_token,
    make_unit,
    viewer,
)
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import NotFound
from wijkregie.core.models import AuditEntry
from wijkregie.partners.models import OrganisationKind
from wijkregie.partners.roles import DEFAULT_ROLES
from wijkregie.residents.models import Resident
from wijkregie.residents.selectors import resident_get, resident_list, resident_visibility

pytestmark = pytest.mark.django_db

# The roles of the persona table, with the permissions of the default roles
# (wijkregie.partners.roles; test_roles_match_the_default_roles keeps them in step).
ROLE_PERMISSIONS = {
    "wijkbeheerder": {
        "outreach.visit_doors",
        "outreach.plan_outreach",
        "places.view_building",
        "places.import_units",
        "places.change_building",
        "residents.view_resident",
        "residents.view_resident_contact",
        "residents.import_residents",
        "partners.view_directory",
        "cases.open_case",
        "communications.manage_newsletters",
        "communications.send_letters",
        "chat.take_part",
        "chat.moderate",
        "chat.issue_join_codes",
    },
    "intake": {"reports.receive_reports", "reports.view_reporter_identity", "places.view_building"},
    "leefbaarheidsconsulent": {
        "outreach.visit_doors",
        "outreach.plan_outreach",
        "places.view_building",
        "residents.view_resident",
        "residents.view_resident_contact",
        "partners.view_directory",
        "cases.open_case",
        "communications.manage_newsletters",
        "communications.send_letters",
        "chat.take_part",
        "chat.moderate",
        "chat.issue_join_codes",
    },
    "woonfraude": {
        "places.view_building",
        "residents.view_resident",
        "residents.view_resident_contact",
        "cases.open_case",
    },
    "privacy-officer": {
        "core.view_auditentry",
        "core.handle_data_subject_requests",
        "partners.view_directory",
    },
    "beheerder": {
        "partners.manage_partners",
        "partners.view_directory",
        "places.view_building",
        "places.change_building",
        "places.import_units",
        "residents.import_residents",
    },
    "gebiedsregisseur": {
        "outreach.visit_doors",
        "outreach.plan_outreach",
        "places.view_building",
        "residents.view_resident",
        "partners.view_directory",
        "cases.open_case",
        "chat.take_part",
    },
    "boa": {
        "outreach.visit_doors",
        "places.view_building",
        "residents.view_resident",
        "partners.view_directory",
        "cases.open_case",
        "chat.take_part",
    },
    "wijkagent": {
        "outreach.visit_doors",
        "places.view_building",
        "residents.view_resident",
        "partners.view_directory",
        "cases.open_case",
        "chat.take_part",
    },
    "opbouwwerker": {
        "outreach.visit_doors",
        "outreach.plan_outreach",
        "places.view_building",
        "residents.view_resident",
        "partners.view_directory",
        "cases.open_case",
        "chat.take_part",
    },
    "wijkteam": {
        "outreach.visit_doors",
        "places.view_building",
        "residents.view_resident",
        "partners.view_directory",
        "cases.open_case",
        "chat.take_part",
    },
    "beveiliger": {"outreach.visit_doors", "places.view_building"},
    "bemiddelaar": {"partners.view_directory"},
}

ORGANISATIONS = {
    "de-vaart": OrganisationKind.HOUSING_CORPORATION,
    "oostwaard": OrganisationKind.HOUSING_CORPORATION,
    "gemeente-rivierstad": OrganisationKind.MUNICIPALITY,
    "handhaving-rivierstad": OrganisationKind.ENFORCEMENT,
    "politie-rivierstad": OrganisationKind.POLICE,
    "welzijn-rivierstad": OrganisationKind.COMMUNITY_WORK,
    "wijkteam-rivierstad": OrganisationKind.SOCIAL_TEAM,
    "waakzaam": OrganisationKind.SECURITY_COMPANY,
    "buurtbemiddeling": OrganisationKind.MEDIATION,
}

# username: (organisation, roles) — docs/development.md, the persona table
PERSONAS = {
    "wijkbeheerder": ("de-vaart", ["wijkbeheerder", "intake"]),
    "leefbaarheid": ("de-vaart", ["leefbaarheidsconsulent"]),
    "woonfraude": ("de-vaart", ["woonfraude"]),
    "privacy": ("de-vaart", ["privacy-officer"]),
    "beheerder": ("de-vaart", ["beheerder"]),
    "oostwaard": ("oostwaard", ["wijkbeheerder", "intake"]),
    "gebiedsregisseur": ("gemeente-rivierstad", ["gebiedsregisseur"]),
    "boa": ("handhaving-rivierstad", ["boa"]),
    "wijkagent": ("politie-rivierstad", ["wijkagent"]),
    "opbouwwerker": ("welzijn-rivierstad", ["opbouwwerker"]),
    "wijkteam": ("wijkteam-rivierstad", ["wijkteam"]),
    "beveiliger": ("waakzaam", ["beveiliger"]),
    "bemiddelaar": ("buurtbemiddeling", ["bemiddelaar"]),
}
# As in the demo: every persona on De Horizon except Oostwaard and mediation; Het Baken
# has Oostwaard, and the community police officer patrols it too.
HORIZON_CONTACTS = [
    "wijkbeheerder",
    "leefbaarheid",
    "woonfraude",
    "gebiedsregisseur",
    "boa",
    "wijkagent",
    "opbouwwerker",
    "wijkteam",
    "beveiliger",
]
BAKEN_CONTACTS = ["oostwaard", "wijkagent"]

IDENTITY = frozenset({"given_name", "family_name", "preferred_language", "units"})
CONTACT = frozenset({"email", "phone"})
LANDLORD_LIST = IDENTITY | CONTACT | {"relation_number"}
LANDLORD_DETAIL = LANDLORD_LIST | {
    "consents",
    "occupancies",
}
PARTNER_FULL = IDENTITY | CONTACT
PARTNER_IDENTITY = IDENTITY

# Residents: key -> (building, consents to sharing, occupancy)
RESIDENTS = {
    "h_consent": ("horizon", True, "current"),
    "h_plain": ("horizon", False, "current"),
    "h_cotenant": ("horizon", False, "current"),
    "h_former": ("horizon", True, "ended"),
    "h_nounit": ("horizon", False, "none"),
    "b_consent": ("baken", True, "current"),
    "b_plain": ("baken", False, "current"),
}
HORIZON_ALL = {k: LANDLORD_LIST for k in RESIDENTS if k.startswith("h_")}
DSA_VIEW = {"h_consent": PARTNER_FULL, "h_plain": PARTNER_IDENTITY, "h_cotenant": PARTNER_IDENTITY}

# persona -> {resident key: fields in a list}; a persona not seeing a resident: no key.
EXPECTED = {
    "wijkbeheerder": HORIZON_ALL,
    "leefbaarheid": HORIZON_ALL,
    "woonfraude": HORIZON_ALL,
    "privacy": {},
    "beheerder": {},
    "oostwaard": {"b_consent": LANDLORD_LIST, "b_plain": LANDLORD_LIST},
    "gebiedsregisseur": DSA_VIEW,
    "boa": DSA_VIEW,
    "wijkagent": {**DSA_VIEW, "b_consent": PARTNER_FULL},
    "opbouwwerker": {"h_consent": PARTNER_FULL},
    "wijkteam": {"h_consent": PARTNER_FULL},
    "beveiliger": {},
    "bemiddelaar": {},
}
# persona -> buildings whose residents page they may open
BUILDING_PAGES = {
    "wijkbeheerder": {"horizon"},
    "leefbaarheid": {"horizon"},
    "woonfraude": {"horizon"},
    "oostwaard": {"baken"},
    "gebiedsregisseur": {"horizon"},
    "boa": {"horizon"},
    "wijkagent": {"horizon", "baken"},
    "opbouwwerker": {"horizon"},
    "wijkteam": {"horizon"},
}


def detail_fields(persona: str, key: str) -> frozenset[str]:
    listed = EXPECTED[persona][key]
    return LANDLORD_DETAIL if listed == LANDLORD_LIST else listed


@dataclass
class World:
    organisations: dict
    buildings: dict
    users: dict
    residents: dict  # key -> Resident
    ids: dict = field(default_factory=dict)  # Resident id -> key


def marker_email(key: str) -> str:
    return f"{key.replace('_', '-')}.marker@example.test"


def marker_name(key: str) -> str:
    return "Fam" + key.replace("_", "").capitalize() + "Zq"


def existing_permissions(codes) -> set[str]:
    """The codes that exist here (a later app's permission may not be there yet)."""
    found = set()
    for code in codes:
        app_label, codename = code.split(".")
        if Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists():
            found.add(code)
    return found


@pytest.fixture
def world() -> World:
    organisations = {slug: make_organisation(slug, kind) for slug, kind in ORGANISATIONS.items()}
    roles = {
        slug: make_role(existing_permissions(perms), slug=f"matrix-{slug}")
        for slug, perms in ROLE_PERMISSIONS.items()
    }
    users = {
        username: make_person(username, organisations[org], roles=[roles[r] for r in role_slugs])
        for username, (org, role_slugs) in PERSONAS.items()
    }
    buildings = {
        "horizon": make_building(organisations["de-vaart"], "De Horizon", "3521HZ"),
        "baken": make_building(organisations["oostwaard"], "Het Baken", "3522BK"),
    }
    for username in HORIZON_CONTACTS:
        make_partner(buildings["horizon"], users[username])
    for username in BAKEN_CONTACTS:
        make_partner(buildings["baken"], users[username])
    make_agreement(
        [
            organisations[s]
            for s in (
                "de-vaart",
                "gemeente-rivierstad",
                "handhaving-rivierstad",
                "politie-rivierstad",
            )
        ],
        ["resident_identity"],
        title="Convenant Veilige Wijk Rivierstad",
    )
    today = timezone.localdate()
    make_agreement(  # expired: its contact details no longer count
        [organisations["de-vaart"], organisations["politie-rivierstad"]],
        ["resident_identity", "resident_contact"],
        valid_from=date(2018, 1, 1),
        valid_until=today - timedelta(days=1),
        title="Oud convenant",
    )
    make_agreement(  # without the landlord: covers nothing of De Vaart's residents
        [organisations["welzijn-rivierstad"], organisations["gemeente-rivierstad"]],
        ["resident_identity", "resident_contact"],
        title="Afspraken welzijn",
    )

    units = {"horizon": iter(range(1, 100)), "baken": iter(range(1, 100))}
    residents = {}
    shared_unit = None
    for number, (key, (building_key, consent, occupancy)) in enumerate(RESIDENTS.items()):
        building = buildings[building_key]
        resident = make_resident(
            building.owner,
            f"REL{number}",
            given_name=f"Gvn{key.replace('_', '')}",
            family_name=marker_name(key),
            email=marker_email(key),
            phone=f"06{number:08d}",
            consent_share_with_partners=consent,
        )
        if occupancy != "none":
            if key == "h_cotenant":
                unit = shared_unit
            else:
                unit = make_unit(building, next(units[building_key]))
            if key == "h_plain":
                shared_unit = unit
            make_occupancy(
                resident,
                unit,
                kind="co_tenant" if key == "h_cotenant" else "main_tenant",
                end=today - timedelta(days=10) if occupancy == "ended" else None,
            )
        residents[key] = resident
    return World(
        organisations,
        buildings,
        users,
        residents,
        {r.pk: k for k, r in residents.items()},
    )


def expected_ids(world: World, persona: str) -> dict[int, frozenset[str]]:
    return {world.residents[k].pk: fields for k, fields in EXPECTED[persona].items()}


def landlords_of(resident_ids) -> dict[int, list[str]]:
    """The residents' ids (as the audit trail holds them) by landlord; a list that shows
    nobody is one entry without a data owner."""
    by_landlord: dict = {}
    for pk, landlord in Resident.objects.filter(pk__in=resident_ids).values_list(
        "pk", "landlord_id"
    ):
        by_landlord.setdefault(landlord, []).append(pk)
    return {k: [str(pk) for pk in sorted(v)] for k, v in by_landlord.items()} or {None: []}


def test_roles_match_the_default_roles():
    assert {slug: set(perms) for slug, (_name, perms) in DEFAULT_ROLES.items()} == ROLE_PERMISSIONS


# --- through the selectors -----------------------------------------------------------------


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_selector_list_shows_exactly_the_allowed_residents_and_fields(world, persona):
    before = AuditEntry.objects.count()

    page = resident_list(viewer=viewer(world.users[persona]), page_size=200)

    assert {item["id"]: item.shown_fields for item in page.items} == expected_ids(world, persona)
    # One entry per landlord whose residents were listed, naming that landlord's residents.
    by_landlord = landlords_of(expected_ids(world, persona))
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert {e.data_owner_id: e.object_ids for e in entries} == by_landlord
    for entry in entries:
        assert set(entry.fields) == set().union(*expected_ids(world, persona).values())
        assert entry.actor_label == persona


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_queryset_scope_selects_exactly_the_allowed_residents(world, persona):
    """`Resident.objects.visible_to` is the list rule other apps use: the same residents as
    the selectors show, whether the rules were resolved before or not (no audit: it shows
    nothing)."""
    v = viewer(world.users[persona])
    before = AuditEntry.objects.count()

    scoped = set(Resident.objects.visible_to(v).values_list("pk", flat=True))
    resolved = Resident.objects.visible_to(v, resolved=resident_visibility(viewer=v))

    assert scoped == set(expected_ids(world, persona))
    assert set(resolved.values_list("pk", flat=True)) == scoped
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_selector_get_shows_the_allowed_fields_or_not_found(world, persona):
    v = viewer(world.users[persona])
    for key, resident in world.residents.items():
        before = AuditEntry.objects.count()
        if key in EXPECTED[persona]:
            shown = resident_get(viewer=v, id=resident.pk)
            assert shown.shown_fields == detail_fields(persona, key), key
            assert AuditEntry.objects.count() == before + 1
            assert AuditEntry.objects.order_by("-id").first().object_ids == [str(resident.pk)]
        else:
            with pytest.raises(NotFound):
                resident_get(viewer=v, id=resident.pk)
            assert AuditEntry.objects.count() == before, key


def test_the_system_sees_everyone_with_every_field(world):
    page = resident_list(viewer=system_viewer(), page_size=200)

    assert {item["id"]: item.shown_fields for item in page.items} == {
        r.pk: LANDLORD_LIST for r in world.residents.values()
    }


def test_units_shown_to_a_partner_are_those_of_its_buildings(world):
    page = resident_list(viewer=viewer(world.users["wijkagent"]), page_size=200)

    units = {world.ids[item["id"]]: {u["building"] for u in item["units"]} for item in page.items}
    assert units == {
        "h_consent": {"De Horizon"},
        "h_plain": {"De Horizon"},
        "h_cotenant": {"De Horizon"},
        "b_consent": {"Het Baken"},
    }


# --- through the pages -----------------------------------------------------------------------


def assert_page_shows(page: str, persona: str, keys):
    for key in keys:
        fields = EXPECTED[persona].get(key)
        if fields is None:
            assert marker_name(key) not in page, key
            assert marker_email(key) not in page, key
        else:
            assert marker_name(key) in page, key
            assert (marker_email(key) in page) == ("email" in fields), key


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_building_pages_show_exactly_the_allowed_residents_and_fields(world, persona, login):
    client = login(world.users[persona])
    for building_key, building in world.buildings.items():
        before = AuditEntry.objects.count()

        response = client.get(f"/residents/buildings/{building.pk}/")

        if building_key in BUILDING_PAGES.get(persona, set()):
            assert response.status_code == 200, building_key
            assert AuditEntry.objects.count() == before + 1
            page = response.content.decode()
            here = [k for k, (b, _c, occupancy) in RESIDENTS.items() if b == building_key]
            living_here = [k for k in here if RESIDENTS[k][2] == "current"]
            assert_page_shows(page, persona, living_here)
            for key in set(here) - set(living_here):  # former residents are not listed
                assert marker_name(key) not in page, key
            shows_relation_number = any(
                "relation_number" in EXPECTED[persona].get(k, ()) for k in living_here
            )
            assert (">Relatienummer</th>" in page) == shows_relation_number
        else:
            assert response.status_code == 404, building_key
            assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_detail_pages_show_exactly_the_allowed_fields(world, persona, login):
    client = login(world.users[persona])
    for key, resident in world.residents.items():
        before = AuditEntry.objects.count()

        response = client.get(f"/residents/{resident.pk}/")

        if key in EXPECTED[persona]:
            assert response.status_code == 200, key
            page = response.content.decode()
            assert_page_shows(page, persona, [key])
            assert ("Toestemmingen" in page) == ("consents" in detail_fields(persona, key))
            assert AuditEntry.objects.count() == before + 1
        else:
            assert response.status_code == 404, key
            assert marker_name(key) not in response.content.decode()
            assert AuditEntry.objects.count() == before


# --- through the API -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_api_shows_exactly_the_allowed_residents_and_fields(world, persona):
    org_slug = PERSONAS[persona][0]
    key = make_token(world.users[persona], world.organisations[org_slug])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    before = AuditEntry.objects.count()

    listed = client.get("/api/v1/residents/", {"page_size": 200})

    assert listed.status_code == 200
    assert {r["id"]: frozenset(r) - {"id"} for r in listed.json()["results"]} == expected_ids(
        world, persona
    )
    assert AuditEntry.objects.count() == before + len(landlords_of(expected_ids(world, persona)))
    missing = client.get("/api/v1/residents/999999/")
    assert missing.status_code == 404
    for key, resident in world.residents.items():
        before = AuditEntry.objects.count()

        response = client.get(f"/api/v1/residents/{resident.pk}/")

        if key in EXPECTED[persona]:
            assert response.status_code == 200, key
            assert frozenset(response.json()) - {"id"} == detail_fields(persona, key), key
            assert AuditEntry.objects.count() == before + 1
        else:
            assert (response.status_code, response.json()) == (404, missing.json()), key
            assert AuditEntry.objects.count() == before


def test_a_foreign_organisations_token_gets_the_404_of_a_missing_resident(world):
    oostwaard = world.organisations["oostwaard"]
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {make_token(world.users['oostwaard'], oostwaard)}"
    )

    foreign = client.get(f"/api/v1/residents/{world.residents['h_plain'].pk}/")
    missing = client.get("/api/v1/residents/999999/")

    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.json() == missing.json()
    assert foreign["Content-Type"] == missing["Content-Type"] == "application/problem+json"
