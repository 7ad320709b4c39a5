"""The naive twins: the API as a first version is usually written.

Plain querysets, related objects fetched row by row, counts, averages and totals computed in
Python loops, page-number pagination that counts every row. Their bodies are the contract that
the optimized views in :mod:`shopdemo.shop.views` reproduce byte for byte. Do not optimize them:
they are what perfaudit must flag.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from shopdemo.shop import serializers
from shopdemo.shop.http import (
    PAGE_SIZE,
    error_response,
    json_errors,
    json_response,
    login_required,
    page_url,
    parse_category,
    parse_page,
    parse_search,
    staff_required,
)
from shopdemo.shop.models import Category, Customer, Order, Product

REVIEWS_ON_PAGE = 10
TOP_PRODUCTS = 5


def tag_names(product: Product) -> list[str]:
    return [tag.name for tag in product.tags.all()]


def review_stats(product: Product) -> tuple[int, int]:
    ratings = [r.rating for r in product.reviews.all()]
    return len(ratings), sum(ratings)


def customer_orders(request: HttpRequest) -> QuerySet[Order]:
    try:
        customer = request.user.customer  # type: ignore[union-attr]
    except Customer.DoesNotExist:
        return Order.objects.none()
    return Order.objects.filter(customer=customer)


def order_body(order: Order) -> dict[str, Any]:
    lines = [
        serializers.OrderLine(
            item.pk, item.product.pk, item.product.name, item.quantity, item.unit_price
        )
        for item in order.items.order_by("id")
    ]
    total = Decimal(0)
    units = 0
    for line in lines:
        total += line.quantity * line.unit_price
        units += line.quantity
    return serializers.order(order, lines=lines, item_count=units, total=total)


@require_GET
@json_errors
def product_list(request: HttpRequest) -> HttpResponse:
    number, q, category_id = parse_page(request), parse_search(request), parse_category(request)
    products = Product.objects.filter(is_active=True).order_by("name", "id")
    if q:
        products = products.filter(name__icontains=q)
    if category_id is not None:
        products = products.filter(category_id=category_id)
    paginator = Paginator(products, PAGE_SIZE)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return error_response(f"Page {number} does not exist.", 404)
    results = []
    for product in page.object_list:
        count, total = review_stats(product)
        results.append(
            serializers.product_summary(
                product, tags=tag_names(product), review_count=count, rating_sum=total
            )
        )
    body = serializers.counted_page(
        results,
        count=paginator.count,
        next_url=page_url(request, page=number + 1) if page.has_next() else None,
        previous_url=page_url(request, page=number - 1) if page.has_previous() else None,
    )
    return json_response(body)


@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        product = Product.objects.get(pk=pk, is_active=True)
    except Product.DoesNotExist:
        return error_response(f"Product {pk} does not exist.", 404)
    count, total = review_stats(product)
    latest = list(product.reviews.order_by("-created_at", "-id")[:REVIEWS_ON_PAGE])
    body = serializers.product_detail(
        product, tags=tag_names(product), review_count=count, rating_sum=total, reviews=latest
    )
    return json_response(body)


@require_GET
@login_required
@json_errors
def order_list(request: HttpRequest) -> HttpResponse:
    number = parse_page(request)
    paginator = Paginator(customer_orders(request).order_by("-created_at", "-id"), PAGE_SIZE)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return error_response(f"Page {number} does not exist.", 404)
    body = serializers.page(
        [order_body(order) for order in page.object_list],
        next_url=page_url(request, page=number + 1) if page.has_next() else None,
        previous_url=page_url(request, page=number - 1) if page.has_previous() else None,
    )
    return json_response(body)


@require_GET
@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = customer_orders(request).get(pk=pk)
    except Order.DoesNotExist:
        # Another customer's order is indistinguishable from a missing one.
        return error_response(f"Order {pk} does not exist.", 404)
    return json_response(order_body(order))


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    revenue = Decimal(0)
    units_by_product: dict[int, int] = defaultdict(int)
    revenue_by_product: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, str] = {}
    by_day: dict[Any, list[Any]] = {}
    orders = 0
    for order in Order.objects.all():
        orders += 1
        if order.status == Order.Status.CANCELLED:
            continue
        day = by_day.setdefault(serializers.local_date(order.created_at), [0, Decimal(0)])
        day[0] += 1
        for item in order.items.all():
            line = item.quantity * item.unit_price
            revenue += line
            day[1] += line
            units_by_product[item.product_id] += item.quantity
            revenue_by_product[item.product_id] += line
            names[item.product_id] = item.product.name
    ranked = sorted(
        units_by_product, key=lambda pk: (-units_by_product[pk], -revenue_by_product[pk], pk)
    )
    top = [
        (pk, names[pk], units_by_product[pk], revenue_by_product[pk])
        for pk in ranked[:TOP_PRODUCTS]
    ]

    ratings = []
    review_total = 0
    for category in Category.objects.order_by("slug"):
        count = total = 0
        for product in category.products.all():
            for review in product.reviews.all():
                count += 1
                total += review.rating
        review_total += count
        ratings.append((category.slug, count, total))

    totals = {
        "products": len([p for p in Product.objects.all() if p.is_active]),
        "customers": len(Customer.objects.all()),
        "orders": orders,
        "reviews": review_total,
        "revenue": revenue,
    }
    body = serializers.dashboard(
        totals=totals,
        top_products=top,
        revenue_by_day=[(day, n, amount) for day, (n, amount) in sorted(by_day.items())],
        rating_by_category=ratings,
    )
    return json_response(body)


__all__ = ["dashboard", "order_detail", "order_list", "product_detail", "product_list"]
