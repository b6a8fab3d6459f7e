"""One building drawing (places.drawing) for every page: the spot, counts and coverage."""

import ast
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

import pytest

from tests.places.factories import BuildingFactory, CommonAreaFactory, UnitFactory
from wijkregie.places.drawing import (
    COMPACT,
    Drawing,
    Highlight,
    Mark,
    Spot,
    building_drawing,
)
from wijkregie.places.models import CommonAreaKind
from wijkregie.places.selectors import building_floor_plan

SRC = Path(__file__).resolve().parents[2] / "src" / "wijkregie"


@pytest.fixture
def flat(db):
    building = BuildingFactory(name="De Horizon", floors=2, entrances=["A"])
    units = [
        UnitFactory(building=building, floor=floor, house_number=number)
        for floor, number in ((0, 1), (0, 2), (1, 3), (1, 4))
    ]
    lift = CommonAreaFactory(building=building, name="Lift A")
    shed = CommonAreaFactory(
        building=building, kind=CommonAreaKind.BICYCLE_SHED, name="Fietsenstalling", entrance=""
    )
    return building, units, lift, shed


def _css(drawing: Drawing) -> dict[str, str]:
    named = {s.unit.address: s.css for s in drawing.units}
    named |= {s.title.split(" — ")[0]: s.css for s in drawing.areas}
    return named


def reports(count: int) -> str:
    return ngettext("%(count)s report", "%(count)s reports", count) % {"count": count}


def test_counts_per_unit_and_area_are_drawn_in_four_levels_with_the_number_in_words(flat):
    building, (u1, u2, u3, u4), lift, shed = flat

    with translation.override("en"):
        drawing = building_drawing(
            building_floor_plan(building=building),
            highlight=Highlight(
                unit_counts={u1.pk: 1, u2.pk: 8, u3.pk: 4},
                area_counts={lift.pk: 2},
                count_label=reports,
            ),
        )

    assert _css(drawing) == {
        "1": "unit--count-1",
        "2": "unit--count-4",
        "3": "unit--count-2",
        "4": "unit",
        "Lift A": "common--count-1",
        "Fietsenstalling": "common",
    }
    titles = {s.unit.address: s.title for s in drawing.units}
    assert titles["2"] == "Horizonlaan 2, 3521HZ Rivierstad, ground floor, entrance A — 8 reports"
    assert titles["4"] == "Horizonlaan 4, 3521HZ Rivierstad, floor 1, entrance A"
    assert [s.count for s in drawing.units] == [4, None, 1, 8]  # the top floor first


def test_coverage_marks_units_and_the_spot_wins(flat):
    building, (u1, u2, u3, u4), lift, shed = flat
    plan = building_floor_plan(building=building)

    drawing = building_drawing(
        plan,
        highlight=Highlight(
            spot=Spot(unit_id=u4.pk),
            coverage={
                u1.pk: Mark("reached", "spoken to"),
                u2.pk: Mark("not_reached", "nobody home"),
                u4.pk: Mark("to_do", "not visited yet"),
            },
        ),
    )

    assert {a: c for a, c in _css(drawing).items() if a in "1234"} == {
        "1": "unit--coverage-reached",
        "2": "unit--coverage-not_reached",
        "3": "unit",
        "4": "unit--highlight",
    }
    assert [s.title.rsplit(" — ", 1)[-1] for s in drawing.units if s.unit.id == u2.pk] == [
        "nobody home"
    ]
    with pytest.raises(ValueError):
        Mark("visited twice", "?")


def test_the_building_page_template_draws_the_highlight_classes(flat):
    building, (u1, *_), lift, shed = flat

    svg = render_to_string(
        "places/_building_svg.html",
        {
            "drawing": building_drawing(
                building_floor_plan(building=building),
                highlight=Highlight(unit_counts={u1.pk: 2}, coverage={}),
            )
        },
    )

    assert svg.count('class="unit--count-4"') == 1
    assert svg.count('class="unit"') == 3
    assert svg.count('class="common"') == 2


def test_a_floor_spot_marks_the_floor_of_its_entrance_and_outside_its_strip(flat):
    building, *_ = flat
    plan = building_floor_plan(building=building)

    floor = building_drawing(plan, highlight=Highlight(spot=Spot(floor=1)), scale=COMPACT)
    outside = building_drawing(plan, highlight=Highlight(spot=Spot(outside=True)), scale=COMPACT)

    assert [(s.kind, s.box.y) for s in floor.shapes if s.css.endswith("--highlight")] == [
        ("floor", 3)
    ]
    assert [s.kind for s in outside.shapes if s.css.endswith("--highlight")] == ["outside"]
    assert [s.kind for s in building_drawing(plan).shapes if s.kind == "outside"] == []


def test_there_is_one_drawing_only():
    assert not (SRC / "reports" / "picture.py").exists()
    geometry = {"Box", "Rect", "Shape", "Picture", "Drawing", "Text", "Label"}
    owners = sorted(
        str(module.relative_to(SRC))
        for module in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.ClassDef) and node.name in geometry
    )
    assert owners == ["places/drawing.py"] * 4
