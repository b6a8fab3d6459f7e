from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wijkregie.places.unit_import import COLUMNS, too_large_message


class BuildingFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Part of the name or street, or a postcode."),
    )


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file with units"),
        help_text=_(
            "One row per unit, with the columns %(columns)s in the first row, separated by "
            "commas or semicolons, saved as CSV UTF-8. house_letter and "
            "house_number_addition may be left out."
        )
        % {"columns": ", ".join(COLUMNS)},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Choose a CSV file (a name ending in .csv)."))
        if upload.size > settings.WIJKREGIE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload
