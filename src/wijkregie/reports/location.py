"""Where a report is about, in words and as a spot on the building drawing."""

from django.utils.translation import gettext as _

from wijkregie.places.drawing import COMPACT, Drawing, Highlight, Spot, building_drawing
from wijkregie.places.selectors import FloorPlan
from wijkregie.reports.models import LocationKind, Report


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


def report_spot(report: Report) -> Spot:
    """The unit, the common area, else the floor (of the entrance) or outside."""
    return Spot(
        unit_id=report.unit_id,
        area_id=report.common_area_id,
        entrance=report.entrance or "",
        floor=report.floor,
        outside=report.location_kind == LocationKind.OUTSIDE and not report.common_area_id,
    )


def report_drawing(*, plan: FloorPlan, report: Report) -> Drawing:
    """The compact building drawing of a report's page, its place highlighted."""
    return building_drawing(plan, highlight=Highlight(spot=report_spot(report)), scale=COMPACT)
