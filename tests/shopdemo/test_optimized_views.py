"""The optimized twins: byte-identical bodies, exact query budgets, keyset walks, authorization.

Query counts are those of the view itself. Product views never touch ``request.user``, so an
anonymous client makes no middleware queries; a logged-in client adds exactly two (the
session row and the user by primary key), which ``MIDDLEWARE`` below accounts for.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopdemo.shop.models import Category, Customer, Order, OrderItem, Product
from shopdemo.shop.seeding import seed_shop

pytestmark = pytest.mark.django_db

MIDDLEWARE = 2  # session lookup + user lookup, made before the view runs
SEARCHES = ["oak", "OAK", "lamp", "Smart", "o", "st", "heavy-duty", "zz", "é", "%", "_", "1"]


def fetch(client, path: str, params: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    response = client.get(path, params or {})
    assert response["Content-Type"] == "application/json", response.content
    return response


def body(client, path: str, params: dict[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    response = fetch(client, path, params)
    assert response.status_code == status, response.content
    return json.loads(response.content)


def without_links(data):  # type: ignore[no-untyped-def]
    """A list body without its pagination links, which are opaque and differ by design."""
    return {k: v for k, v in data.items() if k not in ("next", "previous")}


def assert_twins_match(client, path: str, params: dict[str, str] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Same status and same body from both twins; for list bodies links aside. Returns status."""
    naive = fetch(client, f"/api/naive/{path}", params)
    optimized = fetch(client, f"/api/{path}", params)
    assert optimized.status_code == naive.status_code, (path, params, optimized.content)
    expected, actual = json.loads(naive.content), json.loads(optimized.content)
    if isinstance(expected, dict) and "results" in expected:
        assert without_links(actual) == without_links(expected), (path, params)
        assert (actual["next"] is None) == (expected["next"] is None), (path, params)
        assert (actual["previous"] is None) == (expected["previous"] is None), (path, params)
    else:
        assert optimized.content == naive.content, (path, params)
    return int(naive.status_code)


def own_sql(client, path: str, params: dict[str, str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """The SQL the view ran, without the middleware's session and user lookups."""
    with CaptureQueriesContext(connection) as ctx:
        client.get(path, params or {})
    return [
        q["sql"]
        for q in ctx.captured_queries
        if '"django_session"' not in q["sql"] and not q["sql"].startswith('SELECT "auth_user"')
    ]


def customer_usernames() -> list[str]:
    return list(
        Customer.objects.order_by("id").values_list("user__username", flat=True)  # type: ignore[misc]
    )


# Identity with the naive twins, across seeds and parameters.


@pytest.mark.parametrize("seed", [7, 11, 2026])
def test_every_endpoint_matches_its_naive_twin(client_as, seed: int) -> None:
    seed_shop(products=60, customers=6, orders=160, seed=seed)
    anonymous = client_as(None)
    pages = Product.objects.filter(is_active=True).count() // 20 + 2  # one past the end
    for page in range(1, pages + 1):
        assert_twins_match(anonymous, "products/", {"page": str(page)})
    for q in SEARCHES:
        for page in ("1", "2"):
            assert_twins_match(anonymous, "products/", {"q": q, "page": page})
    for category in Category.objects.order_by("id"):
        assert_twins_match(anonymous, "products/", {"category": str(category.pk)})
        assert_twins_match(anonymous, "products/", {"category": str(category.pk), "q": "a"})
    assert_twins_match(anonymous, "products/", {"category": "999999"})
    for pk in Product.objects.order_by("id").values_list("pk", flat=True):
        assert_twins_match(anonymous, f"products/{pk}/")
    assert_twins_match(anonymous, "products/999999/")

    for username in customer_usernames()[:3]:
        client = client_as(username)
        for page in range(1, 5):
            assert_twins_match(client, "orders/", {"page": str(page)})
        for pk in Order.objects.order_by("id").values_list("pk", flat=True)[:60]:
            assert_twins_match(client, f"orders/{pk}/")
    assert_twins_match(client_as("staff"), "admin/dashboard/")


def test_dashboard_matches_with_cancelled_only_days_empty_orders_and_reviewless_categories(
    shop, client_as
) -> None:
    customer = Customer.objects.order_by("id").first()
    lonely_day = dt.datetime(2025, 6, 1, 22, 30, tzinfo=dt.UTC)  # 00:30 on June 2 in Amsterdam
    Order.objects.create(customer=customer, status="cancelled", created_at=lonely_day)
    Order.objects.create(customer=customer, status="paid", created_at=lonely_day)  # no items
    Category.objects.create(name="Empty", slug="empty")
    staff = client_as("staff")
    assert_twins_match(staff, "admin/dashboard/")
    data = body(staff, "/api/admin/dashboard/")
    assert {"date": "2025-06-02", "orders": 1, "revenue": "0.00"} in data["revenue_by_day"]
    assert {"category": "empty", "review_count": 0, "average_rating": None} in data[
        "rating_by_category"
    ]
    assert data["totals"]["orders"] == Order.objects.count()
    assert data["totals"]["customers"] == Customer.objects.count()


def test_dashboard_of_an_empty_shop(client_as) -> None:
    get_user_model().objects.create_user("staff", is_staff=True)
    staff = client_as("staff")
    assert_twins_match(staff, "admin/dashboard/")
    assert body(staff, "/api/admin/dashboard/")["totals"] == {
        "customers": 0, "orders": 0, "products": 0, "reviews": 0, "revenue": "0.00",
    }  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
    category=st.one_of(st.just(""), st.integers(0, 15).map(str), st.sampled_from(["x", "-1"])),
    page=st.sampled_from(["1", "2", "3", "0", "a"]),
)
def test_product_search_matches_naive_for_any_query(shop, client_as, q, category, page) -> None:  # type: ignore[no-untyped-def]
    assert_twins_match(client_as(None), "products/", {"q": q, "category": category, "page": page})


# Exact query budgets at two scales; the naive twins grow with the page.


@pytest.fixture(params=[1, 10], ids=["1x", "10x"])
def scaled_shop(request, db):  # type: ignore[no-untyped-def]
    scale = request.param
    seed_shop(products=60 * scale, customers=8 * scale, orders=150 * scale, seed=7)
    return scale


def first_order_of(username: str) -> int:
    return Order.objects.filter(customer__user__username=username).order_by("id")[0].pk


@pytest.mark.parametrize(
    ("path", "params", "queries", "status"),
    [
        # The page with its match count, review figures and tag names: one query.
        ("/api/products/", {}, 1, 200),
        ("/api/products/", {"page": "2", "q": "o"}, 1, 200),
        ("/api/products/", {"category": "{category}"}, 1, 200),
        ("/api/products/", {"page": "999"}, 1, 404),  # the page query comes back empty
        ("/api/products/", {"page": "0"}, 0, 400),
        # The product with its figures and tags, then its latest reviews with their authors.
        ("/api/products/{product}/", {}, 2, 200),
        ("/api/products/999999/", {}, 1, 404),
    ],
    ids=["list", "search-page-2", "category", "past-the-end", "bad-page", "detail", "missing"],
)
def test_product_view_query_budget(
    scaled_shop, client_as, django_assert_num_queries, path, params, queries, status
) -> None:  # type: ignore[no-untyped-def]
    product = Product.objects.filter(is_active=True, reviews__isnull=False).order_by("id")[0]
    ids = {"product": product.pk, "category": product.category_id}
    client = client_as(None)
    params = {key: value.format(**ids) for key, value in params.items()}
    with django_assert_num_queries(queries):
        response = client.get(path.format(**ids), params)
    assert response.status_code == status, response.content


def test_customer_view_query_budgets(scaled_shop, client_as, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_as("customer-1")
    first = body(client, "/api/orders/")
    assert len(first["results"]) == 20 and first["next"]
    for path, expected, status in [
        # One query a page: the orders with their units, totals and lines (as JSON).
        ("/api/orders/", 1, 200),
        (first["next"], 1, 200),
        ("/api/orders/?page=3", 1, 200),
        (f"/api/orders/{first_order_of('customer-1')}/", 1, 200),
        (f"/api/orders/{first_order_of('customer-2')}/", 1, 404),  # someone else's
    ]:
        with django_assert_num_queries(expected + MIDDLEWARE):
            response = client.get(path)
        assert response.status_code == status, path
    staff = client_as("staff")
    with django_assert_num_queries(3 + MIDDLEWARE):
        assert staff.get("/api/admin/dashboard/").status_code == 200


def test_naive_twins_grow_with_the_page(shop, client_as) -> None:
    anonymous, customer = client_as(None), client_as("customer-1")
    category = str(Category.objects.order_by("id")[2].pk)
    for params in ({}, {"category": category}, {"q": "oak"}):
        rows = len(body(anonymous, "/api/naive/products/", params)["results"])
        assert rows
        # COUNT and the page, then category, tags and reviews for every product on it.
        assert len(own_sql(anonymous, "/api/naive/products/", params)) == 2 + 3 * rows
        assert len(own_sql(anonymous, "/api/products/", params)) == 1
    orders = body(customer, "/api/naive/orders/")["results"]
    items = sum(len(o["items"]) for o in orders)
    # Customer, COUNT, page, then each order's items and each item's product.
    assert len(own_sql(customer, "/api/naive/orders/")) == 3 + len(orders) + items
    assert len(own_sql(customer, "/api/orders/")) == 1


def test_list_views_never_load_the_large_fields(shop, client_as) -> None:
    statements = own_sql(client_as(None), "/api/products/", {"q": "a"})
    assert statements and not any('"description"' in s or '"attributes"' in s for s in statements)


def test_search_uses_the_naive_lookup(shop, client_as) -> None:
    # Same lookup, hence the same rows on every backend (and the UPPER(name) index on PostgreSQL).
    page = [s for s in own_sql(client_as(None), "/api/products/", {"q": "Oak"}) if "LIMIT" in s]
    assert len(page) == 1
    if connection.vendor == "postgresql":
        # In the subqueries that pick the page's keys and count the matches.
        assert 'UPPER(U0."name"::text) LIKE UPPER(' in page[0]


# Cursor pagination.


@pytest.fixture
def tied_orders(db):  # type: ignore[no-untyped-def]
    """1,100 orders of customer-1 on only 40 distinct timestamps: ties far beyond a page."""
    seed_shop(products=30, customers=3, orders=40, seed=5)
    customer = Customer.objects.get(user__username="customer-1")
    rng = random.Random(3)
    stamps = [
        dt.datetime(2026, 2, 1, tzinfo=dt.UTC) + dt.timedelta(hours=rng.randrange(2000))
        for _ in range(40)
    ]
    statuses = ["paid", "shipped"]
    orders = Order.objects.bulk_create(
        Order(customer=customer, status=rng.choice(statuses), created_at=rng.choice(stamps))
        for _ in range(1100)
    )
    product = Product.objects.order_by("id")[0]
    price = Decimal("3.10")
    OrderItem.objects.bulk_create(
        OrderItem(order=o, product=product, quantity=2, unit_price=price) for o in orders[::3]
    )
    return Order.objects.filter(customer=customer).count()


def walk(client, start: str, link: str) -> list[list[dict]]:  # type: ignore[no-untyped-def]
    pages, url = [], start
    while url is not None:
        data = body(client, url)
        pages.append(data["results"])
        url = data[link]
    return pages


def test_cursor_walk_forward_then_backward_visits_every_order_once(tied_orders, client_as) -> None:
    client = client_as("customer-1")
    naive_pages = walk(client, "/api/naive/orders/", "next")
    naive = [order for page in naive_pages for order in page]
    assert len(naive) == tied_orders >= 1100

    forward = walk(client, "/api/orders/", "next")
    assert forward == naive_pages  # same pages, same order, same bodies
    ids = [o["id"] for page in forward for o in page]
    assert len(ids) == len(set(ids)) == tied_orders
    # The walk really crossed page boundaries inside runs of equal timestamps.
    split_ties = sum(
        a[-1]["created_at"] == b[0]["created_at"] for a, b in itertools.pairwise(forward)
    )
    assert split_ties > 10

    last_page = body(client, "/api/orders/", {"page": str(len(forward))})
    assert last_page["next"] is None and last_page["results"] == forward[-1]
    backward = walk(client, last_page["previous"], "previous")
    assert backward[::-1] == forward[:-1]


def test_first_page_has_no_previous_link_in_either_direction(tied_orders, client_as) -> None:
    client = client_as("customer-1")
    first = body(client, "/api/orders/")
    assert first["previous"] is None
    second = body(client, first["next"])
    back = body(client, second["previous"])
    assert back["results"] == first["results"]
    assert back["previous"] is None
    assert back["next"] is not None


def test_pagination_links_keep_other_parameters(shop, client_as) -> None:
    client = client_as("customer-1")
    data = body(client, "/api/orders/", {"format": "json"})
    assert data["next"].startswith("/api/orders/?cursor=") and data["next"].endswith("&format=json")
    second = body(client, data["next"])
    assert second["previous"].startswith("/api/orders/?cursor=")
    page_two = body(client, "/api/orders/", {"page": "2"})
    assert "page=" not in page_two["next"] and "page=" not in page_two["previous"]
    assert page_two["results"] == second["results"]
    products = body(client_as(None), "/api/products/", {"q": "a", "page": "2"})
    assert products["next"] == "/api/products/?page=3&q=a"
    assert products["previous"] == "/api/products/?page=1&q=a"


def test_new_orders_do_not_shift_a_cursor_walk(shop, client_as) -> None:
    client = client_as("customer-1")
    first = body(client, "/api/orders/")
    second_before = body(client, first["next"])["results"]
    customer = Customer.objects.get(user__username="customer-1")
    Order.objects.create(
        customer=customer, status="paid", created_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    )
    assert body(client, first["next"])["results"] == second_before


# Old page numbers, errors and authorization: unchanged from the naive twins.


@pytest.mark.parametrize(
    ("username", "path", "params", "status"),
    [
        (None, "orders/", {}, 401),
        (None, "orders/1/", {}, 401),
        (None, "admin/dashboard/", {}, 403),
        ("customer-1", "admin/dashboard/", {}, 403),
        ("customer-1", "orders/", {"page": "999"}, 404),
        ("customer-1", "orders/", {"page": "0"}, 400),
        ("customer-1", "orders/", {"page": "x"}, 400),
        ("staff", "orders/", {}, 200),
        ("staff", "orders/", {"page": "2"}, 404),
        (None, "products/", {"page": "-1"}, 400),
        (None, "products/", {"q": "x" * 101}, 400),
        (None, "products/", {"category": "abc"}, 400),
    ],
    ids=[
        "anonymous-orders", "anonymous-order", "anonymous-dashboard", "customer-dashboard",
        "orders-past-the-end", "orders-page-zero", "orders-page-text", "no-customer-orders",
        "no-customer-page-2", "products-negative-page", "products-long-query",
        "products-bad-category",
    ],
)  # fmt: skip
def test_errors_and_authorization_match(shop, client_as, username, path, params, status) -> None:  # type: ignore[no-untyped-def]
    assert assert_twins_match(client_as(username), path, params) == status


def test_orders_of_other_customers_are_not_found(shop, client_as) -> None:
    other = first_order_of("customer-2")
    for username in ("customer-1", "staff"):
        client = client_as(username)
        assert body(client, f"/api/orders/{other}/", status=404) == {
            "error": f"Order {other} does not exist."
        }
        assert_twins_match(client, f"orders/{other}/")
    assert body(client_as("staff"), "/api/orders/") == {
        "next": None,
        "previous": None,
        "results": [],
    }


def test_only_get_is_allowed(shop, client_as) -> None:
    client = client_as("staff")
    for path in ("/api/products/", "/api/orders/", "/api/admin/dashboard/"):
        assert client.post(path).status_code == 405
