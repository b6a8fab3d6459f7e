import json
import logging

import pytest

from wijkregie.core.logging import JsonFormatter, RequestContextFilter
from wijkregie.partners.models import Organisation

LOGGERS = ("wijkregie.events", "django.request", "django.security")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def log_lines():
    """The structured lines logged during the test, as the stdout handler writes them.

    The loggers do not propagate to the root logger (settings.LOGGING), so pytest's caplog
    does not see them; a collecting handler is attached to them directly.
    """
    handler = _Collect()
    handler.addFilter(RequestContextFilter())  # as on the stdout handler of settings.LOGGING
    loggers = [logging.getLogger(name) for name in LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    formatter = JsonFormatter()

    def lines(event: str | None = None) -> list[dict]:
        parsed = [json.loads(formatter.format(record)) for record in handler.records]
        return [line for line in parsed if event is None or line["event"] == event]

    yield lines
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        name="Woonstichting De Vaart", slug="de-vaart", kind="housing_corporation"
    )


@pytest.fixture
def other_organisation(db):
    return Organisation.objects.create(
        name="Politie Rivierstad", slug="politie-rivierstad", kind="police"
    )


@pytest.fixture(scope="session")
def own_postgres():
    """A PostgreSQL of our own (never the machine's), migrated, for tests that stop it.

    Tests that stop it use `postgres`, which starts it again after the test.
    """
    from tests.core.services import OwnPostgres, have_postgres, manage, production_env

    if not have_postgres():
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    instance = OwnPostgres()
    try:
        instance.create_database()
        manage("migrate", "--no-input", "-v", "0", env=production_env(DATABASE_URL=instance.url()))
        yield instance
    finally:
        instance.destroy()


@pytest.fixture
def postgres(own_postgres):
    """Our own PostgreSQL for one test, which may stop it: running again afterwards."""
    yield own_postgres
    if not own_postgres.running:
        own_postgres.start()
