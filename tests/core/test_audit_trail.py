import csv
import io
import json
from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

import pytest

from wijkregie.core.access import Grant, Viewer, system_viewer
from wijkregie.core.audit import (
    AuditContext,
    DataOwner,
    audit_record,
    audit_record_by_owner,
    entry_hash,
)
from wijkregie.core.models import AuditEntry
from wijkregie.core.selectors import AUDIT_FIELDS_SHOWN
from wijkregie.partners.selectors import viewer_for


def viewer_of(organisation, label="wijkagent", user_id=7) -> Viewer:
    return Viewer(
        user_id=user_id,
        label=label,
        grants=(
            Grant(
                organisation_id=organisation.pk,
                organisation_name=organisation.name,
                organisation_kind=organisation.kind,
                permissions=frozenset({"residents.view_resident"}),
            ),
        ),
    )


def record(viewer, *, action="view", object_type="residents.resident", ids=(1,), **kwargs):
    return audit_record(
        viewer=viewer,
        action=action,
        object_type=object_type,
        object_ids=ids,
        fields=kwargs.pop("fields", ["given_name", "family_name"]),
        **kwargs,
    )


@pytest.fixture
def privacy_officer(make_professional, organisation):
    return make_professional(
        "privacy", organisation=organisation, permissions=["core.view_auditentry"]
    )


@pytest.fixture
def officer_client(client, privacy_officer):
    client.force_login(privacy_officer)
    return client


# --- Recording ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_record_is_one_insert_with_the_hash_of_its_content(organisation):
    viewer = viewer_of(organisation)

    with CaptureQueriesContext(connection) as queries:
        first = record(viewer, ids=[3, 1])
    second = record(viewer, action="list", ids=[2])

    assert [q["sql"].split()[:3] for q in queries] == [["INSERT", "INTO", '"core_auditentry"']]
    assert second.pk == first.pk + 1
    assert first.hash == entry_hash(first)
    assert (first.seal_id, second.seal_id) == (None, None)
    assert first.object_ids == ["1", "3"]
    assert first.organisation_label == "Woonstichting De Vaart"


@pytest.mark.django_db
def test_objects_of_several_owners_are_one_entry_per_owner_in_one_insert(
    organisation, other_organisation
):
    ours = DataOwner(organisation.pk, organisation.name)
    theirs = DataOwner(other_organisation.pk, other_organisation.name)

    with CaptureQueriesContext(connection) as queries:
        entries = audit_record_by_owner(
            viewer=viewer_of(organisation),
            action="list",
            object_type="residents.resident",
            objects=[(3, theirs), (1, ours), (2, theirs)],
            fields=["family_name"],
        )

    assert [q["sql"].split()[:3] for q in queries] == [["INSERT", "INTO", '"core_auditentry"']]
    by_owner = sorted((e.data_owner_id, e.data_owner_label, e.object_ids) for e in entries)
    assert by_owner == sorted(
        [
            (organisation.pk, "Woonstichting De Vaart", ["1"]),
            (other_organisation.pk, other_organisation.name, ["2", "3"]),
        ]
    )
    assert all(e.hash == entry_hash(AuditEntry.objects.get(pk=e.pk)) for e in entries)


@pytest.mark.django_db
def test_the_model_refuses_changes_and_deletions(organisation):
    entry = record(viewer_of(organisation))

    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="someone else")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def first_id() -> int:
    """The id of the test's first entry: PostgreSQL's sequence does not restart per test."""
    return AuditEntry.objects.order_by("id").values_list("id", flat=True).first()


def numbers(rows) -> list[int]:
    """The entries' numbers counted from the test's first entry (1, 2, …)."""
    base = first_id() - 1
    return [(row["entry"] if isinstance(row, dict) else row).pk - base for row in rows]


# --- The page for privacy officers ------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get("/audit/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/audit/"


def test_a_professional_without_the_permission_gets_403_and_nothing_is_recorded(
    client, make_professional, organisation
):
    user = make_professional("boa", organisation=organisation, permissions=["places.view_building"])
    client.force_login(user)

    response = client.get("/audit/")
    export = client.get("/audit/export/?format=csv")

    assert response.status_code == 403
    assert export.status_code == 403
    assert "Geen toegang" in response.content.decode()
    assert AuditEntry.objects.count() == 0


def test_the_page_lists_the_entries_of_the_own_organisation_newest_first(
    officer_client, organisation, other_organisation
):
    ours = viewer_of(organisation, label="wijkbeheerder")
    theirs = viewer_of(other_organisation, label="wijkagent")
    record(
        ours,
        ids=[11, 12],
        context=AuditContext(type="places.building", id="5", label="De Horizon"),
    )
    record(theirs, ids=[13])
    record(ours, action="update", ids=[14], fields=["phone"])

    response = officer_client.get("/audit/")

    assert response.status_code == 200
    assert numbers(response.context["rows"]) == [3, 1]
    html = response.content.decode()
    assert "De Horizon" in html
    assert "wijkbeheerder" in html
    assert "#11, #12" in html
    assert "achternaam, voornaam" in html  # the fields as people read them, stored sorted
    assert "wijkagent" not in html


def test_viewing_the_audit_trail_is_itself_recorded(officer_client, privacy_officer, organisation):
    viewer = viewer_of(organisation)
    record(viewer, ids=[1])
    record(viewer, ids=[2])

    officer_client.get("/audit/?action=view")

    first, second, entry = AuditEntry.objects.order_by("id")
    assert entry.actor_id == privacy_officer.pk
    assert entry.actor_label == "privacy"
    assert entry.organisation_id == organisation.pk
    assert entry.action == "list"
    assert entry.object_type == "core.auditentry"
    assert entry.object_ids == [str(first.pk), str(second.pk)]
    assert entry.fields == sorted(AUDIT_FIELDS_SHOWN)
    assert entry.context_type == "core.auditsearch"
    assert entry.context_label == "action=view"


def at(moment: str):
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


@pytest.fixture
def varied_entries(organisation, monkeypatch):
    """Five entries with different actors, kinds, actions, days and contexts (times in UTC;
    the fourth falls on 5 March in Amsterdam, where the privacy officer reads dates)."""
    horizon = AuditContext(type="places.building", id="5", label="De Horizon")
    baken = AuditContext(type="places.building", id="6", label="Het Baken")
    manager = viewer_of(organisation, "wijkbeheerder", 1)
    officer = viewer_of(organisation, "leefbaarheid", 2)
    fraud = viewer_of(organisation, "woonfraude", 3)
    plan = [
        ("2026-03-01T10:00", manager, "view", "residents.resident", horizon),
        ("2026-03-02T10:00", officer, "list", "residents.resident", horizon),
        ("2026-03-03T10:00", manager, "update", "places.building", baken),
        ("2026-03-04T23:30", fraud, "view", "residents.resident", baken),
        ("2026-03-05T10:00", manager, "export", "residents.resident", None),
    ]  # fmt: skip
    for when, viewer, action, object_type, context in plan:
        monkeypatch.setattr(timezone, "now", lambda when=when: at(when))
        record(viewer, action=action, object_type=object_type, context=context)
    monkeypatch.undo()


@pytest.mark.parametrize(
    "query, seqs",
    [
        ("", [5, 4, 3, 2, 1]),
        ("actor=WIJKBEHEERDER", [5, 3, 1]),
        ("object_type=places.building", [3]),
        ("action=view", [4, 1]),
        ("date_from=2026-03-02&date_to=2026-03-04", [3, 2]),
        ("date_from=2026-03-05", [5, 4]),
        ("date_to=2026-03-01", [1]),
        ("context=baken", [4, 3]),
        ("context=5", [2, 1]),
        ("actor=wijkbeheerder&context=horizon&action=view", [1]),
    ],
)
def test_the_filters_narrow_the_list(officer_client, varied_entries, query, seqs):
    response = officer_client.get(f"/audit/?{query}")

    assert response.status_code == 200
    assert numbers(response.context["rows"]) == seqs


def test_the_organisation_filter_offers_only_the_officers_organisations(
    officer_client, organisation, other_organisation, varied_entries
):
    allowed = officer_client.get(f"/audit/?organisation={organisation.pk}")
    forbidden = officer_client.get(f"/audit/?organisation={other_organisation.pk}")

    assert numbers(allowed.context["rows"]) == [5, 4, 3, 2, 1]
    assert forbidden.status_code == 400
    assert forbidden.context["form"].errors == {
        "organisation": [
            f"Selecteer een geldige keuze. {other_organisation.pk} is geen beschikbare keuze."
        ]
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ("date_from=2026-03-05&date_to=2026-03-01", "date_to"),
        ("action=peek", "action"),
        ("object_type=nothing.here", "object_type"),
        ("date_from=yesterday", "date_from"),
        ("actor=" + "x" * 151, "actor"),
    ],
)
def test_invalid_filters_are_explained_and_nothing_is_read(
    officer_client, varied_entries, query, field
):
    response = officer_client.get(f"/audit/?{query}")

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert 'id="form-errors"' in response.content.decode()
    assert AuditEntry.objects.count() == 5


@pytest.fixture
def many_entries(organisation):
    viewer = viewer_of(organisation)
    for i in range(1, 121):
        record(viewer, ids=[i])


def test_the_trail_is_paged_by_sequence_number(officer_client, many_entries):
    n = first_id() - 1  # entry k has id n + k
    first = officer_client.get("/audit/")
    older = officer_client.get(f"/audit/?before={n + 71}")
    newer = officer_client.get(f"/audit/?after={n + 70}")
    last = officer_client.get(f"/audit/?before={n + 21}")

    assert numbers(first.context["rows"]) == list(range(120, 70, -1))
    assert first.context["page"].newer_than is None
    assert first.context["page"].older_than == n + 71
    assert f'href="?before={n + 71}"' in first.content.decode()
    assert numbers(older.context["rows"]) == list(range(70, 20, -1))
    assert (older.context["page"].newer_than, older.context["page"].older_than) == (
        n + 70,
        n + 21,
    )
    assert numbers(newer.context["rows"]) == list(range(120, 70, -1))
    # The two reads above are entries 121 and 122 themselves: there are newer entries.
    assert (newer.context["page"].newer_than, newer.context["page"].older_than) == (
        n + 120,
        n + 71,
    )
    assert numbers(last.context["rows"]) == list(range(20, 0, -1))
    assert (last.context["page"].newer_than, last.context["page"].older_than) == (n + 20, None)


def test_the_page_keeps_the_filters_in_the_paging_links(officer_client, many_entries):
    response = officer_client.get("/audit/?action=view")

    assert f'href="?action=view&amp;before={first_id() + 70}"' in response.content.decode()


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_trail(officer_client, organisation):
    viewer = viewer_of(organisation)
    record(viewer, ids=[1])
    count_queries(officer_client, "/audit/")  # the officer's grants are kept from now on
    with_one = count_queries(officer_client, "/audit/")
    for i in range(60):
        record(viewer, ids=[i, i + 1000])

    with_sixty = count_queries(officer_client, "/audit/?action=view")

    assert with_one == with_sixty


# --- Export --------------------------------------------------------------------------------------


def test_the_csv_export_holds_the_filtered_entries_and_is_recorded(
    officer_client, varied_entries, organisation
):
    response = officer_client.get("/audit/export/?action=view&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    n = first_id() - 1
    assert [(r["id"], r["actor_label"], r["action"], r["context_label"]) for r in rows] == [
        (str(n + 4), "woonfraude", "view", "Het Baken"),
        (str(n + 1), "wijkbeheerder", "view", "De Horizon"),
    ]
    assert rows[0]["object_ids"] == "1"
    assert rows[0]["field_names"] == "family_name given_name"
    assert rows[0]["fields"] == "achternaam, voornaam"
    assert rows[0]["object_type_label"] == "bewoner"
    assert rows[0]["action_label"] == "bekeken"
    assert rows[0]["organisation_label"] == "Woonstichting De Vaart"
    export = AuditEntry.objects.order_by("-id").first()
    assert (export.action, export.object_type, export.object_ids) == (
        "export",
        "core.auditentry",
        [str(n + 1), str(n + 4)],
    )
    assert export.context_label == "action=view"


def test_the_json_export(officer_client, varied_entries):
    response = officer_client.get("/audit/export/?object_type=places.building&format=json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    assert body["filters"] == "object_type=places.building"
    assert [(e["id"], e["action"], e["object_type"]) for e in body["entries"]] == [
        (first_id() + 2, "update", "places.building")
    ]
    assert body["entries"][0]["object_type_label"] == "gebouw"
    assert body["entries"][0]["occurred_at"] == "2026-03-03T10:00:00+00:00"
    assert AuditEntry.objects.order_by("-id").first().action == "export"


def test_the_csv_export_neutralises_spreadsheet_formulas(officer_client, organisation):
    record(
        viewer_of(organisation),
        context=AuditContext(type="places.building", id="9", label="=HYPERLINK(1)"),
    )

    response = officer_client.get("/audit/export/?format=csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["context_label"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("query", ["format=xlsx", "format=csv&date_from=nonsense"])
def test_a_bad_export_request_is_a_400_and_nothing_is_recorded(
    officer_client, varied_entries, query
):
    response = officer_client.get(f"/audit/export/?{query}")

    assert response.status_code == 400
    assert AuditEntry.objects.count() == 5


@pytest.mark.django_db
def test_the_platform_itself_may_read_the_whole_trail(organisation, other_organisation):
    from wijkregie.core.selectors import audit_entry_list

    record(viewer_of(organisation))
    record(viewer_of(other_organisation))

    entries = audit_entry_list(viewer=system_viewer())

    assert numbers(entries) == [2, 1]


@pytest.mark.django_db
def test_the_selector_refuses_a_viewer_without_the_permission(organisation):
    from wijkregie.core.exceptions import PermissionDenied
    from wijkregie.core.selectors import audit_entry_page

    with pytest.raises(PermissionDenied):
        audit_entry_page(viewer=viewer_of(organisation))
    assert AuditEntry.objects.count() == 0


def test_viewer_for_a_privacy_officer_grants_the_permission(privacy_officer, organisation):
    viewer = viewer_for(privacy_officer)

    assert viewer.organisations_with("core.view_auditentry") == frozenset({organisation.pk})


def test_a_search_without_filters_is_recorded_as_such(officer_client):
    officer_client.get("/audit/")

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.context_type, entry.context_label, entry.object_ids) == (
        "list",
        "core.auditsearch",
        "no filters",
        [],
    )


def test_fields_are_shown_by_their_names_whatever_they_are(officer_client, organisation):
    record(
        viewer_of(organisation),
        object_type="partners.organisation",
        fields=["name", "memberships", "no_such_field"],
    )
    record(viewer_of(organisation), object_type="nothing.here", fields=["x"])

    response = officer_client.get("/audit/")

    assert [row["field_labels"] for row in response.context["rows"]] == [
        ["x"],
        ["lidmaatschappen", "naam", "no_such_field"],
    ]


@pytest.mark.parametrize(
    "language, object_type, fields, kind, labels",
    [
        (
            "nl",
            "residents.resident",
            ["contact_history", "occupancies", "relation_number", "family_name"],
            "bewoner",
            "achternaam, bewoningen, contacthistorie, relatienummer",
        ),
        (
            "en",
            "residents.resident",
            ["contact_history", "occupancies", "relation_number", "family_name"],
            "resident",
            "contact history, family name, occupancies, relation number",
        ),
        ("nl", "residents.resident", ["*"], "bewoner", "alle velden"),
        ("en", "partners.membership", ["organisation", "user"], "membership",
         "organisation, user"),
        ("nl", "partners.membership", ["organisation", "user"], "lidmaatschap",
         "gebruiker, organisatie"),
        ("nl", "reports.reporteridentity", ["passphrase_hash"], "identiteit van de melder",
         "wachtwoordzin (als hash)"),
        ("nl", "core.auditsealhead", [], "kop van de auditzegels", ""),
    ],
)  # fmt: skip
def test_the_page_and_the_export_name_data_and_fields_in_words(
    officer_client, organisation, language, object_type, fields, kind, labels
):
    record(viewer_of(organisation), object_type=object_type, fields=fields)
    officer_client.cookies["wijkregie_language"] = language

    # The middleware activates the reader's language in this thread; later tests must not
    # inherit it.
    with translation.override(None):
        page = officer_client.get("/audit/", HTTP_ACCEPT_LANGUAGE=language)
        export = officer_client.get("/audit/export/?format=csv", HTTP_ACCEPT_LANGUAGE=language)

    [row] = page.context["rows"]
    assert (row["object_type_label"], ", ".join(row["field_labels"])) == (kind, labels)
    assert f'<td class="utrecht-table__cell">{labels or "—"}</td>' in page.content.decode()
    *_reading_the_page, line = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert (line["object_type_label"], line["fields"]) == (kind, labels)
