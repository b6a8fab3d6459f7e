import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.checks import Error

from wijkregie.core.checks import demo_mode_needs_debug

ROOT = Path(__file__).resolve().parents[2]


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
