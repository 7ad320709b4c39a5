"""What invalidation costs writes in queries, and that its per-transaction memo stays correct.

Order and OrderItem receivers look up their parent's user (``SELECT "shop_customer"."user_id"
... LIMIT 1``). Inside a transaction each parent is looked up once (the memo lives on the
transaction level's pending bump); in autocommit mode once per row, as before the memo.
Runs on SQLite with local memory and on PostgreSQL with Redis (REDIS_URL).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shopdemo.shop import cache
from shopdemo.shop.models import Customer, Order, OrderItem, Product
from shopdemo.shop.seeding import seed_shop
from tests.shopdemo import cache_support
from tests.shopdemo.cache_support import assert_current

LOOKUP = 'SELECT "shop_customer"."user_id"'
Pages = dict[str, tuple[str, str]]


def lookups(ctx: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith(LOOKUP) for q in ctx.captured_queries)


@pytest.fixture
def uncached_alias(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CACHES = {**settings.CACHES, "uncached": cache_support.UNCACHED}


@pytest.fixture
def shop(uncached_alias, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    # customer-1: 22 orders, 56 items, 10 reviews; customer-2: 13 orders.
    cache_support.seed_committed(django_capture_on_commit_callbacks)


def order_of(username: str) -> Order:
    return Order.objects.filter(customer__user__username=username).order_by("-created_at", "-id")[0]


def watched(order: Order) -> Pages:
    return {
        "orders": ("customer-1", "/api/orders/"),
        "order": ("customer-1", f"/api/orders/{order.pk}/"),
        "other-orders": ("customer-2", "/api/orders/"),
        "other-order": ("customer-2", f"/api/orders/{order.pk}/"),
        "dashboard": ("staff", "/api/admin/dashboard/"),
    }


def cache_pages(client_as: Callable[[str], Client], pages: Pages) -> dict[str, bytes]:
    """Request every page, so that a stale entry would be served from here on."""
    return {name: client_as(user).get(path).content for name, (user, path) in pages.items()}


def assert_fresh(client_as: Callable[[str], Client], pages: Pages) -> None:
    for name, (user, path) in pages.items():
        client = client_as(user)
        response = client.get(path)
        assert_current(client, path, (response.status_code, response.content), name)


def new_item(order: Order, product: Product) -> OrderItem:
    return OrderItem(order=order, product=product, quantity=2, unit_price=Decimal("4.50"))


# Query counts.


@pytest.mark.django_db
def test_a_cascade_delete_looks_up_each_parent_once(  # type: ignore[no-untyped-def]
    shop, client_as, django_capture_on_commit_callbacks
) -> None:
    customer = Customer.objects.get(user__username="customer-1")
    orders = customer.orders.count()
    items = OrderItem.objects.filter(order__customer=customer).count()
    assert (orders, items) == (22, 56)
    pages = watched(order_of("customer-2"))
    before = cache_pages(client_as, pages)

    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as ctx:
        customer.delete()

    # Each item looks up its order, each order its customer: once per distinct parent.
    # Before the memo: 56 + 22 = 78 lookups in 85 queries.
    assert lookups(ctx) == orders + 1
    # Beyond the lookups: select the reviews, orders and items, delete them and the customer.
    assert len(ctx.captured_queries) == 7 + orders + 1
    assert_fresh(client_as, pages)
    assert cache_pages(client_as, pages)["orders"] != before["orders"]


@pytest.mark.django_db
def test_saving_items_of_one_order_in_one_transaction_looks_it_up_once(  # type: ignore[no-untyped-def]
    shop, client_as, django_capture_on_commit_callbacks
) -> None:
    order = order_of("customer-1")
    product = Product.objects.order_by("id")[0]
    pages = watched(order)
    cache_pages(client_as, pages)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with CaptureQueriesContext(connection) as created, transaction.atomic():
            for _ in range(10):
                new_item(order, product).save()
        items = list(order.items.order_by("id")[:10])
        with CaptureQueriesContext(connection) as updated, transaction.atomic():
            for item in items:
                item.quantity += 1
                item.save()

    # SAVEPOINT, 10 INSERTs, 1 lookup, RELEASE (before the memo: 10 lookups, 22 queries).
    assert (lookups(created), len(created.captured_queries)) == (1, 13)
    # Each update also reads its row's old order (the row may move): 10 + 10 + 1 + 2.
    assert (lookups(updated), len(updated.captured_queries)) == (1, 23)
    user_id = order.customer.user_id
    assert [c.namespaces for c in callbacks] == [{"dashboard", f"orders:{user_id}"}] * 2  # type: ignore[attr-defined]
    assert_fresh(client_as, pages)


@pytest.mark.django_db(transaction=True)
def test_an_autocommit_save_looks_its_parent_up_every_time(uncached_alias, client_as) -> None:  # type: ignore[no-untyped-def]
    seed_shop(products=30, customers=4, orders=50, seed=11)  # commits, and bumps at once
    first, second = Order.objects.filter(customer__user__username="customer-1").order_by("id")[:2]
    pages = watched(first)
    cache_pages(client_as, pages)

    for order in (first, second):
        with CaptureQueriesContext(connection) as ctx:
            order.status = "shipped"
            order.save()
        # The row's old customer, the UPDATE, its customer's user: as before the memo.
        assert (lookups(ctx), len(ctx.captured_queries)) == (1, 3)
        assert cache.pending_bumps(connection.alias) == []  # bumped already
    assert_fresh(client_as, pages)


@pytest.mark.django_db
def test_a_lookup_alone_is_no_uncommitted_write(shop) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        bump = cache.transaction_bump()
        assert bump is not None and bump.namespaces == set()
        assert not cache.has_uncommitted_writes()  # the cache stays readable
        assert cache.transaction_bump() is bump  # one memo per transaction level
        with transaction.atomic():
            assert cache.transaction_bump() is not bump  # a savepoint has its own
        order_of("customer-1").save()
        assert cache.has_uncommitted_writes()


# Correctness: a memo answer that went stale inside the transaction.


@pytest.fixture
def moving(shop, client_as) -> tuple[Order, Pages]:  # type: ignore[no-untyped-def]
    order = order_of("customer-1")
    pages = watched(order)
    before = cache_pages(client_as, pages)
    assert before["other-order"] != before["order"]  # a 404 for customer-2 so far
    return order, pages


def move_order(order: Order) -> set[str]:
    """Move the order to customer-2: bumps both customers' pages."""
    target = Customer.objects.get(user__username="customer-2")
    order.customer = target
    order.save()
    return {f"orders:{target.user_id}"}


def hand_over_customer(order: Order) -> set[str]:
    """Give customer-1 to a new user: bumps every customer's pages (and the new user's), and
    the product pages, where its reviews now carry the new user's name."""
    newcomer = get_user_model().objects.create_user("newcomer")  # creating a user bumps nothing
    order.customer.user = newcomer
    order.customer.save()
    return {"orders", f"orders:{newcomer.pk}", "products"}


@pytest.mark.django_db
@pytest.mark.parametrize("change", [move_order, hand_over_customer])
def test_a_stale_memo_answer_still_leaves_every_page_fresh(  # type: ignore[no-untyped-def]
    moving, client_as, django_capture_on_commit_callbacks, change
) -> None:
    order, pages = moving
    old_user = order.customer.user_id
    product = Product.objects.order_by("id")[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        new_item(order, product).save()  # memo: the order -> customer-1's user
        bumped_by_change = change(order)
        with CaptureQueriesContext(connection) as ctx:
            new_item(order, product).save()
    assert lookups(ctx) == 0  # the memo answered, stale: customer-1's user
    [bump] = callbacks
    assert bump.namespaces == {"dashboard", f"orders:{old_user}", *bumped_by_change}
    owner = Order.objects.get(pk=order.pk).customer.user.get_username()
    assert owner != "customer-1"
    owner_pages = {
        "owner-orders": (owner, "/api/orders/"),
        "owner-order": (owner, f"/api/orders/{order.pk}/"),
    }
    assert_fresh(client_as, {**pages, **owner_pages})
    moved = client_as(owner).get(f"/api/orders/{order.pk}/")
    assert moved.status_code == 200 and moved.json()["item_count"] >= 2


@pytest.mark.django_db
def test_a_rolled_back_savepoint_takes_its_memo_with_it(  # type: ignore[no-untyped-def]
    moving, client_as, django_capture_on_commit_callbacks
) -> None:
    order, pages = moving
    old_user = order.customer.user_id
    product = Product.objects.order_by("id")[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            move_order(order)
            new_item(order, product).save()  # memo of the savepoint: order -> customer-2
            1 / 0  # noqa: B018
        order.refresh_from_db()
        with CaptureQueriesContext(connection) as ctx:
            new_item(order, product).save()
    assert lookups(ctx) == 1  # looked up afresh: customer-1 again
    assert [c.namespaces for c in callbacks] == [{"dashboard", f"orders:{old_user}"}]  # type: ignore[attr-defined]
    assert_fresh(client_as, pages)
