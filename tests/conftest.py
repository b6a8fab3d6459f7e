from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.utils import translation

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from wijkregie.core.cache import ProcessMemo
from wijkregie.partners.models import Membership, Organisation, Role


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in English leaves English active in the worker; the next test (whichever
    xdist gives this worker) starts in the default language again."""
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's million rounds cost ~0.3 s per password; tests don't need the strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Rate limits and used TOTP codes live in the cache: each test starts without them.

    An in-process cache even when REDIS_URL is set: test processes running side by side
    (pytest-xdist) would otherwise share, and clear, each other's rate limits. The tests
    that prove the Redis behaviour production relies on use their own key prefix
    (tests/reports/test_rate_limits_redis.py).
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "wijkregie-tests",
        }
    }
    cache.clear()
    ProcessMemo.forget_all()  # kept reference data of an earlier test's rolled-back rows
    yield
    ProcessMemo.forget_all()
    # Never FLUSHDB a Redis that a test switched to: parallel workers share it.
    if isinstance(caches["default"], LocMemCache):
        cache.clear()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background tasks run inline in tests unless a test asks for the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def permissions_from(codes: list[str]) -> list[Permission]:
    perms = []
    for code in codes:
        app_label, codename = code.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return perms


@pytest.fixture
def make_professional(db):
    """A person in an organisation with a role granting `permissions`, MFA enrolled.

    make_professional("ann", organisation=org, permissions=["residents.view_resident"])
    """

    def make(username, *, organisation: Organisation, permissions=(), mandate="operational"):
        user = get_user_model().objects.create_user(
            username=username, email=f"{username}@example.org", password="x-test-password-1"
        )
        role = Role.objects.create(name=f"role of {username}", slug=f"role-{username}")
        role.permissions.set(permissions_from(list(permissions)))
        membership = Membership.objects.create(
            user=user, organisation=organisation, mandate_level=mandate
        )
        membership.roles.add(role)
        TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.fixture
def login(client):
    """Log a user in on the test client (a second factor must be enrolled for pages)."""

    def do(user):
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
        return client

    return do
