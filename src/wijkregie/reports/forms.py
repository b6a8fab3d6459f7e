"""Forms of the intake pages. They parse input; the services decide (docs/reports.md)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wijkregie.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    OBSERVATION_CHANNELS,
    Channel,
    Lateness,
    LocationKind,
)
from wijkregie.reports.services.common import RESIDENT_TEXT_MAX_LENGTH
from wijkregie.reports.services.texts import TITLE_MAX_LENGTH
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
        for field in self.fields.values():
            field.no_optional_marker = True  # a filter: nothing is ever required
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
    """No status is chosen beforehand (a default that closes the report is a trap) and
    the text for the reporter starts empty; choosing a status offers its standard text
    beside the field (`resident_text` view), never over what someone typed."""

    to_status = forms.ChoiceField(
        label=_("New status"), error_messages={"required": _("Choose the new status.")}
    )
    resident_text = forms.CharField(
        label=_("Text for the reporter"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_(
            "The reporter reads this (and gets it by e-mail if they left an address). "
            "Plain language; no names of others. Empty: the standard text of the new status."
        ),
    )
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=_("Required when you reject the report. The reporter reads it."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("Only for intake. The reporter never sees it."),
    )

    def __init__(self, *args, allowed: list[str] = (), text_url: str = "", **kwargs):
        # The report page holds several forms with the same field names: ids apart.
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = _blank(_("Choose a status")) + [
            (s, ReportStatus(s).label) for s in allowed
        ]
        if text_url:
            # htmx: choosing a status fetches its standard text, shown beside the field
            # with a button to use it (static/wijkregie/js/app.js).
            self.fields["to_status"].widget.attrs.update(
                {
                    "hx-get": text_url,
                    "hx-target": "#resident-text-standard",
                    "hx-trigger": "change",
                    "hx-swap": "innerHTML",
                }
            )
        if ReportStatus.REJECTED not in allowed:
            del self.fields["reason"]
        else:
            # Required for one status only: its hint says so; "(optional)" would not.
            self.fields["reason"].no_optional_marker = True

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("to_status")
        text = (cleaned.get("resident_text") or "").strip()
        # A standard text left in the field for another status than the one chosen
        # (chosen again afterwards without JavaScript): the chosen status's own text.
        if status and text in {default_resident_text(s) for s in ReportStatus.values}:
            cleaned["resident_text"] = default_resident_text(status)
        return cleaned


class ForwardForm(forms.Form):
    to_organisation = forms.ModelChoiceField(label=_("Forward to"), queryset=None)
    resident_text = forms.CharField(
        label=_("Text for the reporter"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_(
            "The receiving organisation reads the report and this note. The reporter's "
            "identity goes along only if the reporter agreed."
        ),
    )

    def __init__(self, *args, organisations=None, **kwargs):
        # The report page holds several forms with the same field names: ids apart.
        kwargs.setdefault("auto_id", "forward_%s")
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
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        # The report page holds several forms with the same field names: ids apart.
        kwargs.setdefault("auto_id", "category_%s")
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name_in(None)) for c in categories]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Question or message to the reporter"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_(
            "The reporter reads it with their tracking code and passphrase, and gets an "
            "e-mail if they left an address."
        ),
    )


class ContactLinkForm(forms.Form):
    """Which resident a request to get in touch came from (one of the residents found)."""

    resident = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


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
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
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


# --- Standard texts ----------------------------------------------------------------------

RTL_LANGUAGES = {"ar"}


def _language_codes() -> list[tuple[str, str]]:
    return list(settings.WIJKREGIE_RESIDENT_LANGUAGES)


class StandardTextForm(forms.Form):
    """A text with a version per resident language; each textarea is marked with its
    language (and direction), so a screen reader and the browser's spelling check know it."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("For you and your colleagues; the reporter never sees it."),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, organisations=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if len(self.fields["organisation"].choices) == 1 or editing:
            self.fields["organisation"].widget = forms.HiddenInput()
        if not editing:
            del self.fields["active"]
        for code, name in _language_codes():
            attrs = {"rows": 3, "lang": code, "dir": "rtl" if code in RTL_LANGUAGES else "ltr"}
            self.fields[f"body_{code}"] = forms.CharField(
                label=name,
                required=code == "nl",
                max_length=RESIDENT_TEXT_MAX_LENGTH,
                widget=forms.Textarea(attrs=attrs),
                help_text=_("Required.") if code == "nl" else None,
            )

    def body(self) -> dict:
        return {
            code: self.cleaned_data.get(f"body_{code}", "")
            for code, _name in _language_codes()
            if self.cleaned_data.get(f"body_{code}")
        }

    @staticmethod
    def initial_for(text) -> dict:
        return {
            "organisation": text.organisation_id,
            "title": text.title,
            "active": text.active,
            **{f"body_{code}": value for code, value in text.body.items()},
        }


class StandardTextChoiceForm(forms.Form):
    """Which standard text to put into the message (the reporter's language, else Dutch)."""

    standard_text = forms.TypedChoiceField(label=_("Standard text"), coerce=int)

    def __init__(self, *args, texts=(), **kwargs):
        super().__init__(*args, **kwargs)
        dutch_only = _("Dutch only")  # outside the f-string, where makemessages finds it
        self.fields["standard_text"].choices = [
            (text.pk, text.title if own else f"{text.title} ({dutch_only})")
            for text, _body, _language, own in texts
        ]
