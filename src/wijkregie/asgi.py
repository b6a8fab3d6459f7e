import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkregie.settings")
application = get_asgi_application()

# uvicorn runs no system checks: refuse to serve with unsafe production settings.
from wijkregie.core.checks import refuse_unsafe_settings  # noqa: E402 (needs the apps loaded)

refuse_unsafe_settings()
