"""The rich text of a newsletter: a small subset of HTML, sanitised with nh3 (Ammonia).

Allowed: paragraphs, two heading levels, bold, italic, lists, quotes, line breaks and
links to http(s) and mailto addresses. Everything else is removed: scripts and styles with
their content, images (images are uploaded, never linked: a remote image tracks who opens
the mail), inline event handlers and style attributes. `clean_body` also says what it
removed, so the writer is told.
"""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.translation import gettext as _

import nh3

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "strong",
    "b",
    "em",
    "i",
    "ul",
    "ol",
    "li",
    "blockquote",
    "br",
    "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with everything inside them.
CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg"}
IMAGE_TAGS = {"img", "picture", "source", "image"}


@dataclass(frozen=True)
class CleanBody:
    html: str
    removed: tuple[str, ...]  # what was removed, in words for the writer


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = self.images = self.handlers = self.styles = self.links = False
        self.other: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag in CONTENT_TAGS:
            self.scripts = True
        elif tag in IMAGE_TAGS:
            self.images = True
        elif tag not in ALLOWED_TAGS:
            self.other.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers = True
            elif name == "style":
                self.styles = True
            elif tag == "a" and name == "href":
                scheme = (
                    (value or "").strip().split(":", 1)[0].lower() if ":" in (value or "") else ""
                )
                if scheme and scheme not in URL_SCHEMES:
                    self.links = True

    handle_startendtag = handle_starttag


def clean_body(raw: str) -> CleanBody:
    """Sanitise `raw` and list what was taken out (empty when nothing was)."""
    scanner = _Scanner()
    scanner.feed(raw or "")
    scanner.close()
    cleaned = nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        clean_content_tags=CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
    removed = []
    if scanner.scripts:
        removed.append(_("scripts and embedded content"))
    if scanner.images:
        removed.append(_("images in the text (upload images below the text instead)"))
    if scanner.handlers:
        removed.append(_("event handlers (on… attributes)"))
    if scanner.styles:
        removed.append(_("style attributes"))
    if scanner.links:
        removed.append(_("links that are not web or e-mail addresses"))
    if scanner.other:
        removed.append(_("unsupported tags: %(tags)s") % {"tags": ", ".join(sorted(scanner.other))})
    return CleanBody(html=cleaned, removed=tuple(removed))


_BLOCK_END = re.compile(r"</(p|h2|h3|li|blockquote)>|<br\s*/?>", re.IGNORECASE)


def body_text(body_html: str) -> str:
    """The plain-text version of a sanitised body (the e-mail's text part)."""
    with_breaks = _BLOCK_END.sub("\n", body_html.replace("<li>", "<li>- "))
    with_links = re.sub(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", with_breaks)
    text = html.unescape(nh3.clean(with_links, tags=set()))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
