"""Pages of the privacy officer's tools: find a data subject, export, erase (core.privacy)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from wijkregie.core import privacy, retention
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.pdf import render_pdf


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name, e-mail address, phone number or relation number"),
        max_length=200,
        strip=True,
    )


class ErasureForm(forms.Form):
    # Checked on the server with a clear message; no browser bubble, no red empty field.
    use_required_attribute = False

    reason = forms.CharField(
        label=gettext_lazy("Reason for the erasure"),
        help_text=gettext_lazy(
            "For example: the request's date and how it came in, and why no retention duty "
            "applies. Do not repeat the person's name: this text is kept."
        ),
        min_length=privacy.REASON_MIN_LENGTH,
        max_length=privacy.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked the request and the person's identity"),
    )


# Labels of the export's keys in the PDF (the JSON keeps the keys).
FIELD_LABELS = {
    "landlord": gettext_lazy("Landlord"),
    "relation_number": gettext_lazy("Relation number"),
    "given_name": gettext_lazy("Given name"),
    "family_name": gettext_lazy("Family name"),
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("E-mail address"),
    "phone": gettext_lazy("Phone number"),
    "preferred_language": gettext_lazy("Preferred language"),
    "language": gettext_lazy("Language"),
    "consents": gettext_lazy("Consents"),
    "consent": gettext_lazy("Consent"),
    "how": gettext_lazy("How"),
    "given": gettext_lazy("Given on"),
    "given_how": gettext_lazy("Given"),
    "withdrawn": gettext_lazy("Withdrawn on"),
    "withdrawn_how": gettext_lazy("Withdrawn"),
    "consent_to_forward": gettext_lazy("May be passed on when the report is forwarded"),
    "recorded_at": gettext_lazy("Recorded on"),
    "occupancies": gettext_lazy("Homes"),
    "occurred_at": gettext_lazy("When"),
    "channel": gettext_lazy("Channel"),
    "organisation": gettext_lazy("Organisation"),
    "recorded_by": gettext_lazy("Recorded by"),
    "building": gettext_lazy("Building"),
    "summary": gettext_lazy("Summary"),
    "tracking_code": gettext_lazy("Tracking code"),
    "submitted_at": gettext_lazy("Submitted on"),
    "category": gettext_lazy("Category"),
    "status": gettext_lazy("Status"),
    "closed_at": gettext_lazy("Closed on"),
    "description": gettext_lazy("What happened"),
    "ip_address": gettext_lazy("IP address"),
    "contact_erased_at": gettext_lazy("Contact details erased on"),
    "messages": gettext_lazy("Messages"),
    "photos": gettext_lazy("Photos"),
}


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return (
            "\n".join(
                " · ".join(_display(v) for v in item.values())
                if isinstance(item, dict)
                else str(item)
                for item in value
            )
            or "—"
        )
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        return value[:16].replace("T", " ")
    return str(value)


def _readable(export) -> list[dict]:
    return [
        {
            "label": c["label"],
            "retention": c["retention"],
            "records": [
                [
                    (FIELD_LABELS.get(key, key.replace("_", " ").capitalize()), _display(value))
                    for key, value in record.items()
                    if key != "type"
                ]
                for record in c["records"]
            ],
        }
        for c in export.categories
    ]


def _require_officer(request):
    if not privacy.may_handle_requests(request.viewer):
        raise DjangoPermissionDenied(_("You may not handle data subject requests."))


@login_required
@require_GET
def privacy_index(request):
    """Find a data subject (residents of the officer's organisations); recent requests."""
    _require_officer(request)
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        results = privacy.data_subject_search(viewer=request.viewer, query=form.cleaned_data["q"])
    return render(
        request,
        "core/privacy/index.html",
        {
            "form": form,
            "results": results,
            "min_length": privacy.SEARCH_MIN_LENGTH,
            "requests": privacy.data_subject_request_list(viewer=request.viewer, limit=20),
        },
    )


def _subject_page(request, subject_type, subject_id, form=None, status=200):
    subject = privacy.data_subject_get(
        viewer=request.viewer, subject_type=subject_type, subject_id=subject_id
    )
    plan = privacy.data_subject_erasure_plan(
        viewer=request.viewer, subject_type=subject_type, subject_id=subject_id
    )
    held = {item.key for item, _why in plan.held}
    erasable = {item.key for item in plan.erasable}
    rows = []
    for item in retention.categories():
        if item.key in held:
            erasure = _("Not now: a retention duty applies")
        elif item.key in erasable:
            erasure = _("Possible")
        else:
            erasure = _("With other data, or by the retention job")
        rows.append({"label": item.label, "retention": item.retention, "erasure": erasure})
    return render(
        request,
        "core/privacy/subject.html",
        {"subject": subject, "categories": rows, "plan": plan, "form": form or ErasureForm()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def privacy_subject(request, subject_type, subject_id):
    """One data subject: what is kept and how long, the exports, and erasure (POST)."""
    _require_officer(request)
    if request.method == "GET":
        return _subject_page(request, subject_type, subject_id)
    form = ErasureForm(request.POST)
    if not form.is_valid():
        return _subject_page(request, subject_type, subject_id, form=form, status=400)
    try:
        done = privacy.data_subject_erase(
            actor=request.viewer,
            subject_type=subject_type,
            subject_id=subject_id,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        if exc.status_code != 400:
            raise
        form.add_error("reason" if exc.extra.get("field") == "reason" else None, exc.message)
        return _subject_page(request, subject_type, subject_id, form=form, status=400)
    erased = sum(done.erased.values())
    if done.held:
        messages.warning(
            request,
            _(
                "Erased %(count)d records. Some data is kept because a retention duty applies; "
                "the request (no. %(number)d) records what and why."
            )
            % {"count": erased, "number": done.pk},
        )
    else:
        messages.success(
            request,
            _("Erased %(count)d records. The request is recorded as no. %(number)d.")
            % {"count": erased, "number": done.pk},
        )
    if done.erased.get(subject_type):
        return redirect("core:privacy")
    return redirect("core:privacy_subject", subject_type=subject_type, subject_id=subject_id)


def _file_name(export, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return (
        f"data-subject-{export.subject.type.split('.')[-1]}-{export.subject.id}-{stamp}.{extension}"
    )


@login_required
@require_GET
def privacy_export(request, subject_type, subject_id, export_format):
    """The data-subject export as JSON (machine-readable) or PDF (for the person)."""
    _require_officer(request)
    if export_format not in ("json", "pdf"):
        raise Http404
    export = privacy.data_subject_export(
        viewer=request.viewer,
        subject_type=subject_type,
        subject_id=subject_id,
        output=export_format,
    )
    if export_format == "json":
        body = json.dumps(export.as_json(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        pdf = render_pdf(
            "core/privacy/export_pdf.html",
            {
                "export": export,
                "subject": export.subject,
                "categories": _readable(export),
                "access_log": [
                    {**e, "occurred_at": _display(e["occurred_at"])} for e in export.access_log
                ],
            },
            title=_("Your personal data at Wijkregie"),
            subject=_("Access to personal data (AVG article 15)"),
        )
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(export, export_format)}"'
    response["Cache-Control"] = "no-store"
    return response
