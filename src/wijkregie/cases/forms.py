"""Forms of the case pages. They parse input; the services decide (docs/cases.md)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wijkregie.cases.models import ACTION_MAX_LENGTH, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from wijkregie.cases.services import REASON_MAX_LENGTH
from wijkregie.cases.workflows import (
    ActionStatus,
    CaseKind,
    CaseRole,
    Confidentiality,
    FragmentAudience,
    FragmentKind,
    Phase,
)
from wijkregie.core.forms import DateInput
from wijkregie.partners.models import DataCategory, MandateLevel


def _blank(label):
    return [("", label)]


class CaseBuildingForm(forms.Form):
    """First step of opening a case: the building."""

    building = forms.TypedChoiceField(label=_("Building"), coerce=int)

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = _blank(_("Choose a building")) + [
            (b.pk, b.name) for b in buildings
        ]


class CaseOpenForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    goal = forms.CharField(
        label=_("Goal"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What do we want to achieve together?"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    level = forms.ChoiceField(
        label=_("Level"), choices=MandateLevel.choices, initial=MandateLevel.OPERATIONAL
    )
    confidentiality = forms.ChoiceField(
        label=_("Who sees it"), choices=Confidentiality.choices, initial=Confidentiality.NORMAL
    )
    unit = forms.TypedChoiceField(
        label=_("Home (household)"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Only when the case is about one household."),
    )
    parent = forms.TypedChoiceField(
        label=_("Part of case"), required=False, coerce=int, empty_value=None
    )
    organisation = forms.TypedChoiceField(
        label=_("You act for"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, units=(), parents=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _blank(_("The whole building")) + [
            (u.pk, u.address) for u in units
        ]
        self.fields["parent"].choices = _blank(_("None: a case of its own")) + [
            (c.pk, c.title) for c in parents
        ]
        organisations = list(organisations)
        if len(organisations) <= 1:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = list(organisations)
            self.fields["organisation"].required = True


class ParticipantForm(forms.Form):
    """The organisation first, then the person by search: with JavaScript a suggestion
    fills `user` (its id); without, the typed text (a username, an e-mail address or a
    name that fits one person) is looked up by `find` when the form is cleaned."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=100,
        help_text=_(
            "Type a name, username or e-mail address of someone of the organisation. "
            "Leave empty to add the organisation as such."
        ),
    )
    user = forms.IntegerField(required=False, widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=_("Role on the case"), choices=CaseRole.choices, initial=CaseRole.INVOLVED
    )

    def __init__(self, *args, organisations=(), find=None, suggest_url="", **kwargs):
        super().__init__(*args, **kwargs)
        if suggest_url:
            # A combobox (WAI-ARIA "list autocomplete") fed by htmx: reports/combobox.js.
            self.fields["person"].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "role": "combobox",
                    "aria-autocomplete": "list",
                    "aria-expanded": "false",
                    "aria-controls": "person-listbox",
                    "hx-get": suggest_url,
                    "hx-trigger": "input changed delay:250ms",
                    "hx-target": "#person-listbox",
                    "hx-swap": "innerHTML",
                    "hx-include": "#id_organisation",
                }
            )
        self.organisation_names = {o.pk: o.name for o in organisations}
        self.fields["organisation"].choices = _blank(_("Choose an organisation")) + list(
            self.organisation_names.items()
        )
        # find(organisation_id, user_id, text) -> at most two matching memberships
        self.find = find

    def add_error(self, field, error):
        # A service's refusal of the person (`user`) belongs to the field they typed in.
        super().add_error("person" if field == "user" else field, error)

    def clean(self):
        data = super().clean()
        organisation = data.get("organisation")
        text = data.get("person", "").strip()
        user_id = data.get("user")
        data["user"] = None
        if organisation is None or (not text and user_id is None):
            return data
        found = self.find(organisation, user_id, text) if self.find else []
        values = {"person": text or user_id, "org": self.organisation_names.get(organisation)}
        if len(found) == 1:
            data["user"] = found[0].user_id
        elif found:
            self.add_error(
                "person",
                _(
                    "More than one person of %(org)s fits “%(person)s”: type the username "
                    "or the e-mail address, or choose from the suggestions."
                )
                % values,
            )
        else:
            self.add_error("person", _("“%(person)s” is not an active member of %(org)s.") % values)
        return data


class RegieMoveForm(forms.Form):
    to_participant = forms.TypedChoiceField(label=_("New coordinator"), coerce=int)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Everyone on the case reads why the regie moved."),
    )

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_participant"].choices = _blank(_("Choose a participant")) + [
            (p.pk, f"{p.organisation.name}{' – ' + p.person_name if p.user_id else ''}")
            for p in participants
            if p.role != CaseRole.COORDINATOR
        ]


class ReportLinkForm(forms.Form):
    case = forms.TypedChoiceField(label=_("Case"), coerce=int)
    note = forms.CharField(
        label=_("Why it belongs to the case"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, cases=(), labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = labels or {}
        self.fields["case"].choices = _blank(_("Choose a case")) + [
            (c.pk, labels.get(c.pk, c.title)) for c in cases
        ]


class AgreementForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label=_("Whose task"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Your own organisation: you take it on. Another: you expect it of them, until "
            "they answer. Nobody yet: a topic on the table."
        ),
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    description = forms.CharField(
        label=_("What exactly"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: patrol the stairwell weekly, in the evening."),
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = _blank(_("Nobody yet")) + [
            (o.organisation.pk, o.organisation.name) for o in organisations
        ]


class AgreementAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Answer"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("We take this on")), ("no", _("We do not take this on"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you do not take it on: say why."),
    )


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("What"), max_length=ACTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_organisation = forms.TypedChoiceField(label=_("Which organisation does it"), coerce=int)
    owner = forms.TypedChoiceField(
        label=_("Who does it"), required=False, coerce=int, empty_value=None
    )
    due_date = forms.DateField(
        label=_("Due date"),
        widget=DateInput(),
        help_text=_("A date in the past is allowed: the action is overdue at once."),
    )

    def __init__(self, *args, organisations=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].choices = _blank(_("Choose an organisation")) + [
            (o.organisation.pk, o.organisation.name) for o in organisations
        ]
        self.fields["owner"].choices = _blank(_("No one in particular")) + list(people)


class ActionEditForm(ActionForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=ACTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the action is done: what came of it?"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, initial=_("Case meeting"))
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    held = forms.BooleanField(
        label=_("The meeting has been held (recorded afterwards)"), required=False
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=500)


class AttendanceForm(forms.Form):
    attendees = forms.TypedMultipleChoiceField(
        label=_("Present"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each with the organisation and the mandate of their membership."),
    )

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [
            (p.user_id, f"{p.person_name} ({p.organisation.name})")
            for p in participants
            if p.user_id
        ]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    decided_by = forms.TypedChoiceField(label=_("Decided by"), coerce=int)
    level = forms.ChoiceField(label=_("Level of the decision"), choices=MandateLevel.choices)
    within_may_decide_on = forms.BooleanField(
        label=_("Within what this person may decide on"), required=False, initial=True
    )
    action_description = forms.CharField(
        label=_("Action that follows (optional)"),
        max_length=ACTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    action_organisation = forms.TypedChoiceField(
        label=_("Which organisation does it"), coerce=int, required=False, empty_value=None
    )
    action_due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args, attendance=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_by"].choices = _blank(_("Choose who decided")) + [
            (
                a.user_id,
                f"{a.person_name} ({a.organisation.name}, {a.get_mandate_level_display()})",
            )
            for a in attendance
        ]
        self.fields["action_organisation"].choices = _blank(_("No action")) + [
            (o.organisation.pk, o.organisation.name) for o in organisations
        ]

    def clean(self):
        data = super().clean()
        if data.get("action_description") and not (
            data.get("action_organisation") and data.get("action_due_date")
        ):
            self.add_error(
                "action_organisation",
                _("An action needs an organisation that does it and a due date."),
            )
        return data

    def action(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("action_description"):
            return None
        return {
            "description": d["action_description"],
            "owner_organisation_id": d["action_organisation"],
            "due_date": d["action_due_date"],
        }


class PhaseItemForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput, max_length=40)
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PhaseMoveForm(forms.Form):
    to_phase = forms.TypedChoiceField(label=_("To phase"), coerce=int, choices=Phase.choices)
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the case moves on now."),
    )
    skip_reason = forms.CharField(
        label=_("Reason to skip unfinished items"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when items of this phase are not done."),
    )


class EscalationForm(forms.Form):
    level = forms.ChoiceField(label=_("To which level"))
    question = forms.CharField(
        label=_("Question"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "It goes to the people of the organisations at this table who hold that mandate level."
        ),
    )

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(m, MandateLevel(m).label) for m in levels]


class EscalationAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The answer goes back to the table of the case."),
    )


class FragmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=FragmentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a note or a visit report."),
    )
    visited_on = forms.DateField(
        label=_("Date of the visit"),
        required=False,
        widget=DateInput(),
        help_text=_("For a visit report."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("For a document: a PDF or a photo (JPEG, PNG, WebP), at most 10 MB."),
    )
    audience = forms.ChoiceField(
        label=_("Who sees it"),
        choices=FragmentAudience.choices,
        initial=FragmentAudience.ALL,
        widget=forms.RadioSelect,
        help_text=_("Your own organisation always sees what it wrote."),
    )
    organisations = forms.TypedMultipleChoiceField(
        label=_("Organisations that see it"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when you chose named organisations."),
    )
    data_category = forms.ChoiceField(
        label=_("Personal data in it"),
        choices=[("", _("No personal data"))] + list(DataCategory.choices),
        required=False,
        help_text=_(
            "Organisations without a data-sharing agreement with yours covering this "
            "category do not receive it."
        ),
    )
    residents_may_be_told = forms.BooleanField(
        label=_("Residents may be told about this"), required=False
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].choices = [(o.id, o.name) for o in organisations]
        for name in ("text", "visited_on", "file", "organisations"):
            self.fields[name].no_optional_marker = True  # the hint says when
