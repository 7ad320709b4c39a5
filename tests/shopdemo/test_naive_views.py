"""The naive twins: the API contract (shapes, pagination, authorization) and their N+1s."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopdemo.shop.models import Customer, Order, Product

pytestmark = pytest.mark.django_db


def get_json(client, path: str, status: int = 200):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def view_queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    """Queries issued by the view, without the session and user lookups of the middleware."""
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return sum(
        1
        for q in ctx.captured_queries
        if '"django_session"' not in q["sql"] and 'FROM "auth_user"' not in q["sql"]
    )


SUMMARY_KEYS = {"id", "name", "price", "category", "tags", "review_count", "average_rating"}


def test_product_list_shape_and_counted_pagination(shop, client_as) -> None:
    client = client_as(None)
    body = get_json(client, "/api/naive/products/")
    active = Product.objects.filter(is_active=True).count()
    assert body["count"] == active
    assert body["previous"] is None
    assert body["next"] == "/api/naive/products/?page=2"
    assert len(body["results"]) == 20
    first = body["results"][0]
    assert set(first) == SUMMARY_KEYS
    assert set(first["category"]) == {"id", "name", "slug"}
    assert first["tags"] == sorted(first["tags"])
    Decimal(first["price"])  # a string with two decimals
    assert first["price"].split(".")[1].__len__() == 2

    seen = []
    page = 1
    while True:
        body = get_json(client, f"/api/naive/products/?page={page}")
        seen += [item["id"] for item in body["results"]]
        if body["next"] is None:
            break
        page += 1
    assert len(seen) == len(set(seen)) == active
    names = [p.name for p in Product.objects.filter(pk__in=seen)]
    assert len(names) == active


def test_product_list_review_stats_match_the_database(shop, client_as) -> None:
    body = get_json(client_as(None), "/api/naive/products/?page=1")
    for item in body["results"]:
        ratings = list(Product.objects.get(pk=item["id"]).reviews.values_list("rating", flat=True))
        assert item["review_count"] == len(ratings)
        expected = round(sum(ratings) / len(ratings), 2) if ratings else None
        assert item["average_rating"] == expected


def test_product_list_filters_by_search_and_category(shop, client_as) -> None:
    client = client_as(None)
    product = Product.objects.filter(is_active=True).order_by("id").first()
    word = product.name.split()[1]
    body = get_json(client, f"/api/naive/products/?q={word.lower()}")
    expected = Product.objects.filter(is_active=True, name__icontains=word).count()
    assert body["count"] == expected > 0
    assert all(word.lower() in item["name"].lower() for item in body["results"])

    body = get_json(client, f"/api/naive/products/?category={product.category_id}")
    assert body["count"] == product.category.products.filter(is_active=True).count()
    assert {item["category"]["id"] for item in body["results"]} == {product.category_id}


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("page=0", 400, "page must be a positive integer, got '0'."),
        ("page=two", 400, "page must be a positive integer, got 'two'."),
        ("page=999", 404, "Page 999 does not exist."),
        ("category=books", 400, "category must be a category id, got 'books'."),
        ("q=" + "x" * 101, 400, "q must be at most 100 characters."),
    ],
    ids=["page-zero", "page-not-a-number", "page-out-of-range", "category-not-an-id", "q-too-long"],
)
def test_product_list_rejects_bad_parameters_with_json(
    shop, client_as, query, status, error
) -> None:
    assert get_json(client_as(None), f"/api/naive/products/?{query}", status) == {"error": error}


def test_product_detail_carries_attributes_and_latest_reviews(shop, client_as) -> None:
    product = Product.objects.filter(is_active=True, reviews__isnull=False).order_by("-id").first()
    body = get_json(client_as(None), f"/api/naive/products/{product.pk}/")
    assert set(body) == SUMMARY_KEYS | {"description", "attributes", "created_at", "reviews"}
    assert body["attributes"] == product.attributes
    expected = list(product.reviews.order_by("-created_at", "-id")[:10])
    assert [r["id"] for r in body["reviews"]] == [r.pk for r in expected]
    user = expected[0].author.user
    assert body["reviews"][0]["author"] == user.get_full_name()
    assert set(body["reviews"][0]) == {"id", "rating", "title", "body", "author", "created_at"}


def test_product_detail_404_for_missing_or_inactive(shop, client_as) -> None:
    client = client_as(None)
    inactive = Product.objects.filter(is_active=False).first()
    assert inactive is not None
    assert get_json(client, f"/api/naive/products/{inactive.pk}/", 404) == {
        "error": f"Product {inactive.pk} does not exist."
    }
    assert get_json(client, "/api/naive/products/999999/", 404)["error"]


def test_orders_require_login(shop, client_as) -> None:
    order = Order.objects.first()
    for path in ("/api/naive/orders/", f"/api/naive/orders/{order.pk}/"):
        assert get_json(client_as(None), path, 401) == {
            "error": "Authentication required: log in as a customer."
        }


def test_customer_sees_only_own_orders_newest_first(shop, client_as) -> None:
    customer = Customer.objects.get(user__username="customer-1")
    client = client_as("customer-1")
    ids, page = [], 1
    while True:
        body = get_json(client, f"/api/naive/orders/?page={page}")
        assert set(body) == {"next", "previous", "results"}
        ids += [o["id"] for o in body["results"]]
        if not body["next"]:
            break
        page += 1
    expected = list(customer.orders.order_by("-created_at", "-id").values_list("id", flat=True))
    assert ids == expected
    assert len(expected) > 20  # the walk crossed a page boundary


def test_order_body_totals(shop, client_as) -> None:
    order = Order.objects.filter(customer__user__username="customer-1").first()
    body = get_json(client_as("customer-1"), f"/api/naive/orders/{order.pk}/")
    items = list(order.items.order_by("id"))
    assert [i["id"] for i in body["items"]] == [i.pk for i in items]
    assert body["item_count"] == sum(i.quantity for i in items)
    assert Decimal(body["total"]) == sum(i.quantity * i.unit_price for i in items)
    assert body["items"][0]["product"] == {"id": items[0].product_id, "name": items[0].product.name}
    assert Decimal(body["items"][0]["line_total"]) == items[0].quantity * items[0].unit_price


def test_another_customers_order_is_404(shop, client_as) -> None:
    other = Order.objects.exclude(customer__user__username="customer-1").first()
    assert get_json(client_as("customer-1"), f"/api/naive/orders/{other.pk}/", 404) == {
        "error": f"Order {other.pk} does not exist."
    }


def test_user_without_customer_profile_has_no_orders(shop, client_as) -> None:
    order = Order.objects.first()
    client = client_as("staff")
    assert get_json(client, "/api/naive/orders/") == {"next": None, "previous": None, "results": []}
    get_json(client, f"/api/naive/orders/{order.pk}/", 404)


@pytest.mark.parametrize("username", [None, "customer-1"], ids=["anonymous", "customer"])
def test_dashboard_is_staff_only(shop, client_as, username) -> None:
    assert get_json(client_as(username), "/api/naive/admin/dashboard/", 403) == {
        "error": "Staff only: log in as a staff user."
    }


def test_dashboard_figures_match_the_database(shop, client_as) -> None:
    body = get_json(client_as("staff"), "/api/naive/admin/dashboard/")
    totals = body["totals"]
    assert totals["products"] == Product.objects.filter(is_active=True).count()
    assert totals["customers"] == Customer.objects.count()
    assert totals["orders"] == Order.objects.count()
    paid = Order.objects.exclude(status="cancelled")
    revenue = sum(i.quantity * i.unit_price for o in paid for i in o.items.all())
    assert Decimal(totals["revenue"]) == revenue
    assert sum(Decimal(d["revenue"]) for d in body["revenue_by_day"]) == revenue
    assert sum(d["orders"] for d in body["revenue_by_day"]) == paid.count()
    days = [d["date"] for d in body["revenue_by_day"]]
    assert days == sorted(days)
    assert len(body["top_products"]) == 5
    units = [p["units_sold"] for p in body["top_products"]]
    assert units == sorted(units, reverse=True)
    slugs = [c["category"] for c in body["rating_by_category"]]
    assert slugs == sorted(slugs)
    assert sum(c["review_count"] for c in body["rating_by_category"]) == totals["reviews"]


def test_naive_product_list_issues_per_row_queries(shop, client_as) -> None:
    client = client_as(None)
    # COUNT + page + (category, tags, reviews) per row.
    assert view_queries(client, "/api/naive/products/?page=1") == 2 + 3 * 20
    last_page = get_json(client, "/api/naive/products/?page=1")["count"] // 20 + 1
    rows = len(get_json(client, f"/api/naive/products/?page={last_page}")["results"])
    assert view_queries(client, f"/api/naive/products/?page={last_page}") == 2 + 3 * rows


def test_naive_order_list_issues_per_row_queries(shop, client_as) -> None:
    client = client_as("customer-1")
    body = get_json(client, "/api/naive/orders/")
    items = sum(len(o["items"]) for o in body["results"])
    # customer + COUNT + page + items per order + product per item.
    assert view_queries(client, "/api/naive/orders/") == 3 + len(body["results"]) + items
