"""The merge-field registry: built-in fields, fields of apps above, refusal of unknowns."""

from datetime import date

import pytest

from wijkregie.communications import merge_fields

CONTEXT = merge_fields.LetterContext(
    resident_id=1,
    given_name="Anna",
    family_name="<Bakker>",
    address_lines=("Anna Bakker", "Torenlaan 1", "3521 AB  RIVIERSTAD"),
    unit_id=1,
    building_id=None,
    building_name="De Toren",
    organisation_id=1,
    organisation_name="Woonstichting",
    batch_id=None,
    letter_id=None,
    reference="WR-2026-00001-0001",
    code="abc123",
    date=date(2026, 12, 4),
    language="nl",
    preview=True,
)


def test_the_builtin_fields_are_registered():
    assert [f.name for f in merge_fields.registered()] == [
        "address",
        "building",
        "chat_join_code",  # the chat's (chat/letter_fields.py)
        "date",
        "evening_invitation_qr",  # the residents' evening's (outreach/apps.py)
        "family_name",
        "given_name",
        "letter_code",
        "reference",
        "report_qr",
        "resident_name",
        "sender",
    ]
    assert merge_fields.field_get("report_qr").kind == "qr"


def test_text_is_escaped_and_paragraphs_split():
    html = merge_fields.render_html("Beste {{ resident_name }},\n\nCode:\n{{letter_code}}", CONTEXT)
    assert html == "<p>Beste Anna &lt;Bakker&gt;,</p>\n<p>Code:<br>abc123</p>"
    assert (
        merge_fields.render_inline("Brief {{ reference }}", CONTEXT) == "Brief WR-2026-00001-0001"
    )


def test_an_app_above_registers_a_qr_field():
    merge_fields.register(
        "evening_code",
        label="Evening",
        provider=lambda c: f"https://example.test/avond/{c.code}",
        kind="qr",
    )
    try:
        html = merge_fields.render_html("{{ evening_code }}", CONTEXT)
        assert html.startswith('<p><span class="letter-qr"><img src="data:image/svg+xml')
        assert "https://example.test/avond/abc123</span>" in html
        with pytest.raises(ValueError, match="already registered"):
            merge_fields.register("evening_code", label="x", provider=lambda c: "", kind="qr")
    finally:
        merge_fields.unregister("evening_code")
    assert merge_fields.field_get("evening_code") is None


@pytest.mark.parametrize(
    ("name", "kind"), [("Bad-Name", "text"), ("ok_name", "barcode"), ("", "text")]
)
def test_a_bad_registration_is_refused(name, kind):
    with pytest.raises(ValueError):
        merge_fields.register(name, label="x", provider=lambda c: "", kind=kind)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ resident_name }}", ([], False)),
        ("{{ naam }} en {{ naam }} en {{ adres }}", (["naam", "adres"], False)),
        ("Beste {{ resident_name }", ([], True)),
        ("{{ }}", ([""], False)),
        ("{{ {{ x }} }}", (["x"], True)),
    ],
)
def test_problems_in_a_text(text, expected):
    assert merge_fields.problems_in(text) == expected


def test_the_report_qr_of_a_made_letter_reads_the_building_with_the_letter(
    world, django_assert_num_queries
):
    from wijkregie.communications.selectors.letters import letter_context
    from wijkregie.places.selectors import building_public_report_url

    unit = world.units[0]
    context = letter_context(
        batch_or_none=None,
        organisation=world.landlord,
        resident=world.residents[0],
        unit=unit,
        letter=None,
        language="nl",
        day=date(2026, 12, 4),
        reference="WR-1",
        code="c",
        author=world.viewer("author"),
    )
    url = building_public_report_url(world.building)
    assert context.report_url == url
    with django_assert_num_queries(0):
        html = merge_fields.render_html("{{ report_qr }}", context)
    assert f'<span class="letter-qr-url">{url}</span>' in html
