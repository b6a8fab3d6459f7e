"""Each small thing the apps share is written once; these tests fail when a second way
appears in the source (the old shapes are named, so a copy of them is found)."""

import re
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

import pytest

from wijkregie.core.changes import UNCHANGED, apply_changes
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.forms import add_service_errors
from wijkregie.core.ids import as_id, parse_id

SRC = Path(__file__).resolve().parents[2] / "src" / "wijkregie"


def _sources() -> dict[str, str]:
    return {
        str(path.relative_to(SRC)): path.read_text(encoding="utf-8")
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _files_matching(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [name for name, text in _sources().items() if regex.search(text)]


def test_not_found_and_permission_denied_become_answers_only_in_the_core_middleware():
    # A view decorator per app that turns NotFound into Http404 duplicates the middleware.
    assert _files_matching(r"except NotFound[^\n]*:\n\s+raise Http404") == []
    assert _files_matching(r"except PermissionDenied[^\n]*:\n\s+raise DjangoPermissionDenied") == []
    assert _files_matching(r"def _answers\(") == []


def test_service_errors_reach_forms_through_one_function():
    assert _files_matching(r"def (_add_errors|_apply_service_errors)\(") == []
    # Looping over a ValidationError's fields onto a form is add_service_errors' job.
    loop_onto_form = r"in exc\.(message_dict|error_dict)\.items\(\):\n(.*\n){0,3}.*\.add_error\("
    assert _files_matching(loop_onto_form) == ["core/forms.py"]


class _Form(forms.Form):
    name = forms.CharField(required=False)
    house_number = forms.CharField(required=False)
    file = forms.CharField(required=False)


def _bound() -> _Form:
    form = _Form(data={})
    form.is_valid()
    return form


def test_add_service_errors_puts_field_errors_on_their_fields_and_the_rest_above():
    form = _bound()
    add_service_errors(
        form,
        ValidationError({"name": "Too long.", "unit": "No such home.", "other": "Odd."}),
        fields={"unit": "house_number"},
    )
    assert form.errors == {
        "name": ["Too long."],
        "house_number": ["No such home."],
        "__all__": ["Odd."],
    }


def test_add_service_errors_puts_an_application_error_above_the_form_or_on_the_field():
    form = _bound()
    add_service_errors(form, ApplicationError("Refused."))
    assert form.errors == {"__all__": ["Refused."]}
    form = _bound()
    add_service_errors(form, ApplicationError("Not a CSV file."), field="file")
    assert form.errors == {"file": ["Not a CSV file."]}


def test_add_service_errors_leaves_not_found_and_permission_denied_to_the_middleware():
    form = _bound()
    with pytest.raises(NotFound):
        add_service_errors(form, NotFound("Gone."))
    with pytest.raises(PermissionDenied):
        add_service_errors(form, PermissionDenied("No."))
    assert form.errors == {}


def test_ids_are_parsed_by_core_ids_only():
    assert _files_matching(r"def _as_id\(|def _positive_int\(") == []
    # int(...) of an id inside try/except is the old way: it lets 2**64 reach the database.
    assert _files_matching(r"try:\n\s+\w+ = int\((id|pk|\w+_id)\)") == []
    assert _files_matching(r"pk=int\(\w*id\)\)\.first\(\)\n\s+except") == []


@pytest.mark.parametrize(
    "value", [None, "", "abc", "1.5", "0", "-1", 0, True, str(2**63), 2**63, [], "12x"]
)
def test_parse_id_refuses_what_is_not_an_id(value):
    assert parse_id(value) is None
    with pytest.raises(NotFound) as raised:
        as_id(value)
    with translation.override("en"):
        assert str(raised.value.message) == "Not found."


def test_parse_id_reads_a_positive_bigint_from_text_or_number():
    assert parse_id("42") == 42
    assert parse_id(" 7 ") == 7
    assert parse_id(2**63 - 1) == 2**63 - 1
    assert as_id("3", message="Resident not found.") == 3
    with pytest.raises(NotFound) as raised:
        as_id("x", message="Resident not found.")
    assert raised.value.message == "Resident not found."


def test_updates_set_fields_through_core_changes_only():
    assert _files_matching(r"def _apply(_changes)?\(") == []
    assert _files_matching(r"class _Unchanged\b") == ["core/changes.py"]
    # The loop that compares and sets field by field is apply_changes' body, nowhere else.
    compare_and_set = r"if getattr\(\w+, \w+\) != \w+:\n\s+setattr\("
    assert _files_matching(compare_and_set) == ["core/changes.py"]


class _Thing:
    def __init__(self):
        self.name, self.city, self.phone = "De Horizon", "Rivierstad", None


def test_apply_changes_sets_what_differs_and_skips_unchanged():
    thing = _Thing()

    changed = apply_changes(
        thing, {"city": "Utrecht", "name": "De Horizon", "phone": UNCHANGED}, allowed=None
    )

    assert changed == ["city"]
    assert (thing.name, thing.city, thing.phone) == ("De Horizon", "Utrecht", None)


def test_apply_changes_refuses_unknown_names_before_setting_anything():
    thing = _Thing()
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        apply_changes(thing, {"city": "Utrecht", "owner_id": 1, "pk": 2}, allowed={"city"})
    with translation.override("en"):
        assert raised.value.message == "These fields cannot be changed: owner_id, pk"
    assert thing.city == "Rivierstad"


def test_the_modules_that_read_the_reporters_identity_are_the_ones_the_docstring_names():
    readers = _files_matching(r"ReporterIdentity\.objects")
    assert readers == [
        "reports/notifications.py",
        "reports/passphrases.py",
        "reports/retention.py",
        "reports/selectors.py",
        "reports/services/retention.py",
        "reports/services/thread.py",
        "reports/services/triage.py",
    ]
    doc = _sources()["reports/selectors.py"].split('"""')[1]
    for name in ("passphrases", "notifications", "services", "retention", "reporter_identity_get"):
        assert f"`{name}`" in doc


def test_nothing_unused_comes_back():
    for name in ("report_public_status", "rate_reset", "neighbourhood_list"):
        assert _files_matching(rf"def {name}\(") == []
    # Intake marks the reporter's messages read when it opens the report page.
    assert _files_matching(r"report_messages_mark_read_by_intake\(") == [
        "reports/services/thread.py",
        "reports/views.py",
    ]


def test_a_web_report_is_stored_through_the_one_web_intake_function():
    # public/intake.py alone calls the report service for the resident form, hands it the
    # passphrase and counts the report against the limits; the views only answer.
    submitters = _files_matching(r"services\.report_submit\(")
    assert [name for name in submitters if name.startswith("reports/")] == [
        "reports/open311/views.py",
        "reports/public/intake.py",
    ]
    assert _files_matching(r"pending_passphrase\(") == [
        "reports/public/intake.py",
        "reports/public/receipts.py",
    ]
    assert _files_matching(r"report_rates\(\)") == [
        "reports/public/intake.py",
        "reports/public/limits.py",
    ]
    assert _files_matching(r"receipt_(store|take|peek)\(") == [
        "reports/public/intake.py",
        "reports/public/receipts.py",
    ]


def test_idempotency_is_the_databases_only():
    # No cache flag that says "sent already" beside the database's idempotency key.
    assert _files_matching(r"def (already_sent|mark_sent)\(|wr:sent:") == []
    assert _files_matching(r"ReportIdempotencyKey\.objects") == [
        "reports/selectors.py",
        "reports/services/submission.py",
        "reports/services/thread.py",
    ]


def test_uploaded_csv_files_are_read_in_one_place():
    # Decoding an upload and finding its delimiter and header: places.csvfile.
    assert _files_matching(r"\.decode\(\"utf-8-sig\"\)") == ["places/csvfile.py"]
    assert _files_matching(r"csv\.reader\(") == ["places/csvfile.py"]
