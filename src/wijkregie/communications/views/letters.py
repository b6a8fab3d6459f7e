"""Letter pages: templates (with a preview on real data), batches with their progress,
the first letters while the rest are made, review by a second person, sending, PDFs.

Thin: parse the request, call a selector or service, render. Need-to-know lives in the
selectors (404 for what is missing and what the viewer may not see alike).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wijkregie.cases.selectors import case_list
from wijkregie.communications import merge_fields
from wijkregie.communications.forms.letters import (
    LetterBatchForm,
    LetterTemplateForm,
    PreviewForm,
)
from wijkregie.communications.selectors import letters as selectors
from wijkregie.communications.services import letters as services
from wijkregie.communications.workflows import BatchStatus, DeliveryMethod
from wijkregie.core.exceptions import ApplicationError, PermissionDenied
from wijkregie.core.forms import add_service_errors
from wijkregie.places.models import Unit
from wijkregie.residents.selectors import resident_buildings

FIRST_LETTERS = 10  # shown while the rest are being made
MAX_UNIT_CHOICES = 3000


def _require_letters(viewer) -> None:
    if not selectors.may_send_letters(viewer):
        raise PermissionDenied(_("You may not write letters."))


def _job_language() -> str:
    return get_language() if get_language() in {"nl", "en"} else "nl"


@require_GET
@login_required
def letters_index(request):
    viewer = request.viewer
    _require_letters(viewer)
    return render(
        request,
        "communications/letters/index.html",
        {
            "batches": selectors.letter_batch_list(viewer=viewer),
            "templates": selectors.letter_template_list(viewer=viewer),
            "fields": merge_fields.registered(),
        },
    )


def _organisation_choices(viewer):
    return [(o.pk, o.name) for o in selectors.letter_organisations(viewer=viewer)]


@require_http_methods(["GET", "POST"])
@login_required
def template_create(request):
    viewer = request.viewer
    _require_letters(viewer)
    organisations = _organisation_choices(viewer)
    form = LetterTemplateForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                template = services.letter_template_create(
                    actor=viewer,
                    organisation_id=form.cleaned_data["organisation"],
                    name=form.cleaned_data["name"],
                    versions=form.versions(),
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc, fields=form.error_names())
            else:
                messages.success(request, _("The letter template has been saved."))
                return redirect("communications:template_edit", pk=template.pk)
    return render(
        request,
        "communications/letters/template_form.html",
        {"form": form, "template": None, "fields": merge_fields.registered()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def template_edit(request, pk):
    viewer = request.viewer
    template = selectors.letter_template_get(viewer=viewer, id=pk)
    versions = {v.language: v for v in template.versions.all()}
    initial = {"name": template.name}
    for code, version in versions.items():
        for part in ("subject", "body", "signature"):
            initial[f"{code}-{part}"] = getattr(version, part)
    form = LetterTemplateForm(request.POST or None, initial=initial, languages=sorted(versions))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.letter_template_update(
                    actor=viewer,
                    template_id=template.pk,
                    name=form.cleaned_data["name"],
                    versions=form.versions(),
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc, fields=form.error_names())
            else:
                messages.success(request, _("The letter template has been saved."))
                return redirect("communications:template_edit", pk=template.pk)
    buildings = [(b.pk, b.name) for b in resident_buildings(viewer=viewer)]
    return render(
        request,
        "communications/letters/template_form.html",
        {
            "form": form,
            "template": template,
            "fields": merge_fields.registered(),
            "preview_form": PreviewForm(buildings=buildings, languages=sorted(versions)),
        },
        status=status,
    )


@require_GET
@login_required
def template_preview(request, pk):
    viewer = request.viewer
    template = selectors.letter_template_get(viewer=viewer, id=pk)
    languages = sorted(v.language for v in template.versions.all())
    buildings = [(b.pk, b.name) for b in resident_buildings(viewer=viewer)]
    form = PreviewForm(request.GET or None, buildings=buildings, languages=languages)
    preview, status = None, 200
    if form.is_bound:
        if form.is_valid():
            try:
                preview = services.letter_preview(
                    actor=viewer,
                    template_id=template.pk,
                    building_id=form.cleaned_data["building"],
                    language=form.cleaned_data.get("language") or "",
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc, field="building")
                status = 400
        else:
            status = 400
    return render(
        request,
        "communications/letters/preview.html",
        {"template": template, "form": form, "preview": preview},
        status=status,
    )


def _batch_form(request, viewer, data=None):
    templates = [
        (t.pk, f"{t.name} ({t.organisation.name})")
        for t in selectors.letter_template_list(viewer=viewer)
    ]
    buildings = list(resident_buildings(viewer=viewer))
    units = (
        Unit.objects.filter(building__in=buildings)
        .select_related("building")
        .order_by("building__name", "entrance", "floor", "house_number", "house_letter", "pk")[
            :MAX_UNIT_CHOICES
        ]
    )
    cases = [(c.pk, f"{c.title} ({c.building.name})") for c in case_list(viewer=viewer)]
    return LetterBatchForm(
        data,
        initial={
            "letter_date": timezone.localdate(),
            "delivery_method": DeliveryMethod.POST,
            "target": "building",
        },
        templates=templates,
        buildings=[(b.pk, b.name) for b in buildings],
        units=[(u.pk, f"{u.building.name}, {u.building.street} {u.address}") for u in units],
        cases=cases,
    )


@require_http_methods(["GET", "POST"])
@login_required
def batch_create(request):
    viewer = request.viewer
    _require_letters(viewer)
    form = _batch_form(request, viewer, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                template = selectors.letter_template_get(viewer=viewer, id=data["template"])
                batch = services.letter_batch_create(
                    actor=viewer,
                    organisation_id=template.organisation_id,
                    template_id=template.pk,
                    title=data["title"],
                    target=data["target"],
                    building_id=data.get("building"),
                    floors=data.get("floors") or [],
                    unit_ids=data.get("units") or [],
                    case_id=data.get("case"),
                    delivery_method=data["delivery_method"],
                    letter_date=data["letter_date"],
                    language=_job_language(),
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc, fields={"units": "units", "template": "template"})
            else:
                messages.success(request, _("The letters are being made."))
                return redirect("communications:batch_detail", pk=batch.pk)
    return render(request, "communications/letters/batch_form.html", {"form": form}, status=status)


def _batch_context(request, pk) -> dict:
    viewer = request.viewer
    batch = selectors.letter_batch_get(viewer=viewer, id=pk)
    done = batch.status != BatchStatus.DRAFT or batch.bundle_made_at is not None
    letters = selectors.letter_batch_letters(
        viewer=viewer, batch=batch, made_only=not done, limit=None if done else FIRST_LETTERS
    )
    return {
        "batch": batch,
        "letters": letters,
        "made_all": done,
        "job": batch.send_job if batch.status in {"sending", "sent"} else batch.make_job,
        "is_author": viewer.user_id is not None and viewer.user_id == batch.created_by_id,
        "percent": (100 * batch.made_count // batch.letter_count) if batch.letter_count else 100,
        "sent_percent": (100 * batch.sent_count // batch.letter_count)
        if batch.letter_count
        else 100,
    }


@require_GET
@login_required
def batch_detail(request, pk):
    return render(request, "communications/letters/batch.html", _batch_context(request, pk))


@require_GET
@login_required
def batch_progress(request, pk):
    """The progress bar and the first letters (htmx polls it until the batch is made)."""
    return render(
        request, "communications/letters/_batch_progress.html", _batch_context(request, pk)
    )


@require_POST
@login_required
def batch_review(request, pk):
    try:
        services.letter_batch_review(actor=request.viewer, batch_id=pk)
    except ApplicationError as exc:
        if exc.status_code != 400:
            raise
        messages.error(request, exc.message)
        context = _batch_context(request, pk)
        return render(request, "communications/letters/batch.html", context, status=400)
    messages.success(request, _("You have approved these letters; they can be sent now."))
    return redirect("communications:batch_detail", pk=pk)


@require_POST
@login_required
def batch_send(request, pk):
    try:
        services.letter_batch_send(actor=request.viewer, batch_id=pk, language=_job_language())
    except ApplicationError as exc:
        if exc.status_code != 400:
            raise
        messages.error(request, exc.message)
        context = _batch_context(request, pk)
        return render(request, "communications/letters/batch.html", context, status=400)
    messages.success(request, _("The letters are being sent."))
    return redirect("communications:batch_detail", pk=pk)


def _pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def letter_pdf(request, pk, letter_id):
    letter = selectors.letter_get(viewer=request.viewer, batch_id=pk, letter_id=letter_id)
    return _pdf_response(bytes(letter.pdf), f"{letter.reference}.pdf")


@require_GET
@login_required
def bundle_pdf(request, pk):
    batch, data = selectors.letter_batch_bundle(viewer=request.viewer, batch_id=pk)
    return _pdf_response(data, f"{batch.reference}-bundle.pdf")
