"""Notes, documents and visit reports: each for its audience, files checked by what they
are; who may not see one does not see it, not even as a count."""

import datetime
import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import pytest
from PIL import Image

from wijkregie.cases import selectors, services
from wijkregie.cases.models import CaseEvent, CaseFragment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def table(world):
    """Corporation (coordinator), police and municipality at the table."""
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    world.add(case, "director", world.municipality, role="adviser")
    return case


def _add(world, case, actor="agent", **values):
    defaults = {"kind": "note", "title": "Notitie", "text": "Tekst."}
    defaults.update(values)
    return services.fragment_add(actor=world.viewer(actor), case_id=case.pk, **defaults)


def _titles(world, case, name):
    return sorted(
        f.title for f in selectors.case_fragments(viewer=world.viewer(name), case_id=case.pk)
    )


def test_each_audience_sees_exactly_its_fragments(world, table):
    _add(world, table, title="Voor iedereen", residents_may_be_told=True)
    _add(
        world,
        table,
        title="Politie en gemeente",
        audience="organisations",
        organisation_ids=[world.municipality.pk],
    )
    _add(world, table, title="Regisseur", audience="coordinator")
    _add(
        world,
        table,
        actor="director",
        title="Eigen gemeente",
        audience="organisations",
        organisation_ids=[world.police.pk],
    )
    assert _titles(world, table, "coordinator") == ["Regisseur", "Voor iedereen"]
    # The police wrote three of them (always its own) and is named on the fourth.
    assert _titles(world, table, "agent") == [
        "Eigen gemeente",
        "Politie en gemeente",
        "Regisseur",
        "Voor iedereen",
    ]
    assert _titles(world, table, "director") == [
        "Eigen gemeente",
        "Politie en gemeente",
        "Voor iedereen",
    ]
    # The timeline speaks only of what everyone sees.
    assert list(
        CaseEvent.objects.filter(case=table, type="fragment_added").values_list(
            "parameters__title", flat=True
        )
    ) == ["Voor iedereen"]


def test_what_one_may_not_see_is_not_on_the_page_nor_counted(world, table, login):
    _add(
        world,
        table,
        title="Alleen voor de regisseur",
        audience="coordinator",
        text="Geheim verhaal.",
    )
    body = (
        login(world.users["director"])
        .get(reverse("cases:detail", args=[table.pk]))
        .content.decode()
    )
    assert "Alleen voor de regisseur" not in body and "Geheim verhaal" not in body
    assert "Hier staat nog niets voor u." in body
    body = (
        login(world.users["coordinator"])
        .get(reverse("cases:detail", args=[table.pk]))
        .content.decode()
    )
    assert "Alleen voor de regisseur" in body and "Geheim verhaal" in body


def test_documents_are_what_they_claim(world, table, login):
    doc = _add(
        world,
        table,
        kind="document",
        title="Schouwrapport",
        text="",
        file_name="schouw.pdf",
        file_data=PDF,
    )
    assert (doc.content_type, doc.file_name, doc.size) == (
        "application/pdf",
        "schouw.pdf",
        len(PDF),
    )
    photo = _add(
        world,
        table,
        kind="document",
        title="Foto",
        text="",
        file_name="berging.jpeg",
        file_data=_jpeg(),
    )
    assert (photo.content_type, photo.file_name) == ("image/jpeg", "berging.jpg")
    cases = [
        ("schouw.pdf", _jpeg(), "This file is called “schouw.pdf” but it is not a PDF document."),
        (
            "foto.jpg",
            PDF,
            "This file is called “foto.jpg” but it is a PDF document: rename it to .pdf.",
        ),
        (
            "setup.pdf",
            b"MZ\x90\x00" + b"\x00" * 100,
            "This file is called “setup.pdf” but it is not a PDF document.",
        ),
        (
            "macro.docm",
            PDF,
            "Only PDF documents and photos (JPEG, PNG, WebP) can be added to a case.",
        ),
        ("leeg.pdf", b"", "Choose the file to add."),
    ]
    for name, data, message in cases:
        with pytest.raises(ValidationError) as exc:
            _add(world, table, kind="document", title="X", text="", file_name=name, file_data=data)
        assert exc.value.message_dict == {"file": [message]}, name
    with pytest.raises(ValidationError) as exc:
        _add(
            world,
            table,
            kind="document",
            title="X",
            text="",
            file_name="x.png",
            file_data=b"\x89PNG\r\n\x1a\nrubbish",
        )
    assert exc.value.message_dict["file"][0].startswith(
        "This file is called “x.png” but it is not a photo we can use:"
    )
    assert CaseFragment.objects.count() == 2
    client = login(world.users["director"])
    response = client.get(reverse("cases:fragment_file", args=[table.pk, doc.pk]))
    assert (
        response.status_code,
        response["Content-Type"],
        b"".join(response.streaming_content),
    ) == (
        200,
        "application/pdf",
        PDF,
    )
    assert response["Content-Disposition"] == 'attachment; filename="schouw.pdf"'
    secret = _add(
        world,
        table,
        kind="document",
        title="Geheim",
        text="",
        audience="coordinator",
        file_name="g.pdf",
        file_data=PDF,
    )
    assert client.get(reverse("cases:fragment_file", args=[table.pk, secret.pk])).status_code == 404
    assert (
        login(world.users["outsider"])
        .get(reverse("cases:fragment_file", args=[table.pk, doc.pk]))
        .status_code
        == 404
    )


def test_bad_input_is_refused_in_words(world, table):
    with pytest.raises(ValidationError) as exc:
        _add(world, table, text="")
    assert exc.value.message_dict == {"text": ["This field is required."]}
    with pytest.raises(ValidationError) as exc:
        _add(
            world,
            table,
            kind="visit_report",
            visited_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert exc.value.message_dict == {
        "visited_on": ["A visit report is about a visit that took place."]
    }
    with pytest.raises(ValidationError) as exc:
        _add(world, table, kind="visit_report", visited_on="gisteren")
    assert exc.value.message_dict == {"visited_on": ["Give the date of the visit."]}
    with pytest.raises(ValidationError) as exc:
        _add(world, table, audience="organisations", organisation_ids=[world.other.pk])
    assert exc.value.message_dict == {
        "organisations": ["Choose one or more organisations that take part in the case."]
    }
    with pytest.raises(ValidationError):
        _add(world, table, audience="everyone")
    with pytest.raises(ValidationError):
        _add(world, table, file_name="a.pdf", file_data=PDF)  # a note carries no file
    assert CaseFragment.objects.count() == 0


def test_the_page_keeps_what_was_typed_when_a_file_is_refused(world, table, login):
    client = login(world.users["agent"])
    response = client.post(
        reverse("cases:fragment_add", args=[table.pk]),
        {
            "kind": "document",
            "title": "Mijn schouwrapport",
            "audience": "all",
            "file": SimpleUploadedFile("schouw.pdf", _jpeg(), content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "maar het is geen PDF-document" in body and "Mijn schouwrapport" in body
    assert CaseFragment.objects.count() == 0
    response = client.post(
        reverse("cases:fragment_add", args=[table.pk]),
        {
            "kind": "visit_report",
            "title": "Huisbezoek",
            "text": "Bezocht.",
            "visited_on": timezone.localdate().isoformat(),
            "audience": "organisations",
            "organisations": [world.police.pk, world.municipality.pk],
            "residents_may_be_told": "on",
        },
    )
    assert response.status_code == 302
    fragment = CaseFragment.objects.get()
    assert (
        fragment.kind,
        fragment.residents_may_be_told,
        sorted(o.pk for o in fragment.audience_organisations.all()),
    ) == (
        "visit_report",
        True,
        sorted([world.police.pk, world.municipality.pk]),
    )


def test_the_fragments_api(world, table, login):
    client = login(world.users["agent"])
    url = reverse("cases_api:case_fragments", args=[table.pk])
    response = client.post(
        url, {"kind": "document", "title": "Schouw", "file": SimpleUploadedFile("s.pdf", PDF)}
    )
    assert response.status_code == 201, response.content
    assert (response.json()["file_name"], response.json()["audience"]) == ("s.pdf", "all")
    response = client.post(
        url,
        {"kind": "note", "title": "Regie", "text": "x", "audience": "coordinator"},
        content_type="application/json",
    )
    assert response.status_code == 201
    response = client.post(
        url, {"kind": "document", "title": "Nep", "file": SimpleUploadedFile("n.pdf", _jpeg())}
    )
    assert (response.status_code, list(response.json()["errors"])) == (400, ["file"])
    assert [f["title"] for f in login(world.users["director"]).get(url).json()] == ["Schouw"]
    assert login(world.users["outsider"]).get(url).status_code == 404


def test_personal_data_reaches_only_organisations_with_an_agreement(world, table, login):
    from tests.partners.factories import DataSharingAgreementFactory

    _add(world, table, title="Verdachte personen", data_category="police_information")
    _add(world, table, title="Zonder persoonsgegevens")
    assert _titles(world, table, "agent") == ["Verdachte personen", "Zonder persoonsgegevens"]
    assert _titles(world, table, "coordinator") == ["Zonder persoonsgegevens"]
    assert _titles(world, table, "director") == ["Zonder persoonsgegevens"]
    body = (
        login(world.users["coordinator"])
        .get(reverse("cases:detail", args=[table.pk]))
        .content.decode()
    )
    assert "Verdachte personen" not in body
    assert "Waarom u misschien minder ziet" in body
    assert "geen enkel convenant voor gegevensdeling" in body
    DataSharingAgreementFactory(
        parties=[world.owner, world.police], data_categories=["police_information"]
    )
    assert _titles(world, table, "coordinator") == ["Verdachte personen", "Zonder persoonsgegevens"]
    assert _titles(world, table, "director") == ["Zonder persoonsgegevens"]


def test_adding_a_participant_without_an_agreement_says_what_it_will_not_receive(world, login):
    case = world.open_case()
    client = login(world.users["coordinator"])
    response = client.post(
        reverse("cases:participant_add", args=[case.pk]),
        {"organisation": world.police.pk, "user": world.users["agent"].pk, "role": "handler"},
        follow=True,
    )
    assert response.status_code == 200
    assert (
        "Politie Test heeft geen convenant voor gegevensdeling met Woonstichting Test"
        in response.content.decode()
    )
