"""Forms of the chat pages. Lengths are checked by the services, so a message that is too
long comes back with a clear error and the text still in the box."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wijkregie.chat.models import DISPLAY_NAME_MAX_LENGTH, REASON_MAX_LENGTH, Reaction


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Your personal code"),
        help_text=_("It is on your letter or on the slip you were given, e.g. ABCD-EFGH-JKLM."),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    display_name = forms.CharField(
        label=_("The name others see"),
        help_text=_(
            "A made-up name is fine. Others never see your real name, address or phone number."
        ),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    accept_rules = forms.BooleanField(label=_("I have read the house rules"), required=True)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("Photo"), required=False, help_text=_("No photos of people, please.")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH * 2, required=False)


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this message?"), max_length=REASON_MAX_LENGTH, required=False
    )


class MuteForm(ReasonForm):
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=24 * 30, initial=24)


class ReactForm(forms.Form):
    emoji = forms.ChoiceField(choices=[(e, e) for e in Reaction.EMOJIS])


class IssueCodeForm(forms.Form):
    resident = forms.TypedChoiceField(label=_("Resident"), coerce=int, choices=())

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = [(r.pk, r.label) for r in residents]


class LineReportForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, choices=())
    description = forms.CharField(
        label=_("Summary for intake"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name) for c in categories]


class NewsletterForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("The name others see"), max_length=DISPLAY_NAME_MAX_LENGTH
    )
    recovery_email = forms.EmailField(
        label=_("E-mail address for recovery"),
        required=False,
        help_text=_(
            "Nobody else sees it. With it you can sign in on a new device: we send a "
            "sign-in link to this address when you ask for one."
        ),
    )


class LeaveForm(forms.Form):
    remove_messages = forms.BooleanField(label=_("Also remove my messages"), required=False)


class RecoveryForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address for recovery"),
        help_text=_("The address you gave in the chat's settings."),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
