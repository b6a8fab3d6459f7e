"""Rendering a Django template to PDF in the house style (WeasyPrint, docs/adr/0007).

One place for minutes, letters, dossiers and data-subject exports:

    pdf = render_pdf("residents/letter.html", {"resident": …}, title=_("Letter"), language="nl")

The template extends `pdf/base.html`. The PDF is A4, uses the project's self-hosted Noto
fonts (var/vendor/fonts, `make assets`) and the colours of the voorbeeld theme, is tagged
(PDF/UA-1: structure tree, document language and title shown in the viewer's title bar)
and fetches nothing from the network: only the font files and `data:` URLs are read.
"""

import atexit
import io
import re
import tempfile
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

PDF_VARIANT = "pdf/ua-1"
FONT_FILES = (
    ("Noto Sans", 400, "noto-sans-latin-400-normal.woff2", ""),
    ("Noto Sans", 700, "noto-sans-latin-700-normal.woff2", ""),
    ("Noto Sans", 400, "noto-sans-latin-ext-400-normal.woff2", "U+0100-02FF, U+1E00-1EFF"),
    ("Noto Sans", 700, "noto-sans-latin-ext-700-normal.woff2", "U+0100-02FF, U+1E00-1EFF"),
    ("Noto Serif", 700, "noto-serif-latin-700-normal.woff2", ""),
    ("Noto Sans Arabic", 400, "noto-sans-arabic-arabic-400-normal.woff2", ""),
)
# Theme tokens the PDF uses, with the values used when the theme is not installed.
THEME_TOKENS = {
    "text": ("--basis-color-default-color-document", "#1a1a1a"),
    "accent": ("--basis-color-accent-1-color-default", "#1a4d80"),
    "border": ("--basis-color-default-border-default", "#8c8c8c"),
    "subtle": ("--basis-color-default-bg-subtle", "#f2f2f2"),
    "heading_font": ("--basis-heading-font-family", "'Noto Serif', serif"),
    "text_font": ("--basis-text-font-family-default", "'Noto Sans', sans-serif"),
}
_PROPERTY = re.compile(r"(--[\w-]+)\s*:\s*([^;}]+)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\)|[a-zA-Z]+")
_FONTS = re.compile(r"[\w\s,'\"-]+")
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^)]*))?\)")


def vendor_dir() -> Path:
    return Path(settings.BASE_DIR) / "var" / "vendor"


def _resolve(name: str, properties: dict[str, str], depth: int = 0) -> str | None:
    value = properties.get(name)
    if value is None or depth > 20:
        return None

    def replace(match):
        return _resolve(match[1], properties, depth + 1) or (match[2] or "")

    return _VAR.sub(replace, value).strip()


@lru_cache(maxsize=4)
def theme_values(theme_file: str | None = None) -> dict[str, str]:
    """The theme's colours and font families, with every `var()` resolved."""
    path = Path(theme_file) if theme_file else vendor_dir() / "voorbeeld" / "theme.css"
    try:
        properties = dict(_PROPERTY.findall(path.read_text(encoding="utf-8")))
    except OSError:
        properties = {}
    values = {}
    for key, (token, default) in THEME_TOKENS.items():
        value = _resolve(token, properties) or default
        # Only plain colours and font lists go into the style sheet.
        pattern = _FONTS if key.endswith("_font") else _COLOUR
        values[key] = value if pattern.fullmatch(value) else default
    return values


_font_lock = threading.Lock()


@lru_cache(maxsize=1)
def _font_cache_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="wijkregie-pdf-fonts-"))


@lru_cache(maxsize=32)
def _font_file(path: Path) -> tuple[Path, str]:
    """The font as plain TrueType/OpenType, decompressed once per process.

    WeasyPrint decompresses a WOFF2 file on every rendering, which costs most of a
    one-page letter's time (about 0.1 s a font); a letter batch renders thousands.
    Falls back to the WOFF2 file when it cannot be converted."""
    _weasyprint()
    from fontTools.ttLib import TTFont

    with _font_lock:
        target = _font_cache_dir() / (path.stem + ".ttf")
        try:
            if not target.exists():
                font = TTFont(path)
                font.flavor = None
                partial = target.with_suffix(".part")
                font.save(partial)
                partial.replace(target)
            return target, "truetype"
        except Exception:  # an unreadable font: let WeasyPrint read the original
            return path, "woff2"


def house_style_css() -> str:
    fonts_dir = vendor_dir() / "fonts"
    faces = []
    for family, weight, file_name, unicode_range in FONT_FILES:
        path = fonts_dir / file_name
        if not path.exists():
            continue
        font_path, font_format = _font_file(path)
        rule = (
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f'font-style: normal; src: url("{font_path.as_uri()}") format("{font_format}");'
        )
        if unicode_range:
            rule += f" unicode-range: {unicode_range};"
        faces.append(rule + " }")
    theme = theme_values()
    return "\n".join(faces) + (
        "\n@page { size: A4; margin: 22mm 20mm 24mm 20mm;"
        f' @bottom-right {{ content: counter(page) " / " counter(pages);'
        f" font-family: {theme['text_font']}; font-size: 8pt; color: {theme['text']}; }} }}\n"
        f"html {{ font-family: {theme['text_font']}, 'Noto Sans Arabic', sans-serif;"
        f" font-size: 10pt; line-height: 1.45; color: {theme['text']}; }}\n"
        f"h1, h2, h3 {{ font-family: {theme['heading_font']}; color: {theme['accent']};"
        " line-height: 1.2; break-after: avoid; }\n"
        "h1 { font-size: 18pt; margin: 0 0 6mm; }\n"
        "h2 { font-size: 13pt; margin: 7mm 0 2mm; }\n"
        "h3 { font-size: 11pt; margin: 5mm 0 2mm; }\n"
        "p { margin: 0 0 3mm; }\n"
        f"table {{ border-collapse: collapse; width: 100%; margin: 0 0 4mm; }}\n"
        f"th, td {{ border-bottom: 0.5pt solid {theme['border']}; padding: 1.5mm 2mm 1.5mm 0;"
        " text-align: start; vertical-align: top; }\n"
        "th { font-weight: 700; }\n"
        f"thead th {{ background: {theme['subtle']}; padding-inline-start: 2mm; }}\n"
        "tr { break-inside: avoid; }\n"
        "dl { margin: 0 0 4mm; } dt { font-weight: 700; break-after: avoid; }\n"
        "dd { margin: 0 0 2mm 0; }\n"
        f".pdf-meta {{ color: {theme['text']}; font-size: 9pt; margin-bottom: 6mm; }}\n"
        f".pdf-header {{ border-bottom: 2pt solid {theme['accent']}; margin-bottom: 6mm;"
        " padding-bottom: 2mm; font-weight: 700; }\n"
        "[dir=rtl] { text-align: right; }\n"
    )


def _allowed_roots() -> list[Path]:
    return [
        vendor_dir().resolve(),
        (Path(settings.SRC_DIR) / "static").resolve(),
        _font_cache_dir().resolve(),
    ]


def _fetcher():
    return _fetcher_class()()


@lru_cache(maxsize=1)
def _fetcher_class():
    _weasyprint()
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """Only the project's own files and inline data: never the network."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if any(path.is_relative_to(root) for root in _allowed_roots()):
                    return super().fetch(url, headers)
            raise ValueError(f"PDF rendering reads no external resources: {url[:80]}")

    return LocalFetcher


_import_lock = threading.Lock()


def _weasyprint():
    """Import WeasyPrint without its side effect on Pillow.

    `weasyprint.images` sets `PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True` for the whole
    process on import; the photo checks of reports (reports/photos.py) rely on Pillow
    refusing truncated files, so the flag is put back at once.
    """
    with _import_lock:
        from PIL import ImageFile

        before = ImageFile.LOAD_TRUNCATED_IMAGES
        try:
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint.CSS, weasyprint.HTML, FontConfiguration


_styles = threading.local()


@atexit.register
def _forget_house_style() -> None:
    # Before the interpreter tears modules down (WeasyPrint's FontConfiguration.__del__
    # needs shutil then).
    _styles.__dict__.clear()


def house_style():
    """(FontConfiguration, CSS) of the house style, made once per thread and reused.

    A new FontConfiguration per document loads the system's font configuration and the
    six fonts into a fresh Fontconfig/Pango font map every time, and that native memory is
    not all given back: ~0.27 MB a letter, and twice the time (docs/performance.md,
    2026-12-06). WeasyPrint shares one configuration between documents as documented;
    Pango is not thread-safe, hence one per thread. Made again when the style sheet
    changes (another theme)."""
    CSS, _HTML, FontConfiguration = _weasyprint()
    css = house_style_css()
    cached = getattr(_styles, "house", None)
    if cached is None or cached[0] != css:
        fonts = FontConfiguration()
        cached = (css, fonts, CSS(string=css, url_fetcher=_fetcher(), font_config=fonts))
        _styles.house = cached
    return cached[1], cached[2]


def render_pdf(
    template_name: str,
    context: dict | None = None,
    *,
    title: str,
    language: str | None = None,
    author: str = "",
    subject: str = "",
) -> bytes:
    """Render `template_name` (which extends `pdf/base.html`) to a tagged A4 PDF.

    `title` is the document title (metadata and `<title>`), `language` the BCP 47 code
    of the text (default: the active language; the template is rendered in it).
    """
    HTML = _weasyprint()[1]

    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            template_name,
            {
                **(context or {}),
                "pdf_title": title,
                "pdf_language": language,
                "pdf_language_bidi": translation.get_language_bidi(),
                "pdf_author": author,
                "pdf_subject": subject,
            },
        )
    fonts, style = house_style()
    document = HTML(string=html, base_url=vendor_dir().as_uri() + "/", url_fetcher=_fetcher())
    return document.write_pdf(stylesheets=[style], font_config=fonts, pdf_variant=PDF_VARIANT)


# --- Concatenating PDFs without holding them ------------------------------------------------------


class _Concatenation:
    """One PDF written object by object to a binary file, from the pages of other PDFs.

    pypdf's `PdfWriter` keeps every object of every appended document until it writes (a
    1,000-letter print bundle took 1.1 GB); this writes each document's pages and what they
    use (content, fonts, images) as soon as the document is read and then drops it. What
    stays is a file offset per object and the page list. Only the pages are taken (no
    outline, structure tree or metadata of the parts), as `PdfWriter.add_page` does."""

    HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

    def __init__(self, target: BinaryIO):
        self.target = target
        self.start = target.tell()
        self.offsets: list[int] = [0]  # by object number; 0 is the head of the free list
        self.pages: list[int] = []
        target.write(self.HEADER)
        self.pages_number = self._reserve()

    def _reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def _write(self, number: int, obj) -> None:
        self.offsets[number] = self.target.tell() - self.start
        self.target.write(b"%d 0 obj\n" % number)
        obj.write_to_stream(self.target)
        self.target.write(b"\nendobj\n")

    def _copy(self, obj, numbers: dict, pending: list):
        """`obj` with its references renumbered into this file (referenced objects queued)."""
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            StreamObject,
        )

        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = self._reserve()
                pending.append((obj, number))
            return IndirectObject(number, 0, None)
        if isinstance(obj, StreamObject):
            stream = StreamObject()
            stream.set_data(obj._data)  # as stored: still compressed, never decoded
            for key, value in obj.items():
                if key != "/Length":  # written again from the data
                    stream[NameObject(key)] = self._copy(value, numbers, pending)
            return stream
        if isinstance(obj, DictionaryObject):
            return DictionaryObject(
                {NameObject(k): self._copy(v, numbers, pending) for k, v in obj.items()}
            )
        if isinstance(obj, ArrayObject):
            return ArrayObject(self._copy(v, numbers, pending) for v in obj)
        return obj

    def add(self, data: bytes) -> int:
        """Append the pages of one PDF; returns how many."""
        from pypdf import PdfReader
        from pypdf.generic import DictionaryObject, IndirectObject, NameObject

        reader = PdfReader(io.BytesIO(data))
        numbers: dict[tuple[int, int], int] = {}
        pending: list = []
        count = 0
        for page in reader.pages:
            ref = page.indirect_reference
            number = self._reserve()
            if ref is not None:  # links and annotations that point at the page find it
                numbers[(ref.idnum, ref.generation)] = number
            copy = DictionaryObject(
                {
                    NameObject(k): self._copy(v, numbers, pending)
                    for k, v in page.items()
                    if k != "/Parent"
                }
            )
            copy[NameObject("/Parent")] = IndirectObject(self.pages_number, 0, None)
            self._write(number, copy)
            self.pages.append(number)
            count += 1
            while pending:
                source, target_number = pending.pop()
                self._write(target_number, self._copy(source.get_object(), numbers, pending))
        return count

    def finish(self) -> None:
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            NullObject,
            NumberObject,
        )

        self._write(
            self.pages_number,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Pages"),
                    NameObject("/Kids"): ArrayObject(
                        IndirectObject(n, 0, None) for n in self.pages
                    ),
                    NameObject("/Count"): NumberObject(len(self.pages)),
                }
            ),
        )
        catalog = self._reserve()
        self._write(
            catalog,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Catalog"),
                    NameObject("/Pages"): IndirectObject(self.pages_number, 0, None),
                }
            ),
        )
        for number, offset in enumerate(self.offsets):
            if number and offset < 0:  # reserved, never reached (cannot happen): a null
                self._write(number, NullObject())
        xref = self.target.tell() - self.start
        out = self.target
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets))
        out.writelines(b"%010d 00000 n \n" % offset for offset in self.offsets[1:])
        out.write(
            b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), catalog, xref)
        )


def pdf_concatenate(documents: Iterable[bytes], target: BinaryIO) -> int:
    """Write the pages of `documents`, in order, as one PDF to `target` (a binary file);
    returns the number of pages. Memory holds one document at a time, not the result."""
    concatenation = _Concatenation(target)
    pages = sum(concatenation.add(data) for data in documents)
    concatenation.finish()
    return pages
