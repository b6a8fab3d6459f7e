"""Playwright on Debian's Chromium, with axe-core injected from the local npm copy.

The browser tests run against a real server process with production settings
(DEBUG off, the production Content-Security-Policy, collected static files) on its own
SQLite database holding the demo flat, built once per test session by `manage.py demo`.
"""

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("WIJKREGIE_CHROMIUM", "/usr/bin/chromium")
AXE_JS = ROOT / "var" / "vendor" / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEMO_PASSWORD = "wijkregie-demo"
SHOTS = os.environ.get("WIJKREGIE_SCREENSHOTS")  # a folder: save screenshots there


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("server")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'browser.sqlite3'}",
        "DJANGO_DEBUG": "false",
        "WIJKREGIE_DEMO_MODE": "false",
        "DJANGO_SECRET_KEY": "browser-tests-" + "k" * 40 + hashlib.sha256(b"x").hexdigest(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "WIJKREGIE_STATIC_ROOT": str(tmp / "static"),
        "WIJKREGIE_MEDIA_ROOT": str(tmp / "media"),
        "WIJKREGIE_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "WIJKREGIE_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _manage(env, *args):
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def base_url(server_env):
    """A server with the demo flat, production settings and the production CSP."""
    _manage(server_env, "migrate", "--no-input", "-v", "0")
    _manage(server_env, "collectstatic", "--no-input", "-v", "0")
    # The demo command is refused in production mode (as it should be): build the data
    # with demo settings, then serve it with production settings.
    _manage(
        {**server_env, "DJANGO_DEBUG": "true", "WIJKREGIE_DEMO_MODE": "true"},
        "demo",
        "--quiet-logins",
    )
    port = _free_port()
    log = open(Path(server_env["WIJKREGIE_STATIC_ROOT"]).parent / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "wijkregie.asgi:application",
            "--app-dir",
            "src",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"  # Chromium accepts Secure cookies on localhost
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/health/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        pytest.fail("The test server did not start.")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("WIJKREGIE_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests.")
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _new_page(browser, **context_options):
    """A Dutch page that keeps the browser's Content-Security-Policy reports in
    `page.csp_violations`."""
    context = browser.new_context(locale="nl-NL", **context_options)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: (
            page.csp_violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    return context, page


def new_page(browser, width: int, height: int = 900):
    """A context and its page `width` CSS pixels wide (see `_new_page`)."""
    return _new_page(browser, viewport={"width": width, "height": height})


@pytest.fixture
def page(browser):
    context, page = _new_page(browser)
    yield page
    context.close()


@pytest.fixture
def narrow_page(browser):
    """A phone-sized page: 320 CSS pixels wide."""
    context, page = _new_page(browser, viewport={"width": 320, "height": 640})
    yield page
    context.close()


def demo_totp_secret(username: str) -> str:
    digest = hashlib.sha256(f"wijkregie-demo-{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(page, base_url: str, username: str) -> None:
    """Log a demo persona in through the real forms: password, then the TOTP code."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.utrecht-form button[type=submit]").first.click()
    page.wait_for_load_state()
    for _attempt in range(2):
        # A code typed in the last seconds of its 30-second window may arrive after it
        # closed, as with a person at a phone: wait for a fresh window, and retry once.
        if 30 - time.time() % 30 < 3:
            time.sleep(30 - time.time() % 30 + 0.5)
        page.fill("input[name=code]", totp_now(demo_totp_secret(username)))
        page.locator("form.utrecht-form button[type=submit]").first.click()
        page.wait_for_load_state()
        if "/accounts/2fa/authenticate" not in page.url:
            return
        time.sleep(30 - time.time() % 30 + 0.5)


def axe_violations(page) -> list[dict]:
    """Run axe-core with the WCAG 2.0/2.1/2.2 A and AA rules; return its violations."""
    # A <script> tag would be blocked by the CSP (as it should); evaluating the library
    # through the DevTools protocol is not subject to it.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def screenshot(page, name: str) -> None:
    """With WIJKREGIE_SCREENSHOTS set: the whole page as `<name>-<width>.png` there."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


def assert_clean(page, name: str) -> None:
    """No axe-core violation and no Content-Security-Policy report on the page (the
    screenshot `name` saved when asked for)."""
    assert axe_violations(page) == [], name
    assert page.csp_violations == [], name
    screenshot(page, name)


def violations(page, *, reflow: bool = True) -> list[dict]:
    """The page's axe-core violations, its Content-Security-Policy reports (read once:
    cleared) and, with `reflow`, content wider than the viewport."""
    found = axe_violations(page)
    if page.csp_violations:
        found.append({"id": "csp", "messages": list(page.csp_violations)})
        page.csp_violations.clear()
    if reflow:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            found.append({"id": "reflow", "scroll_width": width})
    return found
