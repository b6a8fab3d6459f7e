"""Two phones (or two syncs of one outbox) sending the same outcome at the same moment store
one visit and one contact moment (PostgreSQL: concurrent transactions)."""

import threading
import uuid

from django.db import connection, connections

import pytest

from tests.residents.factories import (
    make_building,
    make_occupancy,
    make_organisation,
    make_person,
    make_resident,
    make_unit,
    viewer,
)
from wijkregie.outreach import services
from wijkregie.outreach.models import Visit
from wijkregie.residents.models import ContactMoment

CLIENTS = 8

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)

PLANNER = [
    "outreach.plan_outreach",
    "outreach.visit_doors",
    "places.view_building",
    "residents.view_resident",
]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_store_one_visit():
    landlord = make_organisation("ws-sync")
    building = make_building(landlord)
    unit = make_unit(building, 1)
    resident = make_resident(landlord)
    make_occupancy(resident, unit)
    user = make_person("walker", landlord, PLANNER)
    actor = viewer(user)
    round_ = services.round_create(
        actor=actor,
        building_id=building.pk,
        title="Langs",
        starts_on="2026-12-01",
        ends_on="2026-12-31",
    )
    key = uuid.uuid4()
    barrier = threading.Barrier(CLIENTS)
    outcomes: list = [None] * CLIENTS

    def send(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            visit, created = services.visit_record(
                actor=actor,
                round_id=round_.pk,
                idempotency_key=key,
                unit_id=unit.pk,
                outcome="spoke",
                resident_id=resident.pk,
            )
            outcomes[i] = (visit.pk, created)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert [o for o in outcomes if not isinstance(o, tuple)] == []
    assert len({pk for pk, _created in outcomes}) == 1
    assert sorted(created for _pk, created in outcomes) == [False] * (CLIENTS - 1) + [True]
    assert Visit.objects.filter(idempotency_key=key).count() == 1
    assert ContactMoment.objects.filter(resident=resident).count() == 1
