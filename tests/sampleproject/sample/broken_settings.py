"""Settings naming an app that does not exist: django.setup() fails (exit 3)."""

from __future__ import annotations

from sample.settings import *  # noqa: F403
from sample.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "no_such_app"]
