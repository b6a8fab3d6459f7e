"""Shared set-up for the newsletter tests: a corporation with two buildings, its writer
(who may see the residents), a writer who may not, another corporation, and residents."""

from dataclasses import dataclass

from django.utils import timezone

import pytest

from tests.residents.factories import (
    make_building,
    make_occupancy,
    make_organisation,
    make_person,
    make_resident,
    make_unit,
)
from wijkregie.communications.services import newsletters as services
from wijkregie.partners.selectors import viewer_for
from wijkregie.residents.models import ConsentPurpose, ConsentSource, ContactConsent

WRITER = ["communications.manage_newsletters", "residents.view_resident", "places.view_building"]


def give_consent(resident, source=ConsentSource.FORM):
    ContactConsent.objects.create(
        resident=resident,
        purpose=ConsentPurpose.NEWSLETTER_EMAIL,
        given_at=timezone.now(),
        given_source=source,
    )


@dataclass
class World:
    corporation: object
    other: object
    horizon: object
    toren: object
    residents: dict
    users: dict

    def viewer(self, name):
        return viewer_for(self.users[name])

    def newsletter(self, *, body="<p>Beste bewoners,</p><p>De lift wordt vernieuwd.</p>", **kw):
        newsletter, _removed = services.newsletter_create(
            actor=self.viewer("writer"),
            title=kw.pop("title", "Nieuws uit De Horizon"),
            building_ids=kw.pop("building_ids", [self.horizon.pk]),
            subject=kw.pop("subject", "Nieuws uit uw flat"),
            body=body,
            **kw,
        )
        return newsletter


@pytest.fixture
def world(db):
    corporation = make_organisation("de-vaart")
    other = make_organisation("andere-corporatie")
    horizon = make_building(corporation, "De Horizon", "3521HZ")
    toren = make_building(corporation, "De Toren", "3521TT")
    elsewhere = make_building(other, "Elders", "3521EE")
    residents = {}
    for i, (name, language, building, consent) in enumerate(
        [
            ("ayse", "tr", horizon, True),
            ("bram", "nl", horizon, True),
            ("carla", "pl", horizon, False),
            ("dirk", "en", toren, True),
        ],
        start=1,
    ):
        resident = make_resident(
            corporation,
            given_name=name.title(),
            family_name="Horizon",
            preferred_language=language,
            email=f"{name}@example.test",
        )
        make_occupancy(resident, make_unit(building, i))
        if consent:
            give_consent(resident)
        residents[name] = resident
    stranger = make_resident(
        other, given_name="Eva", family_name="Elders", email="eva@example.test"
    )
    make_occupancy(stranger, make_unit(elsewhere, 1))
    give_consent(stranger)
    residents["eva"] = stranger
    users = {
        "writer": make_person("writer", corporation, WRITER),
        "blind_writer": make_person(
            "blind_writer", corporation, ["communications.manage_newsletters"]
        ),
        "colleague": make_person("colleague", corporation, ["residents.view_resident"]),
        "outsider": make_person("outsider", other, WRITER),
    }
    return World(corporation, other, horizon, toren, residents, users)
