"""core.pdf: a template to a tagged A4 PDF in the house style."""

import base64
import io

import pytest
from PIL import Image
from pypdf import PdfReader

from wijkregie.core.pdf import render_pdf, theme_values

LETTER = """{% extends "pdf/base.html" %}{% load i18n %}
{% block content %}<h2>{% translate "Summary" %}</h2>
<p>Beste {{ name }}, de lift is gerepareerd.</p>
<table><thead><tr><th scope="col">Wanneer</th><th scope="col">Wat</th></tr></thead>
<tbody><tr><td>3 december</td><td>Lift A</td></tr></tbody></table>{% endblock %}"""
REMOTE = """{% extends "pdf/base.html" %}
{% block content %}<p>Tekst</p><img src="https://tracker.example/pixel.png" alt="">
<img src="{{ outside }}" alt="buiten"><img src="{{ inline }}" alt="binnen">{% endblock %}"""

LONG = """{% extends "pdf/base.html" %}
{% block content %}{% for p in paragraphs %}<p>Alinea {{ p }} over de lift.</p>{% endfor %}
{% endblock %}"""


@pytest.fixture
def templates(settings, tmp_path):
    folder = tmp_path / "templates" / "test_pdf"
    folder.mkdir(parents=True)
    (folder / "letter.html").write_text(LETTER)
    (folder / "remote.html").write_text(REMOTE)
    (folder / "long.html").write_text(LONG)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_a_template_becomes_a_tagged_a4_pdf_with_title_language_and_the_house_fonts(templates):
    data = render_pdf(
        "test_pdf/letter.html",
        {"name": "mevrouw Yılmaz"},
        title="Brief over de lift",
        language="nl",
        author="Woonstichting De Vaart",
    )

    reader = PdfReader(io.BytesIO(data))
    assert data.startswith(b"%PDF-1.7")
    text = reader.pages[0].extract_text()
    assert text.splitlines()[:4] == [
        "Wijkregie",
        "Brief over de lift",
        "Samenvatting",
        "Beste mevrouw Yılmaz, de lift is gerepareerd.",
    ]
    assert reader.metadata.title == "Brief over de lift"
    assert reader.metadata.author == "Woonstichting De Vaart"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert _fonts(reader) == {"Noto-Sans", "Noto-Sans-Bold", "Noto-Serif-Bold"}


def test_the_template_is_rendered_in_the_document_language(templates):
    data = render_pdf("test_pdf/letter.html", {"name": "Ann"}, title="Letter", language="en")
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.pages[0].extract_text().splitlines()[2] == "Summary"


def _png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_nothing_outside_the_project_is_fetched(templates, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(_png("red"))
    inline = "data:image/png;base64," + base64.b64encode(_png("green")).decode()

    data = render_pdf(
        "test_pdf/remote.html",
        {"outside": outside.as_uri(), "inline": inline},
        title="Remote",
        language="nl",
    )

    page = PdfReader(io.BytesIO(data)).pages[0]
    assert "Tekst" in page.extract_text()
    # Only the inline image: neither the web address nor the file elsewhere was read.
    assert [image.image.getpixel((0, 0)) for image in page.images] == [(0, 128, 0)]


def test_the_theme_colours_come_from_the_installed_theme(tmp_path):
    theme = tmp_path / "theme.css"
    theme.write_text(
        ".voorbeeld-theme { --basis-color-accent-1-color-default: var(--x-accent);"
        " --x-accent: #123456; --basis-color-default-color-document: url(evil); }"
    )
    values = theme_values(str(theme))
    assert values["accent"] == "#123456"
    assert values["text"] == "#1a1a1a"  # not a colour: the default
    assert values["heading_font"] == "'Noto Serif', serif"


def test_rendering_leaves_pillow_refusing_truncated_images(templates):
    from PIL import ImageFile

    render_pdf("test_pdf/letter.html", {"name": "Ann"}, title="Letter", language="nl")

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # reports/photos.py relies on it


# --- Concatenating -----------------------------------------------------------------------------


def _letter(templates_name: str, name: str) -> bytes:
    return render_pdf(templates_name, {"name": name}, title=f"Brief aan {name}", language="nl")


def test_concatenated_pdfs_keep_every_page_in_order_with_its_content_and_fonts(templates):
    from wijkregie.core.pdf import pdf_concatenate

    letters = [_letter("test_pdf/letter.html", name) for name in ("Anna", "Bram", "Cem")]
    long_letter = render_pdf(
        "test_pdf/long.html", {"paragraphs": range(120)}, title="Lang", language="nl"
    )
    out = io.BytesIO()

    pages = pdf_concatenate([letters[0], long_letter, letters[1], letters[2]], out)

    bundle = PdfReader(io.BytesIO(out.getvalue()), strict=True)
    parts = [PdfReader(io.BytesIO(data)) for data in (letters[0], long_letter, *letters[1:])]
    expected = [page for part in parts for page in part.pages]
    assert pages == len(bundle.pages) == len(expected) == 7
    assert [page.extract_text() for page in bundle.pages] == [p.extract_text() for p in expected]
    assert [page.get_contents().get_data() for page in bundle.pages] == [
        p.get_contents().get_data() for p in expected
    ]
    assert [page.mediabox for page in bundle.pages] == [p.mediabox for p in expected]
    assert _fonts(bundle) == _fonts(parts[0]) == {"Noto-Sans", "Noto-Sans-Bold", "Noto-Serif-Bold"}
    names = [bundle.pages[i].extract_text().splitlines()[3] for i in (0, 5, 6)]
    assert names == [
        "Beste Anna, de lift is gerepareerd.",
        "Beste Bram, de lift is gerepareerd.",
        "Beste Cem, de lift is gerepareerd.",
    ]


def test_concatenating_nothing_gives_an_empty_but_valid_pdf():
    from wijkregie.core.pdf import pdf_concatenate

    out = io.BytesIO()
    assert pdf_concatenate([], out) == 0
    assert len(PdfReader(io.BytesIO(out.getvalue()), strict=True).pages) == 0


def test_the_house_style_is_parsed_once_per_thread_and_again_when_it_changes(monkeypatch):
    import threading

    from wijkregie.core import pdf

    first = pdf.house_style()
    assert pdf.house_style() == first  # the same font configuration and style sheet
    other = []
    thread = threading.Thread(target=lambda: other.append(pdf.house_style()))
    thread.start()
    thread.join()
    assert other[0][0] is not first[0]  # Pango is not thread-safe: one per thread
    css = pdf.house_style_css()
    monkeypatch.setattr(pdf, "house_style_css", lambda: css + "p { color: #000; }")
    changed = pdf.house_style()
    assert changed[0] is not first[0] and changed[1] is not first[1]
    assert pdf.house_style() == changed
