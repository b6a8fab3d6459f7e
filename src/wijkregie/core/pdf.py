"""Rendering a Django template to PDF in the house style (WeasyPrint, docs/adr/0007).

One place for minutes, letters, dossiers and data-subject exports:

    pdf = render_pdf("residents/letter.html", {"resident": …}, title=_("Letter"), language="nl")

The template extends `pdf/base.html`. The PDF is A4, uses the project's self-hosted Noto
fonts (var/vendor/fonts, `make assets`) and the colours of the voorbeeld theme, is tagged
(PDF/UA-1: structure tree, document language and title shown in the viewer's title bar)
and fetches nothing from the network: only the font files and `data:` URLs are read.
"""

import re
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

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

    return LocalFetcher()


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
    CSS, HTML, FontConfiguration = _weasyprint()

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
    fetcher = _fetcher()
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=vendor_dir().as_uri() + "/", url_fetcher=fetcher)
    style = CSS(string=house_style_css(), url_fetcher=fetcher, font_config=fonts)
    return document.write_pdf(stylesheets=[style], font_config=fonts, pdf_variant=PDF_VARIANT)
