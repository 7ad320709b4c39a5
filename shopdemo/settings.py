"""shopdemo settings: SQLite and local-memory cache unless DATABASE_URL/REDIS_URL say otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from shopdemo.service_urls import parse_database_url, parse_redis_url

# The SQLite file lives in a writable work directory, never inside an installed package.
DATA_DIR = Path(
    os.environ.get("SHOPDEMO_DATA_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shopdemo"
)

SECRET_KEY = os.environ.get("SHOPDEMO_SECRET_KEY", "shopdemo-insecure-demo-key-not-for-production")
DEBUG = os.environ.get("SHOPDEMO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "shopdemo.shop",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "shopdemo.urls"
WSGI_APPLICATION = None

_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    DATABASES = {"default": parse_database_url(_database_url)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "db.sqlite3")}
    }

_redis_url = os.environ.get("REDIS_URL", "").strip()
if _redis_url:
    CACHES = {"default": parse_redis_url(_redis_url)}
    # django-redis reads this from the top level only, not from the cache's OPTIONS.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shopdemo",
            "TIMEOUT": 300,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# Not UTC on purpose: "revenue by day" must group by the shop's local day on every backend.
TIME_ZONE = "Europe/Amsterdam"
LANGUAGE_CODE = "en-us"
USE_I18N = False

TEMPLATES: list[dict[str, object]] = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django_redis": {"handlers": ["console"], "level": "WARNING"},
        "shopdemo": {"handlers": ["console"], "level": "WARNING"},
    },
}
