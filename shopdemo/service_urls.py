"""Parse DATABASE_URL and REDIS_URL into Django settings, with errors a person can act on."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}


def parse_database_url(url: str) -> dict[str, Any]:
    """Turn ``postgres://user:pass@host:port/name?opt=v`` into a DATABASES entry."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} is malformed ({exc}); expected postgres://USER@HOST:PORT/NAME."
        ) from None
    if parts.scheme == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute/path.db
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no SQLite file.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} has scheme {parts.scheme!r}; shopdemo supports postgres:// "
            "(or sqlite:///PATH). Unset DATABASE_URL to use the embedded SQLite database."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name or "/" in name:
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} names no database; expected postgres://USER@HOST:PORT/NAME."
        )
    if not parts.hostname:
        raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no host.")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname,
        "PORT": str(port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
        "CONN_MAX_AGE": 0,
    }


def parse_redis_url(url: str) -> dict[str, Any]:
    """Turn ``redis://host:port/db`` into a django-redis CACHES entry with short timeouts."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"REDIS_URL {url!r} is malformed ({exc}); expected redis://HOST:PORT/DB."
        ) from None
    if parts.scheme not in REDIS_SCHEMES or (parts.scheme != "unix" and not parts.hostname):
        raise ImproperlyConfigured(
            f"REDIS_URL {url!r} is not a redis:// URL; expected redis://HOST:PORT/DB, "
            "or unset REDIS_URL to use the local-memory cache."
        )
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise ImproperlyConfigured(f"REDIS_URL {url!r} names database {db!r}; use a number.")
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "shopdemo",
        "TIMEOUT": 300,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # A slow or dead Redis must cost a request milliseconds, not seconds.
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.25,
            "IGNORE_EXCEPTIONS": True,
        },
    }
