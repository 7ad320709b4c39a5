"""Reach the real PostgreSQL and Redis, or skip with a reason (fail instead when CI is set)."""

from __future__ import annotations

import os
import socket

import pytest

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def is_ci() -> bool:
    return bool(os.environ.get("CI"))


def unavailable(reason: str) -> None:
    """Skip on a developer's laptop; fail in CI, where every service must be up."""
    if is_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def is_listening(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_redis() -> str:
    """The URL of a live Redis server for tests that must talk to one."""
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    if not is_listening(parts.hostname or "127.0.0.1", parts.port or 6379):
        unavailable(f"Redis is not reachable at {REDIS_URL!r}; start redis-server or set REDIS_URL")
    return REDIS_URL


def require_postgres() -> None:
    """Skip tests of PostgreSQL-only features when the suite runs on another database."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            f"PostgreSQL-only; this run uses {connection.vendor} "
            "(set DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopdemo)"
        )
