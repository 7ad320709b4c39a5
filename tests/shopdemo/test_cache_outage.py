"""Redis down, hung or restarted: every page still comes from the database, and nothing stale.

The shared Redis on 6379 is never touched: these tests point the cache at a closed port or at
a throwaway ``redis-server`` of their own, which they stop, freeze (SIGSTOP) and restart.
"""

from __future__ import annotations

import logging

import pytest
import redis

from shopdemo.shop import cache_health
from shopdemo.shop.generations import GENERATION_TTL, bump_generations
from shopdemo.shop.models import Product
from tests.shopdemo import cache_support
from tests.shopdemo.cache_support import Scene, assert_current, view_sql
from tests.shopdemo.redis_support import free_port, use_redis

pytestmark = pytest.mark.django_db

RENAMED = "Renamed While Redis Was Away"


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
    assert cache_health.health("default").pending == {}
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
    assert all(0 < ttl <= GENERATION_TTL for ttl in generations.values()), generations
    assert set(ttls) == set(pages) | set(generations)


def test_a_write_during_the_back_off_does_not_extend_it(settings, redis_server) -> None:  # type: ignore[no-untyped-def]
    """A process writing more often than RETRY_AFTER used to stay in the back-off for good."""
    use_redis(settings, redis_server.url)
    redis_server.stop()
    assert bump_generations({"catalog"}) is False  # tried, failed: the back-off starts
    state = cache_health.health("default")
    down_until = state.down_until
    assert cache_health.is_backing_off("default")
    assert bump_generations({"dashboard"}) is False  # owed, not tried
    assert state.down_until == down_until
    assert state.pending.keys() == {"catalog", "dashboard"}


def test_the_next_write_pays_what_earlier_writes_owed(  # type: ignore[no-untyped-def]
    settings, redis_server, monkeypatch
) -> None:
    """Owed bumps are written by the next write too, not only by the next read."""
    monkeypatch.setattr(cache_health, "RETRY_AFTER", 0.0)
    use_redis(settings, redis_server.url)
    redis_server.stop()
    assert bump_generations({"catalog", "product:1"}) is False
    redis_server.start()  # empty
    assert bump_generations({"dashboard"}) is True
    assert cache_health.health("default").pending == {}
    server = redis.Redis(port=redis_server.port)
    written = {key.decode().rsplit(":gen:", 1)[1] for key in server.keys("*shop:gen:*")}
    assert written == {"catalog", "product:1", "dashboard"}


def test_a_retry_does_not_settle_a_bump_owed_after_it_began() -> None:
    """The newer bump may have committed after the retry wrote: it stays owed."""
    cache_health.owe("default", {"catalog", "dashboard"})
    paying = cache_health.debts("default")  # what a retry is writing
    cache_health.owe("default", {"catalog"})  # a writer commits meanwhile
    cache_health.settle("default", paying)
    assert cache_health.health("default").pending.keys() == {"catalog"}
    assert cache_health.owes("default", ["product:1", "catalog"])
    assert not cache_health.owes("default", ["dashboard"])
