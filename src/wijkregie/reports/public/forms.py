"""Forms of the resident pages: address lookup, the report form, contact, follow-up.

Every message is plain language (B1) and translated into the resident languages
(settings.WIJKREGIE_RESIDENT_LANGUAGES). The forms parse and check input only; the
services store it (docs/reports.md).
"""

import re
from datetime import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wijkregie.places.addresses import parse_house_number, parse_postcode
from wijkregie.places.models import Building, CommonArea, Unit
from wijkregie.places.selectors import units_at_address
from wijkregie.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS_PER_REPORT,
    MESSAGE_MAX_LENGTH,
    ContactMode,
    LocationKind,
)
from wijkregie.reports.photos import (
    PhotoRejected,
    SanitisedPhoto,
    max_photo_bytes,
    sanitise_photo,
    too_big_message,
)
from wijkregie.reports.public.trap import FORM_TOKEN_FIELD, HONEYPOT_FIELD
from wijkregie.reports.services import ReporterDetails

ADDITION_RE = re.compile(r"^[A-Za-z]?(?:[-\s]?[A-Za-z0-9]{1,4})?$")

# Resident wording of the places' shared spaces (places' own labels are for staff).
COMMON_AREA_LABELS = {
    "lift": _("Lift"),
    "stairwell": _("Stairwell"),
    "hall": _("Entrance hall"),
    "storage": _("Storage rooms"),
    "parking": _("Parking"),
    "bicycle_shed": _("Bicycle shed"),
    "garden": _("Garden"),
    "roof": _("Roof"),
    "gallery": _("Gallery"),
    "outside": _("Outside area"),
}

LOCATION_CHOICES = [
    (LocationKind.OWN_UNIT.value, _("In or at my own home")),
    (LocationKind.OTHER_UNIT.value, _("In or at another home")),
    (LocationKind.COMMON_AREA.value, _("In a shared space, such as the lift or stairwell")),
    (LocationKind.OUTSIDE.value, _("Outside, around the building")),
    (LocationKind.NOT_APPLICABLE.value, _("Not at one place, or I do not know")),
]

CONTACT_CHOICES = [
    (
        ContactMode.ANONYMOUS.value,
        _("Anonymous"),
        _(
            "We do not ask who you are. Nobody, not even the organisation that handles "
            "your report, can see who you are. You follow your report with a code."
        ),
    ),
    (
        ContactMode.SHIELDED.value,
        _("Shielded"),
        _(
            "Only the staff who receive reports at the organisation that handles it see "
            "your name and contact details. Other organisations and your neighbours never "
            "see them."
        ),
    ),
    (
        ContactMode.OPEN.value,
        _("Open"),
        _(
            "As shielded, and if another organisation takes over your report, it may "
            "see your name and contact details too, so it can contact you directly."
        ),
    ),
]


def floor_label(number: int) -> str:
    if number == 0:
        return str(_("Ground floor"))
    if number < 0:
        return str(_("Basement %(number)s") % {"number": -number})
    return str(_("Floor %(number)s") % {"number": number})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to `max_count` photos, each checked and cleaned by photos.sanitise_photo.

    The size cap is checked on the upload's size before a byte is read or decoded.
    """

    widget = MultipleFileInput

    def __init__(self, *args, max_count: int = MAX_PHOTOS_PER_REPORT, **kwargs):
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp")

    def clean(self, data, initial=None) -> list[SanitisedPhoto]:
        uploads = [f for f in (data or []) if f]
        if not isinstance(data, list | tuple) and data:
            uploads = [data]
        if len(uploads) > self.max_count:
            raise ValidationError(
                _("You can add at most %(max)d photos.") % {"max": self.max_count},
                code="too_many",
            )
        limit = max_photo_bytes()
        cleaned = []
        for number, upload in enumerate(uploads, start=1):
            prefix = _("Photo %(number)d:") % {"number": number}
            if upload.size > limit:
                raise ValidationError(f"{prefix} {too_big_message(limit)}", code="too_big")
            try:
                cleaned.append(sanitise_photo(upload.read(limit + 1), max_bytes=limit))
            except PhotoRejected as exc:
                raise ValidationError(f"{prefix} {exc.message}", code="photo") from exc
        return cleaned


class TrapMixin(forms.Form):
    """The honeypot and the signed form token (public/trap.py reads both)."""

    def __init__(self, *args, form_token: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.form_token = form_token

    @property
    def honeypot_name(self) -> str:
        return HONEYPOT_FIELD

    @property
    def honeypot_id(self) -> str:
        return f"id_{self.prefix or 'form'}_{HONEYPOT_FIELD}"

    @property
    def token_name(self) -> str:
        return FORM_TOKEN_FIELD


class AddressForm(forms.Form):
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        help_text=_("For example 3521 AB"),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "size": 8}),
    )
    house_number = forms.IntegerField(
        label=_("House number"),
        min_value=1,
        max_value=99999,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        error_messages={
            "invalid": _("Enter a house number in digits, for example 12."),
            "min_value": _("Enter a house number in digits, for example 12."),
            "max_value": _("Enter a house number in digits, for example 12."),
        },
    )
    addition = forms.CharField(
        label=_("Letter or addition"),
        max_length=6,
        required=False,
        help_text=_("For example A or 2"),
        widget=forms.TextInput(attrs={"size": 6}),
    )

    def clean_postcode(self):
        postcode = parse_postcode(self.cleaned_data["postcode"])
        if not postcode:
            raise ValidationError(
                _("Enter a postcode of four digits and two letters, such as 3521 AB.")
            )
        return postcode

    def clean_addition(self):
        value = self.cleaned_data.get("addition", "")
        if value and not ADDITION_RE.match(value.strip()):
            raise ValidationError(_("Enter a letter or a short addition, such as A or 2."))
        return value


def _check_contact(form, data) -> None:
    """Shielded and open need a way to reach the resident: an e-mail address or a phone."""
    mode = data.get("contact_mode")
    reachable = data.get("email") or data.get("phone") or "email" in form.errors
    if mode and mode != ContactMode.ANONYMOUS and not reachable:
        form.add_error(
            "email", _("Leave an e-mail address or a phone number, or choose anonymous.")
        )


def _area_label(area: CommonArea, duplicates: set) -> str:
    label = str(COMMON_AREA_LABELS.get(area.kind, area.name))
    details = []
    if area.entrance:
        details.append(str(_("entrance %(entrance)s") % {"entrance": area.entrance}))
    if area.floor is not None:
        details.append(floor_label(area.floor).lower())
    if (area.kind, area.entrance, area.floor) in duplicates:
        details.append(area.name)
    return f"{label} ({', '.join(details)})" if details else label


class ReportForm(TrapMixin):
    """Where, when, what happened, photos and how to be reached (BRIEF 1, 2).

    The category is chosen on the page before (a plain GET form, so the "call 112" notice
    of urgent categories comes first) and travels along as a hidden field.
    """

    category = forms.CharField(widget=forms.HiddenInput, max_length=60)
    # The step's legend asks "1. Where did it happen?"; the choice itself is the place.
    location_kind = forms.ChoiceField(
        label=_("Choose the place"), choices=LOCATION_CHOICES, widget=forms.RadioSelect
    )
    entrance = forms.ChoiceField(label=_("Entrance"), required=False)
    floor = forms.TypedChoiceField(label=_("Floor"), required=False, coerce=int, empty_value=None)
    common_area = forms.TypedChoiceField(
        label=_("Which shared space?"), required=False, coerce=int, empty_value=None
    )
    house_number = forms.CharField(
        label=_("House number of the home"),
        required=False,
        max_length=12,
        help_text=_(
            "Only if it happened in or at a home. If you report anonymously and it is "
            "your own home, think about it: the house number can show who you are."
        ),
    )
    occurred_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 2025-03-31.")},
    )
    occurred_time = forms.TimeField(
        label=_("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time, for example 21:30.")},
    )
    occurred_when = forms.CharField(
        label=_("Or tell us when in your own words"),
        required=False,
        max_length=200,
        help_text=_("For example: every evening around 10 pm."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        help_text=_(
            "Tell us what you saw or heard. Do not write your own name if you want to stay "
            "anonymous."
        ),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Please tell us what happened."),
            "max_length": _(
                "Your text is too long. Use at most %(limit_value)d characters "
                "(now %(show_value)d). You can add more later with your code."
            ),
        },
    )
    photos = PhotosField(
        label=_("Photos"),
        help_text=_(
            "At most 5 photos (JPEG, PNG or WebP), each at most 10 MB. We remove the "
            "hidden information in photos, such as the place and the camera."
        ),
    )
    contact_mode = forms.ChoiceField(
        label=_("How may we reach you?"),
        choices=[(value, label) for value, label, _explanation in CONTACT_CHOICES],
        widget=forms.RadioSelect,
        initial=ContactMode.ANONYMOUS.value,
    )
    name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        max_length=254,
        help_text=_("We send you an e-mail when something changes."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter an e-mail address such as name@example.nl.")},
    )
    phone = forms.CharField(
        label=_("Your phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    contact_fields = ("name", "email", "phone")

    def __init__(self, *args, building: Building, areas: list[CommonArea], **kwargs):
        super().__init__(*args, **kwargs)
        self.building = building
        self.areas = {area.pk: area for area in areas}
        entrances = [e for e in (building.entrances or []) if e]
        if entrances:
            self.fields["entrance"].choices = [("", _("I do not know"))] + [
                (e, _("Entrance %(entrance)s") % {"entrance": e}) for e in entrances
            ]
        else:
            del self.fields["entrance"]
        lowest = min([0, *[a.floor for a in areas if a.floor is not None]])
        self.fields["floor"].choices = [("", _("I do not know"))] + [
            (n, floor_label(n)) for n in range(max(building.floors, 1) - 1, lowest - 1, -1)
        ]
        keys = [(a.kind, a.entrance, a.floor) for a in areas]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if areas:
            self.fields["common_area"].choices = [("", _("Choose a space"))] + [
                (a.pk, _area_label(a, duplicates)) for a in areas
            ]
        else:
            del self.fields["common_area"]

    @property
    def contact_options(self) -> list:
        """(radio, one-sentence explanation) pairs for the template."""
        explanations = {value: explanation for value, _label, explanation in CONTACT_CHOICES}
        return [(radio, explanations[radio.data["value"]]) for radio in self["contact_mode"]]

    def clean_name(self):
        return self.cleaned_data.get("name", "").strip()

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and len(re.sub(r"[^0-9]", "", phone)) < 6:
            raise ValidationError(_("Enter a phone number, for example 06 12345678."))
        return phone

    def clean_occurred_when(self):
        return self.cleaned_data.get("occurred_when", "").strip()

    def clean(self):
        data = super().clean()
        _check_contact(self, data)
        day, moment = data.get("occurred_date"), data.get("occurred_time")
        data["occurred_at"] = None
        if day:
            at = timezone.make_aware(datetime.combine(day, moment or datetime.min.time()))
            if at > timezone.now():
                self.add_error("occurred_date", _("This moment is in the future."))
            data["occurred_at"] = at
        elif moment:
            self.add_error("occurred_date", _("Also fill in the date."))
        kind = data.get("location_kind")
        area = data.get("common_area")
        if kind == LocationKind.COMMON_AREA and area is not None and area not in self.areas:
            self.add_error("common_area", _("Choose a space from the list."))
        data["common_area_obj"] = (
            self.areas.get(data.get("common_area")) if kind == LocationKind.COMMON_AREA else None
        )
        data["unit_obj"] = None
        number = (data.get("house_number") or "").strip()
        if number and kind in (LocationKind.OWN_UNIT, LocationKind.OTHER_UNIT):
            data["unit_obj"] = self._unit_for(number)
            if data["unit_obj"] is None:
                self.add_error(
                    "house_number",
                    _(
                        "We cannot find this house number in this building. "
                        "Check it, or leave it empty."
                    ),
                )
        return data

    def _unit_for(self, text: str) -> Unit | None:
        parsed = parse_house_number(text)
        if parsed is None:
            return None
        number, letter, addition = parsed
        return units_at_address(
            building=self.building,
            house_number=number,
            house_letter=letter,
            house_number_addition=addition,
        ).first()

    def reporter(self) -> ReporterDetails:
        data = self.cleaned_data
        if data["contact_mode"] == ContactMode.ANONYMOUS:
            return ReporterDetails()
        return ReporterDetails(**{field: data.get(field, "") for field in self.contact_fields})


class ContactRequestForm(TrapMixin):
    """A contact request, "get in touch about anything" (BRIEF 9): no incident."""

    description = forms.CharField(
        label=_("What would you like to talk about?"),
        help_text=_("Anything is fine. You do not have to report a problem."),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Please write a short message."),
            "max_length": _(
                "Your text is too long. Use at most %(limit_value)d characters "
                "(now %(show_value)d). You can add more later with your code."
            ),
        },
    )
    contact_mode = ReportForm.base_fields["contact_mode"]
    name = ReportForm.base_fields["name"]
    email = ReportForm.base_fields["email"]
    phone = ReportForm.base_fields["phone"]

    contact_fields = ReportForm.contact_fields
    contact_options = ReportForm.contact_options
    clean_name = ReportForm.clean_name
    clean_phone = ReportForm.clean_phone
    reporter = ReportForm.reporter

    def clean(self):
        data = super().clean()
        _check_contact(self, data)
        return data


class FollowUpForm(forms.Form):
    tracking_code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        help_text=_("You got this code when you sent your report, for example ABCD2345EF."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    passphrase = forms.CharField(
        label=_("Passphrase"),
        max_length=60,
        help_text=_("The secret code you wrote down, for example ABCD-EFGH-JKMN."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class MessageForm(TrapMixin):
    body = forms.CharField(
        label=_("Your message or answer"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Please write a message."),
            "max_length": _(
                "Your text is too long. Use at most %(limit_value)d characters "
                "(now %(show_value)d)."
            ),
        },
    )


class PhotoAddForm(TrapMixin):
    photos = PhotosField(label=_("Add photos"), required=True)

    def __init__(self, *args, room: int = MAX_PHOTOS_PER_REPORT, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].max_count = room
        self.fields["photos"].help_text = _(
            "You can add %(count)d more photos (JPEG, PNG or WebP, each at most 10 MB)."
        ) % {"count": room}
        self.fields["photos"].error_messages["required"] = _("Choose one or more photos.")


class ContactUpdateForm(TrapMixin):
    email = forms.EmailField(
        label=_("E-mail address for updates"),
        required=False,
        max_length=254,
        help_text=_(
            "Optional. Only the staff who receive reports can see it. Leave it empty to remove it."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter an e-mail address such as name@example.nl.")},
    )


def language_name(code: str) -> str:
    return dict(settings.WIJKREGIE_RESIDENT_LANGUAGES).get(code, code)


# Seeded category names and hints (migration 0002, English) as msgids: the resident pages
# translate them into languages the category's JSON does not hold yet
# (docs/public-reporting.md). An administrator's own text in the JSON always wins.
SEEDED_CATEGORY_TEXTS = [
    pgettext_lazy("category", "A crime is happening now"),
    pgettext_lazy("category", "Is there danger right now? Call 112 first. Then report it here."),
    pgettext_lazy("category", "Threats and intimidation"),
    pgettext_lazy(
        "category", "Someone threatens or intimidates you or others. In danger now? Call 112."
    ),
    pgettext_lazy("category", "Arson and fire risk"),
    pgettext_lazy(
        "category", "Fire, arson or things that can cause a fire. Is it burning now? Call 112."
    ),
    pgettext_lazy("category", "Nitrous oxide: dealing or storage"),
    pgettext_lazy(
        "category",
        "You see nitrous oxide being sold or stored, for example large cylinders in a "
        "storage room.",
    ),
    pgettext_lazy("category", "Drug dealing"),
    pgettext_lazy(
        "category", "You see drugs being sold, or people keep coming and going for drugs."
    ),
    pgettext_lazy("category", "Litter and pollution"),
    pgettext_lazy("category", "Rubbish, bulky waste or dirt in and around the building."),
    pgettext_lazy("category", "Vandalism"),
    pgettext_lazy(
        "category", "Something was broken on purpose, such as the lift, a door or the lights."
    ),
    pgettext_lazy("category", "Illegal subletting or nobody living there"),
    pgettext_lazy(
        "category", "You think a home is being sublet, or that nobody really lives there."
    ),
    pgettext_lazy("category", "Noise and nuisance"),
    pgettext_lazy("category", "A lot of noise or other nuisance from neighbours or visitors."),
    pgettext_lazy("category", "Unsafe shared space"),
    pgettext_lazy(
        "category",
        "A place in the building feels unsafe, for example dark, broken or people hanging around.",
    ),
    pgettext_lazy("category", "Something else"),
    pgettext_lazy(
        "category",
        "Does your report not fit anywhere? Choose this and tell us what is going on.",
    ),
    pgettext_lazy("category", "Get in touch"),
    pgettext_lazy(
        "category",
        "You want to talk to us, about anything. You do not have to report anything.",
    ),
]
