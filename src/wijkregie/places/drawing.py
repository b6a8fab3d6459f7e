"""The building drawing: the floor plan laid out as rectangles and labels, with highlights.

One drawing for every page that shows a building: the building page (`FULL` scale, with
addresses and names), a report's page (`COMPACT`, the place of the report highlighted),
and next the dashboards (counts per unit or area) and door-to-door work (coverage per
unit). Geometry only: the templates `places/_building_svg.html` and
`reports/intake/_picture.html` turn it into SVG markup (escaped by the template engine).

Entrances stand side by side, floors from the top storey down; each entrance has a column
for its lift, stairwell and hall; common areas of the whole building (storage, bicycle
shed, outside area) form a row below it; the compact scale adds a strip for "outside".
What to highlight is a `Highlight`:

    building_drawing(plan, highlight=Highlight(spot=Spot(unit_id=unit.pk)), scale=COMPACT)
    building_drawing(plan, highlight=Highlight(unit_counts={unit_id: 3, ...}))
    building_drawing(plan, highlight=Highlight(coverage={unit_id: Mark("reached", _("…"))}))

A shape's `css` says how it is highlighted: `unit--highlight`, `common--highlight`,
`floor--highlight`, `outside--highlight` (the spot), `unit--count-1` … `unit--count-4`
(how many, relative to the most), `unit--coverage-<state>`; its `title` says the same in
words. Colour is never the only carrier: the tables beside a drawing give the same facts.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from wijkregie.places.selectors import FloorPlan, PlanArea, PlanUnit

MAX_TEXT = 22
COUNT_LEVELS = 4
# door-to-door: spoken, nobody home, to try again, not yet tried (outreach.models.Coverage)
COVERAGE_STATES = ("reached", "not_reached", "revisit", "to_do")


@dataclass(frozen=True)
class Scale:
    unit_w: int
    unit_h: int
    gap: int
    core_w: int
    label_w: int
    entrance_gap: int
    top: int
    entrance_label_h: int
    entrance_label_dy: int
    area_w: int
    area_h: int
    min_w: int  # the narrowest drawing, beside the floor labels
    outside_h: int  # 0: no strip for "outside"
    detailed: bool  # names and addresses written in the shapes, every floor labelled


FULL = Scale(
    unit_w=60,
    unit_h=34,
    gap=4,
    core_w=34,
    label_w=96,
    entrance_gap=18,
    top=8,
    entrance_label_h=26,
    entrance_label_dy=18,
    area_w=150,
    area_h=34,
    min_w=150,
    outside_h=0,
    detailed=True,
)
COMPACT = Scale(
    unit_w=16,
    unit_h=12,
    gap=2,
    core_w=10,
    label_w=34,
    entrance_gap=10,
    top=4,
    entrance_label_h=16,
    entrance_label_dy=12,
    area_w=48,
    area_h=12,
    min_w=60,
    outside_h=14,
    detailed=False,
)


@dataclass(frozen=True)
class Spot:
    """One place: a unit, a common area, a floor (of one entrance, or of all), outside."""

    unit_id: int | None = None
    area_id: int | None = None
    entrance: str = ""
    floor: int | None = None
    outside: bool = False


@dataclass(frozen=True)
class Mark:
    """The coverage state of a unit (one of COVERAGE_STATES) and its words."""

    state: str
    label: str

    def __post_init__(self):
        if self.state not in COVERAGE_STATES:
            raise ValueError(f"Unknown coverage state {self.state!r}.")


def _plain_count(count: int) -> str:
    return str(count)


@dataclass(frozen=True)
class Highlight:
    spot: Spot | None = None
    unit_counts: Mapping[int, int] = field(default_factory=dict)
    area_counts: Mapping[int, int] = field(default_factory=dict)
    count_label: Callable[[int], str] = _plain_count  # "3 reports"
    coverage: Mapping[int, Mark] = field(default_factory=dict)


NOTHING = Highlight()


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
class Shape:
    kind: str  # "unit", "area", "floor" (a highlighted floor band), "outside"
    box: Box
    css: str
    title: str
    label: str = ""  # written inside the shape (full scale)
    vertical: bool = False
    unit: PlanUnit | None = None
    count: int | None = None


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
    shapes: list[Shape]  # in drawing order
    labels: list[Label]

    @property
    def units(self) -> list[Shape]:
        return [s for s in self.shapes if s.kind == "unit"]

    @property
    def areas(self) -> list[Shape]:
        return [s for s in self.shapes if s.kind == "area"]


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _level(count: int, most: int) -> int:
    return max(1, min(COUNT_LEVELS, math.ceil(COUNT_LEVELS * count / most)))


class _Painter:
    """How each shape is highlighted, from a Highlight."""

    def __init__(self, highlight: Highlight):
        self.h = highlight
        self.spot = highlight.spot or Spot()
        self.most = max([1, *highlight.unit_counts.values(), *highlight.area_counts.values()])

    def _with(self, title: str, count: int | None) -> str:
        return f"{title} — {self.h.count_label(count)}" if count else title

    def unit(self, unit: PlanUnit, title: str) -> tuple[str, str, int | None]:
        count = self.h.unit_counts.get(unit.id)
        mark = self.h.coverage.get(unit.id)
        if mark is not None:
            title = f"{title} — {mark.label}"
        title = self._with(title, count)
        if self.spot.unit_id is not None and unit.id == self.spot.unit_id:
            return "unit--highlight", title, count
        if mark is not None:
            return f"unit--coverage-{mark.state}", title, count
        if count:
            return f"unit--count-{_level(count, self.most)}", title, count
        return "unit", title, count

    def areas(self, areas: list[PlanArea], title: str) -> tuple[str, str, int | None]:
        count = sum(self.h.area_counts.get(a.id, 0) for a in areas) or None
        title = self._with(title, count)
        if self.spot.area_id is not None and any(a.id == self.spot.area_id for a in areas):
            return "common--highlight", title, count
        if count:
            return f"common--count-{_level(count, self.most)}", title, count
        return "common", title, count

    def floor_band(self, entrance: str, number: int) -> bool:
        s = self.spot
        return (
            s.unit_id is None
            and s.area_id is None
            and s.floor is not None
            and number == s.floor
            and (not s.entrance or entrance == s.entrance)
        )


def building_drawing(
    plan: FloorPlan, *, highlight: Highlight = NOTHING, scale: Scale = FULL
) -> Drawing:
    building = plan.building
    floors = plan.floor_numbers
    sc = scale
    paint = _Painter(highlight)
    row_h = sc.unit_h + sc.gap
    body_h = max(1, len(floors)) * row_h - sc.gap
    shapes: list[Shape] = []
    labels: list[Label] = []

    for i, number in enumerate(floors):
        if sc.detailed:
            text = plan.entrances[0].floors[i].label if plan.entrances else str(number)
            y = sc.top + i * row_h + sc.unit_h / 2 + 4
            labels.append(Label(sc.label_w - 8, y, text, "end"))
        elif number % 2 == 0 or len(floors) <= 6:
            y = sc.top + i * row_h + sc.unit_h - 2
            labels.append(Label(sc.label_w - 4, y, str(number), "end"))

    x = sc.label_w
    for entrance in plan.entrances:
        block_x = x
        width = entrance.width * (sc.unit_w + sc.gap)
        for i, plan_floor in enumerate(entrance.floors):
            y = sc.top + i * row_h
            if paint.floor_band(entrance.label, plan_floor.number):
                band = Box(x - 1, y - 1, width, sc.unit_h + 2)
                shapes.append(Shape("floor", band, "floor--highlight", ""))
            for j, unit in enumerate(plan_floor.units):
                box = Box(x + j * (sc.unit_w + sc.gap), y, sc.unit_w, sc.unit_h)
                if sc.detailed:
                    title = _("%(address)s, %(floor)s, entrance %(entrance)s") % {
                        "address": unit.full_address,
                        "floor": plan_floor.label,
                        "entrance": entrance.label or "—",
                    }
                else:
                    title = unit.address
                css, title, count = paint.unit(unit, title)
                shapes.append(Shape("unit", box, css, title, unit.address, unit=unit, count=count))
        x += width
        if entrance.areas:
            box = Box(x, sc.top, sc.core_w, body_h)
            names = ("; " if sc.detailed else ", ").join(a.name for a in entrance.areas)
            kinds = " · ".join(sorted({a.kind_label for a in entrance.areas}))
            css, title, count = paint.areas(entrance.areas, names)
            label = kinds if sc.detailed else ""
            shapes.append(Shape("area", box, css, title, label, vertical=True, count=count))
            x += sc.core_w + sc.gap
        if entrance.label:
            text = (
                _("Entrance %(label)s") % {"label": entrance.label}
                if sc.detailed
                else entrance.label
            )
            labels.append(
                Label((block_x + x - sc.gap) / 2, sc.top + body_h + sc.entrance_label_dy, text)
            )
        x += sc.entrance_gap
    width = max(x - sc.entrance_gap + sc.gap, sc.label_w + sc.min_w)

    y = sc.top + body_h + sc.entrance_label_h
    if plan.building_areas:
        per_row = max(1, (width - sc.label_w) // (sc.area_w + sc.gap))
        for n, area in enumerate(plan.building_areas):
            row, col = divmod(n, per_row)
            box = Box(
                sc.label_w + col * (sc.area_w + sc.gap),
                y + row * (sc.area_h + sc.gap),
                sc.area_w,
                sc.area_h,
            )
            css, title, count = paint.areas([area], area.name)
            label = _short(area.name) if sc.detailed else ""
            shapes.append(Shape("area", box, css, title, label, count=count))
        rows = (len(plan.building_areas) + per_row - 1) // per_row
        y += rows * (sc.area_h + sc.gap)
    if sc.outside_h:
        box = Box(sc.label_w, y, width - sc.label_w - sc.gap, sc.outside_h)
        css = "outside--highlight" if paint.spot.outside else "outside"
        shapes.append(Shape("outside", box, css, _("Outside")))
        labels.append(
            Label(sc.label_w + (width - sc.label_w) / 2, y + sc.outside_h - 3, _("outside"))
        )
        y += sc.outside_h
    height = y + sc.gap

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
        shapes=shapes,
        labels=labels,
    )
