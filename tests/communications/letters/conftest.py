"""Shared set-up for the letters tests: a landlord, its building and residents, the people.

- `author`, `reviewer`: the landlord's staff who write letters (send_letters)
- `reader`: the landlord's staff who see residents but write no letters
- `outsider`: another landlord's letter writer
- `partner`: the police, a partner of the building, sees no resident names

`fast_pdf` replaces the PDF rendering with a tiny real PDF (most tests are about the
flow, not about WeasyPrint; tests/communications/test_pdf.py renders real letters).
"""

import io
from dataclasses import dataclass

from django.utils import translation

import pytest
from pypdf import PdfWriter

from tests.residents.factories import (
    make_building,
    make_occupancy,
    make_organisation,
    make_partner,
    make_person,
    make_resident,
    make_unit,
)
from wijkregie.communications.services import letters as services
from wijkregie.partners.selectors import viewer_for

LETTER_WRITER = (
    "places.view_building",
    "residents.view_resident",
    "residents.view_resident_contact",
    "communications.send_letters",
)
VERSIONS = {
    "nl": {
        "subject": "Nieuws over {{ building }}",
        "body": "Beste {{ resident_name }},\n\nUw code: {{ letter_code }}.\n\n{{ report_qr }}",
        "signature": "Met vriendelijke groet,\n{{ sender }}",
    },
    "ar": {
        "subject": "أخبار {{ building }}",
        "body": "عزيزي {{ resident_name }}\n\n{{ letter_code }}",
        "signature": "{{ sender }}",
    },
}


def tiny_pdf(*_args, **_kwargs) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    landlord: object
    other: object
    police: object
    building: object
    units: list
    residents: list
    users: dict

    def viewer(self, name):
        return viewer_for(self.users[name])

    def template(self, **overrides):
        values = {
            "actor": self.viewer("author"),
            "organisation_id": self.landlord.pk,
            "name": "Nieuws",
            "versions": VERSIONS,
        }
        values.update(overrides)
        return services.letter_template_create(**values)

    def batch(self, template=None, **overrides):
        template = template or self.template()
        values = {
            "actor": self.viewer("author"),
            "organisation_id": self.landlord.pk,
            "template_id": template.pk,
            "title": "Wat we doen",
            "target": "building",
            "building_id": self.building.pk,
            "language": "en",
        }
        values.update(overrides)
        return services.letter_batch_create(**values)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def fast_pdf(monkeypatch):
    calls = []

    def render(*, version, context):
        calls.append(context.resident_id)
        return tiny_pdf()

    monkeypatch.setattr(services, "letter_render", render)
    return calls


@pytest.fixture
def world(db):
    landlord = make_organisation("ws-brief")
    other = make_organisation("ws-anders")
    police = make_organisation("politie-brief", kind="police")
    building = make_building(landlord, name="De Toren", postcode="3521AB")
    units = [
        make_unit(building, 1, floor=0, entrance="A"),
        make_unit(building, 2, floor=0, entrance="A"),
        make_unit(building, 3, floor=1, entrance="A"),
        make_unit(building, 4, floor=1, entrance="B"),
    ]
    residents = [
        make_resident(landlord, given_name="Anna", family_name="Bakker"),
        make_resident(landlord, given_name="Samira", family_name="Haddad", preferred_language="ar"),
        make_resident(landlord, given_name="Tom", family_name="Claes", preferred_language="tr"),
        make_resident(landlord, given_name="Eva", family_name="Dekker", email=""),
    ]
    for resident, unit in zip(residents, units, strict=True):
        make_occupancy(resident, unit)
    users = {
        "author": make_person("author", landlord, LETTER_WRITER),
        "reviewer": make_person("reviewer", landlord, LETTER_WRITER),
        "reader": make_person(
            "reader", landlord, ("places.view_building", "residents.view_resident")
        ),
        "outsider": make_person("outsider", other, LETTER_WRITER),
        "partner": make_person(
            "partner", police, ("places.view_building", "residents.view_resident")
        ),
    }
    make_partner(building, users["partner"])
    return World(landlord, other, police, building, units, residents, users)
