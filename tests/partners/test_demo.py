import time

from django.contrib.auth import get_user_model

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from wijkregie.core.models import AuditEntry
from wijkregie.demo.partners import build_partners, demo_totp_secret
from wijkregie.partners.models import DataSharingAgreement, Membership, Organisation, Role

SLUGS = [
    "buurtbemiddeling",
    "de-vaart",
    "gemeente-rivierstad",
    "handhaving-rivierstad",
    "oostwaard",
    "politie-rivierstad",
    "waakzaam",
    "welzijn-rivierstad",
    "wijkteam-rivierstad",
]


def counts():
    return {
        "organisations": Organisation.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "roles": Role.objects.count(),
        "authenticators": Authenticator.objects.count(),
        "agreements": DataSharingAgreement.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.django_db
def test_build_partners_twice_builds_the_partners_once():
    roles_before = Role.objects.count()

    first = build_partners()
    after_first = counts()
    second = build_partners()

    assert after_first == {
        "organisations": 9,
        "users": 13,
        "memberships": 13,
        "roles": roles_before,
        "authenticators": 13,
        "agreements": 1,
        "audit": 26,  # a person and a membership created per persona
    }
    assert counts() == after_first
    assert sorted(first["organisations"]) == SLUGS
    assert {u: p["user"].pk for u, p in first["personas"].items()} == {
        u: p["user"].pk for u, p in second["personas"].items()
    }


@pytest.mark.django_db
def test_build_partners_gives_personas_their_roles_and_mandate():
    personas = build_partners()["personas"]

    def summary(username):
        m = personas[username]["membership"]
        return (m.organisation.slug, sorted(r.slug for r in m.roles.all()), m.mandate_level)

    assert summary("wijkbeheerder") == ("de-vaart", ["intake", "wijkbeheerder"], "operational")
    assert summary("privacy") == ("de-vaart", ["privacy-officer"], "tactical")
    assert summary("beheerder") == ("de-vaart", ["beheerder"], "strategic")
    assert summary("oostwaard") == ("oostwaard", ["intake", "wijkbeheerder"], "operational")
    assert summary("gebiedsregisseur") == ("gemeente-rivierstad", ["gebiedsregisseur"], "strategic")
    assert summary("bemiddelaar") == ("buurtbemiddeling", ["bemiddelaar"], "operational")
    assert personas["boa"]["organisation"] == "Handhaving Rivierstad"
    assert personas["boa"]["user"].check_password("wijkregie-demo") is True


@pytest.mark.django_db
def test_build_partners_records_the_covenant():
    agreement = build_partners()["agreement"]

    assert agreement.title == "Convenant Veilige Wijk Rivierstad"
    assert sorted(o.slug for o in agreement.parties.all()) == [
        "de-vaart",
        "gemeente-rivierstad",
        "handhaving-rivierstad",
        "politie-rivierstad",
    ]
    assert (agreement.data_categories, agreement.retention_days, str(agreement.valid_from)) == (
        ["resident_identity"],
        730,
        "2026-01-01",
    )


@pytest.mark.django_db
def test_the_printed_totp_secret_gives_a_working_code():
    persona = build_partners()["personas"]["wijkagent"]
    authenticator = Authenticator.objects.get(user=persona["user"], type=Authenticator.Type.TOTP)
    code = format_hotp_value(hotp_value(persona["totp_secret"], int(time.time()) // 30))

    assert persona["totp_secret"] == demo_totp_secret("wijkagent")
    assert TOTP(authenticator).validate_code(code) is True
