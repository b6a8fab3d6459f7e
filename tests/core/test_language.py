import pytest


@pytest.fixture
def professional(make_professional, organisation):
    return make_professional("ann", organisation=organisation)


def test_pages_are_dutch_by_default(client, professional):
    client.force_login(professional)

    response = client.get("/")

    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert "Welkom, ann" in html


def test_choosing_english_is_remembered_in_a_cookie(client, professional):
    client.force_login(professional)

    switch = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")

    assert switch.status_code == 302
    assert switch["Location"] == "/"
    cookie = switch.cookies["wijkregie_language"]
    assert cookie.value == "en"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    html = page.content.decode()
    assert '<html lang="en"' in html
    assert "Welcome, ann" in html


def test_choosing_dutch_again_switches_back(client, professional):
    client.force_login(professional)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})

    assert '<html lang="nl"' in client.get("/").content.decode()


@pytest.mark.parametrize("code", ["xx", "x" * 500, "en-!!", "", "../../etc/passwd"])
def test_an_unknown_language_code_changes_nothing_and_is_no_error(client, professional, code):
    client.force_login(professional)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.post("/i18n/setlang/", {"language": code, "next": "/"})

    assert response.status_code == 302
    assert "wijkregie_language" not in response.cookies
    assert '<html lang="en"' in client.get("/").content.decode()


def test_a_foreign_next_address_is_not_followed(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_login_page_offers_the_language_choice(client, db):
    html = client.get("/accounts/login/").content.decode()

    assert '<option value="nl" lang="nl" selected>Nederlands</option>' in html
    assert '<option value="en" lang="en">English</option>' in html
