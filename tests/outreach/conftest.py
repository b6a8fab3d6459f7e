"""The demo flat with its round and evening, built once per test module.

The data is built inside one transaction that lives as long as the module; each test runs
in a savepoint of it (pytest-django's `db`), and the transaction is rolled back at the
end, so the modules after it start from the migrated database as everywhere else.
"""

from django.db import transaction
from django.test import override_settings
from django.utils import translation

import pytest

from wijkregie.demo.cases import build_cases
from wijkregie.demo.outreach import build_outreach
from wijkregie.demo.partners import build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.demo.residents import build_residents

# What the function-scoped fixtures of tests/conftest.py set, for the build before them.
BUILD_SETTINGS = {
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "wijkregie-outreach-build",
        }
    },
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


@pytest.fixture(scope="module")
def demo_flat(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(**BUILD_SETTINGS):
                build_partners()
                build_places()
                build_residents()
                build_reports()
                build_cases()
                built = build_outreach()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_flat, db):
    return demo_flat


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English; pages speak the request's language."""
    with translation.override("en"):
        yield
