"""Outreach pages: rounds (plan, walk on a phone, coverage) and residents' evenings.

Thin: parse the request, call a selector or service, render. The walk page is a
progressive web app: its service worker (`sw.js`, scope /outreach/) keeps the page and its
files for offline use, and `outreach/walk.js` keeps outcomes in an outbox on the phone
until the API has them (docs/outreach.md).
"""

import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.forms import add_service_errors
from wijkregie.outreach import selectors, services
from wijkregie.outreach.forms import (
    EveningForm,
    EveningRecordForm,
    InputActionForm,
    InputReportForm,
    RoundForm,
    VisitForm,
)
from wijkregie.outreach.models import Coverage, VisitOutcome
from wijkregie.places.drawing import Highlight, Mark, building_drawing
from wijkregie.places.selectors import building_choices, building_floor_plan

STATIC = Path(__file__).resolve().parent / "static" / "outreach"


def _require_planner(request):
    if not selectors.may_plan_any(request.viewer):
        raise DjangoPermissionDenied(_("You may not plan door-to-door rounds or evenings."))


# --- Rounds -------------------------------------------------------------------------------


@login_required
@require_GET
def round_list(request):
    viewer = request.viewer
    return render(
        request,
        "outreach/round_list.html",
        {
            "rounds": selectors.round_list(viewer=viewer),
            "may_plan": selectors.may_plan_any(viewer),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    _require_planner(request)
    viewer = request.viewer
    kwargs = {
        "buildings": building_choices(viewer=viewer),
        "people": selectors.team_choices(viewer=viewer),
    }
    today = timezone.localdate()
    form = RoundForm(request.POST or None, initial={"starts_on": today, "ends_on": today}, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.round_create(
                actor=viewer,
                building_id=data["building"],
                title=data["title"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                entrances=data["entrances"],
                floors=data["floors"],
                team_membership_ids=data["team"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc, fields={"building_id": "building", "units": "floors"})
        else:
            messages.success(request, _("The round is planned."))
            return redirect("outreach:round_detail", pk=round_.pk)
    return render(request, "outreach/round_create.html", {"form": form})


def _coverage_context(viewer, round_) -> dict:
    coverage = selectors.round_coverage(viewer=viewer, round_=round_)
    labels = dict(Coverage.choices)
    marks = {d.unit_id: Mark(d.state, str(labels[d.state])) for d in coverage.doors}
    # Units not on this round's list (other entrances or floors) are drawn plain.
    plan = building_floor_plan(building=round_.building)
    drawing = building_drawing(plan, highlight=Highlight(coverage=marks))
    headers = [_("Entrance"), _("Floor"), *[str(label) for _v, label in Coverage.choices]]
    rows = [
        [r.entrance or "—", r.floor_label, *[r.counts[v] for v in Coverage.values]]
        for r in coverage.rows
    ]
    rows.append([_("All"), "", *[coverage.totals[v] for v in Coverage.values]])
    return {
        "coverage": coverage,
        "drawing": drawing,
        "coverage_headers": headers,
        "coverage_rows": rows,
    }


@login_required
@require_GET
def round_detail(request, pk):
    viewer = request.viewer
    round_ = selectors.round_get(viewer=viewer, id=pk)
    context = {
        "round": round_,
        "may_plan": selectors.may_plan(viewer, round_),
        "may_visit": selectors.may_visit(viewer, round_),
        "visits": selectors.visit_list(viewer=viewer, round_=round_),
        "team": selectors.round_team(round_=round_),
    }
    context.update(_coverage_context(viewer, round_))
    return render(request, "outreach/round_detail.html", context)


@login_required
@require_POST
def round_follow_up(request, pk):
    try:
        follow_up = services.round_follow_up_create(actor=request.viewer, round_id=pk)
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
        return redirect("outreach:round_detail", pk=pk)
    messages.success(request, _("The follow-up round is planned with the doors to try again."))
    return redirect("outreach:round_detail", pk=follow_up.pk)


@login_required
@require_POST
def round_complete(request, pk):
    services.round_complete(actor=request.viewer, round_id=pk)
    messages.success(request, _("The round is marked as completed."))
    return redirect("outreach:round_detail", pk=pk)


def _visit_form(viewer, round_, door, data=None):
    residents = [(r["id"], r["name"]) for r in door.residents] if door else []
    return VisitForm(
        data,
        residents=residents,
        categories=selectors.concern_categories(),
        cases=selectors.action_cases(viewer=viewer, building_id=round_.building_id),
        initial={"idempotency_key": uuid.uuid4(), "unit_id": door.unit_id if door else None},
    )


def _current_door(doors, wanted):
    for door in doors:
        if str(door.unit_id) == str(wanted):
            return door
    for door in doors:
        if door.state == Coverage.NOT_TRIED:
            return door
    return doors[0] if doors else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def round_walk(request, pk):
    """The phone page in the hallway: the next door, one tap for the outcome."""
    viewer = request.viewer
    round_ = selectors.round_get(viewer=viewer, id=pk)
    if not selectors.may_visit(viewer, round_):
        raise DjangoPermissionDenied(_("You are not on this round's team."))
    doors = selectors.round_doors(viewer=viewer, round_=round_)
    door = _current_door(doors, request.GET.get("door") or request.POST.get("unit_id"))
    form = _visit_form(viewer, round_, door, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.visit_record(
                    actor=viewer,
                    round_id=round_.pk,
                    idempotency_key=data["idempotency_key"],
                    unit_id=data["unit_id"],
                    outcome=data["outcome"],
                    revisit=data["revisit"],
                    topics=data["topics"],
                    topics_other=data["topics_other"],
                    note=data["note"],
                    resident_id=data["resident_id"],
                    contact_again=data["contact_again"],
                    contact_channel=data["contact_channel"],
                    concern=data["concern"],
                    concern_category_id=data["concern_category_id"],
                    concern_case_id=data["concern_case_id"],
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The outcome is stored."))
                return redirect("outreach:round_walk", pk=round_.pk)
        status = 400
    return render(
        request,
        "outreach/round_walk.html",
        {
            "round": round_,
            "doors": doors,
            "door": door,
            "form": form,
            "outcomes": VisitOutcome.choices,
            "api_url": reverse("outreach_api:round_visits", args=[round_.pk]),
            "sw_url": reverse("outreach:service_worker"),
            "manifest_url": reverse("outreach:manifest"),
        },
        status=status,
    )


@require_GET
def service_worker(request):
    """The service worker, served from /outreach/ so that its scope is the outreach pages."""
    response = HttpResponse(
        (STATIC / "sw.js").read_bytes(), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = reverse("outreach:round_list")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    scope = reverse("outreach:round_list")
    return JsonResponse(
        {
            "name": "Wijkregie — " + _("Door to door"),
            "short_name": _("Door to door"),
            "start_url": scope,
            "scope": scope,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#154273",
            "lang": request.LANGUAGE_CODE,
            "icons": [
                {"src": static("wijkregie/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}
            ],
        },
        content_type="application/manifest+json",
    )


# --- Evenings -----------------------------------------------------------------------------


@login_required
@require_GET
def evening_list(request):
    _require_planner(request)
    return render(
        request,
        "outreach/evening_list.html",
        {"evenings": selectors.evening_list(viewer=request.viewer)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def evening_create(request):
    _require_planner(request)
    viewer = request.viewer
    form = EveningForm(request.POST or None, buildings=building_choices(viewer=viewer))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evening = services.evening_create(
                actor=viewer,
                title=data["title"],
                starts_at=data["starts_at"],
                place=data["place"],
                building_ids=data["buildings"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc, fields={"building_ids": "buildings"})
        else:
            messages.success(request, _("The residents' evening is planned."))
            return redirect("outreach:evening_detail", pk=evening.pk)
    return render(request, "outreach/evening_create.html", {"form": form})


def _evening_context(request, evening, **forms) -> dict:
    viewer = request.viewer
    inputs = selectors.evening_inputs(evening=evening)
    building_ids = [b.pk for b in evening.buildings.all()]
    cases = []
    for building_id in building_ids:
        cases += selectors.action_cases(viewer=viewer, building_id=building_id)
    categories = selectors.concern_categories()
    context = {
        "evening": evening,
        "inputs": [
            (
                i,
                forms.get(f"report-{i.pk}")
                or InputReportForm(prefix=f"r{i.pk}", categories=categories),
                (forms.get(f"action-{i.pk}") or InputActionForm(prefix=f"a{i.pk}", cases=cases))
                if cases
                else None,
            )
            for i in inputs
        ],
        "invitations": selectors.evening_invitation_count(evening=evening),
        "record_form": forms.get("record")
        or EveningRecordForm(initial={"attendance": evening.attendance, "notes": evening.notes}),
        "may_plan": selectors.may_plan(viewer, evening),
    }
    return context


@login_required
@require_GET
def evening_detail(request, pk):
    evening = selectors.evening_get(viewer=request.viewer, id=pk)
    return render(request, "outreach/evening_detail.html", _evening_context(request, evening))


@login_required
@require_POST
def evening_record(request, pk):
    evening = selectors.evening_get(viewer=request.viewer, id=pk)
    form = EveningRecordForm(request.POST)
    if form.is_valid():
        try:
            services.evening_update(
                actor=request.viewer,
                evening_id=evening.pk,
                attendance=form.cleaned_data["attendance"],
                notes=form.cleaned_data["notes"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Attendance and notes are saved."))
            return redirect("outreach:evening_detail", pk=evening.pk)
    context = _evening_context(request, evening, record=form)
    return render(request, "outreach/evening_detail.html", context, status=400)


@login_required
@require_POST
def evening_invitations(request, pk):
    count = services.evening_invitations_issue(actor=request.viewer, evening_id=pk)
    messages.success(request, _("%(count)d new invitations issued.") % {"count": count})
    return redirect("outreach:evening_detail", pk=pk)


@login_required
@require_POST
def input_report(request, pk, input_id):
    evening = selectors.evening_get(viewer=request.viewer, id=pk)
    form = InputReportForm(
        request.POST, prefix=f"r{input_id}", categories=selectors.concern_categories()
    )
    if form.is_valid():
        try:
            services.evening_input_to_report(
                actor=request.viewer,
                evening_id=evening.pk,
                input_id=input_id,
                category_id=form.cleaned_data["category"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc, fields={"category_id": "category"})
        else:
            messages.success(request, _("The input is now a report."))
            return redirect("outreach:evening_detail", pk=evening.pk)
    context = _evening_context(request, evening, **{f"report-{input_id}": form})
    return render(request, "outreach/evening_detail.html", context, status=400)


@login_required
@require_POST
def input_action(request, pk, input_id):
    evening = selectors.evening_get(viewer=request.viewer, id=pk)
    cases = []
    for building in evening.buildings.all():
        cases += selectors.action_cases(viewer=request.viewer, building_id=building.pk)
    form = InputActionForm(request.POST, prefix=f"a{input_id}", cases=cases)
    if form.is_valid():
        try:
            services.evening_input_to_action(
                actor=request.viewer,
                evening_id=evening.pk,
                input_id=input_id,
                case_id=form.cleaned_data["case"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc, fields={"case_id": "case"})
        else:
            messages.success(request, _("The input is now an action on the case."))
            return redirect("outreach:evening_detail", pk=evening.pk)
    context = _evening_context(request, evening, **{f"action-{input_id}": form})
    return render(request, "outreach/evening_detail.html", context, status=400)
