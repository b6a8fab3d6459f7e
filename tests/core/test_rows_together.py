"""core.db: new rows of several tables in one statement on PostgreSQL."""

from django.db import IntegrityError, connection, transaction
from django.db.models import F

import pytest

from wijkregie.core.db import ids_allocate, rows_insert_together, supports_rows_together
from wijkregie.partners.models import Organisation, OrganisationKind

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="one statement with data-modifying WITH"
    ),
]


def _org(pk, name):
    return Organisation(pk=pk, name=name, slug=f"org-{pk}", kind=OrganisationKind.values[0])


def test_rows_of_one_statement_are_written_with_the_allocated_ids():
    assert supports_rows_together()
    first, second = ids_allocate([Organisation, Organisation])
    assert second == first + 1
    rows = [_org(first, "Eerste"), _org(second, "Tweede")]
    rows_insert_together(rows)
    assert list(
        Organisation.objects.filter(pk__in=[first, second]).order_by("pk").values_list("name")
    ) == [("Eerste",), ("Tweede",)]
    assert [row._state.adding for row in rows] == [False, False]


def test_one_failing_row_writes_none_of_them():
    [existing] = ids_allocate([Organisation])
    rows_insert_together([_org(existing, "Er al")])
    [new] = ids_allocate([Organisation])
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert_together(
            [
                _org(new, "Nieuw"),
                Organisation(
                    pk=existing, name="Dubbel", slug="org-dubbel", kind=OrganisationKind.values[0]
                ),
            ]
        )
    assert not Organisation.objects.filter(pk=new).exists()
    assert Organisation.objects.get(pk=existing).name == "Er al"


def test_expressions_are_refused():
    [pk] = ids_allocate([Organisation])
    row = _org(pk, "x")
    row.name = F("name")
    with pytest.raises(TypeError):
        rows_insert_together([row])
    assert not Organisation.objects.filter(pk=pk).exists()
