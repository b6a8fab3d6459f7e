import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.checks import Error

from wijkregie.core.checks import demo_mode_needs_debug, production_needs_its_own_secret_key

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY_HINT = (
    "Set DJANGO_SECRET_KEY to 50 or more random characters, e.g. "
    'python -c "import secrets; print(secrets.token_urlsafe(64))".'
)


def test_demo_mode_with_debug_off_is_an_error(settings):
    settings.DEBUG = False
    settings.DEMO_MODE = True

    assert demo_mode_needs_debug() == [
        Error(
            "WIJKREGIE_DEMO_MODE is true while DEBUG is false.",
            hint="Production refuses the demo path (printed TOTP secrets, demo logins): "
            "unset WIJKREGIE_DEMO_MODE, or run the demo with DJANGO_DEBUG=true.",
            id="wijkregie.E001",
        )
    ]


def test_demo_mode_with_debug_on_is_allowed(settings):
    settings.DEBUG = True
    settings.DEMO_MODE = True

    assert demo_mode_needs_debug() == []


def test_production_without_demo_mode_passes(settings):
    settings.DEBUG = False
    settings.DEMO_MODE = False

    assert demo_mode_needs_debug() == []


def production_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "WIJKREGIE_", "OIDC_", "REDIS_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "wijkregie.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "wijkregie.example",
        }
    )
    env.update(extra)
    return env


def run_manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_production_settings_is_clean():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_refuses_demo_mode_with_production_settings():
    result = run_manage("check", env=production_env(WIJKREGIE_DEMO_MODE="true"))

    assert result.returncode == 1
    assert "wijkregie.E001" in result.stderr
    assert "WIJKREGIE_DEMO_MODE is true while DEBUG is false." in result.stderr


# --- The secret key (wijkregie.E002) ------------------------------------------------------


def test_production_with_the_development_key_is_an_error(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.WIJKREGIE_DEVELOPMENT_SECRET_KEY

    assert production_needs_its_own_secret_key() == [
        Error(
            "DJANGO_SECRET_KEY is the development key from the code while DEBUG is false.",
            hint=SECRET_KEY_HINT,
            id="wijkregie.E002",
        )
    ]


def test_production_with_an_empty_key_is_an_error(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = ""

    assert production_needs_its_own_secret_key() == [
        Error(
            "DJANGO_SECRET_KEY is not set while DEBUG is false.",
            hint=SECRET_KEY_HINT,
            id="wijkregie.E002",
        )
    ]


def test_the_development_key_works_with_debug_on(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.WIJKREGIE_DEVELOPMENT_SECRET_KEY

    assert production_needs_its_own_secret_key() == []


def without_secret_key(env: dict) -> dict:
    return {k: v for k, v in env.items() if k != "DJANGO_SECRET_KEY"}


def test_check_deploy_refuses_production_without_a_secret_key():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=without_secret_key(production_env())
    )

    assert result.returncode == 1
    assert "(wijkregie.E002) DJANGO_SECRET_KEY is not set while DEBUG is false." in result.stderr


def test_every_command_refuses_production_without_a_secret_key():
    result = run_manage("check", env=without_secret_key(production_env()))

    assert result.returncode == 1
    assert "(wijkregie.E002) DJANGO_SECRET_KEY is not set while DEBUG is false." in result.stderr


def test_check_deploy_refuses_the_development_key_in_production():
    from django.conf import settings

    env = production_env(DJANGO_SECRET_KEY=settings.WIJKREGIE_DEVELOPMENT_SECRET_KEY)

    result = run_manage("check", "--deploy", env=env)

    assert result.returncode == 1
    assert (
        "(wijkregie.E002) DJANGO_SECRET_KEY is the development key from the code "
        "while DEBUG is false." in result.stderr
    )


def load_asgi(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import wijkregie.asgi"],
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_web_server_refuses_to_start_in_production_without_a_secret_key():
    result = load_asgi(without_secret_key(production_env()))

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: Refusing to start: wijkregie.E002: "
        "DJANGO_SECRET_KEY is not set while DEBUG is false. " + SECRET_KEY_HINT
    )


def test_the_web_server_starts_in_production_with_a_secret_key():
    result = load_asgi(production_env())

    assert result.returncode == 0, result.stderr
    assert "ImproperlyConfigured" not in result.stderr


def test_the_demo_runs_on_the_development_key_without_any_setting():
    env = without_secret_key(production_env(DJANGO_DEBUG="true"))
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY == settings.WIJKREGIE_DEVELOPMENT_SECRET_KEY, "
        "settings.DEMO_MODE)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    checked = run_manage("check", env=env)

    assert result.stdout == "True True\n"
    assert checked.returncode == 0, checked.stderr
