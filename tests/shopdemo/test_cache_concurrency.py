"""The cache under concurrency: forced interleavings, rollbacks, one transaction's bumps, stampedes.

The interleaving tests commit for real (``transaction=True``): a writer thread on its own
connection commits while the reader, on another, sits between two steps of its render.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.cache import cache as default_cache
from django.db import connection, connections, transaction

from shopdemo.shop import cache, views
from shopdemo.shop.cache import GenerationBump, pending_bumps, product_namespace
from shopdemo.shop.generations import bump_generations, generation_key
from shopdemo.shop.models import Order, OrderItem, Product
from shopdemo.shop.seeding import seed_shop
from tests.services import require_postgres
from tests.shopdemo.cache_support import seed_committed, view_sql

RENAMED = "Renamed By The Writer"


def in_thread(work: Callable[[], object]) -> None:
    """Run ``work`` to completion on another thread, hence another database connection."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    if errors:
        raise errors[0]


def rename_product(pk: int) -> Callable[[], None]:
    def write() -> None:
        with transaction.atomic():
            product = Product.objects.get(pk=pk)
            product.name = RENAMED
            product.save()

    return write


def sell_product(pk: int) -> Callable[[], None]:
    def write() -> None:
        with transaction.atomic():
            order = Order.objects.filter(status="paid").order_by("id")[0]
            OrderItem.objects.create(order=order, product_id=pk, quantity=500, unit_price=1)

    return write


TARGETS = {
    # page: (cached render, uncached render, the writer that changes it)
    "detail": (cache.product_detail_page, views.product_detail_body, rename_product),
    "dashboard": (
        lambda pk, build: cache.dashboard_page(build),
        lambda pk: views.dashboard_body(),
        sell_product,
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["after-database-read", "before-database-read"])
@pytest.mark.parametrize("page", list(TARGETS))
def test_a_writer_committing_during_a_render_leaves_no_stale_entry(moment, page) -> None:  # type: ignore[no-untyped-def]
    seed_shop(products=20, customers=3, orders=20, seed=3)
    pk = Product.objects.filter(is_active=True).order_by("id")[0].pk
    cached_page, render, writer = TARGETS[page]

    def build() -> bytes:
        if moment == "before-database-read":
            in_thread(writer(pk))  # after the reader read the generations
        body = render(pk)
        if moment == "after-database-read":
            in_thread(writer(pk))  # before the reader stores what it read
        return body

    served = cached_page(pk, build)
    fresh = render(pk)
    assert (served == fresh) is (moment == "before-database-read")
    # The reader stored under the generation it read first, which the writer has replaced.
    assert cached_page(pk, lambda: render(pk)) == fresh
    assert cached_page(pk, lambda: b"must not be built: a hit") == fresh


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("when", ["in-post-save", "in-on-commit"])
def test_deleting_keys_on_write_instead_leaves_a_stale_entry(when) -> None:  # type: ignore[no-untyped-def]
    """Why generations: plain delete-on-write loses this race whichever moment it deletes at."""
    seed_shop(products=5, customers=1, orders=0, seed=3)
    pk = Product.objects.order_by("id")[0].pk
    key = f"shop:test:delete-on-write:{pk}"

    def write() -> None:
        with transaction.atomic():
            product = Product.objects.get(pk=pk)
            product.name = RENAMED
            product.save()
            if when == "in-post-save":
                default_cache.delete(key)
        if when == "in-on-commit":
            default_cache.delete(key)

    read = Product.objects.get(pk=pk).name  # the reader's database read
    in_thread(write)
    default_cache.set(key, read, 60)  # the reader's cache set
    assert Product.objects.get(pk=pk).name == RENAMED
    assert default_cache.get(key) != RENAMED  # stale until its TTL
    default_cache.delete(key)


@pytest.mark.django_db(transaction=True)
def test_bumping_before_the_commit_instead_leaves_a_stale_entry() -> None:
    """Why on_commit: a generation bumped inside the writer's transaction (as in post_save)
    lets a reader fetch the new generation with the old rows, and cache them under it."""
    require_postgres()  # SQLite's shared in-memory test database locks the reader out
    seed_shop(products=5, customers=1, orders=0, seed=3)
    pk = Product.objects.order_by("id")[0].pk
    bumped, read = threading.Event(), threading.Event()

    def write() -> None:
        with transaction.atomic():
            Product.objects.filter(pk=pk).update(name=RENAMED)  # no signal: bumped by hand
            bump_generations({product_namespace(pk)})
            bumped.set()
            assert read.wait(timeout=30)

    writer = threading.Thread(target=lambda: in_thread(write))
    writer.start()
    assert bumped.wait(timeout=30)
    served = cache.product_detail_page(pk, lambda: views.product_detail_body(pk))
    read.set()
    writer.join(timeout=30)
    fresh = views.product_detail_body(pk)
    assert RENAMED.encode() in fresh and served != fresh
    assert cache.product_detail_page(pk, lambda: b"not built: a hit") == served  # stale


@pytest.mark.django_db
def test_a_rollback_leaves_the_cache_untouched(  # type: ignore[no-untyped-def]
    client_as, django_capture_on_commit_callbacks
) -> None:
    seed_committed(django_capture_on_commit_callbacks)
    product = Product.objects.filter(is_active=True).order_by("id")[0]
    client, path = client_as(None), f"/api/products/{product.pk}/"
    cached = client.get(path).content
    keys = [generation_key(ns) for ns in ("catalog", "products", f"product:{product.pk}")]
    generations = default_cache.get_many(keys)

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        product.name = RENAMED
        product.save()
        # The writing transaction reads its own write, around the cache...
        inside, inside_sql = view_sql(client, path)
        assert RENAMED.encode() in inside and inside_sql
        1 / 0  # noqa: B018

    # ...and, rolled back, leaves the generations and the cached page as they were.
    assert pending_bumps(connection.alias) == []
    assert default_cache.get_many(keys) == generations
    assert view_sql(client, path) == (cached, [])
    assert RENAMED.encode() not in cached


@pytest.mark.django_db
def test_one_transaction_carries_one_bump(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    seed_committed(django_capture_on_commit_callbacks)
    first, second = Product.objects.order_by("id")[:2]
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        first.price = Decimal("1.00")
        first.save(update_fields=["price"])
        second.price = Decimal("2.00")
        second.save(update_fields=["price"])
        with transaction.atomic():  # a savepoint: its bump rolls back on its own
            first.tags.clear()
    assert [type(c) for c in callbacks] == [GenerationBump, GenerationBump]
    assert callbacks[0].namespaces == {  # type: ignore[attr-defined]
        "catalog", "dashboard", f"product:{first.pk}", f"product:{second.pk}",
    }  # fmt: skip
    assert callbacks[1].namespaces == {"catalog", f"product:{first.pk}"}  # type: ignore[attr-defined]


def test_a_missing_dashboard_is_built_once_for_concurrent_requests() -> None:
    builds: list[int] = []
    started = threading.Barrier(6)
    bodies: list[bytes] = []

    def build() -> bytes:
        builds.append(1)
        threading.Event().wait(0.3)  # a slow aggregate the others must not repeat
        return b'{"totals":{}}'

    def request() -> None:
        started.wait()
        bodies.append(cache.dashboard_page(build))

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(builds) == 1
    assert bodies == [b'{"totals":{}}'] * 6


def test_a_failed_holder_releases_the_lock() -> None:
    """The lock holder raising must not leave the lock behind for the next request to wait on.

    The waiter's own path is in tests/shopdemo/test_single_flight_waiter.py."""
    calls: list[str] = []

    def failing() -> bytes:
        calls.append("holder")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.dashboard_page(failing)
    assert cache.dashboard_page(lambda: b"{}") == b"{}"
    assert calls == ["holder"]
