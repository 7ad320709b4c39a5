"""Shared by the cache tests: a committed shop, the pages to watch, uncached renders."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from shopdemo.shop.models import Customer, Order, Product
from shopdemo.shop.seeding import seed_shop

UNCACHED = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
PAGE_SIZE = 20


def seed_committed(capture: Callable[..., object]) -> None:
    """Seed a small shop and run its on-commit invalidation, as a real commit would.

    In a plain ``db`` test nothing ever commits: without this the seeding's pending bump
    would keep every request away from the cache (which is what other tests rely on).
    """
    with capture(execute=True):  # type: ignore[attr-defined]
        seed_shop(products=30, customers=4, orders=50, seed=11)


def view_sql(client: Client, path: str) -> tuple[bytes, list[str]]:
    """The body and the SQL the view ran, without the middleware's session and user lookups."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content)
    sql = [
        q["sql"]
        for q in ctx.captured_queries
        if '"django_session"' not in q["sql"] and 'FROM "auth_user"' not in q["sql"]
    ]
    return response.content, sql


def uncached(client: Client, path: str) -> tuple[int, bytes]:
    """What the optimized view answers from the database right now, the cache left out."""
    with override_settings(SHOPDEMO_CACHE_ALIAS="uncached"):
        response = client.get(path)
    return response.status_code, response.content


def without_links(data: object) -> object:
    if isinstance(data, dict) and "results" in data:
        return {k: v for k, v in data.items() if k not in ("next", "previous")}
    return data


def naive(client: Client, path: str) -> tuple[int, object]:
    """The naive twin's status and body (list bodies without their links)."""
    response = client.get(path.replace("/api/", "/api/naive/", 1))
    return response.status_code, without_links(json.loads(response.content))


@dataclass(frozen=True)
class Scene:
    """The rows a write test touches and the pages (name: (username, path)) that show them."""

    product: Product
    other: Product
    order: Order
    customer: Customer
    pages: dict[str, tuple[str | None, str]]


def make_scene() -> Scene:
    customer = Customer.objects.get(user__username="customer-1")
    order = Order.objects.filter(customer=customer).order_by("-created_at", "-id")[0]
    product = order.items.order_by("id")[0].product
    other = (
        Product.objects.filter(is_active=True, reviews__isnull=False)
        .exclude(pk=product.pk)
        .order_by("id")[0]
    )
    ordered = list(Product.objects.filter(is_active=True).order_by("name", "id"))
    page = ordered.index(product) // PAGE_SIZE + 1
    pages = {
        "list": (None, "/api/products/"),
        "list-page": (None, f"/api/products/?page={page}"),
        "list-category": (None, f"/api/products/?category={product.category_id}"),
        "detail": (None, f"/api/products/{product.pk}/"),
        "other-detail": (None, f"/api/products/{other.pk}/"),
        "orders": ("customer-1", "/api/orders/"),
        "order": ("customer-1", f"/api/orders/{order.pk}/"),
        "other-orders": ("customer-2", "/api/orders/"),
        "dashboard": ("staff", "/api/admin/dashboard/"),
    }
    return Scene(product=product, other=other, order=order, customer=customer, pages=pages)


def assert_current(client: Client, path: str, served: tuple[int, bytes], label: str) -> None:
    """A served (status, body) equals a fresh uncached render and the naive twin's answer."""
    assert served == uncached(client, path), f"{label} is stale"
    status, twin = naive(client, path)
    assert served[0] == status, label
    if status == 200:
        assert without_links(json.loads(served[1])) == twin, f"{label} differs from its twin"
