"""Forms of the intake pages. They parse input; the services decide (docs/reports.md)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wijkregie.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    OBSERVATION_CHANNELS,
    Channel,
    Lateness,
    LocationKind,
)
from wijkregie.reports.workflows import ReportStatus, default_resident_text


def _blank(label):
    return [("", label)]


class QueueFilterForm(forms.Form):
    """GET filters of the queue; an unknown value is simply no filter. The page renders
    the fields itself (reports/intake/_queue_filters.html): no template per option."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    building = forms.IntegerField(required=False, min_value=1)
    building_q = forms.CharField(label=_("Building"), required=False, max_length=200)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(_("All")) + ReportStatus.choices
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=_blank(_("All")) + Channel.choices
    )
    lateness = forms.ChoiceField(
        label=_("Response target"), required=False, choices=_blank(_("All")) + Lateness.choices
    )
    assigned = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=_blank(_("Anyone")) + [("me", _("Me")), ("none", _("Nobody"))],
    )
    reply = forms.ChoiceField(required=False, choices=[("", ""), ("waiting", "waiting")])
    late = forms.ChoiceField(required=False, choices=[("", ""), ("1", "1")])
    scope = forms.ChoiceField(
        label=_("Reports"),
        required=False,
        choices=[("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))],
    )
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("work", _("What needs us first")), ("newest", _("Newest first"))],
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _blank(_("All")) + [
            (c.pk, c.name_in(None)) for c in categories
        ]

    def filters(self) -> dict:
        """The valid filters, with the queue's defaults: open reports (all of them when a
        status is chosen), in the order of what needs the organisation first."""
        if self.is_bound:
            self.is_valid()  # invalid fields are left out of cleaned_data: no filter
            found = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        else:
            found = {}
        found.setdefault("scope", "all" if "status" in found else "open")
        found.setdefault("order", "work")
        return found


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assigned to"), required=False, coerce=int)

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = _blank(_("Nobody")) + [
            (m.pk, m.user.get_full_name() or m.user.get_username()) for m in assignees
        ]


class DuplicateForm(forms.Form):
    duplicate_of = forms.CharField(
        label=_("Duplicate of report"),
        max_length=20,
        help_text=_("The tracking code or the number (#) of the report this one repeats."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # Its own ids: the triage forms on the same page have an internal note too.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_duplicate_%s")
        super().__init__(*args, **kwargs)


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=80)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    resident_text = forms.CharField(
        label=_("Text for the reporter"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The reporter reads this (and gets it by e-mail if they left an address). "
            "Plain language; no names of others. Empty: the standard text of the new status."
        ),
    )
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you reject the report. The reporter reads it."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only for intake. The reporter never sees it."),
    )

    def __init__(self, *args, allowed: list[str] = (), text_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, ReportStatus(s).label) for s in allowed]
        if text_url:
            # htmx: choosing a status fetches its standard text for the reporter.
            self.fields["to_status"].widget.attrs.update(
                {
                    "hx-get": text_url,
                    "hx-target": "#resident-text-field",
                    "hx-trigger": "change",
                    "hx-swap": "innerHTML",
                }
            )
        if allowed and not self.is_bound:
            self.initial.setdefault("to_status", allowed[0])
            self.initial.setdefault("resident_text", default_resident_text(allowed[0]))
        if ReportStatus.REJECTED not in allowed:
            del self.fields["reason"]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("to_status")
        text = (cleaned.get("resident_text") or "").strip()
        # Without JavaScript the prefilled text belongs to the first status in the list;
        # if it was left unchanged for another status, use that status's own text.
        if status and text in {default_resident_text(s) for s in ReportStatus.values}:
            cleaned["resident_text"] = default_resident_text(status)
        return cleaned


class ForwardForm(forms.Form):
    to_organisation = forms.ModelChoiceField(label=_("Forward to"), queryset=None)
    resident_text = forms.CharField(
        label=_("Text for the reporter"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The receiving organisation reads the report and this note. The reporter's "
            "identity goes along only if the reporter agreed."
        ),
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = organisations
        if not self.is_bound:
            self.initial.setdefault("resident_text", default_resident_text(ReportStatus.FORWARDED))


class CategoryChangeForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name_in(None)) for c in categories]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Question or message to the reporter"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The reporter reads it with their tracking code and passphrase, and gets an "
            "e-mail if they left an address."
        ),
    )


class ObservationBuildingForm(forms.Form):
    building = forms.TypedChoiceField(label=_("Building"), coerce=int)

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = list(buildings)


class ObservationForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("On behalf of"), coerce=int)
    category = forms.TypedChoiceField(label=_("What is it about?"), coerce=int)
    channel = forms.ChoiceField(
        label=_("How did you learn about it?"),
        choices=[(c.value, c.label) for c in OBSERVATION_CHANNELS],
    )
    location_kind = forms.ChoiceField(label=_("Where"), choices=LocationKind.choices)
    unit = forms.TypedChoiceField(label=_("Home"), required=False, coerce=int, empty_value=None)
    common_area = forms.TypedChoiceField(
        label=_("Shared space"), required=False, coerce=int, empty_value=None
    )
    entrance = forms.ChoiceField(label=_("Entrance"), required=False)
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=-3, max_value=60)
    occurred_when = forms.CharField(
        label=_("When"),
        required=False,
        max_length=200,
        help_text=_("For example: yesterday evening around 22:00."),
    )
    description = forms.CharField(
        label=_("What did you see or hear?"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Facts only. Do not name residents unless it is needed for the report."),
    )

    def __init__(
        self, *args, organisations=(), categories=(), units=(), areas=(), entrances=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            (g.organisation_id, g.organisation_name) for g in organisations
        ]
        self.fields["category"].choices = [(c.pk, c.name_in(None)) for c in categories]
        self.fields["unit"].choices = _blank(_("None")) + [(u.pk, str(u)) for u in units]
        self.fields["common_area"].choices = _blank(_("None")) + [(a.pk, a.name) for a in areas]
        self.fields["entrance"].choices = _blank(_("None")) + [(e, e) for e in entrances]
