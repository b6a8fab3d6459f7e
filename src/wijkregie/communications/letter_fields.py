"""The merge fields communications itself provides (see merge_fields for the registry)."""

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from wijkregie.communications import merge_fields
from wijkregie.places.models import Building
from wijkregie.places.selectors import building_public_report_url


def _date(context: merge_fields.LetterContext) -> str:
    with override(context.language):
        return formats.date_format(context.date, "j F Y")


def _report_url(context: merge_fields.LetterContext) -> str:
    if context.report_url:
        return context.report_url
    building = Building.objects.filter(pk=context.building_id).first()
    return building_public_report_url(building) if building else ""


BUILTIN = (
    ("resident_name", _("Resident's name"), lambda c: c.full_name, "text"),
    ("given_name", _("Resident's given name"), lambda c: c.given_name, "text"),
    ("family_name", _("Resident's family name"), lambda c: c.family_name, "text"),
    ("address", _("Address (as on the envelope)"), lambda c: "\n".join(c.address_lines), "text"),
    ("building", _("Name of the building"), lambda c: c.building_name, "text"),
    ("sender", _("Sending organisation"), lambda c: c.organisation_name, "text"),
    ("date", _("Date of the letter"), _date, "text"),
    ("reference", _("Reference of this letter"), lambda c: c.reference, "text"),
    ("letter_code", _("Personal code of this letter"), lambda c: c.code, "text"),
    ("report_qr", _("QR code of the building's report page"), _report_url, "qr"),
)


def register_builtin() -> None:
    for name, label, provider, kind in BUILTIN:
        if merge_fields.field_get(name) is None:
            merge_fields.register(name, label=label, provider=provider, kind=kind)
