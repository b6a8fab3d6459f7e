"""Partner pages: organisations, memberships, roles, agreements, API tokens, the directory.

Thin: parse the request, call a selector or service, render. Management pages need
`partners.manage_partners` (403 otherwise); the directory `partners.view_directory`.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.forms import add_service_errors
from wijkregie.partners import selectors, services
from wijkregie.partners.forms import (
    ApiTokenForm,
    DataSharingAgreementForm,
    MembershipCreateForm,
    MembershipEditForm,
    OrganisationEditForm,
    OrganisationForm,
    RoleForm,
)
from wijkregie.partners.models import DataCategory


def manager_required(view):
    """Login, then `partners.manage_partners` (core errors: ApplicationErrorMiddleware)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_manage_partners(request.viewer):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- organisations ---------------------------------------------------------------------


@manager_required
def organisation_list(request):
    organisations = selectors.organisation_list(viewer=request.viewer, include_inactive=True)
    return render(request, "partners/organisation_list.html", {"organisations": organisations})


@manager_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.viewer, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The organisation has been added."))
            return redirect("partners:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("New organisation"),
            "submit_label": _("Add organisation"),
            "cancel_url": "partners:organisation_list",
        },
    )


@manager_required
def organisation_detail(request, pk):
    organisation = selectors.organisation_get(viewer=request.viewer, id=pk)
    memberships = selectors.membership_list(
        viewer=request.viewer, organisation_id=organisation.pk, include_inactive=True
    )
    return render(
        request,
        "partners/organisation_detail.html",
        {"organisation": organisation, "memberships": memberships},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk):
    organisation = selectors.organisation_get(viewer=request.viewer, id=pk)
    initial = {
        f: getattr(organisation, f)
        for f in ("name", "slug", "kind", "contact_route", "email", "phone", "is_active")
    }
    form = OrganisationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.viewer, organisation=organisation, **form.cleaned_data
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The organisation has been saved."))
            return redirect("partners:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": organisation.name},
            "submit_label": _("Save"),
            "cancel_url": "partners:organisation_detail",
            "cancel_pk": organisation.pk,
        },
    )


# --- memberships -------------------------------------------------------------------------


@manager_required
@require_http_methods(["GET", "POST"])
def membership_create(request, pk):
    organisation = selectors.organisation_get(viewer=request.viewer, id=pk)
    form = MembershipCreateForm(
        request.POST or None, organisation=organisation, initial={"mandate_level": "operational"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Creating the person and the membership succeed or fail together.
            with transaction.atomic():
                person = data["person"] or services.professional_create(
                    actor=request.viewer,
                    username=data["username"],
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
                services.membership_create(
                    actor=request.viewer,
                    organisation=organisation,
                    user=person,
                    roles=list(data["roles"]),
                    job_title=data["job_title"],
                    mandate_level=data["mandate_level"],
                    may_decide_on=data["may_decide_on"],
                    work_phone=data["work_phone"],
                    work_email=data["work_email"],
                )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The member has been added."))
            return redirect("partners:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("New member of %(name)s") % {"name": organisation.name},
            "submit_label": _("Add member"),
            "cancel_url": "partners:organisation_detail",
            "cancel_pk": organisation.pk,
        },
    )


def _membership_fields(membership) -> dict:
    return {
        "roles": list(membership.roles.all()),
        "mandate_level": membership.mandate_level,
        "may_decide_on": membership.may_decide_on,
        "job_title": membership.job_title,
        "work_phone": membership.work_phone,
        "work_email": membership.work_email,
    }


@manager_required
@require_http_methods(["GET", "POST"])
def membership_edit(request, pk):
    membership = selectors.membership_get(viewer=request.viewer, id=pk)
    form = MembershipEditForm(
        request.POST or None,
        organisation=membership.organisation,
        initial=_membership_fields(membership),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_update(
                actor=request.viewer,
                membership=membership,
                roles=list(data["roles"]),
                mandate_level=data["mandate_level"],
                may_decide_on=data["may_decide_on"],
                job_title=data["job_title"],
                work_phone=data["work_phone"],
                work_email=data["work_email"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The membership has been saved."))
            return redirect("partners:organisation_detail", pk=membership.organisation_id)
    person = membership.user.get_full_name() or membership.user.get_username()
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("%(person)s at %(organisation)s")
            % {"person": person, "organisation": membership.organisation.name},
            "submit_label": _("Save"),
            "cancel_url": "partners:organisation_detail",
            "cancel_pk": membership.organisation_id,
        },
    )


@manager_required
@require_http_methods(["GET", "POST"])
def membership_deactivate(request, pk):
    membership = selectors.membership_get(viewer=request.viewer, id=pk)
    error = ""
    if request.method == "POST":
        try:
            services.membership_deactivate(actor=request.viewer, membership=membership)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("The membership has been ended."))
            return redirect("partners:organisation_detail", pk=membership.organisation_id)
    return render(
        request,
        "partners/membership_deactivate.html",
        {"membership": membership, "error": error},
        status=400 if error else 200,
    )


# --- roles --------------------------------------------------------------------------------


@manager_required
def role_list(request):
    roles = selectors.role_list(viewer=request.viewer)
    return render(request, "partners/role_list.html", {"roles": roles})


def _role_values(form: RoleForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "slug": data["slug"],
        "description": data["description"],
        "organisation_kinds": data["organisation_kinds"],
        "permissions": form.permissions,
    }


@manager_required
@require_http_methods(["GET", "POST"])
def role_create(request):
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_create(actor=request.viewer, **_role_values(form))
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The role has been added."))
            return redirect("partners:role_list")
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("New role"),
            "submit_label": _("Add role"),
            "cancel_url": "partners:role_list",
        },
    )


@manager_required
@require_http_methods(["GET", "POST"])
def role_edit(request, pk):
    role = selectors.role_get(viewer=request.viewer, id=pk)
    form = RoleForm(request.POST or None, initial=RoleForm.initial_for(role))
    if request.method == "POST" and form.is_valid():
        try:
            services.role_update(actor=request.viewer, role=role, **_role_values(form))
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The role has been saved."))
            return redirect("partners:role_list")
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("Edit role %(name)s") % {"name": role.name},
            "submit_label": _("Save"),
            "cancel_url": "partners:role_list",
        },
    )


# --- data-sharing agreements -----------------------------------------------------------------


@manager_required
def agreement_list(request):
    agreements = selectors.data_sharing_agreement_list(viewer=request.viewer)
    return render(request, "partners/agreement_list.html", {"agreements": agreements})


@manager_required
def agreement_detail(request, pk):
    agreement = selectors.data_sharing_agreement_get(viewer=request.viewer, id=pk)
    labels = dict(DataCategory.choices)
    categories = [labels.get(c, c) for c in agreement.data_categories]
    return render(
        request,
        "partners/agreement_detail.html",
        {"agreement": agreement, "categories": categories},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def agreement_create(request):
    form = DataSharingAgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.data_sharing_agreement_create(
                actor=request.viewer, **form.cleaned_data
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The agreement has been added."))
            return redirect("partners:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("New data-sharing agreement"),
            "submit_label": _("Add agreement"),
            "cancel_url": "partners:agreement_list",
        },
    )


@manager_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, pk):
    agreement = selectors.data_sharing_agreement_get(viewer=request.viewer, id=pk)
    form = DataSharingAgreementForm(
        request.POST or None, initial=DataSharingAgreementForm.initial_for(agreement)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.data_sharing_agreement_update(
                actor=request.viewer, agreement=agreement, **form.cleaned_data
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The agreement has been saved."))
            return redirect("partners:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": agreement.title},
            "submit_label": _("Save"),
            "cancel_url": "partners:agreement_detail",
            "cancel_pk": agreement.pk,
        },
    )


# --- API tokens ------------------------------------------------------------------------


@manager_required
def token_list(request, pk):
    organisation = selectors.organisation_get(viewer=request.viewer, id=pk)
    tokens = selectors.api_token_list(viewer=request.viewer, organisation_id=organisation.pk)
    return render(
        request, "partners/token_list.html", {"organisation": organisation, "tokens": tokens}
    )


@manager_required
@require_http_methods(["GET", "POST"])
def token_create(request, pk):
    organisation = selectors.organisation_get(viewer=request.viewer, id=pk)
    form = ApiTokenForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, key = services.api_token_create(
                actor=request.viewer,
                organisation=organisation,
                name=data["name"],
                user=data["user"],
                roles=list(data["roles"]),
            )
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        else:
            # The key is shown on this one answer and stored nowhere: no redirect, no cache.
            response = render(
                request,
                "partners/token_created.html",
                {"organisation": organisation, "token": token, "key": key},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": _("New API token for %(name)s") % {"name": organisation.name},
            "submit_label": _("Create token"),
            "cancel_url": "partners:token_list",
            "cancel_pk": organisation.pk,
        },
    )


@manager_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = selectors.api_token_get(viewer=request.viewer, id=pk)
    error = ""
    if request.method == "POST":
        try:
            services.api_token_revoke(actor=request.viewer, token=token)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("The token has been revoked."))
            return redirect("partners:token_list", pk=token.organisation_id)
    return render(
        request,
        "partners/token_revoke.html",
        {"token": token, "error": error},
        status=400 if error else 200,
    )


# --- directory -----------------------------------------------------------------------------


@login_required
def directory(request):
    organisations = selectors.directory(viewer=request.viewer)
    return render(request, "partners/directory.html", {"organisations": organisations})
