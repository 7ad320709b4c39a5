"""Redis down, hung or restarted: every page still comes from the database, and nothing stale.

The shared Redis on 6379 is never touched: these tests point the cache at a closed port or at
a throwaway ``redis-server`` of their own, which they stop, freeze (SIGSTOP) and restart.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from shopdemo.service_urls import parse_redis_url
from shopdemo.shop import cache, cache_health
from shopdemo.shop.models import Product
from tests.services import is_listening, unavailable
from tests.shopdemo import cache_support
from tests.shopdemo.cache_support import Scene, assert_current, view_sql

pytestmark = pytest.mark.django_db

RENAMED = "Renamed While Redis Was Away"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private redis-server process on a free localhost port, persisted to ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not is_listening("127.0.0.1", self.port, timeout=0.1):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self, *, is_saved: bool = False) -> None:
        """Stop the server; with ``is_saved`` its data comes back on the next start."""
        if is_saved:
            redis.Redis(port=self.port).save()
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed; the Redis outage tests need their own server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.close()


def use_redis(settings, url: str, *, ignore_exceptions: bool = True) -> None:  # type: ignore[no-untyped-def]
    config = parse_redis_url(url)
    config["KEY_PREFIX"] = settings.CACHES["default"]["KEY_PREFIX"]
    config["OPTIONS"]["IGNORE_EXCEPTIONS"] = ignore_exceptions
    settings.CACHES = {"default": config, "uncached": cache_support.UNCACHED}
    cache_health.reset_health()


@pytest.fixture
def scene(django_capture_on_commit_callbacks, monkeypatch) -> Scene:  # type: ignore[no-untyped-def]
    # Retry the cache on every request: these tests move faster than the back-off.
    monkeypatch.setattr(cache_health, "RETRY_AFTER", 0.0)
    cache_support.seed_committed(django_capture_on_commit_callbacks)
    return cache_support.make_scene()


def assert_pages_are_current(scene: Scene, client_as) -> None:  # type: ignore[no-untyped-def]
    """Every watched page: 200, equal to a fresh render and to the naive twin."""
    for page, (username, path) in scene.pages.items():
        client = client_as(username)
        response = client.get(path)
        assert response.status_code == 200, (page, response.content)
        assert_current(client, path, (200, response.content), page)


def rename(scene: Scene, capture) -> None:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        product = Product.objects.get(pk=scene.product.pk)
        product.name = RENAMED
        product.save()


@pytest.mark.parametrize("ignore_exceptions", [True, False], ids=["ignore-exceptions", "raise"])
def test_a_closed_port_serves_every_page_from_the_database(  # type: ignore[no-untyped-def]
    scene, settings, client_as, django_capture_on_commit_callbacks, caplog, ignore_exceptions
) -> None:
    use_redis(settings, f"redis://127.0.0.1:{free_port()}/0", ignore_exceptions=ignore_exceptions)
    with caplog.at_level(logging.WARNING, logger="shopdemo.shop.cache"):
        assert_pages_are_current(scene, client_as)
        rename(scene, django_capture_on_commit_callbacks)
        assert_pages_are_current(scene, client_as)
    assert any("failed to" in record.getMessage() for record in caplog.records)
    assert f"product:{scene.product.pk}" in cache_health.health("default").pending


def test_a_stopped_redis_that_comes_back_with_its_old_entries_serves_nothing_stale(  # type: ignore[no-untyped-def]
    scene, settings, client_as, redis_server, django_capture_on_commit_callbacks, caplog
) -> None:
    use_redis(settings, redis_server.url)
    assert_pages_are_current(scene, client_as)
    detail = scene.pages["detail"][1]
    assert view_sql(client_as(None), detail)[1] == []  # served by this Redis
    stale_keys = redis.Redis(port=redis_server.port).keys("*shop:page:*")
    assert stale_keys

    redis_server.stop(is_saved=True)
    rename(scene, django_capture_on_commit_callbacks)  # its invalidation cannot reach Redis
    assert_pages_are_current(scene, client_as)

    redis_server.start()  # with the pages cached before the rename
    assert set(redis.Redis(port=redis_server.port).keys("*shop:page:*")) >= set(stale_keys)
    with caplog.at_level(logging.WARNING, logger="shopdemo.shop.cache"):
        assert_pages_are_current(scene, client_as)
    assert any("delayed invalidations applied" in r.getMessage() for r in caplog.records)
    assert cache_health.health("default").pending == set()
    assert view_sql(client_as(None), detail)[1] == []  # and cached again


def test_a_hung_redis_costs_a_timeout_not_an_error(  # type: ignore[no-untyped-def]
    scene, settings, client_as, redis_server, django_capture_on_commit_callbacks
) -> None:
    use_redis(settings, redis_server.url)
    assert_pages_are_current(scene, client_as)
    redis_server.freeze()
    try:
        rename(scene, django_capture_on_commit_callbacks)
        for username, path in scene.pages.values():
            client = client_as(username)
            response = client.get(path)
            assert response.status_code == 200
            twin = cache_support.naive(client, path)
            assert twin == (200, cache_support.without_links(response.json()))
    finally:
        redis_server.thaw()
    assert_pages_are_current(scene, client_as)


def test_every_entry_has_a_ttl(scene, settings, client_as, redis_server) -> None:  # type: ignore[no-untyped-def]
    use_redis(settings, redis_server.url)
    assert_pages_are_current(scene, client_as)
    server = redis.Redis(port=redis_server.port)
    ttls = {key.decode(): server.ttl(key) for key in server.keys("*")}
    pages = {key: ttl for key, ttl in ttls.items() if ":shop:page:" in key}
    generations = {key: ttl for key, ttl in ttls.items() if ":shop:gen:" in key}
    assert len(pages) == len(scene.pages) and generations
    assert all(0 < ttl <= 300 for ttl in pages.values()), pages
    assert all(0 < ttl <= cache.GENERATION_TTL for ttl in generations.values()), generations
    assert set(ttls) == set(pages) | set(generations)
