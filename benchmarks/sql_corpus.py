"""A corpus of real Django-generated SQL for the fingerprint benchmark and its grouping test.

The statements are compiled (not executed) from varied querysets of shopdemo's models by the
SQL compiler of the given connection, so SQLite and PostgreSQL each give their own dialect:
LIKE ... ESCAPE on one, UPPER(...::text) and UNNEST bulk inserts on the other. About a third is
written with its values inlined as SQL literals (what a database log shows), the rest with the
driver's placeholders (what ``execute_wrapper`` sees). Deterministic for a given seed; nothing
is stored on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum, sql
from django.db.models.expressions import Value

from shopdemo.shop.models import Category, Customer, Order, OrderItem, Product, Review, Tag

Statement = tuple[str, tuple[Any, ...]]
Builder = Callable[[random.Random, BaseDatabaseWrapper], Statement]

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
WORDS = ["lamp", "oak", "O'Brien", "chair", "50%", "wool", "steel", "x_y", "naïve", "desk"]
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"]


def build_corpus(
    size: int, *, seed: int = 0, connection: BaseDatabaseWrapper | None = None
) -> list[str]:
    """Return ``size`` SQL statements compiled for ``connection`` (default: the default alias)."""
    rng = random.Random(seed)
    conn = connection or default_connection
    corpus = []
    for builder in _cycle(rng):
        sql_text, params = builder(rng, conn)
        if rng.random() < 0.33:
            sql_text = sql_text % tuple(_literal(p) for p in params)
        if rng.random() < 0.05:  # sqlcommenter-style tag, as some projects add
            sql_text += f" /*controller='{rng.choice(WORDS)}',framework='django'*/"
        corpus.append(sql_text)
        if len(corpus) == size:
            return corpus
    raise AssertionError("unreachable")


def _cycle(rng: random.Random) -> Iterator[Builder]:
    while True:
        yield rng.choice(BUILDERS)


def _literal(value: Any) -> str:
    """Inline a parameter the way a database log prints it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        value = json.dumps(value)
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)
    return "'" + text.replace("'", "''") + "'"


def _select(qs: QuerySet[Any] | sql.Query, conn: BaseDatabaseWrapper) -> Statement:
    query = qs if isinstance(qs, sql.Query) else qs.query
    return query.get_compiler(connection=conn).as_sql()


def _ids(rng: random.Random, most: int = 60) -> list[int]:
    return rng.sample(range(1, 5000), rng.randint(1, most))


def _when(rng: random.Random) -> dt.datetime:
    return EPOCH + dt.timedelta(minutes=rng.randint(-90_000, 90_000))


def product_page(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    qs = Product.objects.filter(is_active=True)
    if rng.random() < 0.5:
        qs = qs.filter(name__icontains=rng.choice(WORDS))
    if rng.random() < 0.5:
        qs = qs.filter(category_id=rng.randint(1, 12))
    if rng.random() < 0.5:
        qs = qs.defer("description", "attributes")
    if rng.random() < 0.3:
        qs = qs.select_related("category")
    order = rng.choice([("name", "id"), ("-price", "id"), ("-created_at",)])
    start = rng.randint(0, 40) * 20
    return _select(qs.order_by(*order)[start : start + 20], conn)


def product_by_pk(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    return _select(Product.objects.filter(pk=rng.randint(1, 5000), is_active=True)[:21], conn)


def related_rows(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    pk = rng.randint(1, 5000)
    qs = rng.choice(
        [
            Review.objects.filter(product_id=pk).order_by("-created_at", "-id")[:10],
            OrderItem.objects.filter(order_id=pk).order_by("id"),
            Tag.objects.filter(products__id=pk),
            Customer.objects.filter(pk=pk)[:21],
            Category.objects.filter(pk=pk)[:21],
            get_user_model().objects.filter(pk=pk)[:21],
            Order.objects.filter(customer_id=pk).order_by("-created_at", "-id"),
        ]
    )
    return _select(qs, conn)


def prefetch_in(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    ids = _ids(rng)
    qs = rng.choice(
        [
            Review.objects.filter(product_id__in=ids),
            Tag.objects.filter(products__in=ids).annotate(_pk=F("products__id")),
            OrderItem.objects.filter(order_id__in=ids).select_related("product"),
            Customer.objects.filter(pk__in=ids).select_related("user"),
        ]
    )
    return _select(qs, conn)


def per_row_aggregate(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    pk = rng.randint(1, 5000)
    if rng.random() < 0.5:
        return _select(Review.objects.filter(product_id=pk).query.exists(limit=True), conn)
    qs = Review.objects.filter(product_id=pk).values("product_id").annotate(n=Count("id"))
    return _select(qs, conn)


def annotated_list(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    reviews = Review.objects.filter(product=OuterRef("pk"), rating__gte=rng.randint(1, 5))
    qs = Product.objects.annotate(
        review_count=Count("reviews"),
        rating_sum=Sum("reviews__rating"),
        has_reviews=Exists(reviews),
    ).filter(Q(price__lt=Decimal(rng.randint(1, 900))) | ~Q(category_id=rng.randint(1, 12)))
    return _select(qs.order_by("name")[: rng.choice([10, 20, 50])], conn)


def dashboard(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    statuses = rng.sample(STATUSES, rng.randint(1, 4))
    qs = rng.choice(
        [
            OrderItem.objects.filter(order__status__in=statuses)
            .values("product_id", "product__name")
            .annotate(units=Sum("quantity"), revenue=Sum(F("quantity") * F("unit_price")))
            .order_by("-units", "-revenue", "product_id")[:5],
            Order.objects.filter(created_at__gte=_when(rng), created_at__lt=_when(rng))
            .exclude(status__in=statuses)
            .order_by("created_at"),
            Category.objects.annotate(avg=Avg("products__reviews__rating")).order_by("slug"),
            Review.objects.filter(rating__gt=-rng.randint(0, 3), title__startswith="A")
            .annotate(tag=Value(rng.choice(WORDS)))
            .order_by("id"),
        ]
    )
    return _select(qs, conn)


def session_and_user(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    qs = rng.choice(
        [
            Session.objects.filter(session_key=key, expire_date__gt=_when(rng))[:21],
            get_user_model().objects.filter(pk=rng.randint(1, 500))[:21],
        ]
    )
    return _select(qs, conn)


def json_lookup(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    qs = rng.choice(
        [
            Product.objects.filter(attributes__color=rng.choice(WORDS)),
            Product.objects.filter(attributes__has_key=rng.choice(WORDS)),
            Product.objects.filter(attributes__contains={"size": rng.randint(1, 9)})
            if conn.features.supports_json_field_contains
            else Product.objects.filter(attributes__size=rng.randint(1, 9)),
        ]
    )
    return _select(qs.only("id", "name"), conn)


def bulk_insert(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    query = sql.InsertQuery(Tag)
    rows = [
        Tag(name=f"{rng.choice(WORDS)}-{rng.randint(1, 10**6)}") for _ in range(rng.randint(1, 40))
    ]
    query.insert_values([Tag._meta.get_field("name")], rows)
    statements = query.get_compiler(connection=conn).as_sql()
    return statements[0]


def write(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    pk = rng.randint(1, 5000)
    if rng.random() < 0.5:
        update = sql.UpdateQuery(rng.choice([Product, Order]))
        if update.model is Product:
            update.add_update_values({"price": Decimal(rng.randint(100, 99_999)) / 100})
        else:
            update.add_update_values({"status": rng.choice(STATUSES)})
        update.add_q(Q(pk=pk))
        return update.get_compiler(connection=conn).as_sql()
    delete = sql.DeleteQuery(Review)
    delete.add_q(Q(pk__in=_ids(rng, 8)))
    return delete.get_compiler(connection=conn).as_sql()


def savepoint(rng: random.Random, conn: BaseDatabaseWrapper) -> Statement:
    sid = f"s{rng.randint(10**11, 10**12)}_x{rng.randint(1, 9)}"
    make = rng.choice(
        [
            conn.ops.savepoint_create_sql,
            conn.ops.savepoint_commit_sql,
            conn.ops.savepoint_rollback_sql,
        ]
    )
    return make(sid), ()


BUILDERS: list[Builder] = [
    product_page,
    product_by_pk,
    related_rows,
    related_rows,
    prefetch_in,
    per_row_aggregate,
    annotated_list,
    dashboard,
    session_and_user,
    json_lookup,
    bulk_insert,
    write,
    savepoint,
]
