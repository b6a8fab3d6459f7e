"""The compact building picture on a report page: floors × entrances, the place highlighted.

Geometry only; `templates/reports/intake/_picture.html` draws it as SVG (escaped by the
template engine). The place is also written out in words beside the picture.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from wijkregie.places.selectors import FloorPlan
from wijkregie.reports.models import LocationKind, Report

CELL_W = 16
CELL_H = 12
GAP = 2
CORE_W = 10
LABEL_W = 34
ENTRANCE_GAP = 10
TOP = 4
LABEL_H = 16
OUTSIDE_H = 14


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int
    css: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    rects: list[Rect]
    texts: list[Text]
    label: str  # the place in words (also the SVG's accessible name)


def location_label(report: Report) -> str:
    parts = [str(report.get_location_kind_display())]
    if report.unit_id:
        parts.append(_("home %(address)s") % {"address": report.unit.address})
    if report.common_area_id:
        parts.append(report.common_area.name)
    if report.entrance:
        parts.append(_("entrance %(entrance)s") % {"entrance": report.entrance})
    if report.floor is not None:
        parts.append(_("floor %(floor)s") % {"floor": report.floor})
    return ", ".join(parts)


def report_picture(*, plan: FloorPlan, report: Report) -> Picture:
    floors = plan.floor_numbers
    row_h = CELL_H + GAP
    body_h = max(1, len(floors)) * row_h - GAP
    rects: list[Rect] = []
    texts: list[Text] = []
    area = report.common_area if report.common_area_id else None
    entrance_hit = (
        report.entrance
        or (area.entrance if area else "")
        or (report.unit.entrance if report.unit_id else "")
    )
    floor_hit = report.floor
    if floor_hit is None and report.unit_id:
        floor_hit = report.unit.floor
    if floor_hit is None and area is not None:
        floor_hit = area.floor

    for i, number in enumerate(floors):
        if number % 2 == 0 or len(floors) <= 6:
            texts.append(Text(LABEL_W - 4, TOP + i * row_h + CELL_H - 2, str(number), "end"))

    x = LABEL_W
    for entrance in plan.entrances:
        block_x = x
        width = entrance.width * (CELL_W + GAP)
        in_entrance = not entrance_hit or entrance.label == entrance_hit
        for i, plan_floor in enumerate(entrance.floors):
            y = TOP + i * row_h
            floor_marked = (
                report.unit_id is None
                and area is None
                and floor_hit is not None
                and plan_floor.number == floor_hit
                and in_entrance
            )
            if floor_marked:
                rects.append(Rect(x - 1, y - 1, width, CELL_H + 2, "floor--highlight"))
            for j, unit in enumerate(plan_floor.units):
                css = "unit--highlight" if unit.id == report.unit_id else "unit"
                rects.append(Rect(x + j * (CELL_W + GAP), y, CELL_W, CELL_H, css, unit.address))
        x += width
        if entrance.areas:
            hit = area is not None and any(a.id == area.pk for a in entrance.areas)
            rects.append(
                Rect(
                    x,
                    TOP,
                    CORE_W,
                    body_h,
                    "common--highlight" if hit else "common",
                    ", ".join(a.name for a in entrance.areas),
                )
            )
            x += CORE_W + GAP
        if entrance.label:
            texts.append(Text((block_x + x - GAP) / 2, TOP + body_h + 12, entrance.label))
        x += ENTRANCE_GAP
    width = max(x - ENTRANCE_GAP + GAP, LABEL_W + 60)
    y = TOP + body_h + LABEL_H
    building_areas = plan.building_areas
    if building_areas:
        per = max(1, (width - LABEL_W) // (CELL_W * 3 + GAP))
        for n, a in enumerate(building_areas):
            row, col = divmod(n, per)
            hit = area is not None and a.id == area.pk
            rects.append(
                Rect(
                    LABEL_W + col * (CELL_W * 3 + GAP),
                    y + row * (CELL_H + GAP),
                    CELL_W * 3,
                    CELL_H,
                    "common--highlight" if hit else "common",
                    a.name,
                )
            )
        y += ((len(building_areas) + per - 1) // per) * (CELL_H + GAP)
    outside = report.location_kind == LocationKind.OUTSIDE and area is None
    rects.append(
        Rect(
            LABEL_W,
            y,
            width - LABEL_W - GAP,
            OUTSIDE_H,
            "outside--highlight" if outside else "outside",
            _("Outside"),
        )
    )
    texts.append(Text(LABEL_W + (width - LABEL_W) / 2, y + OUTSIDE_H - 3, _("outside")))
    height = y + OUTSIDE_H + GAP
    return Picture(
        width=width, height=height, rects=rects, texts=texts, label=location_label(report)
    )
