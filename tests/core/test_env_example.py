"""Every environment variable the settings read is documented in .env.example."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "src" / "wijkregie" / "settings.py",
    ROOT / "src" / "wijkregie" / "core" / "oidc.py",
]
# env("NAME", …), env.int("NAME", …), env.get("NAME", …), env["NAME"], over line breaks.
READ = re.compile(r"""env(?:\.[a-z]+)?\s*(?:\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read() -> set[str]:
    found = set()
    for source in SOURCES:
        found |= set(READ.findall(source.read_text()))
    return found


def variables_documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_the_settings_read_the_variables_we_expect():
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "REDIS_URL", "OIDC_CLIENT_ID"} <= variables_read()


def test_every_variable_the_settings_read_is_in_env_example():
    assert sorted(variables_read() - variables_documented()) == []


def test_env_example_documents_no_variable_that_nothing_reads():
    assert sorted(variables_documented() - variables_read()) == []
