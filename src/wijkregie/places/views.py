"""Pages of places: the viewer's buildings, a building with its picture and directory,
and the CSV unit import with its progress and report."""

import csv
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

import qrcode
import qrcode.image.svg

from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.forms import add_service_errors
from wijkregie.core.models import Job
from wijkregie.places import selectors, services
from wijkregie.places.drawing import building_drawing
from wijkregie.places.forms import BuildingFilterForm, UnitImportForm
from wijkregie.places.selectors import floor_label
from wijkregie.places.unit_import import COLUMNS

PAGE_SIZE = 50


@require_GET
@login_required
def building_list(request):
    form = BuildingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    buildings = selectors.building_list(viewer=request.viewer, filters=filters)
    page = Paginator(buildings, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        [
            format_html(
                '<a class="utrecht-link" href="{}">{}</a>',
                reverse("places:building_detail", args=[b.pk]),
                b.name,
            ),
            f"{b.street}, {b.postcode} {b.city}",
            b.owner.name,
            b.neighbourhood.name if b.neighbourhood else "—",
            b.unit_count,
        ]
        for b in page.object_list
    ]
    return render(
        request,
        "places/building_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "headers": [_("Building"), _("Address"), _("Owner"), _("Neighbourhood"), _("Units")],
            "query": filters.get("q", ""),
        },
    )


@require_GET
@login_required
def building_detail(request, pk):
    viewer = request.viewer
    building = selectors.building_get(viewer=viewer, id=pk)
    plan = selectors.building_floor_plan(building=building)
    floor_rows = []
    for entrance in plan.entrances:
        for plan_floor in reversed(entrance.floors):
            floor_rows.append(
                [
                    entrance.label or "—",
                    plan_floor.label,
                    ", ".join(u.address for u in plan_floor.units) or "—",
                    len(plan_floor.units),
                ]
            )
    area_rows = [
        [a.name, a.kind_label, a.entrance or "—", "—" if a.floor is None else floor_label(a.floor)]
        for a in [*(a for e in plan.entrances for a in e.areas), *plan.building_areas]
    ]
    contacts = selectors.building_contacts(viewer=viewer, building=building)
    return render(
        request,
        "places/building_detail.html",
        {
            "building": building,
            "plan": plan,
            "drawing": building_drawing(plan),
            "floor_headers": [_("Entrance"), _("Floor"), _("House numbers"), _("Units")],
            "floor_rows": floor_rows,
            "area_headers": [_("Name"), _("Kind"), _("Entrance"), _("Floor")],
            "area_rows": area_rows,
            "contacts": contacts,
            "people_hidden": any(not c.person_visible for c in contacts),
            "report_url": selectors.building_public_report_url(building),
            "can_import": selectors.can_change_building(
                viewer=viewer, building=building, permission=selectors.IMPORT_UNITS
            ),
        },
    )


@require_GET
@login_required
def building_qr(request, pk):
    """The QR code of the building's public report link, as an SVG image."""
    building = selectors.building_get(viewer=request.viewer, id=pk)
    image = qrcode.make(
        selectors.building_public_report_url(building),
        image_factory=qrcode.image.svg.SvgPathImage,
        border=2,
    )
    out = io.BytesIO()
    image.save(out)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="qr-{building.pk}.svg"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def units_import(request, pk):
    viewer = request.viewer
    building = selectors.building_get_for_change(
        viewer=viewer, id=pk, permission=selectors.IMPORT_UNITS
    )
    form = (
        UnitImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else UnitImportForm()
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.units_import_start(
                actor=viewer,
                organisation_id=building.owner_id,
                building_id=building.pk,
                file_name=upload.name,
                content=upload.read(),
                language=get_language() or settings.LANGUAGE_CODE,
            )
        except ApplicationError as exc:
            add_service_errors(form, exc, field="file")
        else:
            return redirect("places:import_job", pk=job.pk)
    return render(
        request,
        "places/units_import.html",
        {"building": building, "form": form, "columns": COLUMNS},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def units_import_example(request, pk):
    """The building's units in the import format (edit and upload it again to update
    them), or three example rows for a building without units (BAG ids of the
    non-existent municipality 9999, so they are recognisable as examples)."""
    building = selectors.building_get(viewer=request.viewer, id=pk)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    units = selectors.unit_list(viewer=request.viewer, building_id=building.pk)
    for u in units.iterator(chunk_size=2000):
        writer.writerow(
            [
                u.bag_id or "",
                u.postcode,
                u.house_number,
                u.house_letter,
                u.house_number_addition,
                u.floor,
                u.entrance,
            ]
        )
    if not units.exists():
        entrance = (building.entrances or [""])[0]
        top = min(1, building.floors - 1)
        for n, (letter, addition, floor) in enumerate(
            [("", "", 0), ("A", "", 0), ("", "1", top)], start=1
        ):
            writer.writerow(
                [f"99990100000000{n:02d}", building.postcode, 1, letter, addition, floor, entrance]
            )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="units-{building.pk}.csv"'
    return response


def _job_context(request, pk) -> dict:
    job = selectors.units_import_job_get(viewer=request.viewer, id=pk)
    try:
        building = selectors.building_get(viewer=request.viewer, id=job.target_id)
    except NotFound:
        building = None
    return {
        "job": job,
        "building": building,
        "finished": job.is_finished,
        "succeeded": job.status == Job.Status.SUCCEEDED,
        "unchanged": max(0, job.total_rows - job.created_count - job.updated_count),
        "error_headers": [_("Row"), _("Column"), _("What is wrong")],
        "error_rows": [
            [e.get("row") or "—", e.get("column") or "—", e.get("message", "")] for e in job.errors
        ],
    }


@require_GET
@login_required
def import_job_detail(request, pk):
    return render(request, "places/import_job.html", _job_context(request, pk))


@require_GET
@login_required
def import_job_progress(request, pk):
    """The progress fragment htmx polls each second; once finished it stops polling."""
    return render(request, "places/_import_progress.html", _job_context(request, pk))
