"""Recording what a resident said about a consent on the resident page, in Chromium:
keyboard only, axe-core, the production CSP, at 1280 and 390 px."""

import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT, assert_clean, log_in, new_page

# A resident of De Horizon with no open "contact again" consent.
FIND = (
    "from wijkregie.residents.models import Resident as R;"
    "r = R.objects.filter(occupancies__unit__building__name='De Horizon')"
    ".exclude(consents__purpose='contact_again').order_by('pk').first();"
    "print(r.pk)"
)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_landlord_records_a_consent_with_the_keyboard(browser, base_url, server_env, width):
    resident_id = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", FIND],
        cwd=ROOT,
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    context, page = new_page(browser, width)
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/residents/{resident_id}/")
    form = page.locator("form[action$='/consents/']")
    assert form.locator("h3").inner_text() == "Leg vast wat de bewoner zei"
    assert_clean(page, "resident-consents")

    # Sent without saying give or withdraw: refused, the choices kept.
    form.get_by_label("Toestemming", exact=True).select_option("contact_again")
    form.get_by_label("Contact via").select_option("phone")
    form.get_by_role("button", name="Toestemming opslaan").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    form = page.locator("form[action$='/consents/']")
    assert form.get_by_label("Toestemming", exact=True).input_value() == "contact_again"
    assert form.get_by_label("Contact via").input_value() == "phone"
    assert "Dit veld is vereist." in form.inner_text()
    assert_clean(page, "resident-consents-refused")

    form.get_by_label("geeft deze toestemming").check()
    form.locator("#id_source").select_option("door")
    form.get_by_role("button", name="Toestemming opslaan").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base_url}/residents/{resident_id}/"
    listed = page.locator(".wr-consents").inner_text()
    assert "Opnieuw benaderen (telefoon): gegeven op" in listed
    assert "aan de deur" in listed
    assert_clean(page, "resident-consents-given")
    context.close()
