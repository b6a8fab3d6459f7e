"""Every string a resident can see is in the resident's language: each resident page and
its form errors, rendered in each of the six languages, holds no Dutch text of ours.

A page in language L fails when it shows a Dutch msgstr of any of our nl catalogues
(longer than a few characters) whose L translation is different: the Dutch slipped
through (a shared partial translated from a catalogue without L, a string without
gettext). Text inside an element marked with another `lang` (the language switcher's
"Nederlands") is the other language's, and skipped.
"""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

from django.utils import translation
from django.utils.translation import trans_real

import pytest

from tests.reports.factories import submit
from tests.reports.test_public import form_token, open_form, report_data, report_url
from wijkregie.reports import services
from wijkregie.reports.models import ContactMode

SRC = Path(__file__).resolve().parents[2] / "src" / "wijkregie"
LANGUAGES = ["en", "ar", "tr", "pl", "uk"]
MIN_LENGTH = 9
PLACEHOLDER = re.compile(r"%\(\w+\)[sdi]|%[sdi]|\{[^}]*\}")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "content")


def _dutch_catalogue() -> list[tuple[object, str]]:
    """(msgid, Dutch text) of every nl catalogue of ours; plural forms each."""
    entries = []
    for mo in sorted(SRC.glob("*/locale/nl/LC_MESSAGES/django.mo")):
        with open(mo, "rb") as f:
            catalogue = gettext.GNUTranslations(f)._catalog
        for key, text in catalogue.items():
            if key and text:
                entries.append((key, text))
    return entries


DUTCH = _dutch_catalogue()


class _Text(HTMLParser):
    """Visible text and shown attributes, without subtrees in another language."""

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[bool] = []  # per open element: inside another language?
        self.parts: list[str] = []
        self.skip = 0  # inside <script>/<style>

    def _foreign(self) -> bool:
        return bool(self.stack and self.stack[-1])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang") if tag != "html" else None  # the page's own: checked apart
        foreign = self._foreign() if lang is None else lang.split("-")[0] != self.language
        if not foreign:
            self.parts.extend(attrs[a] for a in SHOWN_ATTRIBUTES if attrs.get(a))
        if tag in VOID:
            return
        if tag in ("script", "style"):
            self.skip += 1
        self.stack.append(foreign)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if tag in ("script", "style"):
            self.skip -= 1
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skip and not self._foreign():
            self.parts.append(data)


def _text_of(body: str, language: str) -> str:
    parser = _Text(language)
    parser.feed(body)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def _own(key, language: str) -> str | None:
    """The text `language`'s own catalogues give `key` (None: it has none, and gettext
    falls back to the default language, Dutch, except for English)."""
    with translation.override(language):
        translation.gettext("")  # load the catalogues
    catalogue = trans_real.translation(language)._catalog
    text = catalogue.get(key)
    if text is None and language == "en" and not isinstance(key, tuple):
        return key  # English is the source: no fallback to Dutch
    return text


def dutch_in(body: str, language: str) -> list[str]:
    """The Dutch texts of ours shown on a page meant to be in `language`."""
    text = _text_of(body, language)
    found = []
    for key, dutch in DUTCH:
        fragments = [f.strip(" .,:;") for f in PLACEHOLDER.split(dutch)]
        fragments = [f for f in fragments if len(f) >= MIN_LENGTH]
        if not any(f in text for f in fragments):
            continue
        if _own(key, language) == dutch:
            continue  # the same in both languages (a name)
        found.append(dutch)
    return sorted(set(found))


# --- The pages ---------------------------------------------------------------------------


def _pages(world, client, language):
    """(name, response) of every resident page and its error states, in `language`."""
    code = world.building.public_code
    pages = []

    def get(name, url, **kwargs):
        pages.append((name, client.get(url, **kwargs)))

    def post(name, url, data, **kwargs):
        pages.append((name, client.post(url, data, **kwargs)))

    get("start", f"/melden/?lang={language}")
    post("start: errors", "/melden/", {"postcode": "12", "house_number": "x"})
    post("start: not found", "/melden/", {"postcode": "9999 ZZ", "house_number": "1"})
    get("building", f"/melden/{code}/")
    get("building: no choice", f"/melden/{code}/?categorie=")
    get("unknown building", "/melden/ONBEKEND/")
    get("report form", report_url(world))
    token = open_form(client, world)
    post(
        "report form: errors",
        report_url(world),
        report_data(world, token, description="", location_kind="home", contact_mode="open"),
    )
    post(
        "report form: photo errors",
        report_url(world),
        {**report_data(world, token, description=""), "photos": _not_a_photo()},
    )
    get("contact form", f"/melden/{code}/contact/")
    contact_token = form_token(client.get(f"/melden/{code}/contact/"))
    post(
        "contact form: errors",
        f"/melden/{code}/contact/",
        {"form_token": contact_token, "description": "", "contact_mode": ContactMode.OPEN},
    )
    sent = client.post(report_url(world), report_data(world, open_form(client, world)))
    assert sent.status_code == 302, sent.content.decode()[:2000]
    receipt = client.get(sent["Location"])
    pages.append(("receipt", receipt))
    get("follow-up", "/melden/volgen/")
    post("follow-up: errors", "/melden/volgen/", {"tracking_code": "", "passphrase": ""})
    post("follow-up: refused", "/melden/volgen/", {"tracking_code": "ABC", "passphrase": "x y"})

    submitted = submit(world, reporter={"name": "Ann", "email": "ann@example.org"})
    intake = world.viewer("intake")
    services.report_status_change(
        actor=intake, report_id=submitted.report.pk, to_status="in_triage"
    )
    services.report_message_to_reporter(
        actor=intake, report_id=submitted.report.pk, body="Sinds wanneer?"
    )
    assert (
        client.post(
            "/melden/volgen/",
            {"tracking_code": submitted.tracking_code, "passphrase": submitted.passphrase},
        ).status_code
        == 302
    )
    get("follow-up report", "/melden/volgen/melding/")
    page = client.get("/melden/volgen/melding/")
    post(
        "follow-up report: message errors",
        "/melden/volgen/melding/",
        {"action": "message", "form_token": form_token_of(page, "message"), "message-body": ""},
    )
    post(
        "follow-up report: contact errors",
        "/melden/volgen/melding/",
        {
            "action": "contact",
            "form_token": form_token_of(page, "contact"),
            "contact-email": "geen-adres",
        },
    )
    return pages


def form_token_of(response, action: str) -> str:
    match = re.search(
        rf'name="action" value="{action}">.*?name="form_token" value="([^"]+)"',
        response.content.decode(),
        re.S,
    )
    assert match, f"no {action} form on the page"
    return match.group(1)


def _not_a_photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("foto.jpg", b"not a photo at all", content_type="image/jpeg")


@pytest.fixture
def resident_client(client, settings):
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    return client


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_dutch_on_the_resident_pages(world, resident_client, language):
    found = {}
    for name, response in _pages(world, resident_client, language):
        assert response.status_code < 500, name
        assert response["Content-Language"] == language, name
        dutch = dutch_in(response.content.decode(), language)
        if dutch:
            found[name] = dutch
    assert found == {}, sorted({d for v in found.values() for d in v})


def test_the_check_finds_dutch_on_a_page(world, resident_client):
    """The check itself: a Dutch page is found out when it claims to be Turkish."""
    body = resident_client.get("/melden/?lang=nl").content.decode()
    found = dutch_in(body, "tr")
    assert "Is er nu gevaar? Bel 112." in found


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_dutch_in_the_mails_to_a_reporter(
    world, language, mailoutbox, django_capture_on_commit_callbacks
):
    report = submit(world, reporter={"email": "ann@example.org", "language": language}).report
    intake = world.viewer("intake")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_message_to_reporter(
            actor=intake, report_id=report.pk, body="Sinds wanneer speelt dit?"
        )
    assert len(mailoutbox) == 2
    found = {}
    for message in mailoutbox:
        bodies = [message.subject, message.body] + [c for c, _type in message.alternatives]
        for body in bodies:
            dutch = dutch_in(body, language)
            if dutch:
                found[message.subject] = dutch
    assert found == {}
