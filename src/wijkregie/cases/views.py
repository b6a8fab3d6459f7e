"""Case pages: my cases, one case, opening a case, participants, regie, linking reports.

Thin: parse the request, call a selector or service, render. Need-to-know lives in the
selectors (`case_get` answers 404 for missing and forbidden alike).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wijkregie.cases import selectors, services
from wijkregie.cases.forms import (
    ActionEditForm,
    ActionForm,
    AgendaItemForm,
    AgreementAnswerForm,
    AgreementForm,
    AttendanceForm,
    CaseBuildingForm,
    CaseOpenForm,
    DecisionForm,
    EscalationAnswerForm,
    EscalationForm,
    FragmentForm,
    MeetingForm,
    MinutesForm,
    ParticipantForm,
    PhaseItemForm,
    PhaseMoveForm,
    RegieMoveForm,
    ReportLinkForm,
)
from wijkregie.cases.minutes import minutes_file_name, minutes_pdf
from wijkregie.cases.models import (
    CHANGE_CASE,
    MANAGE_PARTICIPANTS,
    MOVE_REGIE,
    OPEN_CASE,
)
from wijkregie.cases.roles import MANAGE_ACTIONS, MANAGE_MEETINGS
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.forms import add_service_errors
from wijkregie.partners.models import Organisation
from wijkregie.places.selectors import building_get, unit_list
from wijkregie.reports.location import location_label
from wijkregie.reports.selectors import report_get


@login_required
@require_GET
def case_list(request):
    viewer = request.viewer
    return render(
        request,
        "cases/list.html",
        {
            "cases": selectors.case_list(viewer=viewer),
            "may_open": selectors.may_open_case(viewer),
        },
    )


@login_required
@require_GET
def by_health(request):
    """The viewer's open cases, those in most trouble first, each saying why."""
    return render(
        request, "cases/by_health.html", {"rows": selectors.cases_by_health(viewer=request.viewer)}
    )


@login_required
@require_GET
def my_work(request):
    return render(
        request,
        "cases/my_work.html",
        {
            "work": selectors.my_work(viewer=request.viewer),
            "escalations": selectors.escalations_waiting(viewer=request.viewer),
        },
    )


def _detail_context(request, pk, **forms) -> dict:
    page = selectors.case_page(viewer=request.viewer, id=pk)
    context = {
        "page": page,
        "case": page.case,
        "can": {p.split(".", 1)[1]: True for p in page.permissions},
    }
    if MANAGE_PARTICIPANTS in page.permissions:
        context["participant_form"] = _participant_form(request, pk)
    if MOVE_REGIE in page.permissions:
        context["regie_form"] = RegieMoveForm(participants=page.participants)
    if CHANGE_CASE in page.permissions and page.my_organisations:
        context["agreement_form"] = AgreementForm(organisations=page.organisations)
    if MANAGE_ACTIONS in page.permissions:
        context["action_form"] = _action_form(page)
    if MANAGE_MEETINGS in page.permissions:
        context["meeting_form"] = MeetingForm()
    if page.my_organisations and page.case.status == "open":
        context["fragment_form"] = forms.pop("fragment_form", None) or FragmentForm(
            organisations=[o.organisation for o in page.organisations]
        )
    levels = selectors.escalation_levels_above(page.case.level)
    if CHANGE_CASE in page.permissions and page.my_organisations and levels:
        context["escalation_form"] = forms.pop("escalation_form", None) or EscalationForm(
            levels=levels
        )
    context["escalations"] = [
        (e, e.addressed_to_viewer and e.status == "open") for e in page.escalations
    ]
    if MANAGE_PARTICIPANTS in page.permissions:
        failed_tick = forms.pop("phase_item_form", None)
        context["phase_items"] = [
            (
                i,
                failed_tick
                if failed_tick is not None and failed_tick.prefix == f"p-{i.item}"
                else PhaseItemForm(prefix=f"p-{i.item}", initial={"item": i.item}),
            )
            for i in page.checklist
            if not i.done and not i.automatic
        ]
        context["phase_form"] = PhaseMoveForm(initial={"to_phase": min(page.case.phase + 1, 3)})
    failed = forms.pop("answer_form", None)
    # What others expect of the viewer's organisations, each with its own answer form.
    context["answers"] = [
        (
            a,
            failed
            if failed is not None and failed.prefix == f"a{a.pk}"
            else AgreementAnswerForm(prefix=f"a{a.pk}"),
        )
        for a in page.agreements
        if a.organisation_id in page.my_organisations and a.status != "accepted"
    ]
    context.update(forms)
    return context


def _action_form(page, data=None, form_class=ActionForm, **kwargs):
    return form_class(
        data,
        organisations=page.organisations,
        people=selectors.action_owner_choices(page.participants),
        **kwargs,
    )


def _participant_form(request, pk, data=None) -> ParticipantForm:
    def find(organisation_id, user_id, text):
        return selectors.case_person_matches(
            viewer=request.viewer, organisation_id=organisation_id, user_id=user_id, text=text
        )

    return ParticipantForm(
        data,
        organisations=selectors.case_organisation_choices(),
        find=find,
        suggest_url=reverse("cases:person_suggest", args=[pk]),
    )


@login_required
@require_GET
def person_suggest(request, pk):
    """htmx: at most ten people of the chosen organisation, for the add-participant
    form's person search (for those who may add participants)."""
    case = selectors.case_get(viewer=request.viewer, id=pk)
    if MANAGE_PARTICIPANTS not in selectors.case_permissions(viewer=request.viewer, case=case):
        raise DjangoPermissionDenied
    organisation = request.GET.get("organisation", "")
    people = selectors.case_person_suggestions(
        viewer=request.viewer, organisation_id=organisation, q=request.GET.get("person", "")
    )
    return render(
        request,
        "cases/_person_options.html",
        {"people": people, "no_organisation": not organisation},
    )


@login_required
@require_GET
def case_detail(request, pk):
    return render(request, "cases/detail.html", _detail_context(request, pk))


@login_required
@require_GET
def case_timeline(request, pk):
    """Older events of the timeline, before the cursor `before` (an htmx fragment that
    takes the place of the "show older" link, or a page of its own without htmx)."""
    case = selectors.case_get(viewer=request.viewer, id=pk)
    timeline = selectors.case_timeline_page(
        viewer=request.viewer, case_id=case.pk, before=request.GET.get("before")
    )
    context = {"case": case, "timeline": timeline}
    template = "cases/_timeline_items.html" if request.htmx else "cases/timeline.html"
    return render(request, template, context)


def _post(request, pk, *, form, form_name: str, act, done: str):
    case = selectors.case_get(viewer=request.viewer, id=pk)
    if form.is_valid():
        try:
            act(case, form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("cases:detail", pk=case.pk)
    return render(
        request, "cases/detail.html", _detail_context(request, pk, **{form_name: form}), status=400
    )


def _participant_added(request):
    def act(case, d):
        participant = services.case_participant_add(
            actor=request.viewer,
            case_id=case.pk,
            organisation_id=d["organisation"],
            user_id=d.get("user"),
            role=d["role"],
        )
        gaps = selectors.sharing_gaps(case=case, organisation_id=participant.organisation_id)
        if gaps:
            messages.warning(
                request,
                _(
                    "%(org)s has no data-sharing agreement with %(others)s: it takes part, "
                    "but personal data they write on the case does not reach it."
                )
                % {"org": participant.organisation.name, "others": ", ".join(gaps)},
            )

    return act


@login_required
@require_POST
def participant_add(request, pk):
    return _post(
        request,
        pk,
        form=_participant_form(request, pk, request.POST),
        form_name="participant_form",
        act=_participant_added(request),
        done=_("The participant has been added."),
    )


@login_required
@require_POST
def participant_end(request, pk, participant_id):
    case = selectors.case_get(viewer=request.viewer, id=pk)
    try:
        services.case_participant_end(
            actor=request.viewer, case_id=case.pk, participant_id=participant_id
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The participant has left the case."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def regie_move(request, pk):
    case = selectors.case_get(viewer=request.viewer, id=pk)
    participants = selectors.case_participants(viewer=request.viewer, case=case)
    return _post(
        request,
        pk,
        form=RegieMoveForm(request.POST, participants=participants),
        form_name="regie_form",
        act=lambda case, d: services.case_regie_move(
            actor=request.viewer,
            case_id=case.pk,
            to_participant_id=d["to_participant"],
            reason=d["reason"],
        ),
        done=_("The regie has moved."),
    )


@login_required
@require_POST
def agreement_record(request, pk):
    page_orgs = selectors.participating_organisations(
        selectors.case_participants(
            viewer=request.viewer, case=selectors.case_get(viewer=request.viewer, id=pk)
        )
    )
    return _post(
        request,
        pk,
        form=AgreementForm(request.POST, organisations=page_orgs),
        form_name="agreement_form",
        act=lambda case, d: services.agreement_record(
            actor=request.viewer,
            case_id=case.pk,
            topic=d["topic"],
            description=d.get("description", ""),
            organisation_id=d.get("organisation"),
        ),
        done=_("The task agreement has been recorded."),
    )


@login_required
@require_POST
def agreement_answer(request, pk, agreement_id):
    return _post(
        request,
        pk,
        form=AgreementAnswerForm(request.POST, prefix=f"a{agreement_id}"),
        form_name="answer_form",
        act=lambda case, d: services.agreement_answer(
            actor=request.viewer,
            case_id=case.pk,
            agreement_id=agreement_id,
            accept=d["accept"],
            note=d.get("note", ""),
        ),
        done=_("Your answer has been recorded."),
    )


@login_required
@require_POST
def action_create(request, pk):
    page = selectors.case_page(viewer=request.viewer, id=pk)
    form = _action_form(page, request.POST)

    def act(case, d):
        action = services.action_create(
            actor=request.viewer,
            case_id=case.pk,
            description=d["description"],
            owner_organisation_id=d["owner_organisation"],
            owner_id=d.get("owner"),
            due_date=d["due_date"],
        )
        if action.is_overdue(page.today):
            messages.warning(
                request, _("Note: the due date lies in the past, so the action is overdue.")
            )

    return _post(
        request,
        pk,
        form=form,
        form_name="action_form",
        act=act,
        done=_("The action has been agreed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk, action_id):
    """Change an action; a change by someone else in between is refused, not lost."""
    viewer = request.viewer
    case, action = selectors.case_action_get(viewer=viewer, case_id=pk, action_id=action_id)
    page = selectors.case_page(viewer=viewer, id=case.pk)
    initial = {
        "description": action.description,
        "owner_organisation": action.owner_organisation_id,
        "owner": action.owner_id,
        "due_date": action.due_date,
        "status": action.status,
        "outcome": action.outcome,
        "version": action.version,
    }
    data = request.POST if request.method == "POST" else None
    form = _action_form(page, data, form_class=ActionEditForm, initial=initial)
    conflict = False
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            services.action_update(
                actor=viewer,
                case_id=case.pk,
                action_id=action.pk,
                version=d["version"],
                description=d["description"],
                owner_organisation_id=d["owner_organisation"],
                owner_id=d.get("owner"),
                due_date=d["due_date"],
                status=d["status"],
                outcome=d.get("outcome", ""),
            )
        except services.EditConflict as exc:
            conflict = True
            add_service_errors(form, exc)
            # The editor's text stays in the form; the version is the current one, so
            # saving again (after checking) is a deliberate choice.
            form.data = form.data.copy()
            form.data["version"] = exc.extra.get("current_version", action.version)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The action has been changed."))
            return redirect("cases:detail", pk=case.pk)
        case, action = selectors.case_action_get(viewer=viewer, case_id=pk, action_id=action_id)
    return render(
        request,
        "cases/action_edit.html",
        {"case": case, "action": action, "form": form, "conflict": conflict, "today": page.today},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request):
    """Open a case: first the building, then what the case is about."""
    viewer = request.viewer
    if not selectors.may_open_case(viewer):
        raise DjangoPermissionDenied
    buildings = selectors.case_building_choices(viewer=viewer)
    building_id = request.POST.get("building") or request.GET.get("building")
    if not building_id:
        return render(
            request, "cases/open.html", {"building_form": CaseBuildingForm(buildings=buildings)}
        )
    building = building_get(viewer=viewer, id=building_id)
    parents = [
        c
        for c in selectors.case_list(viewer=viewer, filters={"building": building.pk})
        if viewer.is_superuser or viewer.has_perm(CHANGE_CASE, obj=c)
    ]
    organisations = [
        (g.organisation_id, g.organisation_name)
        for g in viewer.grants
        if OPEN_CASE in g.permissions
    ]
    form = CaseOpenForm(
        request.POST if request.method == "POST" else None,
        units=unit_list(viewer=viewer, building_id=building.pk),
        parents=parents,
        organisations=organisations,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_open(
                actor=viewer,
                building_id=building.pk,
                title=d["title"],
                goal=d["goal"],
                kind=d["kind"],
                level=d["level"],
                confidentiality=d["confidentiality"],
                unit_id=d.get("unit"),
                parent_id=d.get("parent"),
                organisation_id=d.get("organisation"),
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The case has been opened."))
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/open.html",
        {"form": form, "building": building},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_link(request, report_id):
    """From the report page: link the report to one of the building's cases."""
    viewer = request.viewer
    report = report_get(viewer=viewer, id=report_id)
    cases = selectors.case_link_targets(viewer=viewer, report=report)
    form = ReportLinkForm(request.POST if request.method == "POST" else None, cases=cases)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_report_link(
                actor=viewer,
                case_id=form.cleaned_data["case"],
                report_id=report.pk,
                note=form.cleaned_data.get("note", ""),
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc, fields={"report": "case"})
        else:
            messages.success(request, _("The report has been linked to the case."))
            return redirect("cases:detail", pk=form.cleaned_data["case"])
    return render(
        request,
        "cases/report_link.html",
        {"report": report, "location": location_label(report), "form": form, "cases": cases},
        status=400 if form.is_bound and form.errors else 200,
    )


BULK_LINK_MAX = 50


@login_required
@require_http_methods(["GET", "POST"])
def reports_link(request):
    """From the intake queue: link the chosen reports to one case. Each report is linked
    on its own; one that cannot be (another building, linked already) is named with the
    reason and the others are linked."""
    viewer = request.viewer
    data = request.POST if request.method == "POST" else request.GET
    ids = []
    for raw in data.getlist("report")[: BULK_LINK_MAX + 1]:
        if raw.isdigit() and int(raw) not in ids:
            ids.append(int(raw))
    if not ids:
        messages.error(request, _("Choose one or more reports in the queue first."))
        return redirect("reports:queue")
    if len(ids) > BULK_LINK_MAX:
        messages.error(request, _("Link at most %(n)d reports at a time.") % {"n": BULK_LINK_MAX})
        return redirect("reports:queue")
    reports = [report_get(viewer=viewer, id=i) for i in ids]
    cases = selectors.cases_to_link(viewer=viewer, reports=reports)
    form = ReportLinkForm(
        data if request.method == "POST" else None,
        cases=cases,
        labels={c.pk: f"{c.title} ({c.building.name})" for c in cases},
    )
    if request.method == "POST" and form.is_valid():
        linked, refused = [], []
        for report in reports:
            try:
                services.case_report_link(
                    actor=viewer,
                    case_id=form.cleaned_data["case"],
                    report_id=report.pk,
                    note=form.cleaned_data.get("note", ""),
                )
            except (ApplicationError, ValidationError) as exc:
                reason = " ".join(getattr(exc, "messages", None) or [str(exc.message)])
                refused.append(f"#{report.pk}: {reason}")
            else:
                linked.append(report.pk)
        if linked:
            messages.success(
                request,
                ngettext(
                    "%(n)d report has been linked to the case.",
                    "%(n)d reports have been linked to the case.",
                    len(linked),
                )
                % {"n": len(linked)},
            )
        if refused:
            messages.warning(request, _("Not linked: %(list)s") % {"list": "; ".join(refused)})
        if linked:
            return redirect("cases:detail", pk=form.cleaned_data["case"])
        form.add_error("case", _("None of the chosen reports could be linked to this case."))
    return render(
        request,
        "cases/reports_link.html",
        {
            "rows": [(r, location_label(r)) for r in reports],
            "form": form,
            "cases": cases,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def building_cases(request, building_id):
    """The building page's section (htmx fragment, or a page of its own without htmx)."""
    viewer = request.viewer
    building = building_get(viewer=viewer, id=building_id)
    context = {
        "building": building,
        "cases": selectors.building_cases(viewer=viewer, building_id=building.pk),
        "may_open": selectors.may_open_case(viewer),
    }
    template = "cases/_building_cases.html" if request.htmx else "cases/building_cases.html"
    return render(request, template, context)


@login_required
@require_GET
def organisation_cases(request, organisation_id):
    """The partner directory's section per organisation (htmx fragment, or a page of its
    own without htmx): the open cases with it that the viewer takes part in."""
    organisation = get_object_or_404(
        Organisation.objects.filter(is_active=True), pk=organisation_id
    )
    context = {
        "organisation": organisation,
        "cases": selectors.organisation_cases(
            viewer=request.viewer, organisation_id=organisation.pk
        ),
    }
    template = "cases/_organisation_cases.html" if request.htmx else "cases/organisation_cases.html"
    return render(request, template, context)


# --- Notes, documents and visit reports ------------------------------------------------------


@login_required
@require_POST
def fragment_add(request, pk):
    case = selectors.case_get(viewer=request.viewer, id=pk)
    organisations = selectors.participating_organisations(
        selectors.case_participants(viewer=request.viewer, case=case)
    )
    form = FragmentForm(
        request.POST, request.FILES, organisations=[o.organisation for o in organisations]
    )

    def act(case, d):
        upload = d.get("file")
        services.fragment_add(
            actor=request.viewer,
            case_id=case.pk,
            kind=d["kind"],
            title=d["title"],
            text=d.get("text", ""),
            audience=d["audience"],
            organisation_ids=d.get("organisations") or [],
            residents_may_be_told=d.get("residents_may_be_told", False),
            data_category=d.get("data_category") or "",
            visited_on=d.get("visited_on"),
            file_name=upload.name if upload else "",
            file_data=upload.read() if upload else None,
        )

    return _post(
        request,
        pk,
        form=form,
        form_name="fragment_form",
        act=act,
        done=_("It has been added to the case, for those you chose."),
    )


@login_required
@require_GET
def fragment_file(request, pk, fragment_id):
    fragment = selectors.case_fragment_get(
        viewer=request.viewer, case_id=pk, fragment_id=fragment_id
    )
    if not fragment.file:
        raise Http404
    response = FileResponse(
        fragment.file.open("rb"),
        content_type=fragment.content_type,
        as_attachment=True,
        filename=fragment.file_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Escalations -----------------------------------------------------------------------------


@login_required
@require_POST
def escalation_raise(request, pk):
    case = selectors.case_get(viewer=request.viewer, id=pk)
    return _post(
        request,
        pk,
        form=EscalationForm(request.POST, levels=selectors.escalation_levels_above(case.level)),
        form_name="escalation_form",
        act=lambda case, d: services.escalation_raise(
            actor=request.viewer, case_id=case.pk, level=d["level"], question=d["question"]
        ),
        done=_("The question has gone up; those who hold the mandate see it in their work."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalation_detail(request, escalation_id):
    """One escalation: the question, and the answer form for its addressees."""
    page = selectors.escalation_page(viewer=request.viewer, id=escalation_id)
    form = None
    status = 200
    if page.may_answer:
        form = EscalationAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This escalation does not wait for your answer."))
            return redirect("cases:escalation", escalation_id=page.escalation.pk)
        if form.is_valid():
            try:
                services.escalation_answer(
                    actor=request.viewer,
                    escalation_id=page.escalation.pk,
                    answer=form.cleaned_data["answer"],
                )
            except (ApplicationError, ValidationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your answer has gone back to the table."))
                return redirect("cases:escalation", escalation_id=page.escalation.pk)
        status = 400
    return render(request, "cases/escalation.html", {"page": page, "form": form}, status=status)


@login_required
@require_POST
def escalation_close(request, pk, escalation_id):
    case = selectors.case_get(viewer=request.viewer, id=pk)
    try:
        services.escalation_close(
            actor=request.viewer, case_id=case.pk, escalation_id=escalation_id
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The answer has been taken up by the table."))
    return redirect("cases:detail", pk=case.pk)


# --- Meetings --------------------------------------------------------------------------------


@login_required
@require_POST
def meeting_create(request, pk):
    form = MeetingForm(request.POST)
    created = {}

    def act(case, d):
        created["meeting"] = services.meeting_schedule(
            actor=request.viewer,
            case_id=case.pk,
            title=d["title"],
            starts_at=d["starts_at"],
            location=d.get("location", ""),
            held=d.get("held", False),
        )

    response = _post(
        request,
        pk,
        form=form,
        form_name="meeting_form",
        act=act,
        done=_("The meeting has been scheduled; its agenda is ready to edit."),
    )
    if "meeting" in created:
        return redirect("cases:meeting", pk=pk, meeting_id=created["meeting"].pk)
    return response


def _meeting_context(request, pk, meeting_id, **forms) -> dict:
    page = selectors.meeting_page(viewer=request.viewer, case_id=pk, meeting_id=meeting_id)
    context = {"page": page, "case": page.case, "meeting": page.meeting}
    if MANAGE_MEETINGS in page.permissions:
        organisations = selectors.participating_organisations(page.participants)
        context.update(
            agenda_form=AgendaItemForm(),
            attendance_form=AttendanceForm(
                participants=page.participants,
                initial={"attendees": [a.user_id for a in page.attendance]},
            ),
            minutes_form=MinutesForm(initial={"minutes": page.meeting.minutes}),
            decision_form=DecisionForm(
                attendance=page.attendance,
                organisations=organisations,
                initial={"level": page.case.level, "within_may_decide_on": True},
            )
            if page.has_started
            else None,
        )
    context.update(forms)
    return context


@login_required
@require_GET
def meeting_detail(request, pk, meeting_id):
    return render(request, "cases/meeting.html", _meeting_context(request, pk, meeting_id))


def _meeting_post(request, pk, meeting_id, *, form, form_name, act, done):
    page = selectors.meeting_page(viewer=request.viewer, case_id=pk, meeting_id=meeting_id)
    if form.is_valid():
        try:
            act(page, form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("cases:meeting", pk=pk, meeting_id=meeting_id)
    return render(
        request,
        "cases/meeting.html",
        _meeting_context(request, pk, meeting_id, **{form_name: form}),
        status=400,
    )


@login_required
@require_POST
def meeting_agenda_add(request, pk, meeting_id):
    return _meeting_post(
        request,
        pk,
        meeting_id,
        form=AgendaItemForm(request.POST),
        form_name="agenda_form",
        act=lambda page, d: services.agenda_item_add(
            actor=request.viewer, case_id=pk, meeting_id=meeting_id, title=d["title"]
        ),
        done=_("The item has been added to the agenda."),
    )


@login_required
@require_POST
def meeting_agenda_remove(request, pk, meeting_id, item_id):
    services.agenda_item_remove(
        actor=request.viewer, case_id=pk, meeting_id=meeting_id, item_id=item_id
    )
    messages.success(request, _("The item has been taken off the agenda."))
    return redirect("cases:meeting", pk=pk, meeting_id=meeting_id)


@login_required
@require_POST
def meeting_attendance(request, pk, meeting_id):
    page = selectors.meeting_page(viewer=request.viewer, case_id=pk, meeting_id=meeting_id)
    return _meeting_post(
        request,
        pk,
        meeting_id,
        form=AttendanceForm(request.POST, participants=page.participants),
        form_name="attendance_form",
        act=lambda page, d: services.meeting_attendance_set(
            actor=request.viewer, case_id=pk, meeting_id=meeting_id, user_ids=d["attendees"]
        ),
        done=_("The attendance has been recorded."),
    )


@login_required
@require_POST
def meeting_minutes(request, pk, meeting_id):
    return _meeting_post(
        request,
        pk,
        meeting_id,
        form=MinutesForm(request.POST),
        form_name="minutes_form",
        act=lambda page, d: services.meeting_minutes_set(
            actor=request.viewer, case_id=pk, meeting_id=meeting_id, minutes=d["minutes"]
        ),
        done=_("The minutes have been saved."),
    )


@login_required
@require_POST
def decision_create(request, pk, meeting_id):
    page = selectors.meeting_page(viewer=request.viewer, case_id=pk, meeting_id=meeting_id)
    form = DecisionForm(
        request.POST,
        attendance=page.attendance,
        organisations=selectors.participating_organisations(page.participants),
    )
    return _meeting_post(
        request,
        pk,
        meeting_id,
        form=form,
        form_name="decision_form",
        act=lambda page, d: services.decision_record(
            actor=request.viewer,
            case_id=pk,
            meeting_id=meeting_id,
            text=d["text"],
            decided_by_user_id=d["decided_by"],
            level=d["level"],
            within_may_decide_on=d.get("within_may_decide_on", False),
            action=form.action(),
        ),
        done=_("The decision has been recorded."),
    )


@login_required
@require_POST
def meeting_minutes_send(request, pk, meeting_id):
    try:
        services.meeting_minutes_send(actor=request.viewer, case_id=pk, meeting_id=meeting_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The minutes are on their way to the people named on the case.")
        )
    return redirect("cases:meeting", pk=pk, meeting_id=meeting_id)


@login_required
@require_GET
def meeting_pdf(request, pk, meeting_id):
    """The minutes as a PDF in the house style (core/pdf.py)."""
    page = selectors.meeting_page(viewer=request.viewer, case_id=pk, meeting_id=meeting_id)
    response = HttpResponse(minutes_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{minutes_file_name(page.meeting)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def phase_item_tick(request, pk, item):
    form = PhaseItemForm(request.POST, prefix=f"p-{item}")
    return _post(
        request,
        pk,
        form=form,
        form_name="phase_item_form",
        act=lambda case, d: services.phase_item_tick(
            actor=request.viewer, case_id=case.pk, item=item, note=d["note"]
        ),
        done=_("The item has been ticked."),
    )


@login_required
@require_POST
def phase_move(request, pk):
    return _post(
        request,
        pk,
        form=PhaseMoveForm(request.POST),
        form_name="phase_form",
        act=lambda case, d: services.phase_move(
            actor=request.viewer,
            case_id=case.pk,
            to_phase=d["to_phase"],
            note=d["note"],
            skip_reason=d.get("skip_reason", ""),
        ),
        done=_("The case has moved to another phase."),
    )
