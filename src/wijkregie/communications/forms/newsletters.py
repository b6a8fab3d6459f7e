"""Forms of the newsletter pages. They parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wijkregie.communications.models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, TITLE_MAX_LENGTH

BODY_HELP = _(
    "Plain text or simple HTML: <p>, <h2>, <h3>, <strong>, <em>, <ul>, <ol>, <li>, "
    '<blockquote>, <br> and <a href="https://…">. Anything else (scripts, images, '
    "styles) is removed when you save, and you are told what was removed."
)


class _BuildingsMixin:
    def _set_buildings(self, buildings):
        self.fields["buildings"].choices = [(b.pk, b.name) for b in buildings]


class NewsletterForm(_BuildingsMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("For your colleagues; residents see the subject."),
    )
    buildings = forms.TypedMultipleChoiceField(
        label=_("Buildings"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    subject = forms.CharField(label=_("Subject (Dutch)"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Text (Dutch)"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14, "lang": "nl"}),
        help_text=BODY_HELP,
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._set_buildings(buildings)


class NewsletterEditForm(_BuildingsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    buildings = forms.TypedMultipleChoiceField(
        label=_("Buildings"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._set_buildings(buildings)


class VersionForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=BODY_HELP,
    )

    def __init__(self, *args, language="nl", rtl=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("subject", "body"):
            self.fields[name].widget.attrs.update(
                {"lang": language, "dir": "rtl" if rtl else "ltr"}
            )


class ImageForm(forms.Form):
    image = forms.FileField(
        label=_("Image"),
        help_text=_(
            "JPEG, PNG or WebP, at most 10 MB. The hidden information in the file "
            "(place, camera, time) is removed."
        ),
    )
    alt_text = forms.CharField(
        label=_("Description of the image"),
        max_length=200,
        help_text=_("For readers who cannot see the image."),
    )
