"""Pages of residents: per building, one resident, and the ERP import with its progress.

Thin: every read goes through `selectors` (need-to-know and the audit trail live there),
every write through `services`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wijkregie.core.exceptions import ApplicationError, PermissionDenied
from wijkregie.core.forms import add_service_errors
from wijkregie.places.selectors import building_get
from wijkregie.residents import selectors, services
from wijkregie.residents.forms import (
    ConsentForm,
    ContactMomentForm,
    ResidentImportForm,
    ResidentSearchForm,
)
from wijkregie.residents.importing import EXAMPLE_CSV

PAGE_SIZE = 50

# The import's columns as the page documents them: (name, required, what it holds).
COLUMN_HELP = (
    ("relation_number", True, gettext_lazy("Your number for this person (at most 40 characters).")),
    ("given_name", True, gettext_lazy("Given name.")),
    ("family_name", True, gettext_lazy("Family name, with any prefix (“de Vries”).")),
    ("email", False, gettext_lazy("E-mail address.")),
    ("phone", False, gettext_lazy("Phone number.")),
    (
        "preferred_language",
        False,
        gettext_lazy("Language code (ISO 639-1: nl, en, tr, ar, pl, uk, so, …); empty: nl."),
    ),
    ("bag_id", False, gettext_lazy("The unit's 16-digit BAG id; or give the address below.")),
    ("postcode", False, gettext_lazy("The unit's postcode, such as 3521AB (when no BAG id).")),
    ("house_number", False, gettext_lazy("House number (when no BAG id).")),
    ("house_letter", False, gettext_lazy("House letter, such as A.")),
    ("house_number_addition", False, gettext_lazy("House number addition, such as 2 or bis.")),
    (
        "occupancy_kind",
        True,
        gettext_lazy(
            "main_tenant, co_tenant or other_occupant (or hoofdhuurder, medehuurder, "
            "overige bewoner)."
        ),
    ),
    ("start_date", True, gettext_lazy("Start of the occupancy: YYYY-MM-DD or DD-MM-YYYY.")),
    ("end_date", False, gettext_lazy("End of the occupancy, if it ended; same formats.")),
    ("consent_newsletter_email", False, gettext_lazy("Newsletter by e-mail: ja/nee, yes/no, 1/0.")),
    ("consent_chat", False, gettext_lazy("May join the building chat: ja/nee, yes/no, 1/0.")),
    (
        "consent_share_with_partners",
        False,
        gettext_lazy("May be contacted by partners other than the landlord: ja/nee, yes/no, 1/0."),
    ),
)


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        return 1


@require_GET
@login_required
def resident_index(request):
    viewer = request.viewer
    buildings = list(selectors.resident_buildings(viewer=viewer))
    may_import = selectors.import_organisations(viewer=viewer).exists()
    if not buildings and not may_import and not viewer.has_perm(selectors.VIEW_RESIDENT):
        raise PermissionDenied(_("You may not see residents."))
    return render(
        request, "residents/index.html", {"buildings": buildings, "may_import": may_import}
    )


@require_GET
@login_required
def resident_building_list(request, building_id: int):
    viewer = request.viewer
    building = building_get(viewer=viewer, id=building_id, permission=selectors.VIEW_RESIDENT)
    form = ResidentSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "residents/building.html",
            {"building": building, "form": form, "page": None},
            status=400,
        )
    search = form.cleaned_data.get("q", "") if form.is_bound else ""
    page = selectors.resident_list(
        viewer=viewer,
        building_id=building.pk,
        search=search,
        page=_page_number(request),
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "residents/building.html",
        {"building": building, "form": form, "page": page, "search": search},
    )


def _organisation_choices(viewer, organisation_ids) -> list[tuple[int, str]]:
    """The viewer's organisations through which they see a resident, by name."""
    names = {g.organisation_id: g.organisation_name for g in viewer.grants}
    return sorted(((o, names.get(o, str(o))) for o in organisation_ids), key=lambda c: c[1])


def _render_detail(request, resident_id, form=None, consent_form=None, status=200):
    resident = selectors.resident_get(
        viewer=request.viewer, id=resident_id, include_contact_history=True
    )
    form = form or ContactMomentForm(
        organisations=_organisation_choices(request.viewer, resident.access.organisation_ids)
    )
    if "consents" in resident:  # the landlord's staff: they record consents
        consent_form = consent_form or ConsentForm()
    return render(
        request,
        "residents/detail.html",
        {"resident": resident, "form": form, "consent_form": consent_form},
        status=status,
    )


@require_GET
@login_required
def resident_detail(request, resident_id: int):
    return _render_detail(request, resident_id)


@require_POST
@login_required
def contact_moment_create(request, resident_id: int):
    viewer = request.viewer
    # Checks visibility before reading the form: a probe gets the same 404 as for a GET.
    _resident, access = selectors.resident_access(viewer=viewer, resident_id=resident_id)
    form = ContactMomentForm(
        request.POST, organisations=_organisation_choices(viewer, access.organisation_ids)
    )
    if form.is_valid():
        try:
            services.contact_moment_record(
                actor=viewer,
                resident_id=resident_id,
                channel=form.cleaned_data["channel"],
                summary=form.cleaned_data["summary"],
                occurred_at=form.cleaned_data.get("occurred_at"),
                organisation_id=form.cleaned_data.get("organisation"),
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The contact has been recorded."))
            return redirect("residents:detail", resident_id=resident_id)
    return _render_detail(request, resident_id, form=form, status=400)


@require_POST
@login_required
def consent_record(request, resident_id: int):
    viewer = request.viewer
    selectors.resident_access(viewer=viewer, resident_id=resident_id)  # 404 before the form
    form = ConsentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == ConsentForm.GIVE:
                services.contact_consent_give(
                    actor=viewer,
                    resident_id=resident_id,
                    purpose=data["purpose"],
                    source=data["source"],
                    channel=data["channel"],
                )
                messages.success(request, _("The consent has been recorded."))
            elif services.contact_consent_withdraw(
                actor=viewer,
                resident_id=resident_id,
                purpose=data["purpose"],
                source=data["source"],
            ):
                messages.success(request, _("The withdrawal has been recorded."))
            else:
                messages.info(request, _("There was no consent to withdraw; nothing changed."))
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            return redirect("residents:detail", resident_id=resident_id)
    return _render_detail(request, resident_id, consent_form=form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def resident_import(request):
    viewer = request.viewer
    organisations = selectors.import_organisations(viewer=viewer)
    if not organisations.exists():
        raise PermissionDenied(_("You may not import residents."))
    form = ResidentImportForm(
        request.POST or None,
        request.FILES or None,
        organisations=organisations,
        initial={"language": get_language() or "nl"},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.residents_import_start(
                    actor=viewer,
                    organisation_id=form.cleaned_data["organisation"].pk,
                    file_name=upload.name,
                    content=upload.read(),
                    language=form.cleaned_data["language"],
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("residents:import_job", job_id=job.pk)
        status = 400
    return render(
        request,
        "residents/import.html",
        {
            "form": form,
            "columns": COLUMN_HELP,
            "jobs": selectors.import_job_list(viewer=viewer),
        },
        status=status,
    )


@require_GET
@login_required
def resident_import_example(request):
    response = HttpResponse(
        "\ufeff" + EXAMPLE_CSV, content_type="text/csv; charset=utf-8"
    )  # the BOM makes spreadsheet programs read UTF-8
    response["Content-Disposition"] = 'attachment; filename="residents-example.csv"'
    return response


@require_GET
@login_required
def resident_import_job(request, job_id: int):
    job = selectors.import_job_get(viewer=request.viewer, id=job_id)
    return render(request, "residents/import_job.html", {"job": job})


@require_GET
@login_required
def resident_import_progress(request, job_id: int):
    """The fragment the job page polls (htmx, every second) until the job is finished:
    the finished fragment carries no trigger, so the polling stops there."""
    job = selectors.import_job_get(viewer=request.viewer, id=job_id)
    return render(request, "residents/_import_progress.html", {"job": job})
