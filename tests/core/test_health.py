import pytest

from tests.core.services import OwnRedis


@pytest.fixture
def own_redis():
    redis = OwnRedis()
    yield redis
    redis.stop()


def redis_cache(url: str) -> dict:
    """The production cache settings (socket timeouts included) on our own Redis."""
    return {
        "default": {
            "BACKEND": "wijkregie.core.cache_backend.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "wijkregie-health-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db
def test_health_reports_a_working_database_and_cache(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "audit": "ok",
        "audit_oldest_unsealed_seconds": 0,
    }


@pytest.mark.django_db
def test_health_reports_a_working_redis(client, settings, own_redis):
    settings.CACHES = redis_cache(own_redis.url)

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "audit": "ok",
        "audit_oldest_unsealed_seconds": 0,
    }


@pytest.mark.django_db
def test_health_says_503_and_names_redis_when_redis_is_down(client, settings, own_redis, log_lines):
    settings.CACHES = redis_cache(own_redis.url)
    own_redis.stop()

    response = client.get("/health/")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "cache": "unavailable",
        "audit": "ok",
        "audit_oldest_unsealed_seconds": 0,
        "unavailable": ["cache"],
    }
    [line] = log_lines("dependency_unavailable")
    assert (line["level"], line["object"], line["result"]) == ("warning", "cache", 503)
    assert line["error"].startswith("ConnectionError: ")


@pytest.mark.django_db
def test_health_says_503_and_names_the_database_when_it_is_down(client, monkeypatch, log_lines):
    from wijkregie.core import views

    def refused():
        raise views.connection.Database.OperationalError("connection refused")

    monkeypatch.setitem(views.HEALTH_DEPENDENCIES, "database", refused)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "cache": "ok",
        "unavailable": ["database"],
    }
    [line] = log_lines("dependency_unavailable")
    assert line["object"] == "database"


@pytest.mark.django_db
def test_home_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
