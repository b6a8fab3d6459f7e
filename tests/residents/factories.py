"""Test data for residents: organisations, buildings, units, people and residents (ORM)."""

import itertools
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from wijkregie.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building, BuildingContact, Unit
from wijkregie.residents.models import (
    ConsentPurpose,
    ConsentSource,
    ContactConsent,
    ContactMoment,
    Occupancy,
    Resident,
)

_sequence = itertools.count(1)

LANDLORD_PERMISSIONS = (
    "places.view_building",
    "residents.view_resident",
    "residents.view_resident_contact",
    "residents.import_residents",
)


def permissions_from(codes) -> list[Permission]:
    perms = []
    for code in codes:
        app_label, codename = code.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return perms


def make_organisation(slug: str, kind: str = OrganisationKind.HOUSING_CORPORATION) -> Organisation:
    return Organisation.objects.create(name=f"Org {slug}", slug=slug, kind=kind)


def make_building(
    owner: Organisation, name: str = "De Horizon", postcode: str = "3521HZ"
) -> Building:
    return Building.objects.create(
        name=name,
        owner=owner,
        street=f"{name}laan",
        postcode=postcode,
        city="Rivierstad",
        floors=10,
        entrances=["A", "B"],
    )


def make_unit(
    building: Building,
    house_number: int,
    *,
    bag_id: str | None = None,
    letter: str = "",
    addition: str = "",
    floor: int = 0,
    entrance: str = "A",
) -> Unit:
    return Unit.objects.create(
        building=building,
        bag_id=bag_id,
        postcode=building.postcode,
        house_number=house_number,
        house_letter=letter,
        house_number_addition=addition,
        floor=floor,
        entrance=entrance,
    )


def make_role(permissions, slug: str | None = None) -> Role:
    slug = slug or f"test-role-{next(_sequence)}"
    role = Role.objects.create(name=f"Test {slug}", slug=slug)
    role.permissions.set(permissions_from(list(permissions)))
    return role


def make_person(username: str, organisation: Organisation, permissions=(), roles=()):
    """A professional with TOTP enrolled, a member of `organisation` with `roles` (or one
    role granting `permissions`)."""
    # No password: hashing one costs a quarter of a second, and tests log in without it.
    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.org")
    membership = Membership.objects.create(user=user, organisation=organisation)
    membership.roles.set(list(roles) or [make_role(permissions)])
    TOTP.activate(user, generate_totp_secret())
    return user


def make_partner(building: Building, user, responsibility: str = "partner") -> BuildingContact:
    membership = Membership.objects.filter(user=user).order_by("pk").first()
    return BuildingContact.objects.create(
        building=building, membership=membership, responsibility=responsibility
    )


def make_agreement(
    parties, categories, *, valid_from=date(2020, 1, 1), valid_until=None, title="Convenant"
) -> DataSharingAgreement:
    agreement = DataSharingAgreement.objects.create(
        title=title,
        purposes="Veilige wijk",
        data_categories=list(categories),
        legal_basis="AVG art. 6 lid 1 sub e",
        retention_days=365,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    agreement.parties.set(parties)
    return agreement


def make_resident(landlord: Organisation, relation_number: str | None = None, **fields) -> Resident:
    number = relation_number or f"R{next(_sequence):05d}"
    values = {
        "given_name": f"Given{number}",
        "family_name": f"Family{number}",
        "email": f"{number.lower()}@example.test",
        "phone": "0612345678",
        "preferred_language": "nl",
    }
    # consent_<purpose>=True: an open consent record for that purpose.
    consents = [
        name.removeprefix("consent_")
        for name in [k for k in fields if k.startswith("consent_")]
        if fields.pop(name)
    ]
    values.update(fields)
    resident = Resident.objects.create(landlord=landlord, external_id=number, **values)
    for purpose in consents:
        ContactConsent.objects.create(
            resident=resident,
            purpose=ConsentPurpose(purpose),
            given_at=timezone.now(),
            given_source=ConsentSource.IMPORT,
        )
    return resident


def make_occupancy(
    resident: Resident,
    unit: Unit,
    *,
    kind: str = "main_tenant",
    start: date = date(2020, 1, 1),
    end: date | None = None,
) -> Occupancy:
    return Occupancy.objects.create(
        resident=resident, unit=unit, kind=kind, start_date=start, end_date=end
    )


def make_contact_moment(resident: Resident, organisation: Organisation, summary: str, **fields):
    values = {"channel": "phone", "occurred_at": "2026-01-05T10:00:00+01:00"}
    values.update(fields)
    return ContactMoment.objects.create(
        resident=resident, organisation=organisation, summary=summary, **values
    )


def make_token(user, organisation: Organisation) -> str:
    """An API token of `organisation` acting as `user`; returns the key to send."""
    prefix, key = ApiToken.new_key()
    ApiToken.objects.create(
        organisation=organisation,
        user=user,
        name=f"token {prefix}",
        prefix=prefix,
        key_hash=ApiToken.hash_key(key),
    )
    return key


def viewer(user):
    return viewer_for(user)
