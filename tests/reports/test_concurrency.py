"""Reports made at the same moment to one building are all stored (PostgreSQL).

Many residents of one building reporting at once (a fire in the stairwell, an evening
on one Wi-Fi) must never be refused for a reason of ours: no numbering hot spot, no
retry loop that can run out.
"""

import importlib
import threading

from django.apps import apps as django_apps
from django.db import connection, connections

import pytest

from tests.reports.factories import submit
from wijkregie.reports.models import Report, ReporterIdentity

CLIENTS = 24

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)


@pytest.fixture
def seeded(transactional_db):
    """A transactional test starts from a flushed database: the categories again."""
    importlib.import_module("wijkregie.reports.migrations.0002_seed_categories").seed(
        django_apps, None
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_reports_to_one_building_are_all_stored(seeded, world):
    barrier = threading.Barrier(CLIENTS)
    outcomes: list = [None] * CLIENTS

    def report(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            # Half of them by one returning reporter, half by different people.
            email = "terug@example.org" if i % 2 else f"melder{i}@example.org"
            result = submit(world, reporter={"name": f"M{i}", "email": email})
            outcomes[i] = result.report.pk
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=report, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    failures = [o for o in outcomes if not isinstance(o, int)]
    assert failures == []
    assert Report.objects.filter(building=world.building).count() == CLIENTS
    assert ReporterIdentity.objects.count() == CLIENTS
    returning = set(
        Report.objects.filter(pk__in=[o for i, o in enumerate(outcomes) if i % 2]).values_list(
            "reporter_seed", flat=True
        )
    )
    others = set(
        Report.objects.filter(pk__in=[o for i, o in enumerate(outcomes) if not i % 2]).values_list(
            "reporter_seed", flat=True
        )
    )
    # The returning reporter has one pseudonym basis; every other reporter their own.
    assert len(returning) == 1
    assert len(others) == CLIENTS // 2
    assert returning.isdisjoint(others)
