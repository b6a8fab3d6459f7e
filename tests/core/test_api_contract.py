"""The API keeps its contract: every response of every operation matches the schema.

Schemathesis generates requests from the schema (the one /api/schema/ serves, generated
in-process the same way: test_api_docs.py checks they are equal), valid and invalid ones,
and checks each answer: status code documented, content type, body against the response
schema, no 5xx, invalid input refused. It calls the WSGI application in-process on the demo
flat, with the API token of a system of Woonstichting De Vaart (intake, building and
partner management), so the operations answer with data and not only with 401. Seeded and
bounded (10 generated examples per operation besides the coverage cases, about 2,200
requests in all), so a run is the same every time.
"""

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings

import pytest
import schemathesis
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from wijkregie.core.access import system_viewer
from wijkregie.demo.partners import build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.demo.residents import build_residents
from wijkregie.partners import services as partner_services
from wijkregie.partners.models import Organisation

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261202,
        "generation": {"max-examples": 10, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        # Schema-valid input that the workflow refuses (a transition not allowed from the
        # report's status, an organisation id that does not exist) is a documented 400.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)

with GENERATOR_STATS.silence():
    SCHEMA = SchemaGenerator().get_schema(request=None, public=True)

_handler = WSGIHandler()


def application(environ, start_response):
    """The WSGI application as a server runs it: a server always gives the client address."""
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    return _handler(environ, start_response)


schema = schemathesis.openapi.from_dict(SCHEMA, config=CONFIG)
schema.app = application


@pytest.fixture(scope="module")
def demo_token(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo flat and a token of De Vaart, built once for the module, then rolled back."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ),
        transaction.atomic(),
    ):
        build_partners()
        build_places()
        build_residents()
        build_reports()
        _token, key = partner_services.api_token_create(
            actor=system_viewer("tests"),
            organisation=Organisation.objects.get(slug="de-vaart"),
            name="Woningbeheersysteem De Vaart",
            roles=["wijkbeheerder", "intake", "beheerder"],
        )
        yield key
        transaction.set_rollback(True)


@pytest.fixture
def in_process(db, settings):
    """As Django's test client does: a request must not close the test's connection."""
    settings.ALLOWED_HOSTS = ["localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
# The fixtures hold the demo flat and the signals; nothing in them changes between cases.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_response_matches_the_schema(case, demo_token, in_process):
    case.call_and_validate(headers={"Authorization": f"Token {demo_token}"})
