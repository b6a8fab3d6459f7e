"""Geometry of the building picture: the floor plan laid out as rectangles and labels.

The template `places/_building_svg.html` turns this into SVG markup (escaped by the
template engine). Entrances stand side by side, floors from the top storey down; each
entrance has a column for its lift, stairwell and hall; common areas of the whole
building (storage, bicycle shed, outside area) form a row below it. The same facts are
in the tables beside the picture, for screen readers and small screens.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from wijkregie.places.selectors import FloorPlan, PlanArea, PlanUnit

UNIT_W = 60
UNIT_H = 34
GAP = 4
CORE_W = 34
LABEL_W = 96
ENTRANCE_GAP = 18
TOP = 8
ENTRANCE_LABEL_H = 26
AREA_W = 150
AREA_H = 34
MAX_TEXT = 22


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class UnitShape:
    unit: PlanUnit
    box: Box
    title: str


@dataclass(frozen=True)
class AreaShape:
    box: Box
    label: str
    title: str
    vertical: bool


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    title: str
    description: str
    units: list[UnitShape]
    areas: list[AreaShape]
    labels: list[Label]


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _area_title(areas: list[PlanArea]) -> str:
    return "; ".join(a.name for a in areas)


def building_drawing(plan: FloorPlan) -> Drawing:
    building = plan.building
    floors = plan.floor_numbers
    row_h = UNIT_H + GAP
    body_h = len(floors) * row_h - GAP
    units: list[UnitShape] = []
    areas: list[AreaShape] = []
    labels: list[Label] = []

    for i, floor in enumerate(floors):
        label = plan.entrances[0].floors[i].label if plan.entrances else str(floor)
        labels.append(Label(LABEL_W - 8, TOP + i * row_h + UNIT_H / 2 + 4, label, "end"))

    x = LABEL_W
    for entrance in plan.entrances:
        block_x = x
        for i, plan_floor in enumerate(entrance.floors):
            y = TOP + i * row_h
            for j, unit in enumerate(plan_floor.units):
                box = Box(x + j * (UNIT_W + GAP), y, UNIT_W, UNIT_H)
                title = _("%(address)s, %(floor)s, entrance %(entrance)s") % {
                    "address": unit.full_address,
                    "floor": plan_floor.label,
                    "entrance": entrance.label or "—",
                }
                units.append(UnitShape(unit, box, title))
        x += entrance.width * (UNIT_W + GAP)
        if entrance.areas:
            box = Box(x, TOP, CORE_W, body_h)
            kinds = sorted({a.kind_label for a in entrance.areas})
            areas.append(AreaShape(box, " · ".join(kinds), _area_title(entrance.areas), True))
            x += CORE_W + GAP
        if entrance.label:
            labels.append(
                Label(
                    (block_x + x - GAP) / 2,
                    TOP + body_h + 18,
                    _("Entrance %(label)s") % {"label": entrance.label},
                )
            )
        x += ENTRANCE_GAP
    width = max(x - ENTRANCE_GAP + GAP, LABEL_W + AREA_W)

    y = TOP + body_h + ENTRANCE_LABEL_H
    if plan.building_areas:
        per_row = max(1, (width - LABEL_W) // (AREA_W + GAP))
        for n, area in enumerate(plan.building_areas):
            row, col = divmod(n, per_row)
            box = Box(LABEL_W + col * (AREA_W + GAP), y + row * (AREA_H + GAP), AREA_W, AREA_H)
            areas.append(AreaShape(box, _short(area.name), area.name, False))
        rows = (len(plan.building_areas) + per_row - 1) // per_row
        y += rows * (AREA_H + GAP)
    height = y + GAP

    entrance_names = ", ".join(e.label for e in plan.entrances if e.label) or "—"
    description = _(
        "Drawing of %(name)s: %(floors)s floors, entrances %(entrances)s, %(units)s units "
        "and %(areas)s common areas. The tables below give the same information."
    ) % {
        "name": building.name,
        "floors": len(floors),
        "entrances": entrance_names,
        "units": plan.unit_count,
        "areas": plan.area_count,
    }
    return Drawing(
        width=width,
        height=height,
        title=_("The building %(name)s") % {"name": building.name},
        description=description,
        units=units,
        areas=areas,
        labels=labels,
    )
