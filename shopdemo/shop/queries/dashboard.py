"""The staff dashboard's figures, grouped and summed by the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from shopdemo.shop.models import Category, Customer, Order, OrderItem
from shopdemo.shop.queries.expressions import MONEY, scalar_count

TOP_PRODUCTS = 5
NOT_CANCELLED = ~Q(status=Order.Status.CANCELLED)


@dataclass(frozen=True)
class DashboardData:
    """Plain rows in the shapes :func:`shopdemo.shop.serializers.dashboard` takes."""

    totals: dict[str, Any]
    top_products: list[tuple[int, str, int, Decimal]]
    revenue_by_day: list[tuple[dt.date, int, Decimal]]
    rating_by_category: list[tuple[str, int, int]]


def fetch_dashboard() -> DashboardData:
    """The staff dashboard in three grouped queries (categories, days, top products).

    Shop-wide totals fold into those: reviews and active products are sums over categories
    (every product has one), orders and revenue sums over days. The customer count rides along
    the category query as an uncorrelated subquery, which the database evaluates once.
    """
    categories = list(
        Category.objects.order_by("slug")
        .annotate(
            review_count=Count("products__reviews"),
            rating_sum=Coalesce(Sum("products__reviews__rating"), 0),
            active_products=Count("products", filter=Q(products__is_active=True), distinct=True),
            customers=scalar_count(Customer.objects.all()),
        )
        .values_list("slug", "review_count", "rating_sum", "active_products", "customers")
    )
    # Without a category row nothing carries the customer count: ask for it (empty shops only).
    customers = categories[0][4] if categories else Customer.objects.count()

    days = list(
        Order.objects.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            orders=Count("pk", filter=NOT_CANCELLED, distinct=True),
            all_orders=Count("pk", distinct=True),
            revenue=Sum(
                F("items__quantity") * F("items__unit_price"),
                filter=NOT_CANCELLED,
                output_field=MONEY,
            ),
        )
        .order_by("day")
        .values_list("day", "orders", "all_orders", "revenue")
    )
    # Days with only cancelled orders exist for the total but not in the per-day listing.
    by_day = [(day, n, Decimal(rev or 0)) for day, n, _, rev in days if n]

    top = (
        OrderItem.objects.exclude(order__status=Order.Status.CANCELLED)
        .values("product_id", "product__name")
        .annotate(
            units=Sum("quantity"), revenue=Sum(F("quantity") * F("unit_price"), output_field=MONEY)
        )
        .order_by("-units", "-revenue", "product_id")
        .values_list("product_id", "product__name", "units", "revenue")[:TOP_PRODUCTS]
    )
    totals = {
        "products": sum(row[3] for row in categories),
        "customers": customers,
        "orders": sum(row[2] for row in days),
        "reviews": sum(row[1] for row in categories),
        "revenue": sum((rev for _, _, rev in by_day), Decimal(0)),
    }
    return DashboardData(
        totals=totals,
        top_products=[(pk, name, units, Decimal(rev)) for pk, name, units, rev in top],
        revenue_by_day=by_day,
        rating_by_category=[(slug, count, total) for slug, count, total, _, _ in categories],
    )


__all__ = ["DashboardData", "fetch_dashboard"]
