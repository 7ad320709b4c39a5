from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from shopdemo.service_urls import parse_database_url, parse_redis_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://postgres@127.0.0.1:5432/shopdemo",
            {"NAME": "shopdemo", "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432"},
        ),
        (
            "postgresql://me:p%40ss@db.internal/shop?sslmode=require",
            {
                "NAME": "shop",
                "USER": "me",
                "PASSWORD": "p@ss",
                "PORT": "",
                "OPTIONS": {"sslmode": "require"},
            },
        ),
    ],
    ids=["postgres-scheme", "postgresql-scheme-with-password-and-options"],
)
def test_database_url_selects_postgres(url: str, expected: dict[str, object]) -> None:
    config = parse_database_url(url)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert {k: config[k] for k in expected} == expected


def test_database_url_accepts_sqlite_path() -> None:
    assert parse_database_url("sqlite:////tmp/x.db") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/tmp/x.db",
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/shop", "has scheme 'mysql'"),
        ("postgres://postgres@127.0.0.1:5432/", "names no database"),
        ("postgres://postgres@127.0.0.1:notaport/shop", "is malformed"),
        ("postgres:///shop", "names no host"),
        ("localhost:5432", "has scheme 'localhost'"),
    ],
    ids=["wrong-scheme", "no-database", "bad-port", "no-host", "not-a-url"],
)
def test_malformed_database_url_is_a_clear_error(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as excinfo:
        parse_database_url(url)
    assert repr(url) in str(excinfo.value)


def test_redis_url_gets_short_timeouts_and_survives_outages() -> None:
    config = parse_redis_url("redis://127.0.0.1:6379/1")
    assert config["BACKEND"] == "django_redis.cache.RedisCache"
    options = config["OPTIONS"]
    assert options["SOCKET_CONNECT_TIMEOUT"] <= 0.5
    assert options["SOCKET_TIMEOUT"] <= 0.5
    assert options["IGNORE_EXCEPTIONS"] is True


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379", "is not a redis:// URL"),
        ("redis://127.0.0.1:port/0", "is malformed"),
        ("redis://127.0.0.1:6379/cache", "names database 'cache'"),
    ],
    ids=["wrong-scheme", "bad-port", "non-numeric-db"],
)
def test_malformed_redis_url_is_a_clear_error(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_redis_url(url)


def test_malformed_url_stops_django_startup_with_one_clear_line(tmp_path: object) -> None:
    env = {**os.environ, "DATABASE_URL": "mysql://root@localhost/shop"}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings", "shopdemo.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL 'mysql://root@localhost/shop' has scheme 'mysql'" in result.stderr


def test_default_settings_use_sqlite_file_and_local_memory_cache(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["SHOPDEMO_DATA_DIR"] = str(tmp_path)
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'], "
        "settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "shopdemo.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        f"{tmp_path}/db.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
