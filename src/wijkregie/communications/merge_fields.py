"""The merge fields of letters: a registry that apps above communications extend.

A letter template's subject and body name fields as `{{ name }}`. Each field is
registered once, from an app's `AppConfig.ready()`:

    from wijkregie.communications import merge_fields

    merge_fields.register(
        "evening_code",
        label=_("Personal code for the residents' evening"),
        provider=lambda letter: evening_code_for(letter),
        kind="text",            # or "qr": the provider returns a URL, printed as a QR code
    )

A provider gets the `LetterContext` of one letter (who, where, which batch and letter;
`preview` is True when nothing is stored yet; `viewer` is the letter's author, with whose
permissions a provider acts and is audited) and returns the text (kind "text") or the
URL to encode (kind "qr"). Unknown fields are refused when a template is saved
(`unknown_fields`), so a letter never goes out with a placeholder in it. Text is escaped;
a QR code becomes an SVG image embedded as a `data:` URL (segno), with the URL beside it
for those who cannot scan it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

import segno

from wijkregie.core.access import Viewer

NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
KINDS = ("text", "qr")


@dataclass(frozen=True)
class LetterContext:
    """What a provider knows of one letter."""

    resident_id: int | None
    given_name: str
    family_name: str
    address_lines: tuple[str, ...]
    unit_id: int | None
    building_id: int | None
    building_name: str
    organisation_id: int
    organisation_name: str
    batch_id: int | None
    letter_id: int | None
    reference: str
    code: str
    date: date
    language: str
    preview: bool = False
    # The author of the letter (the batch's, or the one previewing it): a provider that
    # issues something (the chat's join code) does it with their permissions, audited as
    # them. None: nobody to act for, so such a field stays empty.
    viewer: Viewer | None = None
    report_url: str = ""  # the building's public report page (read with the unit)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True)
class MergeField:
    name: str
    label: str
    provider: Callable[[LetterContext], str]
    kind: str = "text"


_FIELDS: dict[str, MergeField] = {}


def register(name: str, *, label, provider: Callable[[LetterContext], str], kind: str = "text"):
    """Declare a merge field; registering the same name with another provider is an error."""
    if not NAME.match(name):
        raise ValueError(f"A merge field name is lower-case letters, digits and _: {name!r}")
    if kind not in KINDS:
        raise ValueError(f"A merge field's kind is one of {KINDS}, not {kind!r}.")
    field = MergeField(name=name, label=label, provider=provider, kind=kind)
    known = _FIELDS.setdefault(name, field)
    if known.provider is not provider or known.kind != kind:
        raise ValueError(f"Merge field {name!r} is already registered.")
    return known


def unregister(name: str) -> None:
    """For tests that register a field of their own."""
    _FIELDS.pop(name, None)


def registered() -> list[MergeField]:
    return sorted(_FIELDS.values(), key=lambda f: f.name)


def field_get(name: str) -> MergeField | None:
    return _FIELDS.get(name)


def fields_in(text: str) -> list[str]:
    """The names between double braces in `text`, in order of appearance (with repeats)."""
    return [m[1] for m in FIELD.finditer(text or "")]


def problems_in(text: str) -> tuple[list[str], bool]:
    """(unknown field names, whether braces are left that form no field)."""
    unknown = []
    for name in fields_in(text):
        if name not in _FIELDS and name not in unknown:
            unknown.append(name)
    rest = FIELD.sub("", text or "")
    return unknown, ("{{" in rest or "}}" in rest)


def _value(field: MergeField, context: LetterContext) -> str:
    value = field.provider(context)
    return "" if value is None else str(value)


@lru_cache(maxsize=256)
def qr_svg_data_url(data: str) -> str:
    """The QR code of `data` as an SVG `data:` URL (kept: a batch prints the building's
    report link on every letter)."""
    return segno.make(data, error="m").svg_data_uri(scale=3, border=2)


def render_inline(text: str, context: LetterContext) -> str:
    """A one-line text (the subject) with its fields filled in, as plain text."""

    def replace(match):
        field = _FIELDS.get(match[1])
        return _value(field, context) if field else match[0]

    return FIELD.sub(replace, text or "")


def render_html(text: str, context: LetterContext) -> SafeString:
    """A body of paragraphs (blank lines between them) as escaped HTML with fields filled
    in: text fields escaped, QR fields as an image with the URL beside it."""

    def replace(match):
        field = _FIELDS.get(match[1])
        if field is None:  # refused when the template is saved; left visible if it happens
            return escape(match[0])
        value = _value(field, context)
        if field.kind == "qr":
            if not value:
                return ""
            return (
                f'<span class="letter-qr"><img src="{qr_svg_data_url(value)}" '
                f'alt="{escape(str(field.label))}" width="90" height="90">'
                f'<span class="letter-qr-url">{escape(value)}</span></span>'
            )
        return escape(value).replace("\n", "<br>")

    paragraphs = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        if not block.strip():
            continue
        parts, last = [], 0
        for match in FIELD.finditer(block):
            parts.append(escape(block[last : match.start()]).replace("\n", "<br>"))
            parts.append(replace(match))
            last = match.end()
        parts.append(escape(block[last:]).replace("\n", "<br>"))
        paragraphs.append(f"<p>{''.join(parts)}</p>")
    return mark_safe("\n".join(paragraphs))  # noqa: S308  (every part escaped above)
