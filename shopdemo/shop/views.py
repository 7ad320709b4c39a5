"""The optimized twins: the same JSON bodies as :mod:`shopdemo.shop.naive`, at the query floor.

Each endpoint is split in two: a ``*_body`` function that builds the response body as bytes
(the unit a cache can wrap) and a thin view that adds the access checks and the response.
Queries are built in the :mod:`shopdemo.shop.queries` package, cursors in
:mod:`shopdemo.shop.cursor`.
"""

from __future__ import annotations

from functools import partial

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from shopdemo.shop import cache, serializers
from shopdemo.shop.cursor import Cursor, CursorError, decode_cursor, encode_cursor
from shopdemo.shop.http import (
    PAGE_SIZE,
    BadRequest,
    NotFound,
    json_errors,
    login_required,
    page_url,
    parse_category,
    parse_page,
    parse_search,
    staff_required,
)
from shopdemo.shop.models import Order
from shopdemo.shop.queries.dashboard import fetch_dashboard
from shopdemo.shop.queries.orders import OrderRow, fetch_order, fetch_order_page
from shopdemo.shop.queries.pagination import PageNotFound
from shopdemo.shop.queries.products import fetch_product_detail, fetch_product_page


def body_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


def user_id(request: HttpRequest) -> int:
    # Views that call this are behind login_required, so the user is a saved User.
    pk = request.user.pk
    assert pk is not None
    return int(pk)


def parse_cursor(request: HttpRequest) -> Cursor | None:
    token = request.GET.get("cursor")
    if token is None:
        return None
    if "page" in request.GET:
        raise BadRequest("Give either cursor or page, not both.")
    try:
        return decode_cursor(token)
    except CursorError as exc:
        raise BadRequest(str(exc)) from None


def cursor_url(request: HttpRequest, order: Order, *, is_backward: bool) -> str:
    cursor = Cursor(created_at=order.created_at, pk=order.pk, is_backward=is_backward)
    return page_url(request, cursor=encode_cursor(cursor), page=None)


def product_list_body(request: HttpRequest) -> bytes:
    number, q, category_id = parse_page(request), parse_search(request), parse_category(request)
    try:
        page = fetch_product_page(search=q, category_id=category_id, number=number, size=PAGE_SIZE)
    except PageNotFound:
        raise NotFound(f"Page {number} does not exist.") from None
    results = [
        serializers.product_summary(
            row.product, tags=row.tags, review_count=row.review_count, rating_sum=row.rating_sum
        )
        for row in page.rows
    ]
    return serializers.render(
        serializers.counted_page(
            results,
            count=page.count,
            next_url=page_url(request, page=number + 1) if page.has_next else None,
            previous_url=page_url(request, page=number - 1) if page.has_previous else None,
        )
    )


def product_detail_body(pk: int) -> bytes:
    detail = fetch_product_detail(pk)
    if detail is None:
        raise NotFound(f"Product {pk} does not exist.")
    row = detail.row
    return serializers.render(
        serializers.product_detail(
            row.product,
            tags=row.tags,
            review_count=row.review_count,
            rating_sum=row.rating_sum,
            reviews=detail.latest_reviews,
        )
    )


def order_json(row: OrderRow) -> serializers.JSON:
    return serializers.order(row.order, lines=row.lines, item_count=row.item_count, total=row.total)


def order_list_body(request: HttpRequest) -> bytes:
    cursor = parse_cursor(request)
    number = 1 if cursor is not None else parse_page(request)
    try:
        page = fetch_order_page(user_id(request), cursor=cursor, number=number, size=PAGE_SIZE)
    except PageNotFound:
        raise NotFound(f"Page {number} does not exist.") from None
    # Links are cursors in both directions, also from a ?page=N request: clients follow them
    # as opaque URLs, and they stay correct when orders are added between requests.
    first, last = (page.rows[0].order, page.rows[-1].order) if page.rows else (None, None)
    next_url = previous_url = None
    if page.has_next and last is not None:
        next_url = cursor_url(request, last, is_backward=False)
    if page.has_previous and first is not None:
        previous_url = cursor_url(request, first, is_backward=True)
    results = [order_json(row) for row in page.rows]
    return serializers.render(
        serializers.page(results, next_url=next_url, previous_url=previous_url)
    )


def order_detail_body(request: HttpRequest, pk: int) -> bytes:
    row = fetch_order(user_id(request), pk)
    if row is None:
        # Another customer's order is indistinguishable from a missing one.
        raise NotFound(f"Order {pk} does not exist.")
    return serializers.render(order_json(row))


def dashboard_body() -> bytes:
    data = fetch_dashboard()
    return serializers.render(
        serializers.dashboard(
            totals=data.totals,
            top_products=data.top_products,
            revenue_by_day=data.revenue_by_day,
            rating_by_category=data.rating_by_category,
        )
    )


@require_GET
@json_errors
def product_list(request: HttpRequest) -> HttpResponse:
    return body_response(cache.product_list_page(request, partial(product_list_body, request)))


@require_GET
@json_errors
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return body_response(cache.product_detail_page(pk, partial(product_detail_body, pk)))


@require_GET
@login_required
@json_errors
def order_list(request: HttpRequest) -> HttpResponse:
    build = partial(order_list_body, request)
    return body_response(cache.order_list_page(request, user_id(request), build))


@require_GET
@login_required
@json_errors
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    build = partial(order_detail_body, request, pk)
    return body_response(cache.order_detail_page(user_id(request), pk, build))


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return body_response(cache.dashboard_page(dashboard_body))


__all__ = [
    "dashboard",
    "dashboard_body",
    "order_detail",
    "order_detail_body",
    "order_list",
    "order_list_body",
    "product_detail",
    "product_detail_body",
    "product_list",
    "product_list_body",
]
