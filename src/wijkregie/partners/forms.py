"""Forms of the partner pages. They only parse input; the services validate and write."""

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from wijkregie.partners.models import (
    ApiToken,
    DataCategory,
    DataSharingAgreement,
    MandateLevel,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from wijkregie.partners.selectors import ASSIGNABLE_PERMISSION_APPS, assignable_permission_list


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


def _field(model, name, **overrides):
    """The form field of a model field (label, length, help text), with overrides."""
    return model._meta.get_field(name).formfield(**overrides)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def roles_for_kind(kind: str):
    """The roles that may be given in an organisation of `kind` (a role without kinds fits
    any). Filtered in Python: JSON containment is not available on SQLite."""
    roles = Role.objects.order_by("name")
    return roles.filter(
        pk__in=[r.pk for r in roles if not r.organisation_kinds or kind in r.organisation_kinds]
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class OrganisationForm(forms.Form):
    name = _field(Organisation, "name")
    slug = _field(Organisation, "slug")
    kind = forms.ChoiceField(label=_label(Organisation, "kind"), choices=OrganisationKind.choices)
    contact_route = _field(Organisation, "contact_route", widget=forms.Textarea(attrs={"rows": 3}))
    email = _field(Organisation, "email")
    phone = _field(Organisation, "phone")


class OrganisationEditForm(OrganisationForm):
    is_active = _field(Organisation, "is_active")


class MembershipFieldsForm(forms.Form):
    """What a membership holds: roles, mandate, job title and work contact."""

    roles = forms.ModelMultipleChoiceField(
        label=_label(Membership, "roles"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mandate_level = forms.ChoiceField(
        label=_label(Membership, "mandate_level"),
        choices=MandateLevel.choices,
        widget=forms.RadioSelect,
    )
    may_decide_on = _field(Membership, "may_decide_on", widget=forms.Textarea(attrs={"rows": 3}))
    job_title = _field(Membership, "job_title")
    work_phone = _field(Membership, "work_phone")
    work_email = _field(Membership, "work_email")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = roles_for_kind(organisation.kind)


class MembershipCreateForm(MembershipFieldsForm):
    """Pick an existing person, or create one, and make them a member."""

    person = PersonChoiceField(
        label=_("Existing person"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— a new person (fill in below) —"),
        help_text=_("Choose a person who already has an account, or leave this empty."),
    )
    username = forms.CharField(
        label=_("Username of the new person"), max_length=150, required=False
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address of the new person"), required=False)

    field_order = ["person", "username", "first_name", "last_name", "email"]

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        members = Membership.objects.filter(organisation=organisation).values("user_id")
        self.fields["person"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(pk__in=members)
            .exclude(memberships__is_service_account=True)
            .order_by("last_name", "first_name", "username")
        )

    def clean(self):
        data = super().clean()
        person = data.get("person")
        if person is None:
            if not data.get("username") and "username" not in self.errors:
                self.add_error(
                    "username",
                    _("Choose an existing person or enter a username for a new one."),
                )
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", _("Enter the e-mail address of the new person."))
        elif data.get("username"):
            self.add_error("username", _("Leave this empty when you choose an existing person."))
        return data


class MembershipEditForm(MembershipFieldsForm):
    pass


class RoleForm(forms.Form):
    """A role with a permissions checklist: one group of checkboxes per app."""

    name = _field(Role, "name")
    slug = _field(Role, "slug")
    description = _field(Role, "description", widget=forms.Textarea(attrs={"rows": 3}))
    organisation_kinds = forms.MultipleChoiceField(
        label=_("For organisation kinds"),
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty means: any kind of organisation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for perm in assignable_permission_list():
            code = f"{perm.content_type.app_label}.{perm.codename}"
            groups.setdefault(perm.content_type.app_label, []).append(
                (code, f"{perm.name} ({code})")
            )
        self.permission_field_names = []
        for app_label in ASSIGNABLE_PERMISSION_APPS:
            if app_label not in groups:
                continue
            name = f"permissions_{app_label}"
            self.fields[name] = forms.MultipleChoiceField(
                label=_("Permissions: %(app)s")
                % {"app": apps.get_app_config(app_label).verbose_name},
                choices=groups[app_label],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.permission_field_names.append(name)

    @staticmethod
    def initial_for(role: Role) -> dict:
        initial = {
            "name": role.name,
            "slug": role.slug,
            "description": role.description,
            "organisation_kinds": role.organisation_kinds,
        }
        for perm in role.permissions.all():
            app_label = perm.content_type.app_label
            initial.setdefault(f"permissions_{app_label}", []).append(
                f"{app_label}.{perm.codename}"
            )
        return initial

    @property
    def permissions(self) -> list[str]:
        return [code for name in self.permission_field_names for code in self.cleaned_data[name]]


class DataSharingAgreementForm(forms.Form):
    title = _field(DataSharingAgreement, "title")
    parties = forms.ModelMultipleChoiceField(
        label=_label(DataSharingAgreement, "parties"),
        queryset=Organisation.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least two organisations."),
    )
    purposes = _field(DataSharingAgreement, "purposes", widget=forms.Textarea(attrs={"rows": 4}))
    data_categories = forms.MultipleChoiceField(
        label=_label(DataSharingAgreement, "data_categories"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_basis = _field(DataSharingAgreement, "legal_basis")
    retention_days = forms.IntegerField(
        label=_label(DataSharingAgreement, "retention_days"), min_value=1, max_value=36500
    )
    valid_from = forms.DateField(
        label=_label(DataSharingAgreement, "valid_from"), widget=DateInput()
    )
    valid_until = forms.DateField(
        label=_label(DataSharingAgreement, "valid_until"), widget=DateInput(), required=False
    )

    @staticmethod
    def initial_for(agreement: DataSharingAgreement) -> dict:
        return {
            "title": agreement.title,
            "parties": list(agreement.parties.all()),
            "purposes": agreement.purposes,
            "data_categories": agreement.data_categories,
            "legal_basis": agreement.legal_basis,
            "retention_days": agreement.retention_days,
            "valid_from": agreement.valid_from,
            "valid_until": agreement.valid_until,
        }


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_label(ApiToken, "name"), max_length=100)
    user = PersonChoiceField(
        label=_("Acts as"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— a new service account —"),
        help_text=_(
            "The token acts with this member's roles in the organisation. Leave empty to "
            "create a service account with the roles chosen below."
        ),
    )
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles of the new service account"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(organisation=organisation, is_active=True)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(pk__in=members.values("user_id"), is_active=True)
            .order_by("last_name", "first_name", "username")
        )
        self.fields["roles"].queryset = roles_for_kind(organisation.kind)

    def clean(self):
        data = super().clean()
        if data.get("user") is not None and data.get("roles"):
            self.add_error("roles", _("Roles apply only to a new service account."))
        return data
