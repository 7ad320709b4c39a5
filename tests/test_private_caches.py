"""scan and bench use caches of their own and leave the project's untouched (issue 14.1).

Before, a scan with REDIS_URL set stored its throwaway data's pages and generation keys under
the project's own prefix and left them there, where a live shopdemo served them.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import caches
from django.test import override_settings

from perfaudit.boot.caches import private_cache_config, private_caches
from tests.scan_helpers import REPO, run_scan
from tests.services import REDIS_URL, require_redis

# A Redis database of this test alone: other runs on the machine use 0 and 15, and a scan
# there with the bug would write the very keys this test looks for.
TEST_DB = 11
LIVE_KEYS = {  # what a live shopdemo on this Redis holds under its prefix
    b"shopdemo:1:shop:gen:products": b"41",
    b"shopdemo:1:shop:page:product-list:live": b'{"results": ["the real catalogue"]}',
}


def redis_url(db: int) -> str:
    parts = urlsplit(REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{db}"))


@pytest.mark.redis
def test_scan_leaves_the_project_cache_alone_and_removes_its_own(tmp_path: Path) -> None:
    require_redis()
    import redis

    url = redis_url(TEST_DB)
    client = redis.Redis.from_url(url)
    client.mset(LIVE_KEYS)
    before = {key: client.get(key) for key in client.scan_iter(match="shopdemo:*")}
    commands: list[str] = []
    ready = threading.Event()

    def watch() -> None:
        with redis.Redis.from_url(url).monitor() as monitor:
            ready.set()
            for entry in monitor.listen():
                if entry["db"] == TEST_DB:
                    if entry["command"] == "ECHO perfaudit-test-end":
                        return
                    commands.append(entry["command"])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert ready.wait(60), "MONITOR did not start"  # a loaded machine can take seconds
    try:
        run = run_scan(cwd=REPO, env={"REDIS_URL": url}, json_path=tmp_path / "scan.json")
    finally:
        client.echo("perfaudit-test-end")
        # MONITOR streams every database's traffic: on a busy server it lags behind.
        watcher.join(120)
    try:
        assert not watcher.is_alive(), "MONITOR never reached the end marker"
        assert run.returncode == 0, run.stderr
        private = f"shopdemo:perfaudit_{run.pid}_"
        touched = [w for c in commands for w in c.split() if w.startswith("shopdemo:")]
        # The scan did use the cache (the product list is served from it) ...
        assert any(c.startswith(f"SET {private}") for c in commands), commands[:20]
        # ... under its private prefix only: no read or write of the project's keys ...
        assert [key for key in touched if not key.startswith(private)] == []
        # ... and removed everything it stored.
        after = {key: client.get(key) for key in client.scan_iter(match="shopdemo:*")}
        assert after == before
    finally:
        client.delete(*LIVE_KEYS)


def test_every_backend_gets_a_private_store() -> None:
    token = "perfaudit_1_abcd"
    redis_config = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://h:6379/0",
        "KEY_PREFIX": "shop",
        "TIMEOUT": 60,
    }
    assert private_cache_config(redis_config, token, "default") == {
        **redis_config,
        "KEY_PREFIX": "shop:perfaudit_1_abcd",
    }
    for backend in (
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.filebased.FileBasedCache",
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.redis.RedisCache",  # Django's own: no delete by pattern
        "no_such_package.Cache",
    ):
        config = {"BACKEND": backend, "LOCATION": "shared", "TIMEOUT": 60, "KEY_PREFIX": "p",
                  "OPTIONS": {"server_max_value_length": 1}}  # fmt: skip
        assert private_cache_config(config, token, "pages") == {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "perfaudit_1_abcd-pages",
            "TIMEOUT": 60,
            "KEY_PREFIX": "p",
        }
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    assert private_cache_config(dummy, token, "default") == dummy


def test_a_file_cache_directory_is_never_written(tmp_path: Path) -> None:
    project_file = tmp_path / "0123.djcache"
    project_file.write_bytes(b"the project's entry")
    file_cache = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                  "LOCATION": str(tmp_path)}  # fmt: skip
    with override_settings(CACHES={"default": file_cache}):
        with private_caches() as token:
            caches["default"].set("page", b"from the throwaway database")
            assert caches["default"].get("page") == b"from the throwaway database"
            assert token.startswith("perfaudit_")
        assert list(tmp_path.iterdir()) == [project_file]
        assert project_file.read_bytes() == b"the project's entry"
        assert caches["default"].get("page") is None  # the project's cache never saw it
