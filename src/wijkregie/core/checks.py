"""System checks: settings that must never reach production."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=False)
def demo_mode_needs_debug(app_configs=None, **kwargs):
    """Demo mode prints TOTP secrets and loads fictitious people: never with DEBUG off.

    BRIEF 29: demo users may log in without a phone in the demo only; production
    settings refuse that path. Registered for every `check`, not only `--deploy`, because
    the web server and `migrate` run the checks too.
    """
    if not settings.DEBUG and settings.DEMO_MODE:
        return [
            Error(
                "WIJKREGIE_DEMO_MODE is true while DEBUG is false.",
                hint="Production refuses the demo path (printed TOTP secrets, demo logins): "
                "unset WIJKREGIE_DEMO_MODE, or run the demo with DJANGO_DEBUG=true.",
                id="wijkregie.E001",
            )
        ]
    return []


@register(Tags.security, deploy=False)
def production_needs_its_own_secret_key(app_configs=None, **kwargs):
    """With DEBUG off the secret key must be set, and not be the one in the code.

    Anyone can read the development key in the repository and forge with it what the key
    signs: sessions, form tokens and the follow-up links of shielded and open reporters.
    Registered for every `check` (the web server runs it too: asgi.py), like E001.
    """
    if settings.DEBUG:
        return []
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if not key:
        problem = "DJANGO_SECRET_KEY is not set while DEBUG is false."
    elif key == settings.WIJKREGIE_DEVELOPMENT_SECRET_KEY:
        problem = "DJANGO_SECRET_KEY is the development key from the code while DEBUG is false."
    else:  # a short or simple key is Django's own security.W009 in `check --deploy`
        return []
    return [
        Error(
            problem,
            hint="Set DJANGO_SECRET_KEY to 50 or more random characters, e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(64))".',
            id="wijkregie.E002",
        )
    ]


STARTUP_CHECKS = (demo_mode_needs_debug, production_needs_its_own_secret_key)


def refuse_unsafe_settings() -> None:
    """Raise before serving anything if a production setting is unsafe (E001, E002).

    The web server does not run `manage.py check`; asgi.py and wsgi.py call this so that
    uvicorn refuses to start instead of serving with a forgeable key.
    """
    errors = [error for check in STARTUP_CHECKS for error in check()]
    if errors:
        raise ImproperlyConfigured(
            "Refusing to start: " + " ".join(f"{e.id}: {e.msg} {e.hint}" for e in errors)
        )
