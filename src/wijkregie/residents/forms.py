from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wijkregie.residents.models import ConsentPurpose, ConsentSource, ContactChannel

SUMMARY_MAX_LENGTH = 4000


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name"),
        max_length=100,
        required=False,
        strip=True,
        help_text=_(
            "Given name or family name; staff of the landlord also find a relation number."
        ),
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ContactMomentForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=ContactChannel.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was discussed or agreed. Write only what the work needs."),
    )
    organisation = forms.TypedChoiceField(label=_("For organisation"), coerce=int)

    def __init__(self, *args, organisations: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        if len(organisations) > 1:
            self.fields["organisation"].choices = organisations
        else:
            del self.fields["organisation"]


class ConsentForm(forms.Form):
    """What a resident said about one consent, recorded by the landlord's staff."""

    GIVE, WITHDRAW = "give", "withdraw"

    purpose = forms.ChoiceField(label=_("Consent"), choices=ConsentPurpose.choices)
    decision = forms.ChoiceField(
        label=_("The resident"),
        choices=[(GIVE, _("gives this consent")), (WITHDRAW, _("withdraws this consent"))],
        widget=forms.RadioSelect,
    )
    source = forms.ChoiceField(
        label=_("How"),
        choices=[
            (value, label)
            for value, label in ConsentSource.choices
            if value not in (ConsentSource.IMPORT, ConsentSource.UNSUBSCRIBE)
        ],
    )
    channel = forms.ChoiceField(
        label=_("Contact by"),
        required=False,
        choices=[("", _("Any way"))]
        + [
            (c.value, c.label)
            for c in (
                ContactChannel.VISIT,
                ContactChannel.PHONE,
                ContactChannel.LETTER,
                ContactChannel.EMAIL,
            )
        ],
        help_text=_("Only for “to be contacted again”: how the resident wants to be approached."),
    )


class ResidentImportForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Landlord"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("An export of your housing system with the columns described below."),
    )
    language = forms.ChoiceField(
        label=_("Language of the report"), choices=settings.LANGUAGES, required=True
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Choose a .csv file."))
        if upload.size > settings.WIJKREGIE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": settings.WIJKREGIE_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload
