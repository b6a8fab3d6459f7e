"""Benchmark-only settings: the product's settings plus the bare reference endpoint.

`make bench` runs every process that touches the bench database (migrate, the in-process
measurements, the uvicorn workers) with DJANGO_SETTINGS_MODULE=bench.settings, so the
intake and the bare endpoint are served by the same server with the same settings. The
product never imports this module.
"""

from wijkregie.settings import *  # noqa: F403
from wijkregie.settings import BASE_DIR, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bareapp"]
ROOT_URLCONF = "bench.urls"

# DEBUG is off, so static files come from the manifest of `collectstatic`, as in
# production; the harness collects them here (gitignored), not into the product's var/.
STATIC_ROOT = BASE_DIR / "bench" / "results" / "static"
