import pytest

from tests.core.test_one_way import _files_matching
from wijkregie.places.addresses import (
    find_address,
    normalise_postcode,
    parse_house_number,
    parse_postcode,
    split_addition,
)
from wijkregie.places.selectors import units_at_address

from .factories import BuildingFactory, UnitFactory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3521AB", "3521AB"),
        ("3521 ab", "3521AB"),
        (" 3521  Ab ", "3521AB"),
        ("0521AB", ""),
        ("3521A", ""),
        ("35211AB", ""),
        ("3521ÅB", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_parse_postcode(value, expected):
    assert parse_postcode(value) == expected


def test_normalise_postcode_keeps_an_invalid_one_for_the_validator_to_name():
    assert normalise_postcode(" 3521 ab") == "3521AB"
    assert normalise_postcode("12 345") == "12345"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", (12, "", "")),
        (" 12A ", (12, "A", "")),
        ("12 a-2", (12, "A", "2")),
        ("12-bis", (12, "", "BIS")),
        ("12 2", (12, "", "2")),
        ("A12", None),
        ("", None),
        ("123456", None),
    ],
)
def test_parse_house_number(value, expected):
    assert parse_house_number(value) == expected


def test_split_addition():
    assert split_addition("a") == ("A", "")
    assert split_addition("A-2") == ("A", "2")
    assert split_addition("-2") == ("", "2")
    assert split_addition("") == ("", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Horizonlaan 12, 3521 HZ Rivierstad", ("3521HZ", 12, "", "")),
        ("Horizonlaan 12A, 3521hz", ("3521HZ", 12, "A", "")),
        ("3521 HZ Horizonlaan 12 - 3", ("3521HZ", 12, "", "3")),
        ("Horizonlaan 12 Rivierstad", None),
        ("3521 HZ Rivierstad", None),
    ],
)
def test_find_address(text, expected):
    assert find_address(text) == expected


@pytest.mark.django_db
def test_units_at_address_matches_letter_and_addition_exactly_or_any():
    building = BuildingFactory()
    plain = UnitFactory(building=building, postcode="3521HZ", house_number=12)
    lettered = UnitFactory(building=building, postcode="3521HZ", house_number=12, house_letter="A")
    UnitFactory(building=building, postcode="3521HZ", house_number=14)
    elsewhere = UnitFactory(postcode="3521HZ", house_number=12, house_number_addition="2")

    assert list(units_at_address(postcode="3521HZ", house_number=12)) == [
        plain,
        lettered,
        elsewhere,
    ]
    assert list(
        units_at_address(
            postcode="3521HZ", house_number=12, house_letter="", house_number_addition=""
        )
    ) == [plain]
    assert list(
        units_at_address(
            building=building, house_number=12, house_letter="a", house_number_addition=""
        )
    ) == [lettered]


def test_postcodes_are_parsed_in_places_addresses_only():
    assert _files_matching(r"\[1-9\]\[0-9\]\{3\}|\\d\{4\}\\s\*?\??\(?\[A-Z") == [
        "places/addresses.py"
    ]
    assert _files_matching(r"def (normalise_postcode|parse_postcode|split_addition)\(") == [
        "places/addresses.py"
    ]


def test_units_are_looked_up_by_address_in_the_places_selector_only():
    # A unit filtered on its house number outside places (a second address lookup).
    lookups = r"Unit\.objects[^\n]*\n?[^\n]*house_number=|house_(number_addition|letter)__iexact"
    assert [name for name in _files_matching(lookups) if not name.startswith("places/")] == []
