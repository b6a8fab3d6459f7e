"""The resident pages: language, finding the building, the report form, the bot trap,
idempotency, rate limits and every bad input for this side."""

import io
import re

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from PIL import Image

from tests.places.factories import UnitFactory
from wijkregie.core.http import client_ip
from wijkregie.reports.models import (
    Channel,
    ContactMode,
    LocationKind,
    Report,
    ReporterIdentity,
    ReportIdempotencyKey,
    ReportPhoto,
)
from wijkregie.reports.passphrases import passphrase_matches
from wijkregie.reports.public import receipts, trap

MB = 1024 * 1024
TRAP = trap.HONEYPOT_FIELD


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    """Rate-limit counters, receipts and failed tries live in the cache: one per test."""
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


def form_token(response) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', response.content.decode())
    assert match, "the page has no form token"
    return match.group(1)


def report_url(world, category="litter") -> str:
    return f"/melden/{world.building.public_code}/melding/?categorie={category}"


def report_data(world, token, **overrides) -> dict:
    data = {
        "form_token": token,
        "category": "litter",
        "location_kind": LocationKind.COMMON_AREA,
        "common_area": str(world.lift.pk),
        "entrance": "A",
        "floor": "0",
        "description": "Er staan zakken afval bij de lift.",
        "contact_mode": ContactMode.ANONYMOUS,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def open_form(client, world, category="litter", **headers):
    response = client.get(report_url(world, category), **headers)
    assert response.status_code == 200
    return form_token(response)


def post_report(client, world, token=None, category="litter", remote_addr=None, **overrides):
    token = token or open_form(client, world, category)
    extra = {"REMOTE_ADDR": remote_addr} if remote_addr else {}
    return client.post(
        report_url(world, category),
        report_data(world, token, category=category, **overrides),
        **extra,
    )


def jpeg_with_gps() -> bytes:
    im = Image.new("RGB", (40, 30), (10, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "MarkerCamCo"
    exif[0x013B] = "Marker Owner"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 5.0, 30.0)
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def html(response) -> str:
    return response.content.decode()


def errors_of(response) -> list[str]:
    """The texts of the error summary and field errors, without markup."""
    found = re.findall(r'utrecht-form-field-error-message"[^>]*>(.*?)</div>', html(response), re.S)
    found += re.findall(r'id="form-errors".*?</ul>', html(response), re.S)
    text = " ".join(found)
    return [t.strip() for t in re.findall(r"<p class=\"utrecht-paragraph\">(.*?)</p>", text)]


def unescape(text: str) -> str:
    import html as html_module

    return html_module.unescape(text)


# --- Language -------------------------------------------------------------------------


def test_the_pages_are_dutch_by_default(world, client):
    response = client.get(f"/melden/{world.building.public_code}/")

    assert response.status_code == 200
    assert '<html lang="nl" dir="ltr"' in html(response)
    assert '<h1 class="utrecht-heading-1">Een probleem melden</h1>' in html(response)
    assert response["Content-Language"] == "nl"
    assert "no-store" in response["Cache-Control"]


def test_the_browser_language_is_used_when_it_is_a_resident_language(world, client):
    response = client.get(
        f"/melden/{world.building.public_code}/", HTTP_ACCEPT_LANGUAGE="tr-TR,tr;q=0.9"
    )

    assert '<html lang="tr" dir="ltr"' in html(response)
    assert "Bir sorun bildirin" in html(response)


def test_a_chosen_language_is_remembered_in_a_cookie_and_arabic_is_right_to_left(world, client):
    chosen = client.get(f"/melden/{world.building.public_code}/?lang=ar")

    assert '<html lang="ar" dir="rtl"' in html(chosen)
    cookie = chosen.cookies["wijkregie_resident_language"]
    assert cookie.value == "ar"
    assert cookie["samesite"] == "Lax"

    later = client.get("/melden/")
    assert '<html lang="ar" dir="rtl"' in html(later)


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("nl", "Een probleem melden"),
        ("en", "Report a problem"),
        ("tr", "Bir sorun bildirin"),
        ("ar", "الإبلاغ عن مشكلة"),
        ("pl", "Zgłoś problem"),
        ("uk", "Повідомити про проблему"),
    ],
)
def test_every_resident_language_has_the_page_translated(world, client, code, title):
    response = client.get(f"/melden/{world.building.public_code}/?lang={code}")

    assert f'<html lang="{code}"' in html(response)
    assert f'<h1 class="utrecht-heading-1">{title}</h1>' in html(response)


def test_the_language_switcher_offers_six_languages_in_their_own_language(world, client):
    response = client.get(f"/melden/{world.building.public_code}/?lang=pl")

    links = re.findall(
        r'<a class="utrecht-link" href="([^"]+)" lang="(\w+)" hreflang', html(response)
    )
    assert [lang for _href, lang in links] == ["nl", "en", "tr", "ar", "pl", "uk"]
    assert 'lang="pl" hreflang="pl" aria-current="true">Polski</a>' in html(response)
    assert 'lang="uk" hreflang="uk">Українська</a>' in html(response)


def test_a_resident_language_does_not_leak_into_professional_pages(world, client):
    client.get(f"/melden/{world.building.public_code}/?lang=tr")

    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert '<html lang="nl"' in html(response)


def test_category_names_and_hints_are_translated_for_the_seeded_categories(world, client):
    response = client.get(f"/melden/{world.building.public_code}/?lang=tr")

    assert "Çöp ve kirlilik" in html(response)  # litter
    assert "Tehdit ve yıldırma" in html(response)  # threats
    assert "categorie-contact" not in html(response)  # the contact request has its own page


def test_an_administrators_own_text_in_a_language_wins(world, client):
    world.category.name = {**world.category.name, "tr": "Çöp (yönetici metni)"}
    world.category.save(update_fields=["name"])

    response = client.get(f"/melden/{world.building.public_code}/?lang=tr")

    assert "Çöp (yönetici metni)" in html(response)


# --- Finding the building ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "title", "text"),
    [
        (
            "nl",
            "Deze link kennen we niet",
            "Deze link van een gebouw bestaat niet. Kijk de link op de poster of brief na, "
            "of zoek uw gebouw met uw postcode en huisnummer.",
        ),
        (
            "tr",
            "Bu bağlantıyı tanımıyoruz",
            "Bu bina bağlantısı yok. Afişteki veya mektuptaki bağlantıyı kontrol edin ya "
            "da binanızı posta kodunuz ve kapı numaranızla bulun.",
        ),
    ],
)
def test_an_unknown_building_code_gives_a_clear_404_in_the_residents_language(
    world, client, code, title, text
):
    for url in ("/melden/doesnotexist/", "/melden/doesnotexist/melding/?categorie=litter"):
        response = client.get(f"{url}{'&' if '?' in url else '?'}lang={code}")

        assert response.status_code == 404
        assert f'<h1 class="utrecht-heading-1">{title}</h1>' in unescape(html(response))
        assert text in unescape(html(response))
    assert Report.objects.count() == 0


def test_a_post_to_an_unknown_building_stores_nothing(world, client):
    token = open_form(client, world)

    response = client.post(
        "/melden/doesnotexist/melding/?categorie=litter", report_data(world, token)
    )

    assert response.status_code == 404
    assert Report.objects.count() == 0


def test_postcode_and_house_number_lead_to_the_building(world, client):
    response = client.post("/melden/", {"postcode": "3521 hz", "house_number": "12"})

    assert response.status_code == 302
    assert response["Location"] == f"/melden/{world.building.public_code}/"


def test_a_letter_is_not_needed_when_all_homes_with_the_number_are_in_one_building(world, client):
    UnitFactory(building=world.building, house_number=14, house_letter="A", postcode="3521HZ")
    UnitFactory(building=world.building, house_number=14, house_letter="B", postcode="3521HZ")

    response = client.post("/melden/", {"postcode": "3521HZ", "house_number": "14"})

    assert response["Location"] == f"/melden/{world.building.public_code}/"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "nl",
            "We kunnen dit adres niet vinden. Kijk de postcode en het huisnummer na. U kunt "
            "ook de link of QR-code op de poster in uw gebouw gebruiken.",
        ),
        (
            "tr",
            "Bu adresi bulamıyoruz. Posta kodunu ve kapı numarasını kontrol edin. "
            "Binanızdaki afişte bulunan bağlantıyı veya QR kodunu da kullanabilirsiniz.",
        ),
    ],
)
def test_an_unknown_address_gives_a_clear_message(world, client, code, message):
    response = client.post(f"/melden/?lang={code}", {"postcode": "9999ZZ", "house_number": "1"})

    assert response.status_code == 200
    assert message in unescape(html(response))


def test_a_malformed_postcode_is_explained(world, client):
    response = client.post("/melden/?lang=nl", {"postcode": "35", "house_number": "x"})

    assert response.status_code == 200
    page = unescape(html(response))
    assert "Vul een postcode in met vier cijfers en twee letters, zoals 3521 AB." in page
    assert "Vul het huisnummer in cijfers in, bijvoorbeeld 12." in page


def test_address_lookups_are_rate_limited(world, client, settings):
    settings.WIJKREGIE_LOOKUP_RATE_PER_IP = "2/600"
    for _ in range(2):
        client.post("/melden/", {"postcode": "9999ZZ", "house_number": "1"})

    response = client.post("/melden/", {"postcode": "3521HZ", "house_number": "12"})

    assert response.status_code == 429


# --- The form ----------------------------------------------------------------------------


def test_step_one_is_a_plain_get_form_listing_the_categories(world, client):
    response = client.get(f"/melden/{world.building.public_code}/")

    page = html(response)
    assert f'<form method="get" action="/melden/{world.building.public_code}/melding/"' in page
    slugs = re.findall(r'name="categorie" id="categorie-([\w-]+)"', page)
    assert slugs == [
        "crime-in-progress",
        "threats",
        "arson-fire-risk",
        "nitrous-oxide",
        "drug-dealing",
        "litter",
        "vandalism",
        "illegal-subletting",
        "noise-nuisance",
        "unsafe-common-area",
        "other",
    ]


def test_no_category_chosen_sends_the_resident_back_with_a_message(world, client):
    response = client.get(f"/melden/{world.building.public_code}/melding/?categorie=")

    assert response.status_code == 302
    back = client.get(response["Location"])
    assert back.status_code == 400
    assert "Kies waar uw melding over gaat." in html(back)


@pytest.mark.parametrize("slug", ["threats", "arson-fire-risk", "crime-in-progress"])
def test_urgent_categories_first_tell_the_resident_to_call_112(world, client, slug):
    response = client.get(report_url(world, slug))

    page = html(response)
    assert page.index('class="wr-urgent"') < page.index("<form")
    assert "Is er nu gevaar? Bel eerst 112." in page
    assert 'href="tel:112"' in page


def test_a_normal_category_has_no_112_notice(world, client):
    response = client.get(report_url(world, "litter"))

    assert 'class="wr-urgent"' not in html(response)


def test_the_form_offers_the_buildings_entrances_floors_and_shared_spaces(world, client):
    response = client.get(report_url(world) + "&lang=en")

    page = html(response)
    assert '<option value="A">Entrance A</option>' in page
    assert '<option value="B">Entrance B</option>' in page
    assert '<option value="3">Floor 3</option>' in page
    assert '<option value="0">Ground floor</option>' in page
    assert f'<option value="{world.lift.pk}">Lift (entrance A)</option>' in page


def test_the_contact_choices_are_each_explained_in_one_sentence(world, client):
    response = client.get(report_url(world) + "&lang=en")

    page = unescape(html(response))
    assert "Nobody, not even the organisation that handles your report, can see who you are." in (
        page
    )
    assert "Other organisations and your neighbours never see them." in page
    assert "it may see your name and contact details too" in page


def test_the_honeypot_is_hidden_by_a_class_with_aria_hidden_and_out_of_the_tab_order(world, client):
    page = html(client.get(report_url(world)))

    assert '<div class="wr-trap" aria-hidden="true">' in page
    assert f'name="{TRAP}" value="" tabindex="-1" autocomplete="off"' in page
    assert "style=" not in page


def test_an_anonymous_report_shows_the_tracking_code_and_the_passphrase_once(world, client):
    response = post_report(client, world)

    assert response.status_code == 302
    assert response["Location"].startswith("/melden/ontvangen/")
    report = Report.objects.get()
    assert report.channel == Channel.WEB
    assert report.contact_mode == ContactMode.ANONYMOUS
    assert report.common_area == world.lift
    assert (report.entrance, report.floor) == ("A", 0)
    identity = ReporterIdentity.objects.get(report_id=report.pk)
    assert (identity.name, identity.email, identity.phone, identity.ip_address) == (
        "",
        "",
        "",
        None,
    )
    assert identity.language == "nl"

    receipt = client.get(response["Location"])
    page = html(receipt)
    assert f'<span class="wr-secret" id="tracking-code">{report.tracking_code}</span>' in page
    passphrase = re.search(r'id="passphrase">([^<]+)<', page).group(1)
    assert passphrase_matches(passphrase, identity.passphrase_hash)
    assert "Schrijf de meldingscode en de wachtwoordzin nu op." in page

    again = client.get(response["Location"])
    assert report.tracking_code in html(again)
    assert passphrase not in html(again)
    assert 'id="passphrase"' not in html(again)


def test_a_shielded_report_passes_name_email_phone_and_address(world, client):
    response = post_report(
        client,
        world,
        contact_mode=ContactMode.SHIELDED,
        name="Ann Melder",
        email="ann@example.org",
        phone="06 12345678",
        remote_addr="203.0.113.9",
    )

    assert response.status_code == 302
    identity = ReporterIdentity.objects.get()
    assert (identity.name, identity.email, identity.phone) == (
        "Ann Melder",
        "ann@example.org",
        "06 12345678",
    )
    assert identity.ip_address == "203.0.113.9"
    assert Report.objects.get().contact_mode == ContactMode.SHIELDED


def test_shielded_without_email_or_phone_is_refused_with_a_clear_message(world, client):
    response = post_report(client, world, contact_mode=ContactMode.SHIELDED, name="Ann")

    assert response.status_code == 400
    assert "Laat een e-mailadres of telefoonnummer achter, of kies anoniem." in unescape(
        html(response)
    )
    assert Report.objects.count() == 0


def test_another_home_is_found_by_its_house_number(world, client):
    other = UnitFactory(building=world.building, house_number=20, house_letter="B")

    post_report(
        client, world, location_kind=LocationKind.OTHER_UNIT, common_area=None, house_number="20b"
    )

    report = Report.objects.get()
    assert (report.location_kind, report.unit) == (LocationKind.OTHER_UNIT, other)


def test_an_unknown_house_number_is_explained_and_nothing_is_stored(world, client):
    response = post_report(
        client, world, location_kind=LocationKind.OTHER_UNIT, common_area=None, house_number="999"
    )

    assert response.status_code == 400
    assert (
        "We kunnen dit huisnummer niet vinden in dit gebouw. Kijk het na, of laat het leeg."
        in unescape(html(response))
    )
    assert Report.objects.count() == 0


def test_a_moment_in_the_future_is_refused(world, client):
    response = post_report(client, world, occurred_date="2999-01-01", occurred_time="10:00")

    assert response.status_code == 400
    assert "Dit moment ligt in de toekomst." in html(response)
    assert Report.objects.count() == 0


def test_when_it_happened_is_passed_on(world, client):
    post_report(
        client, world, occurred_date="2024-05-06", occurred_time="21:30", occurred_when="vaak"
    )

    report = Report.objects.get()
    assert report.occurred_at.isoformat() == "2024-05-06T19:30:00+00:00"
    assert report.occurred_when == "vaak"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "nl",
            "Uw tekst is te lang. Gebruik hoogstens 5000 tekens (nu 1048576). U kunt later "
            "meer toevoegen met uw code.",
        ),
        (
            "tr",
            "Metniniz çok uzun. En fazla 5000 karakter kullanın (şu an 1048576). Daha sonra "
            "kodunuzla daha fazlasını ekleyebilirsiniz.",
        ),
    ],
)
def test_a_1_mb_description_is_refused_in_the_residents_language(world, client, code, message):
    token = open_form(client, world)

    response = client.post(
        report_url(world) + f"&lang={code}", report_data(world, token, description="x" * MB)
    )

    assert response.status_code == 400
    assert message in unescape(html(response))
    assert Report.objects.count() == 0
    assert ReporterIdentity.objects.count() == 0


def test_an_empty_description_is_refused(world, client):
    response = post_report(client, world, description="   ")

    assert response.status_code == 400
    assert "Vertel ons wat er is gebeurd." in html(response)
    assert Report.objects.count() == 0


# --- Photos through the form ---------------------------------------------------------------


def _upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_photos_are_stored_without_their_metadata(world, client):
    response = post_report(client, world, photos=[_upload("holiday.jpg", jpeg_with_gps())])

    assert response.status_code == 302
    photo = ReportPhoto.objects.get()
    stored = photo.file.read()
    assert b"MarkerCamCo" not in stored
    assert b"Marker Owner" not in stored
    with Image.open(io.BytesIO(stored)) as im:
        assert dict(im.getexif()) == {}
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 40, 30)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("nl", "Foto 1: Dit bestand is geen foto. U kunt foto's sturen in JPEG, PNG of WebP."),
        (
            "tr",
            "Fotoğraf 1: Bu dosya bir fotoğraf değil. JPEG, PNG veya WebP fotoğrafları "
            "gönderebilirsiniz.",
        ),
    ],
)
def test_a_renamed_executable_is_refused_and_nothing_is_stored(world, client, code, message):
    token = open_form(client, world)
    elf = _upload("photo.jpg", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4000)

    response = client.post(
        report_url(world) + f"&lang={code}", report_data(world, token, photos=[elf])
    )

    assert response.status_code == 400
    assert message in unescape(html(response))
    assert (Report.objects.count(), ReportPhoto.objects.count()) == (0, 0)


def test_a_windows_executable_named_jpg_is_refused(world, client):
    exe = _upload("photo.jpg", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 500)

    response = post_report(client, world, photos=[exe])

    assert response.status_code == 400
    assert (Report.objects.count(), ReportPhoto.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("nl", "Foto 1: De foto is te groot. Een foto mag hoogstens 10 MB zijn."),
        ("tr", "Fotoğraf 1: Fotoğraf çok büyük. Bir fotoğraf en fazla 10 MB olabilir."),
    ],
)
def test_a_30_mb_photo_is_refused(world, client, code, message):
    token = open_form(client, world)
    big = _upload("big.jpg", jpeg_with_gps() + b"\x00" * (30 * MB))

    response = client.post(
        report_url(world) + f"&lang={code}", report_data(world, token, photos=[big])
    )

    assert response.status_code == 400
    assert message in unescape(html(response))
    assert (Report.objects.count(), ReportPhoto.objects.count()) == (0, 0)


def test_a_truncated_jpeg_is_refused_with_a_clear_message(world, client):
    out = io.BytesIO()
    Image.effect_noise((200, 200), 50).convert("RGB").save(out, format="JPEG")
    truncated = _upload("cut.jpg", out.getvalue()[:3000])

    response = post_report(client, world, photos=[truncated])

    assert response.status_code == 400
    assert (
        "Foto 1: De foto is beschadigd of niet compleet. Maak of kies de foto opnieuw."
        in unescape(html(response))
    )
    assert (Report.objects.count(), ReportPhoto.objects.count()) == (0, 0)


def test_more_than_five_photos_are_refused(world, client):
    photos = [_upload(f"p{i}.jpg", jpeg_with_gps()) for i in range(6)]

    response = post_report(client, world, photos=photos)

    assert response.status_code == 400
    assert "U kunt hoogstens 5 foto&#x27;s toevoegen." in html(response)
    assert Report.objects.count() == 0


# --- Idempotency -----------------------------------------------------------------------


def test_a_double_click_or_reload_creates_one_report_and_shows_the_passphrase_once(world, client):
    token = open_form(client, world)
    data = report_data(world, token)

    first = client.post(report_url(world), data)
    second = client.post(report_url(world), data)  # double-click
    third = client.post(report_url(world), data)  # reload after a lost connection

    assert (first.status_code, second.status_code, third.status_code) == (302, 302, 302)
    # The receipt links carry a signed, time-stamped token: compare what they point at.
    keys = {
        receipts.receipt_token_read(r["Location"].rstrip("/").rsplit("/", 1)[1])
        for r in (first, second, third)
    }
    assert len(keys) == 1 and None not in keys
    assert Report.objects.count() == 1
    assert ReporterIdentity.objects.count() == 1
    assert ReportIdempotencyKey.objects.count() == 1
    receipt = html(client.get(third["Location"]))
    assert 'id="passphrase"' in receipt
    assert 'id="passphrase"' not in html(client.get(third["Location"]))


def test_a_retry_whose_first_answer_was_lost_still_shows_the_passphrase(world, client):
    token = open_form(client, world)
    data = report_data(world, token)
    client.post(report_url(world), data)  # the answer never reached the phone

    retry = client.post(report_url(world), data)

    page = html(client.get(retry["Location"]))
    identity = ReporterIdentity.objects.get()
    passphrase = re.search(r'id="passphrase">([^<]+)<', page).group(1)
    assert passphrase_matches(passphrase, identity.passphrase_hash)


def test_two_forms_make_two_reports(world, client):
    post_report(client, world)
    post_report(client, world)

    assert Report.objects.count() == 2


def test_the_idempotency_key_is_made_by_the_server_and_signed(world, client):
    token = open_form(client, world)
    forged = token.replace(token[-4:], "AAAA") if not token.endswith("AAAA") else token[:-4]

    response = client.post(report_url(world), report_data(world, forged))

    assert response.status_code == 400  # refused, and said so: nothing stored
    assert "We konden dit formulier niet aannemen" in html(response)
    assert form_token(response) != forged
    assert Report.objects.count() == 0


def test_an_unknown_receipt_link_is_a_clear_404(world, client):
    response = client.get("/melden/ontvangen/nonsense/")

    assert response.status_code == 404
    assert "Deze pagina is verlopen" in html(response)


# --- Bot trap ---------------------------------------------------------------------------


def test_a_filled_honeypot_gets_a_neutral_answer_and_nothing_is_stored(world, client):
    token = open_form(client, world)

    response = client.post(report_url(world), report_data(world, token, **{TRAP: "http://spam"}))

    assert response.status_code == 200
    assert "We hebben uw bericht ontvangen." in html(response)
    assert (Report.objects.count(), ReporterIdentity.objects.count()) == (0, 0)


def test_a_form_without_token_is_refused_and_given_back(world, client):
    data = report_data(world, "")

    response = client.post(report_url(world), data)

    assert response.status_code == 400
    assert "We konden dit formulier niet aannemen" in html(response)
    assert "Er staan zakken afval bij de lift." in html(response)
    assert Report.objects.count() == 0


def test_a_form_sent_faster_than_a_person_can_is_asked_again(world, client, settings):
    settings.WIJKREGIE_FORM_MIN_SECONDS = 60
    token = open_form(client, world)

    response = client.post(report_url(world), report_data(world, token))

    assert response.status_code == 400
    assert "Kijk uw antwoorden na en druk nog een keer op de knop." in html(response)
    assert form_token(response) == token  # the same key: a later send makes one report
    assert Report.objects.count() == 0

    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    assert client.post(report_url(world), report_data(world, token)).status_code == 302
    assert Report.objects.count() == 1


def test_a_form_open_too_long_gets_a_fresh_token(world, client, settings):
    old = trap.form_token_for_key("old-key", rendered_at=1_000_000)

    response = client.post(report_url(world), report_data(world, old))

    assert response.status_code == 400
    assert "Dit formulier stond lang open. Kijk het na en verstuur het opnieuw." in html(response)
    assert form_token(response) != old
    assert Report.objects.count() == 0


# --- Rate limits ---------------------------------------------------------------------------


LIMITED = (
    "Er zijn hier of hierover kort na elkaar veel meldingen verstuurd, daarom is uw melding "
    "nog niet verstuurd. Wat u typte staat er nog: verstuur het later opnieuw (binnen een "
    "uur). Is er gevaar? Bel 112."
)


def test_a_limited_report_comes_back_filled_in(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "2/3600"
    assert post_report(client, world).status_code == 302
    assert post_report(client, world).status_code == 302

    response = post_report(client, world, description="De lift is weer kapot, al drie dagen.")

    assert response.status_code == 429
    page = unescape(html(response))
    assert LIMITED in page
    assert "De lift is weer kapot, al drie dagen.</textarea>" in page
    assert f'value="{world.lift.pk}" selected' in page
    assert "Kies uw foto's opnieuw." not in page  # no photos were sent
    assert Report.objects.count() == 2


def test_a_limited_report_with_photos_says_they_must_be_added_again(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "0/3600"
    token = open_form(client, world)
    photo = SimpleUploadedFile("lift.jpg", jpeg_with_gps(), content_type="image/jpeg")

    response = client.post(report_url(world), {**report_data(world, token), "photos": photo})

    assert response.status_code == 429
    page = unescape(html(response))
    assert LIMITED in page
    assert "Kies uw foto's opnieuw." in page
    assert "Er staan zakken afval bij de lift.</textarea>" in page
    assert Report.objects.count() == 0


def test_a_room_of_neighbours_on_one_address_is_not_blocked(world, client, settings):
    """Eleven reports from one address in an hour (a residents' evening on one Wi-Fi),
    about different things, all go through with the default limits."""
    slugs = ["litter", "vandalism", "noise-nuisance", "nitrous-oxide", "other"] * 3
    for slug in slugs[:11]:
        assert post_report(client, world, category=slug).status_code == 302
    assert Report.objects.count() == 11


def test_reports_per_building_and_category_are_limited_across_addresses(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_CATEGORY = "2/3600"
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert post_report(client, world, remote_addr=ip).status_code == 302

    response = post_report(client, world, remote_addr="198.51.100.3")
    assert response.status_code == 429
    assert LIMITED in unescape(html(response))
    # Another subject in the same building still goes through.
    assert (
        post_report(client, world, category="vandalism", remote_addr="198.51.100.3").status_code
        == 302
    )
    assert Report.objects.count() == 3


def test_reports_per_building_are_limited_across_addresses(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_BUILDING = "2/3600"
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert post_report(client, world, remote_addr=ip).status_code == 302

    response = post_report(client, world, category="vandalism", remote_addr="198.51.100.3")

    assert response.status_code == 429
    assert Report.objects.count() == 2


def test_the_address_ceiling_still_holds(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "2/3600"
    assert post_report(client, world, category="litter").status_code == 302
    assert post_report(client, world, category="vandalism").status_code == 302
    assert post_report(client, world, category="other").status_code == 429
    assert Report.objects.count() == 2


def test_a_limited_contact_request_comes_back_filled_in(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "0/3600"
    url = f"/melden/{world.building.public_code}/contact/"
    token = form_token(client.get(url))

    response = client.post(
        url,
        {
            "form_token": token,
            "description": "Kan iemand langskomen over de galerij?",
            "contact_mode": ContactMode.OPEN,
            "name": "Ann",
            "email": "ann@example.org",
        },
    )

    assert response.status_code == 429
    page = unescape(html(response))
    assert LIMITED in page
    assert "Kan iemand langskomen over de galerij?</textarea>" in page
    assert 'value="ann@example.org"' in page
    assert Report.objects.count() == 0


def test_the_rate_limit_message_is_in_the_residents_language(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "0/3600"
    token = open_form(client, world)

    response = client.post(report_url(world) + "&lang=tr", report_data(world, token))

    assert response.status_code == 429
    assert "112" in unescape(html(response))
    assert LIMITED not in unescape(html(response))
    assert Report.objects.count() == 0


def test_a_retry_of_a_stored_report_is_not_refused_by_the_limit(world, client, settings):
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "1/3600"
    token = open_form(client, world)
    data = report_data(world, token)
    assert client.post(report_url(world), data).status_code == 302

    assert client.post(report_url(world), data).status_code == 302
    assert post_report(client, world).status_code == 429
    assert Report.objects.count() == 1


def test_the_client_address_behind_a_proxy(rf, settings):
    settings.WIJKREGIE_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="10.0.0.9, 203.0.113.5", REMOTE_ADDR="10.1.1.1")

    assert client_ip(request) == "203.0.113.5"


# --- Get in touch -----------------------------------------------------------------------------


def test_a_contact_request_goes_into_the_same_queue(world, client):
    url = f"/melden/{world.building.public_code}/contact/"
    token = form_token(client.get(url))

    response = client.post(
        url,
        {
            "form_token": token,
            "description": "Ik wil graag eens praten over de flat.",
            "contact_mode": ContactMode.SHIELDED,
            "email": "bewoner@example.org",
        },
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert report.category.slug == "contact"
    assert report.location_kind == LocationKind.NOT_APPLICABLE
    assert report.receiving_organisation == world.owner
    page = html(client.get(response["Location"]))
    assert "Bedankt. We hebben uw bericht ontvangen." in page


def test_a_contact_request_cannot_be_made_through_the_report_form(world, client):
    response = client.get(report_url(world, "contact"))

    assert response.status_code == 302
    assert Report.objects.count() == 0


def test_a_contact_request_has_the_bot_trap_too(world, client):
    url = f"/melden/{world.building.public_code}/contact/"
    token = form_token(client.get(url))

    response = client.post(
        url,
        {"form_token": token, "description": "spam", "contact_mode": "anonymous", TRAP: "x"},
    )

    assert response.status_code == 200
    assert Report.objects.count() == 0
