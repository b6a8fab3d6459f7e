from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.models import AuditAction
from wijkregie.core.selectors import AUDIT_PERMISSION, AuditFilters, object_type_choices


def add_service_errors(
    form: forms.Form,
    exc: ValidationError | ApplicationError,
    *,
    field: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> None:
    """Show a service's refusal on the form that called it: the one way for every page.

    A `ValidationError` lands on the fields it names (`fields` renames a service's field to
    the form's, e.g. {"unit": "house_number"}; a name the form lacks goes above the form);
    an `ApplicationError`'s message on `field`, or above the form. `NotFound` and
    `PermissionDenied` are no form's business: they are raised again, for
    `core.middleware.ApplicationErrorMiddleware` to answer 404 or 403.
    """
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    if isinstance(exc, ApplicationError):
        form.add_error(field if field in form.fields else None, str(exc.message))
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = (fields or {}).get(name, name)
        form.add_error(target if target in form.fields else None, errors)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """The privacy officer's search over the audit trail (a GET form)."""

    actor = forms.CharField(label=_("Who (user name)"), max_length=150, required=False, strip=True)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    object_type = forms.ChoiceField(label=_("Kind of data"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=DateInput())
    date_to = forms.DateField(
        label=_("Up to and including (date)"), required=False, widget=DateInput()
    )
    context = forms.CharField(
        label=_("On behalf of"),
        max_length=200,
        required=False,
        strip=True,
        help_text=_("Part of the name of a building or case, or its number."),
    )

    def __init__(self, *args, viewer: Viewer, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = viewer.organisations_with(AUDIT_PERMISSION)
        self.fields["organisation"].choices = [("", _("All"))] + [
            (g.organisation_id, g.organisation_name)
            for g in viewer.grants
            if g.organisation_id in organisations
        ]
        self.fields["object_type"].choices = [("", _("All"))] + [
            (value, f"{label} ({value})") for value, label in object_type_choices()
        ]
        self.fields["action"].choices = [("", _("All"))] + list(AuditAction.choices)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date lies before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The filters of a valid form; call is_valid() first."""
        data = self.cleaned_data
        return AuditFilters(
            actor=data.get("actor") or "",
            organisation_id=data.get("organisation"),
            object_type=data.get("object_type") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            context=data.get("context") or "",
        )
