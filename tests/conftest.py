from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from tests.services import is_ci, is_listening


def pytest_sessionstart(session: pytest.Session) -> None:
    # A DATABASE_URL pointing at a dead server would fail every test with a long traceback.
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if not is_listening(parts.hostname or "127.0.0.1", parts.port or 5432):
            message = f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432}"
            if is_ci():
                pytest.exit(f"{message}; CI needs it.", returncode=1)
            pytest.exit(f"{message}; start it or unset DATABASE_URL to use SQLite.", returncode=1)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give server databases a per-process test name, so concurrent runs never drop each other's."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        if db["ENGINE"].endswith("sqlite3"):
            continue
        test = db.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def cache_key_prefix() -> Iterator[str]:
    """A per-process cache key prefix: Redis is shared by concurrent test runs."""
    from django.conf import settings
    from django.test import override_settings

    prefix = f"shopdemo-test-{os.getpid()}"
    prefixed = {
        alias: {**config, "KEY_PREFIX": prefix} for alias, config in settings.CACHES.items()
    }
    # Through override_settings, which also drops cache objects made before with no prefix.
    with override_settings(CACHES=prefixed):
        yield prefix
        clear_page_cache()  # what module-scoped teardowns wrote after the last test


def clear_page_cache() -> None:
    """Delete this process's page cache keys: never FLUSHDB or cache.clear() on a shared Redis."""
    from django.core.cache import caches

    from shopdemo.shop.cache_health import reset_health

    cache = caches["default"]
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("shop:*", itersize=1000)  # under KEY_PREFIX: this process only
    else:
        cache.clear()  # local memory: private to this process
    reset_health()


@pytest.fixture(autouse=True)
def empty_page_cache(cache_key_prefix: str) -> Iterator[None]:
    """Every test starts with an empty page cache, so views run uncached on the first request."""
    clear_page_cache()
    yield
    clear_page_cache()


@pytest.fixture
def shop(db: None):  # type: ignore[no-untyped-def]
    """A small seeded shop: 60 products, 8 customers, 150 orders (seed 7)."""
    from shopdemo.shop.seeding import seed_shop

    return seed_shop(products=60, customers=8, orders=150, seed=7)


@pytest.fixture
def client_as(db: None) -> Callable[[str | None], Client]:
    """A test client logged in as the given username (None: anonymous)."""
    from django.contrib.auth import get_user_model

    def make(username: str | None) -> Client:
        client = Client()
        if username is not None:
            client.force_login(get_user_model().objects.get(username=username))
        return client

    return make
