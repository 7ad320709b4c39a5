"""capture_queries on other threads: threads, executors, sync_to_async, the async test client.

A query counts when the captured block caused it, on whatever thread it ran, and only then.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, connections

from perfaudit.capture.recorder import capture_queries
from shopdemo.shop.models import Category, Product

pytestmark = pytest.mark.django_db(transaction=True)
HERE = "tests/test_capture_threads.py"


def count_categories() -> int:
    return Category.objects.count()  # counted


def closing(function):
    """Run ``function`` and close this thread's connections, as a well-behaved worker does."""

    def run(*args):
        try:
            return function(*args)
        finally:
            connections.close_all()

    return run


def shapes(queries):
    return [(q.callsite.function, "shop_category" in q.sql) for q in queries]


def test_a_thread_started_in_the_block() -> None:
    with capture_queries() as queries:
        thread = threading.Thread(target=closing(count_categories))
        thread.start()
        thread.join()
    assert shapes(queries) == [("count_categories", True)]
    assert queries[0].callsite.file == HERE


def test_executor_threads() -> None:
    with capture_queries() as queries, ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(closing(lambda _: count_categories()), range(6)))
    assert shapes(queries) == [("count_categories", True)] * 6


def test_a_long_lived_executor_is_captured_on_every_block() -> None:
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        pool.submit(count_categories).result()  # the worker's connection exists before the block
        for _ in range(2):
            with capture_queries() as queries:
                pool.submit(count_categories).result()
            assert shapes(queries) == [("count_categories", True)]
        pool.submit(count_categories).result()
        assert queries and len(queries) == 1  # nothing recorded after the block
    finally:
        pool.submit(connections.close_all).result()
        pool.shutdown()


@pytest.mark.parametrize("thread_sensitive", [True, False], ids=["sensitive", "insensitive"])
def test_sync_to_async_from_an_async_function(thread_sensitive: bool) -> None:
    async def view() -> list[int]:
        # Thread-sensitive calls run on this thread (async_to_sync's caller): keep its connection.
        work = count_categories if thread_sensitive else closing(count_categories)
        count = sync_to_async(work, thread_sensitive=thread_sensitive)
        return [await count() for _ in range(3)]

    with capture_queries() as queries:
        async_to_sync(view)()
    assert shapes(queries) == [("count_categories", True)] * 3


def test_sync_to_async_insensitive_in_an_event_loop() -> None:
    async def main() -> None:
        with capture_queries() as queries:
            await asyncio.gather(
                *(
                    sync_to_async(closing(count_categories), thread_sensitive=False)()
                    for _ in range(4)
                )
            )
        assert shapes(queries) == [("count_categories", True)] * 4

    asyncio.run(main())


def test_other_threads_after_the_block_are_not_recorded() -> None:
    with capture_queries() as queries:
        pass
    thread = threading.Thread(target=closing(count_categories))
    thread.start()
    thread.join()
    assert queries == []


def test_every_wrapper_is_removed_from_every_thread() -> None:
    seen = []

    def work() -> None:
        count_categories()
        seen.append(connection.execute_wrappers)

    store = connections._connections
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        with capture_queries():
            assert connections._connections is not store
            pool.submit(work).result()
            assert len(seen[0]) == 1
        assert seen[0] == []
        assert connection.execute_wrappers == []
        assert connections._connections is store
    finally:
        pool.submit(connections.close_all).result()
        pool.shutdown()


def test_nested_captures_both_record_other_threads() -> None:
    with capture_queries() as outer:
        with capture_queries() as inner:
            thread = threading.Thread(target=closing(count_categories))
            thread.start()
            thread.join()
        count_categories()
    assert len(inner) == 1
    assert len(outer) == 2


def make_products() -> None:
    categories = [Category.objects.create(name=f"c{i}", slug=f"c{i}") for i in range(3)]
    for i, category in enumerate(categories):
        Product.objects.create(
            name=f"p{i}", category=category, price=1, created_at="2026-01-01T00:00Z"
        )


@pytest.mark.parametrize("client_kind", ["async-client", "sync-client"])
def test_an_async_view_is_captured_from_either_test_client(client_kind: str) -> None:
    from django.test import AsyncClient, Client, override_settings

    make_products()

    async def with_async_client() -> int:
        # No outer async_to_sync: thread-sensitive ORM calls run on asgiref's own thread.
        with capture_queries() as queries:
            response = await AsyncClient().get("/async/")
        await sync_to_async(connections.close_all)()  # that thread's connection
        captured.extend(queries)
        return response.status_code

    captured: list = []
    with override_settings(ROOT_URLCONF="tests.capture_views"):
        if client_kind == "async-client":
            status = asyncio.run(with_async_client())
        else:
            with capture_queries() as queries:
                status = Client().get("/async/").status_code
            captured.extend(queries)
    assert status == 200
    # list() of a queryset handed to sync_to_async runs with no project frame on its thread.
    assert "shop_product" in captured[0].sql
    assert [q.callsite.function for q in captured[1:]] == ["category_of"] * 3
    assert {q.trigger.field for q in captured[1:]} == {"category"}
    assert not any(q.is_framework for q in captured)
