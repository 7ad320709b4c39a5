"""Query building for the optimized views: every queryset they run is made here.

Rules kept throughout, each tied to a measured problem of the naive twins:

* to-one rows come with ``select_related``; to-many rows (a product's tags, an order's lines)
  come as a JSON array from one correlated subquery per row (:class:`JsonArrayAgg`), so that
  a page is one query: a ``prefetch_related`` costs a round trip, its SQL compilation and
  model instances per related row, which on these pages weighed more than the rows' SQL;
* counts, sums and totals are computed by the database, as integer sums and counts rather
  than ``AVG`` (PostgreSQL's integer AVG differs from Python's in the last float digit), and
  per-row figures on paginated lists come from correlated subqueries, which the database runs
  only for the rows that survive LIMIT (a JOIN + GROUP BY before LIMIT aggregates the table);
* list views ``defer`` the large ``description`` and ``attributes`` fields and never read them.

The unfiltered querysets (annotations, joins, column lists) are built once per process by the
cached ``*_shape`` functions and only filtered per request: building the correlated subqueries
anew cost about 0.4 ms a request, as much as the database spent on the page. Querysets are lazy
and every filter clones, so the shared ones are never evaluated or changed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    F,
    Field,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate

from shopdemo.shop.cursor import Cursor
from shopdemo.shop.models import Category, Customer, Order, OrderItem, Product, Review
from shopdemo.shop.prepared import Prepared
from shopdemo.shop.serializers import CENT, OrderLine

LIST_DEFERRED = ("description", "attributes")
LATEST_REVIEWS = 10
# What a review in a product page shows, down to the author's name fields.
REVIEW_FIELDS = (
    "id", "rating", "title", "body", "created_at", "author__id",
    "author__user__username", "author__user__first_name", "author__user__last_name",
)  # fmt: skip
TOP_PRODUCTS = 5
# Wide enough for a whole shop's revenue: SQLite's decimal converter rejects wider values.
MONEY = DecimalField(max_digits=20, decimal_places=2)
NOT_CANCELLED = ~Q(status=Order.Status.CANCELLED)
NEWEST_FIRST = ("-created_at", "-id")

M = TypeVar("M", bound=Model)


class PageNotFound(LookupError):
    """The requested page number lies past the last page."""


@dataclass(frozen=True)
class ProductRow:
    """A product with its review figures, computed by the database."""

    product: Product
    tags: list[str]
    review_count: int
    rating_sum: int


@dataclass(frozen=True)
class ProductPage:
    rows: list[ProductRow]
    count: int
    has_next: bool
    has_previous: bool


@dataclass(frozen=True)
class ProductDetail:
    row: ProductRow
    latest_reviews: list[Review]


@dataclass(frozen=True)
class OrderRow:
    """An order with its lines, unit count and total, all from the database."""

    order: Order
    lines: list[OrderLine]
    item_count: int
    total: Decimal


@dataclass(frozen=True)
class OrderPage:
    rows: list[OrderRow]
    has_next: bool
    has_previous: bool


@dataclass(frozen=True)
class DashboardData:
    """Plain rows in the shapes :func:`shopdemo.shop.serializers.dashboard` takes."""

    totals: dict[str, Any]
    top_products: list[tuple[int, str, int, Decimal]]
    revenue_by_day: list[tuple[dt.date, int, Decimal]]
    rating_by_category: list[tuple[str, int, int]]


def annotation(obj: object, name: str) -> Any:
    """An annotated value of a model instance (django-stubs cannot see annotations)."""
    return getattr(obj, name)


def scalar_count(queryset: QuerySet[Any]) -> Subquery:
    """``(SELECT COUNT(*) ...)`` for use as an expression; zero on no rows, never NULL."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def grouped_sum(queryset: QuerySet[Any], group: str, expression: Any, output: Any) -> Coalesce:
    """A correlated ``SUM`` over ``queryset`` grouped by ``group``, zero when no row matches."""
    summed = queryset.order_by().values(group).annotate(s=Sum(expression)).values("s")
    return Coalesce(Subquery(summed, output_field=output), Value(0), output_field=output)


class JsonArray(Func):
    """A JSON array of the expressions: ``JSON_BUILD_ARRAY`` on PostgreSQL, ``JSON_ARRAY`` on
    SQLite. Nested JSON values (arrays from :class:`JsonArrayAgg`) stay JSON, not strings."""

    function = "JSON_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSON_BUILD_ARRAY", **extra)


class JsonArrayAgg(Aggregate):
    """A group's values as a JSON array, in no particular order: ``JSON_AGG`` on PostgreSQL,
    ``JSON_GROUP_ARRAY`` on SQLite.

    Cast the outermost JSON value to text (``Cast(..., TextField())``): psycopg decodes
    PostgreSQL's ``json`` type itself, without ``parse_float=Decimal``, SQLite returns text.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSON_AGG", **extra)


def with_review_stats_and_tags(products: QuerySet[Product]) -> QuerySet[Product]:
    """Products with their review count and rating sum, and their tag names as JSON text.

    The tag names come as a correlated subquery rather than a ``prefetch_related``: one query
    for the page, no related managers (on 10,000 products the prefetch cost a round trip, its
    SQL compilation and two model instances per tag link, most of a millisecond a page).
    """
    reviews = Review.objects.filter(product=OuterRef("pk"))
    links = Product.tags.through.objects.filter(product=OuterRef("pk")).order_by()
    grouped = links.values("product").annotate(names=Cast(JsonArrayAgg("tag__name"), TextField()))
    # django-stubs cannot see annotations of the auto-created through model's querysets.
    names = grouped.values("names")  # type: ignore[misc]
    return products.annotate(
        review_count=scalar_count(reviews),
        rating_sum=grouped_sum(reviews, "product", F("rating"), IntegerField()),
        tag_names=Subquery(names, output_field=TextField()),
    )


def product_row(product: Product) -> ProductRow:
    encoded = annotation(product, "tag_names")
    return ProductRow(
        product=product,
        tags=json.loads(encoded) if encoded else [],
        review_count=int(annotation(product, "review_count")),
        rating_sum=int(annotation(product, "rating_sum")),
    )


@cache
def product_list_shape() -> QuerySet[Product]:
    """Products with review figures, tags and category, large fields deferred: a list's rows."""
    products = Product.objects.select_related("category").defer(*LIST_DEFERRED)
    return with_review_stats_and_tags(products)


@cache
def product_detail_shape() -> QuerySet[Product]:
    """Active products with review figures, tags and category: a product page's row."""
    products = Product.objects.filter(is_active=True).select_related("category")
    return with_review_stats_and_tags(products)


def window(
    shape: QuerySet[M],
    where: Q,
    ordering: Sequence[str],
    offset: int,
    limit: int,
    *,
    by_keys: bool = False,
) -> QuerySet[M]:
    """Rows ``offset`` to ``offset + limit`` of ``shape`` filtered by ``where``, in ``ordering``.

    ``shape`` carries the annotations and joins. Past the first page, OFFSET runs over bare
    primary keys in a subquery and the annotations apply to the kept rows only: on the outer
    query PostgreSQL evaluates every correlated subquery for each skipped row too (measured at
    page 5,000 of 105k orders: 2.2 s against 0.4 s for the naive twin). The first page needs
    no detour, unless ``by_keys`` asks for it: when ``where`` is best tested on an index's
    own keys, which only an Index Only Scan of the bare keys does (see
    :func:`fetch_product_page`).
    """
    if not offset and not by_keys:
        return shape.filter(where).order_by(*ordering)[:limit]
    rows = shape.model._default_manager.filter(where).order_by(*ordering)
    kept = rows.values("pk")[offset : offset + limit]
    return shape.filter(pk__in=Subquery(kept)).order_by(*ordering)


def fetch_product_page(
    *, search: str, category_id: int | None, number: int, size: int
) -> ProductPage:
    """One page of active products by (name, id) with their tags and the match count: one query.

    The count rides on every row of the page as an uncorrelated scalar subquery, which
    PostgreSQL runs once (an InitPlan), rather than as a COUNT query of its own: one round trip
    and one SQL compilation fewer (0.15-0.4 ms and ~0.5 ms measured). The price is that the page
    query runs before the page number is known to exist, which is cheap: past the end OFFSET
    skips index entries only (see :func:`window`) and returns no row.

    Page numbers behave as Django's ``Paginator``: page 1 of nothing exists, past the last page
    does not. No row means exactly one of the two, since a page past the first is empty only
    when its offset reaches the count. ``search`` is matched with ``icontains`` exactly as the
    naive twin does, so the results are the same. On PostgreSQL the ``UPPER(name)`` trigram
    index (migration 0003) serves that lookup for rare terms, and the stored ``UPPER(name)``
    key of the list indexes (migration 0004) for the others, but only in an Index Only Scan:
    a plain Index Scan or Seq Scan computes ``UPPER()`` per row. Searches therefore find the
    page's keys in a subquery on the first page too (:func:`window` ``by_keys``); on 10,000
    products a term without a usable trigram that matches nothing (``?q=zz``) took 3.4 ms
    directly and 1.2 ms so, a common one (``?q=oak``) 1.7 ms either way, a rare one 0.05-0.2 ms
    more (0.35 -> 0.40 ms, 0.97 -> 1.18 ms).
    """
    where = Q(is_active=True)
    if search:
        where &= Q(name__icontains=search)
    if category_id is not None:
        where &= Q(category_id=category_id)
    shape = product_list_shape().annotate(matching=scalar_count(Product.objects.filter(where)))
    offset = (number - 1) * size
    page = window(shape, where, ("name", "id"), offset, size, by_keys=bool(search))
    products = list(page)
    if not products:
        if number > 1:
            raise PageNotFound(number)
        return ProductPage(rows=[], count=0, has_next=False, has_previous=False)
    count = int(annotation(products[0], "matching"))
    return ProductPage(
        rows=[product_row(p) for p in products],
        count=count,
        has_next=number < math.ceil(count / size),
        has_previous=number > 1,
    )


def fetch_product_detail(pk: int) -> ProductDetail | None:
    """An active product with its tags and latest reviews (two queries), or None."""
    product = product_detail_shape().filter(pk=pk).first()
    if product is None:
        return None
    latest = (
        Review.objects.filter(product_id=product.pk)
        .select_related("author__user")
        .only(*REVIEW_FIELDS)
        .order_by("-created_at", "-id")[:LATEST_REVIEWS]
    )
    return ProductDetail(row=product_row(product), latest_reviews=list(latest))


def customer_orders(user_id: int) -> Q:
    """The filter for the orders of the customer behind ``user_id`` (none for non-customers).

    The customer id comes from a scalar subquery rather than a JOIN so that PostgreSQL sees
    ``customer_id = $1`` and can read the (customer, created_at, id) index in order and stop
    at LIMIT; through a JOIN it sorts all of the customer's orders first.
    """
    customer = Customer.objects.filter(user_id=user_id).values("pk")[:1]
    return Q(customer_id=Subquery(customer))


@cache
def order_shape() -> QuerySet[Order]:
    """Orders, each with ``[units, total, lines]`` as JSON text from one correlated subquery.

    The units and total are summed by the database; the lines come along as arrays of their
    fields, so a page of orders is one query. Measured deep in a 105k-order listing on
    PostgreSQL: fetching the lines separately cost a second round trip, its compilation and a
    model instance per line and product (1.2 ms of a 2.8 ms page), and separate subqueries for
    the units and the total cost 0.3 ms more than this one (the page read in 2.06 ms, now
    1.75 ms). See :func:`order_row` for the decoding.
    """
    items = OrderItem.objects.filter(order=OuterRef("pk")).order_by().values("order")
    summary = JsonArray(
        Sum("quantity"),
        Sum(F("quantity") * F("unit_price"), output_field=MONEY),
        JsonArrayAgg(JsonArray("id", "product_id", "product__name", "quantity", "unit_price")),
    )
    summaries = items.annotate(summary=Cast(summary, TextField())).values("summary")
    return Order.objects.annotate(summary=Subquery(summaries, output_field=TextField()))


def order_row(order: Order) -> OrderRow:
    """An order of :func:`order_shape` with its decoded summary; lines in ``id`` order.

    Numbers are read with ``parse_float=Decimal``: PostgreSQL writes numerics exactly, SQLite
    writes its REAL decimals with 15 to 17 significant digits (by version), and Django's own
    SQLite converter reads the same floats; both are rounded to cents. An order without lines
    has no group, hence no summary.
    """
    encoded = annotation(order, "summary")
    units, total, rows = json.loads(encoded, parse_float=Decimal) if encoded else (0, 0, [])
    return OrderRow(
        order=order,
        lines=sorted(
            OrderLine(pk, product_id, name, quantity, Decimal(price).quantize(CENT))
            for pk, product_id, name, quantity, price in rows
        ),
        item_count=units,
        total=Decimal(total).quantize(CENT),
    )


def order_rows(orders: Sequence[Order]) -> list[OrderRow]:
    return [order_row(order) for order in orders]


def keyset_filter(cursor: Cursor) -> Q:
    """Rows strictly after (forward) or before (backward) the cursor in the listing order.

    The listing runs by (created_at, id) descending, so "after" means smaller. The redundant
    bound on ``created_at`` alone is what lets PostgreSQL turn the predicate into an index
    range; the bare OR form makes it read every row from the start, as OFFSET does.
    """
    ts, pk = cursor.created_at, cursor.pk
    if cursor.is_backward:
        return Q(created_at__gte=ts) & (Q(created_at__gt=ts) | Q(created_at=ts, pk__gt=pk))
    return Q(created_at__lte=ts) & (Q(created_at__lt=ts) | Q(created_at=ts, pk__lt=pk))


# Samples to compile the order queries with (see shopdemo.shop.prepared): no real row has them.
SAMPLES = {
    "user_id": -424_242,
    "pk": -434_343,
    "created_at": dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC),
}


def order_values(*names: str) -> dict[str, Field[Any, Any]]:
    """The fields the named values of an order query are compared with."""
    fields: dict[str, Field[Any, Any]] = {
        "user_id": Customer._meta.get_field("user"),
        "pk": Order._meta.get_field("id"),
        "created_at": Order._meta.get_field("created_at"),
    }
    return {name: fields[name] for name in names}


def prepared(build: Callable[..., QuerySet[Order]], *names: str) -> Prepared[Order]:
    return Prepared(Order, build, order_values(*names), {name: SAMPLES[name] for name in names})


@cache
def first_order_page(size: int) -> Prepared[Order]:
    """The newest ``size + 1`` orders of the customer behind ``user_id``."""

    def build(user_id: int) -> QuerySet[Order]:
        return order_shape().filter(customer_orders(user_id)).order_by(*NEWEST_FIRST)[: size + 1]

    return prepared(build, "user_id")


@cache
def keyset_order_page(size: int, *, is_backward: bool) -> Prepared[Order]:
    """``size + 1`` orders after (or before) the cursor ``(created_at, pk)``, nearest first.

    LIMIT without OFFSET: the database stops after ``size + 1`` rows of the index range.
    """
    ordering = ("created_at", "id") if is_backward else NEWEST_FIRST

    def build(user_id: int, created_at: dt.datetime, pk: int) -> QuerySet[Order]:
        cursor = Cursor(created_at=created_at, pk=pk, is_backward=is_backward)
        after = order_shape().filter(customer_orders(user_id), keyset_filter(cursor))
        return after.order_by(*ordering)[: size + 1]

    return prepared(build, "user_id", "created_at", "pk")


@cache
def one_order() -> Prepared[Order]:
    """The order ``pk`` if it is the customer's."""

    def build(user_id: int, pk: int) -> QuerySet[Order]:
        return order_shape().filter(customer_orders(user_id), pk=pk)[:1]

    return prepared(build, "user_id", "pk")


def fetch_order_page(user_id: int, *, cursor: Cursor | None, number: int, size: int) -> OrderPage:
    """A page of a customer's orders, newest first, without counting them.

    With a cursor, keyset pagination; otherwise page ``number`` by OFFSET (page 1 is the start
    of the keyset walk; other numbers are for old clients). One row beyond ``size`` is read to
    learn whether another page follows. The first page and the keyset pages are
    :class:`~shopdemo.shop.prepared.Prepared` statements.
    """
    if cursor is None and number == 1:
        fetched = list(first_order_page(size).run(user_id=user_id))
        return OrderPage(
            rows=order_rows(fetched[:size]), has_next=len(fetched) > size, has_previous=False
        )
    if cursor is None:
        offset = (number - 1) * size
        mine = customer_orders(user_id)
        fetched = list(window(order_shape(), mine, NEWEST_FIRST, offset, size + 1))
        if not fetched:
            raise PageNotFound(number)
        return OrderPage(
            rows=order_rows(fetched[:size]), has_next=len(fetched) > size, has_previous=True
        )
    page = keyset_order_page(size, is_backward=cursor.is_backward)
    fetched = list(page.run(user_id=user_id, created_at=cursor.created_at, pk=cursor.pk))
    if cursor.is_backward:
        return OrderPage(
            rows=order_rows(fetched[:size][::-1]),
            has_next=True,
            has_previous=len(fetched) > size,
        )
    return OrderPage(
        rows=order_rows(fetched[:size]), has_next=len(fetched) > size, has_previous=True
    )


def fetch_order(user_id: int, pk: int) -> OrderRow | None:
    """One of the customer's orders with its lines (one query), or None."""
    rows = order_rows(list(one_order().run(user_id=user_id, pk=pk)))
    return rows[0] if rows else None


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


__all__: Sequence[str] = [
    "DashboardData",
    "OrderPage",
    "OrderRow",
    "PageNotFound",
    "ProductDetail",
    "ProductPage",
    "ProductRow",
    "fetch_dashboard",
    "fetch_order",
    "fetch_order_page",
    "fetch_product_detail",
    "fetch_product_page",
]
