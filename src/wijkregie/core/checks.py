"""System checks: settings that must never reach production."""

from django.conf import settings
from django.core.checks import Error, Tags, register


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
