"""Building points: the RD → WGS84 approximation, distances and the buildings near a point."""

from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from tests.places.factories import BuildingFactory
from wijkregie.core.access import system_viewer
from wijkregie.places import services
from wijkregie.places.geo import as_coordinate, buildings_near, distance_m, rd_to_wgs84


def test_rd_reference_point_is_amersfoort():
    lat, long = rd_to_wgs84(155_000, 463_000)
    assert (round(lat, 6), round(long, 6)) == (52.155174, 5.387206)


def test_rd_to_wgs84_in_utrecht():
    # The demo's De Horizon: 1 km north and 1 km east in RD are 1 km on the ground, to
    # within what a spherical distance gives up against the ellipsoid (0.5 %).
    origin = rd_to_wgs84(136_220, 458_670)
    assert (round(origin[0], 5), round(origin[1], 5)) == (52.11594, 5.11302)
    assert abs(distance_m(*origin, *rd_to_wgs84(136_220, 459_670)) - 1000) < 1
    assert abs(distance_m(*origin, *rd_to_wgs84(137_220, 458_670)) - 1000) < 5


def test_distance_of_one_thousandth_degree_of_latitude():
    assert round(distance_m(52.0, 5.0, 52.001, 5.0), 1) == 111.2


@pytest.mark.django_db
def test_buildings_near_a_point_nearest_first_within_the_radius():
    near = BuildingFactory(latitude=Decimal("52.115900"), longitude=Decimal("5.113000"))
    nearer = BuildingFactory(latitude=Decimal("52.115950"), longitude=Decimal("5.113000"))
    BuildingFactory(latitude=Decimal("52.125000"), longitude=Decimal("5.113000"))  # 1 km
    BuildingFactory()  # no point
    found = buildings_near(52.11596, 5.113, within_m=100)
    assert [(n.building, round(n.distance_m)) for n in found] == [(nearer, 1), (near, 7)]


@pytest.mark.django_db
def test_building_create_stores_the_point_to_six_decimals():
    owner = BuildingFactory().owner
    building = services.building_create(
        actor=system_viewer(),
        owner_id=owner.pk,
        name="De Horizon",
        street="Horizonlaan",
        postcode="3521HZ",
        city="Rivierstad",
        floors=10,
        entrances=["A"],
        latitude=52.1159380812,
        longitude=5.1130223691,
    )
    building.refresh_from_db()
    assert (building.latitude, building.longitude) == (Decimal("52.115938"), Decimal("5.113022"))


@pytest.mark.django_db
def test_building_update_refuses_half_a_point():
    building = BuildingFactory()
    with pytest.raises(ValidationError) as exc:
        services.building_update(actor=system_viewer(), building_id=building.pk, latitude=52.1)
    assert exc.value.messages == ["Geef zowel de breedte- als de lengtegraad, of geen van beide."]


def test_as_coordinate_rounds_half_up():
    assert as_coordinate(5.1234565) == Decimal("5.123457")
