"""Intake pages: the queue, a report with its triage forms, photos, observations.

Thin: parse the request, call a selector or service, render. Need-to-know lives in the
selectors (`report_get` answers 404 for missing and forbidden alike).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.forms import add_service_errors
from wijkregie.core.ids import parse_id
from wijkregie.places.selectors import (
    building_choices,
    building_floor_plan,
    building_get,
    building_suggestions,
    common_area_list,
    unit_list,
)
from wijkregie.reports import selectors, services
from wijkregie.reports.forms import (
    AssignForm,
    CategoryChangeForm,
    ContactLinkForm,
    DuplicateForm,
    ForwardForm,
    MessageForm,
    ObservationBuildingForm,
    ObservationForm,
    QueueFilterForm,
    SavedFilterForm,
    StandardTextChoiceForm,
    StandardTextForm,
    StatusChangeForm,
)
from wijkregie.reports.location import location_label, report_drawing
from wijkregie.reports.models import MESSAGE_MAX_LENGTH
from wijkregie.reports.predicates import RECEIVE_REPORTS
from wijkregie.reports.workflows import ReportStatus, default_resident_text

PAGE_SIZES = (10, 25, 50, 100)


def intake_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.viewer.is_superuser or request.viewer.has_perm(RECEIVE_REPORTS)):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Queue -----------------------------------------------------------------------------------


# The quick views above the queue: (label, query string).
QUICK_VIEWS = (
    (gettext_lazy("Needs us now"), ""),
    (gettext_lazy("Replies received"), "reply=waiting"),
    (gettext_lazy("Late"), "late=1"),
    (gettext_lazy("My reports"), "assigned=me"),
    (gettext_lazy("Nobody assigned"), "assigned=none"),
    (gettext_lazy("All reports"), "scope=all&order=newest"),
)


@intake_required
@require_GET
def queue(request):
    viewer = request.viewer
    q = request.GET.get("q", "").strip()
    if q and (found := selectors.report_find_by_code(viewer=viewer, code=q)) is not None:
        # A tracking code a resident reads out: straight to the report.
        return redirect("reports:detail", pk=found.pk)
    form = QueueFilterForm(
        request.GET or None, categories=selectors.category_list(include_inactive=True)
    )
    filters = form.filters()
    try:
        page_size = int(request.GET.get("page_size", 25))
    except ValueError:
        page_size = 25
    page_size = page_size if page_size in PAGE_SIZES else 25
    page = selectors.report_queue(
        viewer=viewer, filters=filters, page=request.GET.get("page", 1), page_size=page_size
    )
    query = request.GET.copy()
    query.pop("page", None)
    current = query.copy()
    current.pop("page_size", None)
    current_query = current.urlencode()
    values = {name: request.GET.get(name, "").strip() for name in form.fields}
    values.update({"scope": filters["scope"], "order": filters["order"]})
    return render(
        request,
        "reports/intake/queue.html",
        {
            "form": form,
            "values": values,
            "page": page,
            "reports": [(r, location_label(r)) for r in page.object_list],
            "query": query.urlencode(),
            "current_query": current_query,
            "page_size": page_size,
            "page_sizes": PAGE_SIZES,
            "quick_views": [
                {"label": label, "query": qs, "current": qs == current_query}
                for label, qs in QUICK_VIEWS
            ],
            "saved_filters": selectors.saved_queue_filters(viewer=viewer),
            "filters_open": bool(set(current) - {"q", "scope", "order"}),
            "save_form": SavedFilterForm(initial={"query": current_query}),
        },
    )


@intake_required
@require_GET
def building_suggest(request):
    """htmx: at most ten buildings the viewer may see, for the queue's building search."""
    buildings = building_suggestions(viewer=request.viewer, q=request.GET.get("building_q", ""))
    return render(request, "reports/intake/_building_options.html", {"buildings": buildings})


@intake_required
@require_POST
def filter_save(request):
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            saved = services.saved_queue_filter_save(
                actor=request.viewer,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The view “%(name)s” has been saved.") % {"name": saved.name}
            )
            return redirect(f"{reverse('reports:queue')}?{saved.query}")
    else:
        messages.error(request, _("Give the view a name of at most 80 characters."))
    return redirect("reports:queue")


@intake_required
@require_POST
def filter_delete(request, filter_id):
    services.saved_queue_filter_delete(actor=request.viewer, filter_id=filter_id)
    messages.success(request, _("The saved view has been deleted."))
    return redirect("reports:queue")


def home_counts(request) -> dict:
    """The home page's panel: what needs the viewer's organisations now, each count a
    link to the queue filtered to it."""
    counts = selectors.report_queue_counts(viewer=request.viewer)
    url = reverse("reports:queue")
    return {
        "counts": [
            {"label": _("New"), "number": counts.new, "url": f"{url}?status=received"},
            {
                "label": _("Replies received"),
                "number": counts.replies,
                "url": f"{url}?reply=waiting",
            },
            {"label": _("Late"), "number": counts.late, "url": f"{url}?late=1"},
            {"label": _("Assigned to me"), "number": counts.mine, "url": f"{url}?assigned=me"},
        ],
        "replies": counts.replies,
    }


# --- One report ----------------------------------------------------------------------------


def _detail_context(request, report, **forms) -> dict:
    viewer = request.viewer
    allowed = selectors.report_allowed_transitions(report=report)
    plan = building_floor_plan(building=report.building)
    reporter = selectors.reporter_identity_get(viewer=viewer, report=report)
    texts = selectors.standard_texts_for_report(
        viewer=viewer, report=report, language=reporter.language
    )
    context = {
        "report": report,
        "location": location_label(report),
        "picture": report_drawing(plan=plan, report=report),
        "photos": selectors.report_photo_list(viewer=viewer, report=report),
        "timeline": selectors.report_timeline(viewer=viewer, report=report),
        "messages_thread": selectors.report_messages(viewer=viewer, report=report),
        "reporter": reporter,
        "can_forward": selectors.report_can_forward(report=report),
        "status_form": StatusChangeForm(
            allowed=allowed, text_url=reverse("reports:resident_text", args=[report.pk])
        )
        if allowed
        else None,
        "forward_form": ForwardForm(
            organisations=selectors.report_forward_targets(viewer=viewer, report=report)
        ),
        "category_form": CategoryChangeForm(
            initial={"category": report.category_id},
            categories=selectors.category_list(),
        )
        if not report.is_closed
        else None,
        "message_form": MessageForm(),
        "standard_texts": texts,
        "text_choice_form": StandardTextChoiceForm(texts=texts) if texts else None,
        "default_texts": {s: default_resident_text(s) for s in allowed},
        "contact": selectors.report_contact_link_get(
            viewer=viewer, report=report, query=request.GET.get("resident_search", "")[:100]
        ),
        "contact_form": ContactLinkForm(),
    }
    context.update(_work_context(request, report))
    context.update({k: v for k, v in forms.items() if v is not None})
    return context


def _work_context(request, report) -> dict:
    """The work-queue part of the report page: assignee, duplicates (_work.html)."""
    viewer = request.viewer
    return {
        "assign_form": AssignForm(
            initial={"assignee": report.assigned_to_id},
            assignees=selectors.report_assignees(viewer=viewer, report=report),
        ),
        "duplicate_form": DuplicateForm() if not report.is_closed else None,
        "duplicates": selectors.report_duplicates(viewer=viewer, report=report),
        "parent_visible": report.duplicate_of_id is not None
        and viewer.has_perm(RECEIVE_REPORTS, obj=report.duplicate_of),
    }


@intake_required
@require_GET
def detail(request, pk):
    """The report page; opening it marks the reporter's messages in the thread read.

    A report the viewer's organisation forwarded elsewhere gets a read-only page."""
    try:
        report = selectors.report_get(viewer=request.viewer, id=pk)
    except NotFound:
        forwarded = selectors.report_forwarded_get(viewer=request.viewer, id=pk)
        return render(
            request,
            "reports/intake/forwarded.html",
            {
                "forwarded": forwarded,
                "report": forwarded.report,
                "location": location_label(forwarded.report),
            },
        )
    context = _detail_context(request, report)
    services.report_messages_mark_read_by_intake(
        actor=request.viewer,
        report_id=report.pk,
        shown=context["messages_thread"],
        reply_waiting=report.reply_waiting,
    )
    return render(request, "reports/intake/detail.html", context)


def _post_action(request, pk, *, form_name: str, build_form, act, done, then=None):
    """`done`: the confirmation (or a function of the cleaned data giving it); `then`: where
    to go afterwards (default: the report's page)."""
    report = selectors.report_get(viewer=request.viewer, id=pk)
    form = build_form(report, request.POST)
    if form.is_valid():
        try:
            act(report, form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            if isinstance(exc, NotFound):
                raise
            add_service_errors(form, exc)
        else:
            messages.success(request, done(form.cleaned_data) if callable(done) else done)
            return redirect(then or reverse("reports:detail", args=[report.pk]))
    report = selectors.report_get(viewer=request.viewer, id=pk)
    return render(
        request,
        "reports/intake/detail.html",
        _detail_context(request, report, **{form_name: form}),
        status=400,
    )


@intake_required
@require_POST
def status_change(request, pk):
    return _post_action(
        request,
        pk,
        form_name="status_form",
        build_form=lambda report, data: StatusChangeForm(
            data,
            allowed=selectors.report_allowed_transitions(report=report),
            text_url=reverse("reports:resident_text", args=[report.pk]),
        ),
        act=lambda report, d: services.report_status_change(
            actor=request.viewer,
            report_id=report.pk,
            to_status=d["to_status"],
            internal_note=d.get("internal_note", ""),
            resident_text=d.get("resident_text") or None,
            reason=d.get("reason", ""),
        ),
        done=_("The status has been changed."),
    )


@intake_required
@require_POST
def forward(request, pk):
    return _post_action(
        request,
        pk,
        form_name="forward_form",
        build_form=lambda report, data: ForwardForm(
            data,
            organisations=selectors.report_forward_targets(viewer=request.viewer, report=report),
        ),
        act=lambda report, d: services.report_forward(
            actor=request.viewer,
            report_id=report.pk,
            to_organisation_id=d["to_organisation"].pk,
            internal_note=d.get("internal_note", ""),
            resident_text=d.get("resident_text") or None,
        ),
        done=lambda d: (
            _(
                "Report #%(id)s has been forwarded to %(organisation)s. You can still read it "
                "under the status “Forwarded”."
            )
            % {"id": pk, "organisation": d["to_organisation"].name}
        ),
        # The report is no longer ours to work on: back to the queue, not to its page.
        then=reverse("reports:queue"),
    )


@intake_required
@require_POST
def category_change(request, pk):
    return _post_action(
        request,
        pk,
        form_name="category_form",
        build_form=lambda report, data: CategoryChangeForm(
            data, categories=selectors.category_list()
        ),
        act=lambda report, d: services.report_category_change(
            actor=request.viewer,
            report_id=report.pk,
            category_id=d["category"],
            internal_note=d.get("internal_note", ""),
        ),
        done=_("The category has been changed."),
    )


@intake_required
@require_POST
def message(request, pk):
    if "insert_text" in request.POST:
        return _standard_text_insert(request, pk)
    return _post_action(
        request,
        pk,
        form_name="message_form",
        build_form=lambda report, data: MessageForm(data),
        act=lambda report, d: services.report_message_to_reporter(
            actor=request.viewer, report_id=report.pk, body=d["body"]
        ),
        done=_("Your message has been sent to the reporter."),
    )


@intake_required
@require_POST
def assign(request, pk):
    return _post_action(
        request,
        pk,
        form_name="assign_form",
        build_form=lambda report, data: AssignForm(
            data, assignees=selectors.report_assignees(viewer=request.viewer, report=report)
        ),
        act=lambda report, d: services.report_assign(
            actor=request.viewer, report_id=report.pk, membership_id=d.get("assignee")
        ),
        done=_("The assignment has been saved."),
    )


def _parent_id(viewer, value: str):
    """A report number ("#123", "123") or tracking code the viewer receives → its id."""
    value = (value or "").strip().lstrip("#")
    if value.isdigit() and (pk := parse_id(value)) is not None:
        return pk
    found = selectors.report_find_by_code(viewer=viewer, code=value)
    if found is None:
        raise ValidationError(
            {"duplicate_of": _("No report of your organisation has this code or number.")}
        )
    return found.pk


@intake_required
@require_POST
def duplicate(request, pk):
    def act(report, d):
        services.report_mark_duplicate(
            actor=request.viewer,
            report_id=report.pk,
            duplicate_of_id=_parent_id(request.viewer, d["duplicate_of"]),
            internal_note=d.get("internal_note", ""),
        )

    return _post_action(
        request,
        pk,
        form_name="duplicate_form",
        build_form=lambda report, data: DuplicateForm(data),
        act=act,
        done=_("The report has been marked as a duplicate."),
    )


@intake_required
@require_POST
def duplicate_remove(request, pk):
    services.report_unmark_duplicate(actor=request.viewer, report_id=pk)
    messages.success(request, _("The report is no longer marked as a duplicate."))
    return redirect("reports:detail", pk=pk)


@intake_required
@require_GET
def resident_text(request, pk):
    """htmx: the standard resident text of the status chosen in the triage form, offered
    beside the text field (nothing for the empty choice)."""
    report = selectors.report_get(viewer=request.viewer, id=pk)
    allowed = selectors.report_allowed_transitions(report=report)
    status = request.GET.get("to_status", "")
    if status and status not in allowed:
        raise Http404
    return render(
        request,
        "reports/intake/_resident_text.html",
        {
            "status_label": ReportStatus(status).label if status else "",
            "text": default_resident_text(status) if status else "",
            "field_id": StatusChangeForm(allowed=allowed)["resident_text"].auto_id,
        },
    )


@intake_required
@require_GET
def photo(request, pk, photo_id):
    item = selectors.report_photo_get(viewer=request.viewer, report_id=pk, photo_id=photo_id)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Observations ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def observation(request):
    """A professional logs what they saw or heard; first the building, then the facts."""
    viewer = request.viewer
    buildings = building_choices(viewer=viewer)
    if not buildings:
        raise DjangoPermissionDenied
    building_id = request.POST.get("building") or request.GET.get("building")
    if not building_id:
        return render(
            request,
            "reports/intake/observation.html",
            {"building_form": ObservationBuildingForm(buildings=buildings)},
        )
    building = building_get(viewer=viewer, id=building_id)
    plan_units = unit_list(viewer=viewer, building_id=building.pk)
    areas = common_area_list(viewer=viewer, building_id=building.pk)
    form = ObservationForm(
        request.POST if request.method == "POST" else None,
        organisations=viewer.grants,
        categories=selectors.category_list(),
        units=plan_units,
        areas=areas,
        entrances=building.entrances or [],
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.report_log_observation(
                actor=viewer,
                organisation_id=d["organisation"],
                building=building,
                category=selectors.category_get(id=d["category"]),
                description=d["description"],
                channel=d["channel"],
                location_kind=d["location_kind"],
                unit=plan_units.filter(pk=d["unit"]).first() if d["unit"] else None,
                floor=d["floor"],
                entrance=d["entrance"] or "",
                common_area=areas.filter(pk=d["common_area"]).first() if d["common_area"] else None,
                occurred_when=d["occurred_when"],
            )
        except (ApplicationError, ValidationError) as exc:
            if isinstance(exc, NotFound):
                raise
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your observation has been recorded and sent to %(organisation)s.")
                % {"organisation": report.receiving_organisation.name},
            )
            try:
                selectors.report_get(viewer=viewer, id=report.pk)
            except NotFound:
                return redirect(reverse("reports:observation"))
            return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "reports/intake/observation.html",
        {"form": form, "building": building},
        status=400 if form.is_bound and form.errors else 200,
    )


@intake_required
@require_POST
def contact_link(request, pk):
    """Add a request to get in touch to the contact history of the resident it came from."""
    return _post_action(
        request,
        pk,
        form_name="contact_form",
        build_form=lambda report, data: ContactLinkForm(data),
        act=lambda report, d: services.report_contact_link(
            actor=request.viewer, report_id=report.pk, resident_id=d["resident"]
        ),
        done=_("The request is now in the resident's contact history."),
    )


# --- Standard texts ------------------------------------------------------------------------


def _standard_text_insert(request, pk):
    """Put the chosen standard text (in the reporter's language, else Dutch) into the
    message box after what was typed there; nothing is sent yet."""
    report = selectors.report_get(viewer=request.viewer, id=pk)
    context = _detail_context(request, report)
    texts = context["standard_texts"]
    choice = StandardTextChoiceForm(request.POST, texts=texts)
    typed = str(request.POST.get("body", ""))[:MESSAGE_MAX_LENGTH]
    body = typed
    if choice.is_valid():
        chosen = next(t for t in texts if t[0].pk == choice.cleaned_data["standard_text"])[1]
        body = f"{typed.rstrip()}\n\n{chosen}" if typed.strip() else chosen
    context["message_form"] = MessageForm(initial={"body": body[:MESSAGE_MAX_LENGTH]})
    context["text_choice_form"] = choice
    return render(
        request,
        "reports/intake/detail.html",
        context,
        status=200 if choice.is_valid() else 400,
    )


@intake_required
@require_http_methods(["GET", "POST"])
def standard_texts(request):
    """The library: every text of the organisations the viewer does intake for, and a new one."""
    organisations = selectors.standard_text_organisations(viewer=request.viewer)
    form = StandardTextForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_text_create(
                actor=request.viewer,
                organisation_id=form.cleaned_data["organisation"],
                title=form.cleaned_data["title"],
                body=form.body(),
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The standard text has been added."))
            return redirect("reports:standard_texts")
    return render(
        request,
        "reports/intake/standard_texts.html",
        {
            "texts": selectors.standard_text_list(viewer=request.viewer, include_inactive=True),
            "form": form,
            "languages": settings.WIJKREGIE_RESIDENT_LANGUAGES,
        },
        status=400 if form.is_bound else 200,
    )


@intake_required
@require_http_methods(["GET", "POST"])
def standard_text_edit(request, pk):
    text = selectors.standard_text_get(viewer=request.viewer, id=pk)
    form = StandardTextForm(
        request.POST or None,
        initial=StandardTextForm.initial_for(text),
        organisations=[text.organisation],
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_text_update(
                actor=request.viewer,
                text_id=text.pk,
                title=form.cleaned_data["title"],
                body=form.body(),
                active=form.cleaned_data["active"],
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The standard text has been changed."))
            return redirect("reports:standard_texts")
    return render(
        request,
        "reports/intake/standard_text_edit.html",
        {"text": text, "form": form},
        status=400 if form.is_bound else 200,
    )
