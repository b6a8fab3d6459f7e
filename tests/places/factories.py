"""Factories for places; other apps import them (BuildingFactory, UnitFactory, …)."""

import factory

from tests.partners.factories import MembershipFactory, OrganisationFactory
from wijkregie.places.models import (
    Building,
    BuildingContact,
    CommonArea,
    CommonAreaKind,
    Neighbourhood,
    Unit,
)


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood
        django_get_or_create = ("municipality", "name")

    name = factory.Sequence(lambda n: f"Wijk {n}")
    municipality = "Rivierstad"


class BuildingFactory(factory.django.DjangoModelFactory):
    """A four-storey building (floors 0–3) with entrances A and B."""

    class Meta:
        model = Building

    name = factory.Sequence(lambda n: f"Flat {n}")
    owner = factory.SubFactory(OrganisationFactory)
    street = "Horizonlaan"
    postcode = "3521HZ"
    city = "Rivierstad"
    floors = 4
    entrances = factory.LazyFunction(lambda: ["A", "B"])


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit with a unique house number and BAG id (leading zero kept)."""

    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    bag_id = factory.Sequence(lambda n: f"0344019{n:09d}")
    postcode = factory.LazyAttribute(lambda o: o.building.postcode)
    house_number = factory.Sequence(lambda n: 1000 + n)
    floor = 0
    entrance = factory.LazyAttribute(lambda o: (o.building.entrances or [""])[0])


class CommonAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommonArea

    building = factory.SubFactory(BuildingFactory)
    kind = CommonAreaKind.LIFT
    name = factory.LazyAttribute(lambda o: f"Lift {o.entrance}".strip())
    entrance = factory.LazyAttribute(lambda o: (o.building.entrances or [""])[0])
    floor = None


class BuildingContactFactory(factory.django.DjangoModelFactory):
    """A person on the building's directory: their organisation becomes a partner."""

    class Meta:
        model = BuildingContact

    building = factory.SubFactory(BuildingFactory)
    membership = factory.SubFactory(MembershipFactory)
    responsibility = "Aanspreekpunt"
    is_first_contact = False


def units_csv(rows, *, header=None, delimiter=",", encoding="utf-8") -> bytes:
    """A unit CSV: rows are (bag_id, postcode, house_number, letter, addition, floor,
    entrance) tuples or ready lines."""
    header = header or (
        "bag_id",
        "postcode",
        "house_number",
        "house_letter",
        "house_number_addition",
        "floor",
        "entrance",
    )
    lines = [delimiter.join(header)]
    for row in rows:
        lines.append(row if isinstance(row, str) else delimiter.join(str(v) for v in row))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
