"""The JSON contract of the shop API, shared by the naive and optimized views.

Both twins build their bodies with these functions and render them with :func:`render`, so
identical responses follow from the structure of the code rather than from care in each view.
Each function reads only the fields it is given a reason to read: list serializers never touch
``description`` or ``attributes`` (the optimized list defers them).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils import timezone

from shopdemo.shop.models import Category, Order, Product, Review

JSON = dict[str, Any]
CENT = Decimal("0.01")


def render(data: Any) -> bytes:
    """Render a body as canonical JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def money(value: Decimal | int | float) -> str:
    """Format an amount as a string with exactly two decimals (``"12.50"``)."""
    # Through str() so a float from a database SUM cannot leak binary noise into the contract.
    return str(Decimal(str(value)).quantize(CENT))


def average(total: int, count: int) -> float | None:
    """Average of integer ratings from their exact sum and count, to two decimals."""
    return round(total / count, 2) if count else None


def timestamp(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def local_date(value: dt.datetime) -> dt.date:
    """The shop's calendar day (settings.TIME_ZONE) of an aware datetime."""
    return timezone.localtime(value).date()


def category(obj: Category) -> JSON:
    return {"id": obj.pk, "name": obj.name, "slug": obj.slug}


def product_summary(
    product: Product, *, tags: Iterable[str], review_count: int, rating_sum: int
) -> JSON:
    """A product in the list: no description, no attributes; ``tags`` are its tags' names."""
    return {
        "id": product.pk,
        "name": product.name,
        "price": money(product.price),
        "category": category(product.category),
        "tags": sorted(tags),
        "review_count": review_count,
        "average_rating": average(rating_sum, review_count),
    }


def author_name(review: Review) -> str:
    user = review.author.user
    return user.get_full_name() or user.get_username()


def review(obj: Review) -> JSON:
    return {
        "id": obj.pk,
        "rating": obj.rating,
        "title": obj.title,
        "body": obj.body,
        "author": author_name(obj),
        "created_at": timestamp(obj.created_at),
    }


def product_detail(
    product: Product,
    *,
    tags: Iterable[str],
    review_count: int,
    rating_sum: int,
    reviews: Sequence[Review],
) -> JSON:
    """A product page: the summary plus description, attributes and the latest reviews."""
    body = product_summary(product, tags=tags, review_count=review_count, rating_sum=rating_sum)
    body.update(
        description=product.description,
        attributes=product.attributes,
        created_at=timestamp(product.created_at),
        reviews=[review(r) for r in reviews],
    )
    return body


class OrderLine(NamedTuple):
    """One line of an order, in the fields its JSON shows (the naive twin reads them from an
    ``OrderItem`` and its product, the optimized one from the order's row)."""

    pk: int
    product_id: int
    product_name: str
    quantity: int
    unit_price: Decimal


def order_line(line: OrderLine) -> JSON:
    return {
        "id": line.pk,
        "product": {"id": line.product_id, "name": line.product_name},
        "quantity": line.quantity,
        "unit_price": money(line.unit_price),
        "line_total": money(line.quantity * line.unit_price),
    }


def order(obj: Order, *, lines: Sequence[OrderLine], item_count: int, total: Decimal) -> JSON:
    """An order with its lines in ``id`` order; ``item_count`` counts units, ``total`` sums the
    line totals."""
    return {
        "id": obj.pk,
        "status": obj.status,
        "created_at": timestamp(obj.created_at),
        "items": [order_line(line) for line in lines],
        "item_count": item_count,
        "total": money(total),
    }


def page(results: list[JSON], *, next_url: str | None, previous_url: str | None) -> JSON:
    return {"next": next_url, "previous": previous_url, "results": results}


def counted_page(
    results: list[JSON], *, count: int, next_url: str | None, previous_url: str | None
) -> JSON:
    body = page(results, next_url=next_url, previous_url=previous_url)
    body["count"] = count
    return body


def dashboard(
    *,
    totals: JSON,
    top_products: Sequence[tuple[int, str, int, Decimal]],
    revenue_by_day: Sequence[tuple[dt.date, int, Decimal]],
    rating_by_category: Sequence[tuple[str, int, int]],
) -> JSON:
    """The staff dashboard from plain rows, already ordered by the caller's contract.

    ``top_products``: (id, name, units_sold, revenue); ``revenue_by_day``: (local date, orders,
    revenue); ``rating_by_category``: (category slug, review count, rating sum).
    """
    return {
        "totals": {**totals, "revenue": money(totals["revenue"])},
        "top_products": [
            {"id": pk, "name": name, "units_sold": units, "revenue": money(revenue)}
            for pk, name, units, revenue in top_products
        ],
        "revenue_by_day": [
            {"date": day.isoformat(), "orders": orders, "revenue": money(revenue)}
            for day, orders, revenue in revenue_by_day
        ],
        "rating_by_category": [
            {"category": slug, "review_count": count, "average_rating": average(total, count)}
            for slug, count, total in rating_by_category
        ],
    }
