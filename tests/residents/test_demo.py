from collections import Counter

import pytest

from tests.residents.factories import make_building, make_organisation, make_unit
from wijkregie.core.models import AuditEntry, Job
from wijkregie.demo.residents import build_residents, erp_export
from wijkregie.places.models import Unit
from wijkregie.residents.models import ContactMoment, Occupancy, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def flats():
    """The two demo buildings with their units, as demo/places.py builds them."""
    vaart, oostwaard = make_organisation("de-vaart"), make_organisation("oostwaard")
    horizon = make_building(vaart, "De Horizon", "3521HZ")
    baken = make_building(oostwaard, "Het Baken", "3522BK")
    number = 0
    for entrance in "ABCD":
        for floor in range(10):
            for _n in range(3):
                number += 1
                make_unit(
                    horizon,
                    number,
                    bag_id=f"0344010000{number:06d}",
                    floor=floor,
                    entrance=entrance,
                )
    for number in range(1, 9):
        make_unit(baken, number, bag_id=f"0344010000{2000 + number:06d}", floor=(number - 1) // 2)
    return vaart, horizon, baken


def test_build_residents_imports_the_demo_flat(flats):
    vaart, horizon, baken = flats

    result = build_residents()

    assert result == {
        "De Horizon": {"residents": 197, "occupancies": 197, "contact_moments": 12},
        "Het Baken": {"residents": 11, "occupancies": 11, "contact_moments": 0},
    }
    current = Occupancy.objects.filter(end_date__isnull=True)
    assert current.filter(unit__building=horizon).values("unit").distinct().count() == 100
    assert current.filter(unit__building=baken).values("unit").distinct().count() == 8
    assert Counter(
        Occupancy.objects.filter(unit__building=horizon).values_list("kind", flat=True)
    ) == {
        "main_tenant": 115,
        "co_tenant": 36,
        "other_occupant": 46,
    }
    assert set(Resident.objects.values_list("preferred_language", flat=True)) == {
        "nl",
        "tr",
        "ar",
        "pl",
        "en",
        "uk",
        "so",
    }
    residents = Resident.objects.filter(landlord=vaart)
    assert residents.filter(consents__purpose="share_with_partners").count() == 53  # ~25%
    assert residents.filter(consents__purpose="newsletter_email").count() == 87  # ~40%
    assert list(Job.objects.values_list("status", "created_by", "created_by_label")) == [
        ("succeeded", None, "demo"),
        ("succeeded", None, "demo"),
    ]


def test_build_residents_twice_changes_nothing(flats):
    build_residents()
    counts = (Resident.objects.count(), Occupancy.objects.count(), ContactMoment.objects.count())
    entries = AuditEntry.objects.count()

    build_residents()

    assert (
        Resident.objects.count(),
        Occupancy.objects.count(),
        ContactMoment.objects.count(),
    ) == counts
    assert Job.objects.count() == 2
    assert AuditEntry.objects.count() == entries


def test_the_generated_export_is_the_same_every_time(flats):
    _vaart, horizon, _baken = flats
    units = list(
        Unit.objects.filter(building=horizon).order_by("entrance", "floor", "house_number")
    )

    assert erp_export(units, prefix="DV", occupied=100) == erp_export(
        units, prefix="DV", occupied=100
    )
