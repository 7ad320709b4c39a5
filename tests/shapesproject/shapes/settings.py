"""Settings of the shapes project: SQLite at $SHAPES_DB, or DATABASE_URL (PostgreSQL)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from shopdemo.service_urls import parse_database_url

SECRET_KEY = "shapes-project-insecure-key"
DEBUG = False
ALLOWED_HOSTS: list[str] = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "taggit",
    "shapes.apps.ShapesConfig",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "shapes.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,  # shapes/jinja2/
        "OPTIONS": {},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

if os.environ.get("DATABASE_URL", "").strip():
    DATABASES = {"default": parse_database_url(os.environ["DATABASE_URL"].strip())}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SHAPES_DB")
            or str(Path(tempfile.gettempdir()) / "perfaudit-shapes.sqlite3"),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
