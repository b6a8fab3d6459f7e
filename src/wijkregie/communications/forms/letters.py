"""Forms of the letter pages: they parse input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wijkregie.communications.models.letters import BODY_MAX, SIGNATURE_MAX, SUBJECT_MAX
from wijkregie.communications.workflows import BatchTarget, DeliveryMethod
from wijkregie.core.forms import DateInput
from wijkregie.residents.languages import language_name

TEXT_PARTS = ("subject", "body", "signature")


def _version_fields(prefix: str, *, required: bool) -> dict[str, forms.Field]:
    return {
        f"{prefix}-subject": forms.CharField(
            label=_("Subject"), max_length=SUBJECT_MAX, required=required
        ),
        f"{prefix}-body": forms.CharField(
            label=_("Body"),
            max_length=BODY_MAX,
            required=required,
            widget=forms.Textarea(attrs={"rows": 10}),
            help_text=_("Paragraphs separated by an empty line; merge fields as {{ name }}."),
        ),
        f"{prefix}-signature": forms.CharField(
            label=_("Signature"),
            max_length=SIGNATURE_MAX,
            required=required,
            widget=forms.Textarea(attrs={"rows": 3}),
        ),
    }


class LetterTemplateForm(forms.Form):
    """The name, the Dutch version, every other version, and one new language version."""

    name = forms.CharField(label=_("Name of the template"), max_length=200)

    def __init__(self, *args, organisations=None, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"] = forms.TypedChoiceField(
                label=_("Organisation"), choices=organisations, coerce=int
            )
        self.languages = ["nl", *[code for code in languages if code != "nl"]]
        for code in self.languages:
            self.fields.update(_version_fields(code, required=code == "nl"))
            if code != "nl":
                self.fields[f"{code}-remove"] = forms.BooleanField(
                    label=_("Remove this language version"), required=False
                )
        self.fields["extra-language"] = forms.CharField(
            label=_("Language code"),
            max_length=8,
            required=False,
            help_text=_("ISO 639-1, two letters such as tr, ar or en."),
        )
        self.fields.update(_version_fields("extra", required=False))

    def version_groups(self):
        """[(language, name, [bound fields])] for the template, the new version last."""
        return [
            {
                "code": code,
                "name": language_name(code),
                "fields": [self[f"{code}-{part}"] for part in TEXT_PARTS],
                "remove": self[f"{code}-remove"] if code != "nl" else None,
            }
            for code in self.languages
        ]

    def error_names(self) -> dict[str, str]:
        """A service's error keys ("nl.body", "versions") -> this form's field names."""
        names = {"versions": "extra-language"}
        extra = (self.cleaned_data.get("extra-language") or "").strip().lower() or "?"
        for code in [*self.languages, extra]:
            prefix = "extra" if code == extra and code not in self.languages else code
            for part in TEXT_PARTS:
                names[f"{code}.{part}"] = f"{prefix}-{part}"
        return names

    def extra_fields(self):
        return [self["extra-language"], *[self[f"extra-{p}"] for p in TEXT_PARTS]]

    def versions(self) -> dict[str, dict]:
        data = self.cleaned_data
        result = {}
        for code in self.languages:
            if code != "nl" and data.get(f"{code}-remove"):
                continue
            result[code] = {part: data.get(f"{code}-{part}", "") for part in TEXT_PARTS}
        extra = (data.get("extra-language") or "").strip().lower()
        if extra or any(data.get(f"extra-{p}") for p in TEXT_PARTS):
            result[extra or "?"] = {part: data.get(f"extra-{part}", "") for part in TEXT_PARTS}
        return result


class LetterBatchForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    template = forms.TypedChoiceField(label=_("Letter template"), coerce=int)
    target = forms.ChoiceField(
        label=_("Addressed to"), choices=BatchTarget.choices, widget=forms.RadioSelect
    )
    building = forms.TypedChoiceField(
        label=_("Building"), coerce=int, required=False, empty_value=None
    )
    floors = forms.CharField(
        label=_("Floors"),
        required=False,
        max_length=400,
        help_text=_("Only for some floors: numbers separated by commas, e.g. 0, 1, 2."),
    )
    units = forms.TypedMultipleChoiceField(
        label=_("Units"),
        coerce=int,
        required=False,
        help_text=_("Only for a list of units."),
    )
    case = forms.TypedChoiceField(
        label=_("Case"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Only for the residents of a case."),
    )
    delivery_method = forms.ChoiceField(
        label=_("Delivery"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    letter_date = forms.DateField(label=_("Date of the letter"), widget=DateInput())

    def __init__(self, *args, templates, buildings, units, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = templates
        self.fields["building"].choices = [("", "—"), *buildings]
        self.fields["units"].choices = units
        self.fields["case"].choices = [("", "—"), *cases]
        for name in ("building", "floors", "units", "case"):
            self.fields[name].no_optional_marker = True

    def clean_floors(self):
        text = self.cleaned_data.get("floors") or ""
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(
                _("Write the floors as numbers separated by commas, e.g. 0, 1, 2.")
            ) from None


class PreviewForm(forms.Form):
    building = forms.TypedChoiceField(label=_("Building"), coerce=int)
    language = forms.ChoiceField(label=_("Language version"), required=False)

    def __init__(self, *args, buildings, languages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = buildings
        self.fields["language"].choices = [
            ("", _("The resident's own language")),
            *[(c, language_name(c)) for c in languages],
        ]
