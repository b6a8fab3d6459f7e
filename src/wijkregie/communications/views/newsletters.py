"""Newsletter pages: staff write, preview, translate and send (login); residents read the
public page from a QR code and unsubscribe with the signed link (no login).

Thin: parse the request, call a selector or service, render. Need-to-know lives in the
selectors (`newsletter_get` answers 404 for missing and forbidden alike).
"""

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anymail.webhooks.mailgun import MailgunTrackingWebhookView

from wijkregie.communications import links
from wijkregie.communications.forms.newsletters import (
    ImageForm,
    NewsletterEditForm,
    NewsletterForm,
    VersionForm,
)
from wijkregie.communications.models import DeliveryStatus, NewsletterStatus
from wijkregie.communications.selectors import newsletters as selectors
from wijkregie.communications.services import newsletters as services
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.forms import add_service_errors
from wijkregie.core.pdf import render_pdf
from wijkregie.reports.photos import max_photo_bytes

RTL_LANGUAGES = {"ar"}


def _require_manager(request):
    if not selectors.may_manage(request.viewer):
        raise PermissionDenied(_("You may not write newsletters."))


def _removed_message(request, removed) -> None:
    if removed:
        messages.warning(
            request,
            _("Saved. Removed from the text because it is not allowed: %(what)s.")
            % {"what": "; ".join(str(r) for r in removed)},
        )
    else:
        messages.success(request, _("Saved."))


def _language_rows(newsletter) -> list[dict]:
    versions = selectors.versions_by_language(newsletter)
    return [
        {
            "code": code,
            "name": name,
            "version": versions.get(code),
            "rtl": code in RTL_LANGUAGES,
        }
        for code, name in selectors.resident_languages()
    ]


@login_required
@require_GET
def newsletter_list(request):
    _require_manager(request)
    return render(
        request,
        "communications/newsletters/list.html",
        {"newsletters": selectors.newsletter_list(viewer=request.viewer)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def newsletter_create(request):
    _require_manager(request)
    buildings = selectors.newsletter_buildings(viewer=request.viewer)
    form = NewsletterForm(request.POST or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            newsletter, removed = services.newsletter_create(
                actor=request.viewer,
                title=d["title"],
                building_ids=d["buildings"],
                subject=d["subject"],
                body=d["body"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            _removed_message(request, removed)
            return redirect("communications:newsletter_detail", newsletter.pk)
    status = 400 if form.errors else 200
    return render(request, "communications/newsletters/create.html", {"form": form}, status=status)


def _detail_context(request, newsletter, **extra) -> dict:
    viewer = request.viewer
    return {
        "newsletter": newsletter,
        "is_draft": newsletter.status == NewsletterStatus.DRAFT,
        "language_rows": _language_rows(newsletter),
        "images": selectors.image_list(newsletter),
        "image_form": extra.pop("image_form", None) or ImageForm(),
        "deliveries": selectors.delivery_list(viewer=viewer, newsletter=newsletter),
        "sees_recipients": selectors.may_see_recipients(viewer, newsletter),
        "counts": [
            (DeliveryStatus(status).label, count)
            for status, count in sorted(selectors.delivery_counts(newsletter).items())
        ],
        "public_url": links.public_url(newsletter),
        **extra,
    }


@login_required
@require_GET
def newsletter_detail(request, pk):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    return render(
        request, "communications/newsletters/detail.html", _detail_context(request, newsletter)
    )


@login_required
@require_http_methods(["GET", "POST"])
def newsletter_edit(request, pk):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    buildings = selectors.newsletter_buildings(viewer=request.viewer)
    initial = {"title": newsletter.title, "buildings": [b.pk for b in newsletter.buildings.all()]}
    form = NewsletterEditForm(request.POST or None, initial=initial, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        try:
            services.newsletter_update(
                actor=request.viewer,
                newsletter_id=newsletter.pk,
                title=form.cleaned_data["title"],
                building_ids=form.cleaned_data["buildings"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("communications:newsletter_detail", newsletter.pk)
    return render(
        request,
        "communications/newsletters/edit.html",
        {"form": form, "newsletter": newsletter},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request, pk, language):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    names = dict(selectors.resident_languages())
    if language not in names:
        raise NotFound(_("There is no such language."))
    version = selectors.versions_by_language(newsletter).get(language)
    dutch = selectors.versions_by_language(newsletter).get("nl")
    initial = {"subject": version.subject, "body": version.body_html} if version else {}
    form = VersionForm(
        request.POST or None, initial=initial, language=language, rtl=language in RTL_LANGUAGES
    )
    if request.method == "POST" and form.is_valid():
        try:
            _version, removed = services.version_save(
                actor=request.viewer,
                newsletter_id=newsletter.pk,
                language=language,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            _removed_message(request, removed)
            return redirect("communications:newsletter_detail", newsletter.pk)
    return render(
        request,
        "communications/newsletters/version_edit.html",
        {
            "form": form,
            "newsletter": newsletter,
            "language": language,
            "language_name": names[language],
            "dutch": dutch if language != "nl" else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def image_add(request, pk):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        limit = max_photo_bytes()
        upload = form.cleaned_data["image"]
        try:
            services.image_add(
                actor=request.viewer,
                newsletter_id=newsletter.pk,
                content=upload.read(limit + 1),
                alt_text=form.cleaned_data["alt_text"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The image was added."))
            return redirect("communications:newsletter_detail", newsletter.pk)
    return render(
        request,
        "communications/newsletters/detail.html",
        _detail_context(request, newsletter, image_form=form),
        status=400,
    )


@login_required
@require_POST
def image_delete(request, pk, image_id):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    services.image_delete(actor=request.viewer, newsletter_id=newsletter.pk, image_id=image_id)
    messages.success(request, _("The image was removed."))
    return redirect("communications:newsletter_detail", newsletter.pk)


def _image_response(image):
    try:
        handle = image.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("Image not found.")) from None
    response = FileResponse(handle, content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def image(request, pk, image_id):
    item = selectors.image_get(viewer=request.viewer, newsletter_id=pk, image_id=image_id)
    response = _image_response(item)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def newsletter_send(request, pk):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    try:
        services.newsletter_send(actor=request.viewer, newsletter_id=newsletter.pk)
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The newsletter is being sent to the residents who consented."))
    return redirect("communications:newsletter_detail", newsletter.pk)


def _pdf_context(newsletter, version) -> dict:
    images = []
    for item in selectors.image_list(newsletter):
        try:
            with item.file.open("rb") as handle:
                data = base64.b64encode(handle.read()).decode("ascii")
        except OSError:
            continue
        images.append({"src": f"data:{item.content_type};base64,{data}", "alt": item.alt_text})
    url = links.public_url(newsletter, version.language)
    return {
        "newsletter": newsletter,
        "version": version,
        "images": images,
        "public_url": url,
        "qr": links.qr_data_uri(url),
    }


@login_required
@require_GET
def newsletter_pdf(request, pk, language):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    version = selectors.versions_by_language(newsletter).get(language)
    if version is None:
        raise NotFound(_("There is no version in this language."))
    pdf = render_pdf(
        "communications/newsletters/pdf.html",
        _pdf_context(newsletter, version),
        title=version.subject,
        language=language,
        author=newsletter.organisation.name,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="nieuwsbrief-{newsletter.pk}-{language}.pdf"'
    )
    return response


@login_required
@require_GET
def newsletter_qr(request, pk, language):
    newsletter = selectors.newsletter_get(viewer=request.viewer, id=pk)
    if language not in dict(selectors.resident_languages()):
        raise NotFound(_("There is no such language."))
    svg = links.qr_svg(links.public_url(newsletter, language))
    return HttpResponse(svg, content_type="image/svg+xml")


# --- Residents: the public page and unsubscribing (no login, no personal data) -----------


def _resident_language(request, available) -> str:
    wanted = request.GET.get("lang", "")
    return wanted if wanted in available else "nl"


@never_cache
@require_GET
def public_page(request, code):
    newsletter = selectors.newsletter_public_get(code=code)
    versions = selectors.versions_by_language(newsletter)
    language = _resident_language(request, versions)
    version = versions[language]
    names = dict(selectors.resident_languages())
    with translation.override(language):
        response = render(
            request,
            "communications/newsletters/public.html",
            {
                "newsletter": newsletter,
                "version": version,
                "images": selectors.image_list(newsletter),
                "organisation_name": newsletter.organisation.name,
                "resident_language_links": [
                    {
                        "code": code_,
                        "name": names.get(code_, code_),
                        "url": f"?lang={code_}",
                        "current": code_ == language,
                    }
                    for code_, _name in selectors.resident_languages()
                    if code_ in versions
                ],
            },
        )
    response.headers["Content-Language"] = language
    return response


@require_GET
def public_image(request, code, image_id):
    response = _image_response(selectors.public_image_get(code=code, image_id=image_id))
    response["Cache-Control"] = "public, max-age=86400"
    return response


INVALID_LINK = _lazy(
    "This unsubscribe link is not valid: it may have been changed or cut off. Use the "
    "link from the e-mail exactly as it is, or ask the sender to unsubscribe you."
)


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no cookie
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET: a page with one button; POST (that button, or the mail client's one-click
    request): withdraw the consent. A changed link is refused with a clear message, in
    the language asked for (else Dutch); a valid one answers in the resident's language."""
    principal = links.unsubscribe_principal(token)
    resident = selectors.unsubscribe_resident(principal=principal) if principal else None
    languages = dict(settings.WIJKREGIE_RESIDENT_LANGUAGES)
    if resident is not None and resident.preferred_language in languages:
        language = resident.preferred_language
    else:
        language = _resident_language(request, languages)
    with translation.override(language):
        context = {"token": token, "organisation_name": resident.landlord.name if resident else ""}
        if resident is None:
            context["refused"] = str(INVALID_LINK)
            return render(
                request, "communications/newsletters/unsubscribe.html", context, status=400
            )
        if request.method == "POST":
            try:
                services.newsletter_unsubscribe(token=token)
            except ApplicationError as exc:
                context["refused"] = exc.message
                return render(
                    request, "communications/newsletters/unsubscribe.html", context, status=400
                )
            context["done"] = True
        response = render(request, "communications/newsletters/unsubscribe.html", context)
    response.headers["Content-Language"] = language
    return response


@csrf_exempt
def mailgun_tracking(request):
    """The mail provider's bounce and complaint reports (django-anymail, Mailgun): the
    request's signature is checked with MAILGUN_WEBHOOK_SIGNING_KEY; without a key
    configured the webhook does not exist."""
    if not settings.ANYMAIL.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        raise Http404("No mail provider webhook is configured.")
    return MailgunTrackingWebhookView.as_view()(request)
