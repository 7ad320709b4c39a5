"""Settings of the sample project: SQLite at $SAMPLE_DB, or DATABASE_URL (PostgreSQL)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from shopdemo.service_urls import parse_database_url

SECRET_KEY = "sample-project-insecure-key"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "sample",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sample.middleware.featured_author",
]
ROOT_URLCONF = "sample.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {},
    }
]

if os.environ.get("DATABASE_URL", "").strip():
    DATABASES = {"default": parse_database_url(os.environ["DATABASE_URL"].strip())}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SAMPLE_DB")
            or str(Path(tempfile.gettempdir()) / "perfaudit-sample.sqlite3"),
        }
    }
    # A test database in a file (instead of SQLite's in-memory default) lets tests see it go.
    if os.environ.get("SAMPLE_TEST_DB"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["SAMPLE_TEST_DB"]}

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
