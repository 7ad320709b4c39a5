"""The page cache of the optimized views: hits, and invalidation on every write path.

Runs on whatever cache the settings select: local memory by default, Redis with REDIS_URL.
Writes run inside ``django_capture_on_commit_callbacks(execute=True)``, which runs their
on-commit invalidation as a real commit would (a plain ``db`` test never commits).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shopdemo.shop.invalidation import bulk_write
from shopdemo.shop.models import Category, Customer, Order, OrderItem, Product, Review, Tag
from tests.shopdemo import cache_support
from tests.shopdemo.cache_support import Scene, assert_current, naive, view_sql, without_links

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def scene(settings, django_capture_on_commit_callbacks, client_as) -> Scene:  # type: ignore[no-untyped-def]
    settings.CACHES = {**settings.CACHES, "uncached": cache_support.UNCACHED}
    cache_support.seed_committed(django_capture_on_commit_callbacks)
    return cache_support.make_scene()


def fetch(client_as, username: str | None, path: str) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
    response = client_as(username).get(path)
    return response.status_code, response.content


# A hit: no query, the same bytes.


@pytest.mark.parametrize(
    "page",
    [
        "list",
        "list-page",
        "list-category",
        "detail",
        "orders",
        "order",
        "other-orders",
        "dashboard",
    ],
)
def test_a_hit_makes_no_query_and_returns_the_same_bytes(scene, client_as, page) -> None:  # type: ignore[no-untyped-def]
    username, path = scene.pages[page]
    client = client_as(username)
    miss, miss_sql = view_sql(client, path)
    hit, hit_sql = view_sql(client, path)
    assert miss_sql, "the first request must render from the database"
    assert hit_sql == []
    assert hit == miss
    assert hit == cache_support.uncached(client, path)[1]
    assert naive(client, path) == (200, without_links(json.loads(hit)))


def test_the_query_string_is_part_of_the_key(scene, client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as(None)
    first = client.get("/api/products/").content
    second = client.get("/api/products/?page=2").content
    # An unknown parameter changes the links, which repeat every parameter.
    with_extra = client.get("/api/products/?utm=x&page=2").content
    assert first != second
    assert json.loads(second)["previous"] == "/api/products/?page=1"
    assert json.loads(with_extra)["previous"] == "/api/products/?page=1&utm=x"
    # Parameter order does not matter to the links, nor to the key.
    assert view_sql(client, "/api/products/?page=2&utm=x") == (with_extra, [])


def test_errors_are_not_cached(scene, client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as(None)
    for path, status in [("/api/products/999999/", 404), ("/api/products/?page=99", 404)]:
        for _ in range(2):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == status
            assert len(ctx.captured_queries) == 1, f"{path} must reach the database every time"


def test_other_customers_never_see_a_cached_order(scene, client_as) -> None:  # type: ignore[no-untyped-def]
    path = f"/api/orders/{scene.order.pk}/"
    assert client_as("customer-1").get(path).status_code == 200
    assert client_as("customer-2").get(path).status_code == 404
    other = json.loads(client_as("customer-2").get("/api/orders/").content)
    mine = json.loads(client_as("customer-1").get("/api/orders/").content)
    assert other != mine


# Every write path: the next response equals a fresh render and the naive twin.


@dataclass(frozen=True)
class Write:
    action: Callable[[Scene], object]
    shows_on: frozenset[str]
    prepare: Callable[[Scene], object] | None = None


def tag(name: str) -> Tag:
    return Tag.objects.get(name=name)


def unused_tag(scene: Scene) -> Tag:
    return Tag.objects.exclude(products=scene.product).order_by("name")[0]


def tag_product(scene: Scene) -> None:
    scene.product.tags.add(unused_tag(scene))


def product_tag(scene: Scene) -> Tag:
    return scene.product.tags.order_by("name")[0]


def rename(obj: object, field: str, value: str) -> None:
    setattr(obj, field, value)
    obj.save()  # type: ignore[attr-defined]


def latest_review(product: Product) -> Review:
    return product.reviews.order_by("-created_at", "-id")[0]


def new_review(scene: Scene, rating: int = 1) -> Review:
    return Review(
        product=scene.product,
        author=scene.customer,
        rating=rating,
        title="Broke on day one",
        created_at=WHEN,
    )


def orderless_product() -> Product:
    return Product.objects.filter(order_items__isnull=True, is_active=True).order_by("id")[0]


def reprice(product: Product) -> None:
    product.price = Decimal("1.23")
    product.save(update_fields=["price"])


def flip_status(order: Order) -> None:
    order.status = "cancelled" if order.status != "cancelled" else "paid"


def first_item(order: Order) -> OrderItem:
    return order.items.order_by("id")[0]


def reviewer(scene: Scene) -> Customer:
    return latest_review(scene.other).author


def new_user() -> object:
    return get_user_model().objects.create_user("newcomer", first_name="Nadia", last_name="New")


def reassign_reviewer(scene: Scene) -> None:
    # The reviews stay with the customer; their author name now comes from another user.
    customer = reviewer(scene)
    customer.user = get_user_model().objects.get(username="newcomer")
    customer.save()


def bulk_reassign_reviewer(scene: Scene) -> None:
    user = get_user_model().objects.get(username="newcomer")
    with bulk_write(Customer):
        Customer.objects.filter(pk=reviewer(scene).pk).update(user=user)


def bulk_update_orders(scene: Scene) -> None:
    flip_status(scene.order)
    with bulk_write(Order):
        Order.objects.bulk_update([scene.order], ["status"])


def raw_sql_update(scene: Scene) -> None:
    with bulk_write(OrderItem), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE shop_orderitem SET quantity = quantity + 1 WHERE order_id = %s",
            [scene.order.pk],
        )


def bulk_link_tag(scene: Scene) -> None:
    through = Product.tags.through
    with bulk_write(through):
        through.objects.bulk_create([through(product_id=scene.product.pk, tag=unused_tag(scene))])


def unlink_tags(scene: Scene) -> None:
    # Django sends no signal for rows of an auto-created through model, even on delete().
    through = Product.tags.through
    with bulk_write(through):
        through.objects.filter(product=scene.product).delete()


LIST_AND_DETAIL = frozenset({"list-page", "list-category", "detail"})
ORDER_PAGES = frozenset({"orders", "order", "dashboard"})

WRITES = {
    "product-create": Write(
        lambda s: Product.objects.create(
            name="Aaa First Of All", category=s.product.category, price=Decimal("9.99"),
            created_at=WHEN,
        ),
        frozenset({"list", "list-category", "dashboard"}),
    ),
    "product-rename": Write(
        lambda s: rename(s.product, "name", "Renamed Everywhere"),
        LIST_AND_DETAIL | {"orders", "order"},
    ),
    "product-update-fields": Write(
        lambda s: reprice(s.product),
        LIST_AND_DETAIL,
    ),
    "product-delete": Write(
        lambda s: orderless_product().delete(), frozenset({"list", "dashboard"})
    ),
    "category-create": Write(
        lambda s: Category.objects.create(name="Zoo", slug="zoo"), frozenset({"dashboard"})
    ),
    "category-rename": Write(
        lambda s: rename(s.product.category, "name", "Renamed Category"), LIST_AND_DETAIL
    ),
    "category-delete": Write(
        lambda s: Category.objects.get(slug="zoo").delete(),
        frozenset({"dashboard"}),
        prepare=lambda s: Category.objects.create(name="Zoo", slug="zoo"),
    ),
    "tag-create": Write(lambda s: Tag.objects.create(name="unseen"), frozenset()),
    "tag-rename": Write(
        lambda s: rename(product_tag(s), "name", "zz-renamed"),
        LIST_AND_DETAIL,
        prepare=tag_product,
    ),
    "tag-delete": Write(lambda s: product_tag(s).delete(), LIST_AND_DETAIL, prepare=tag_product),
    "tags-add": Write(lambda s: s.product.tags.add(unused_tag(s)), LIST_AND_DETAIL),
    "tags-remove": Write(
        lambda s: s.product.tags.remove(product_tag(s)), LIST_AND_DETAIL, prepare=tag_product
    ),
    "tags-clear": Write(lambda s: s.product.tags.clear(), LIST_AND_DETAIL, prepare=tag_product),
    "tags-set": Write(lambda s: s.product.tags.set([unused_tag(s)]), LIST_AND_DETAIL),
    "tag-side-add": Write(lambda s: unused_tag(s).products.add(s.product), LIST_AND_DETAIL),
    "tag-side-clear": Write(
        lambda s: product_tag(s).products.clear(), LIST_AND_DETAIL, prepare=tag_product
    ),
    "review-create": Write(
        lambda s: new_review(s).save(), LIST_AND_DETAIL | {"dashboard"}
    ),
    "review-update": Write(
        lambda s: rename(latest_review(s.other), "title", "Changed my mind"),
        frozenset({"other-detail"}),
    ),
    "review-delete": Write(
        lambda s: latest_review(s.other).delete(), frozenset({"other-detail", "dashboard"})
    ),
    "review-move": Write(
        lambda s: (setattr(r := latest_review(s.other), "product", s.product), r.save()),
        frozenset({"detail", "other-detail"}),
    ),
    "author-rename": Write(
        lambda s: rename(latest_review(s.other).author.user, "first_name", "Zebedee"),
        frozenset({"other-detail"}),
    ),
    "customer-reassign-user": Write(
        reassign_reviewer, frozenset({"other-detail"}), prepare=lambda s: new_user()
    ),
    "customer-reassign-user-fields": Write(
        lambda s: (
            setattr(c := reviewer(s), "user", get_user_model().objects.get(username="newcomer")),
            c.save(update_fields=["user"]),
        ),
        frozenset({"other-detail"}),
        prepare=lambda s: new_user(),
    ),
    "order-create": Write(
        lambda s: Order.objects.create(customer=s.customer, status="paid", created_at=WHEN),
        frozenset({"orders", "dashboard"}),
    ),
    "order-update": Write(lambda s: (flip_status(s.order), s.order.save()), ORDER_PAGES),
    "order-delete": Write(lambda s: s.order.delete(), ORDER_PAGES),
    "order-move": Write(
        lambda s: (
            setattr(s.order, "customer", Customer.objects.get(user__username="customer-2")),
            s.order.save(),
        ),
        frozenset({"orders", "order", "other-orders"}),
    ),
    "item-create": Write(
        lambda s: OrderItem.objects.create(
            order=s.order, product=s.other, quantity=3, unit_price=s.other.price
        ),
        ORDER_PAGES,
    ),
    "item-update": Write(
        lambda s: (setattr(i := first_item(s.order), "quantity", i.quantity + 5), i.save()),
        ORDER_PAGES,
    ),
    "item-delete": Write(lambda s: first_item(s.order).delete(), ORDER_PAGES),
    "bulk-queryset-update": Write(
        lambda s: bulk_rename(s.product.pk), LIST_AND_DETAIL | {"orders", "order"}
    ),
    "bulk-create": Write(
        lambda s: bulk_create_reviews(s), LIST_AND_DETAIL | {"dashboard"}
    ),
    "bulk-update": Write(bulk_update_orders, ORDER_PAGES),
    "bulk-customer-reassign": Write(
        bulk_reassign_reviewer, frozenset({"other-detail"}), prepare=lambda s: new_user()
    ),
    "bulk-raw-sql": Write(raw_sql_update, ORDER_PAGES),
    "bulk-tag-links": Write(bulk_link_tag, LIST_AND_DETAIL),
    "bulk-tag-links-delete": Write(unlink_tags, LIST_AND_DETAIL, prepare=tag_product),
}  # fmt: skip


def bulk_rename(pk: int) -> None:
    with bulk_write(Product):
        Product.objects.filter(pk=pk).update(name="Bulk Renamed")


def bulk_create_reviews(scene: Scene) -> None:
    with bulk_write(Review):
        Review.objects.bulk_create([new_review(scene, 1), new_review(scene, 2)])


@pytest.mark.parametrize("name", list(WRITES))
def test_every_write_path_invalidates_what_it_shows_on(  # type: ignore[no-untyped-def]
    scene, client_as, django_capture_on_commit_callbacks, name
) -> None:
    write = WRITES[name]
    if write.prepare is not None:
        with django_capture_on_commit_callbacks(execute=True):
            write.prepare(scene)
    before = {page: fetch(client_as, *where) for page, where in scene.pages.items()}
    # Cached now: a stale entry would be served from here on.
    assert all(status == 200 for status, _ in before.values())

    with django_capture_on_commit_callbacks(execute=True):
        write.action(scene)

    after = {page: fetch(client_as, *where) for page, where in scene.pages.items()}
    for page, (username, path) in scene.pages.items():
        assert_current(client_as(username), path, after[page], f"{page} after {name}")
    changed = {page for page in scene.pages if after[page] != before[page]}
    assert write.shows_on <= changed, f"{name} must be visible on {sorted(write.shows_on)}"


def test_a_login_does_not_invalidate_anything(
    scene, client_as, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_as(None)
    path = scene.pages["other-detail"][1]
    client.get(path)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client_as("customer-3")  # force_login saves last_login
        get_user_model().objects.create_user("newcomer")
    assert callbacks == []
    assert view_sql(client, path)[1] == []


def test_the_seed_command_invalidates_through_bulk_write(  # type: ignore[no-untyped-def]
    scene, client_as, django_capture_on_commit_callbacks
) -> None:
    before = {page: fetch(client_as, *where) for page, where in scene.pages.items()}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("seed_shop", "--flush", "--products=30", "--customers=4", "--orders=50",
                     "--seed=12", verbosity=0)  # fmt: skip
    assert len(callbacks) == 2  # one bump per transaction: the flush, the seed
    for page, (username, path) in scene.pages.items():
        if page in ("detail", "other-detail", "order"):
            continue  # new rows, new ids
        after = fetch(client_as, username, path)
        assert after != before[page], page
        assert_current(client_as(username), path, after, page)


def test_bulk_write_silences_only_the_models_it_names(  # type: ignore[no-untyped-def]
    scene, django_capture_on_commit_callbacks
) -> None:
    capture = django_capture_on_commit_callbacks()
    with capture as callbacks, transaction.atomic(), bulk_write(Order):
        Order.objects.filter(pk=scene.order.pk).update(status="shipped")
        scene.other.name = "Saved Inside The Block"
        scene.other.save()  # Product is not named: its receiver still runs
    [bump] = callbacks
    # Order's bulk namespaces, and the product's own: the name change reaches order lines.
    assert bump.namespaces == {  # type: ignore[attr-defined]
        "orders", "dashboard", "catalog", f"product:{scene.other.pk}",
    }  # fmt: skip


def test_bulk_write_names_the_models_it_accepts() -> None:
    groups = get_user_model().groups.through
    expected = r"bulk_write\(\) takes the models written, from: .*shop\.Product.*; got \[<class"
    with pytest.raises(ValueError, match=expected), bulk_write(groups):
        pass
    with pytest.raises(ValueError, match="got 'none'"), bulk_write():
        pass
