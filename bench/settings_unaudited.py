"""bench.settings without the audit write (bench.unaudited): the baseline of the
audited-read benchmark only. The product never imports this module."""

from bench.settings import *  # noqa: F403
from bench.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.unaudited"]
