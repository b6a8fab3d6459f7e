"""Forms of the outreach pages: plan a round, record an outcome, plan an evening."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wijkregie.outreach.models import (
    INPUT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ContactAgainChannel,
    Topic,
    VisitOutcome,
)


class RoundForm(forms.Form):
    building = forms.TypedChoiceField(label=_("Building"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    entrances = forms.CharField(
        label=_("Entrances (optional)"),
        required=False,
        max_length=100,
        help_text=_("Letters separated by commas, e.g. A, B. Empty: every entrance."),
    )
    floors = forms.CharField(
        label=_("Floors (optional)"),
        required=False,
        max_length=200,
        help_text=_("Numbers separated by commas, 0 for the ground floor. Empty: every floor."),
    )
    team = forms.TypedMultipleChoiceField(
        label=_("Team"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, buildings=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = list(buildings)
        self.fields["team"].choices = list(people)

    def clean_entrances(self):
        return [e.strip() for e in self.cleaned_data["entrances"].split(",") if e.strip()]

    def clean_floors(self):
        floors = []
        for part in self.cleaned_data["floors"].split(","):
            if part.strip():
                try:
                    floors.append(int(part))
                except ValueError:
                    raise forms.ValidationError(_("Enter floor numbers, e.g. 0, 1, 2.")) from None
        return floors


class VisitForm(forms.Form):
    """One outcome at a door (the page without JavaScript posts it; with JavaScript it goes
    through the phone's outbox to the API, with the same fields)."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    unit_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    resident_id = forms.TypedChoiceField(
        label=_("Spoke with"), coerce=int, required=False, empty_value=None
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics raised"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics_other = forms.CharField(label=_("Other topic"), required=False, max_length=200)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea
    )
    revisit = forms.BooleanField(label=_("Come back another time"), required=False)
    concern = forms.CharField(
        label=_("A concern to pass on"),
        required=False,
        max_length=INPUT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    concern_category_id = forms.TypedChoiceField(
        label=_("As a report in category"), coerce=int, required=False, empty_value=None
    )
    concern_case_id = forms.TypedChoiceField(
        label=_("Or as an action on the case"), coerce=int, required=False, empty_value=None
    )
    contact_again = forms.BooleanField(label=_("May be contacted again"), required=False)
    contact_channel = forms.ChoiceField(
        label=_("Contact again by"),
        choices=[("", "—"), *ContactAgainChannel.choices],
        required=False,
    )

    def __init__(self, *args, residents=(), categories=(), cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident_id"].choices = [("", _("— not named —")), *residents]
        self.fields["concern_category_id"].choices = [("", "—"), *categories]
        self.fields["concern_case_id"].choices = [("", "—"), *cases]


class EveningForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=TITLE_MAX_LENGTH)
    buildings = forms.TypedMultipleChoiceField(
        label=_("Buildings"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].choices = list(buildings)


class EveningRecordForm(forms.Form):
    attendance = forms.IntegerField(label=_("Attendance"), min_value=0, max_value=100000)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea
    )


class InputReportForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = list(categories)


class InputActionForm(forms.Form):
    case = forms.TypedChoiceField(label=_("Case"), coerce=int)

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = list(cases)


class EveningInputForm(forms.Form):
    """The anonymous form behind an invitation code."""

    text = forms.CharField(
        label=_("What would you like to tell us?"),
        max_length=INPUT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    topics = forms.MultipleChoiceField(
        label=_("What is it about? (optional)"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
