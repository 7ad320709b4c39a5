"""Indexes: each one exists, and on PostgreSQL the planner really uses it for its query.

Plans are read from EXPLAIN of the very SQL the view ran (captured from the request). The
test tables are small, so sequential scans are switched off for the session: the question is
whether the index *can* serve the predicate and order, not whether it wins on 100 rows.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from shopdemo.shop.models import Order, Product, Review
from shopdemo.shop.seeding import seed_shop
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

TRIGRAM_INDEX = "product_name_upper_trgm_idx"
# Introspection names plain columns and reports an expression key as None (both backends).
EXPECTED = {
    Product: {
        "product_active_name_idx": ["name", "id", None],
        "product_cat_name_idx": ["category_id", "name", "id", None],
    },
    Review: {"review_latest_idx": ["product_id", "created_at", "id"]},
    Order: {"order_customer_keyset_idx": ["customer_id", "created_at", "id"]},
}


def indexes_of(model) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name: c["columns"] for name, c in constraints.items() if c["index"]}


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
def test_migrations_create_the_query_indexes(model) -> None:  # type: ignore[no-untyped-def]
    found = indexes_of(model)
    for name, columns in EXPECTED[model].items():
        assert found.get(name) == columns


@pytest.mark.postgres
def test_list_indexes_carry_the_search_expression(db) -> None:  # type: ignore[no-untyped-def]
    # The None above, spelled out: the very expression ``name__icontains`` compiles to.
    require_postgres()
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Product._meta.db_table)
    for name, keys in [
        ("product_active_name_idx", "name, id"),
        ("product_cat_name_idx", "category_id, name, id"),
    ]:
        definition = constraints[name]["definition"]
        assert definition.endswith(f"({keys}, upper((name)::text)) WHERE is_active"), definition


def test_trigram_index_exists_only_on_postgresql() -> None:
    assert (TRIGRAM_INDEX in indexes_of(Product)) == (connection.vendor == "postgresql")


def view_sql(client, path: str, params: dict[str, str], table: str) -> str:  # type: ignore[no-untyped-def]
    """The statement the view ran to read ``table``, literals inlined."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, params).status_code == 200
    prefix = f'SELECT "{table}"."id"'
    [sql] = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(prefix)]
    return sql


def init_plan(explained: str) -> str:
    """The one InitPlan of a plan (the product page's match count), with its child nodes."""
    lines = explained.splitlines()
    [start] = [i for i, line in enumerate(lines) if "InitPlan" in line]
    depth = len(lines[start]) - len(lines[start].lstrip())
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip()) <= depth:
            break
        block.append(line)
    return "\n".join(block)


def plan(sql: str, seqscan: bool = False) -> str:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(f"SET enable_seqscan = {'on' if seqscan else 'off'}")
        try:
            cursor.execute(f"EXPLAIN {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")


@pytest.fixture
def pg_shop(db):  # type: ignore[no-untyped-def]
    """Enough rows that plans are not all "read the whole table" (customer-1: ~1,600 orders)."""
    require_postgres()
    return seed_shop(products=600, customers=3, orders=3000, seed=11)


FILLER = """
    INSERT INTO shop_product
        (name, category_id, price, created_at, is_active, description, attributes)
    SELECT 'Filler ' || md5(n::text), %s, 1, now(), true, '', '{}'
    FROM generate_series(1, 30000) AS n
"""


@pytest.mark.postgres
def test_search_uses_the_trigram_index(pg_shop, client_as) -> None:
    # 30,000 more small products, inserted by SQL: a catalogue where an index must pay.
    with connection.cursor() as cursor:
        cursor.execute(FILLER, [Product.objects.order_by("id")[0].category_id])
    client = client_as(None)
    # The match count is the page statement's InitPlan and carries the bare predicate. (For
    # the page's rows PostgreSQL may rather read the name index in order until 20 rows match,
    # which is the better plan for a common term.)
    for q in ("123", "sleek oak", "Heavy-Duty", "ÉTÉ"):
        explained = plan(view_sql(client, "/api/products/", {"q": q}, "shop_product"))
        assert f"Bitmap Index Scan on {TRIGRAM_INDEX}" in init_plan(explained), explained


@pytest.mark.postgres
def test_order_list_reads_the_keyset_index_in_order(pg_shop, client_as) -> None:
    client = client_as("customer-1")
    first_page = client.get("/api/orders/").json()
    urls = {
        "first": "/api/orders/",
        "forward": first_page["next"],
        # From far down the listing back towards its start: many rows on that side.
        "backward": client.get("/api/orders/", {"page": "40"}).json()["previous"],
    }
    for name, url in urls.items():
        path, _, query = url.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&")) if query else {}
        explained = plan(view_sql(client, path, params, "shop_order"))
        assert re.search(r"Index Scan (Backward )?using order_customer_keyset_idx", explained), (
            name,
            explained,
        )
        # Read in index order and stopped at LIMIT: no sort of the customer's orders.
        assert "Sort" not in explained, (name, explained)
        if name != "first":
            # The keyset bound is part of the index range, not a filter applied afterwards.
            assert "Index Cond: ((customer_id = $" in explained and "AND (created_at " in explained


@pytest.mark.postgres
def test_product_page_reads_latest_reviews_from_their_index(pg_shop, client_as) -> None:
    busiest = (
        Review.objects.values("product_id").annotate(n=Count("id")).order_by("-n", "product_id")[0]
    )
    path = f"/api/products/{busiest['product_id']}/"
    explained = plan(view_sql(client_as(None), path, {}, "shop_review"))
    assert "review_latest_idx" in explained and "Sort" not in explained, explained


@pytest.mark.postgres
def test_product_list_pages_through_the_partial_name_indexes(pg_shop, client_as) -> None:
    client = client_as(None)
    explained = plan(view_sql(client, "/api/products/", {}, "shop_product"))
    assert "product_active_name_idx" in explained and "Sort" not in explained, explained
    # So does the match count. (Whether it reads the index alone depends on the visibility
    # map, which a freshly seeded test table lacks.)
    assert "product_active_name_idx" in init_plan(explained), explained
    category = str(Product.objects.filter(is_active=True).order_by("id")[0].category_id)
    explained = plan(view_sql(client, "/api/products/", {"category": category}, "shop_product"))
    assert "product_cat_name_idx" in explained and "Sort" not in explained, explained
    # Past page 1 the OFFSET skips entries of the index alone (no heap, no subqueries); only
    # the 20 kept rows are joined, annotated and sorted.
    explained = plan(view_sql(client, "/api/products/", {"page": "3"}, "shop_product"))
    assert re.search(
        r"Limit .*\n\s+->  Index Only Scan using product_active_name_idx", explained
    ), explained
    assert re.search(r"Sort  \(cost=[0-9.]+ rows=20 ", explained), explained
    # A search without a usable trigram finds its page's keys the same way on page 1 too,
    # testing the index's stored UPPER(name) rather than computing it for each row: EXPLAIN
    # wraps an index key in parentheses of its own, ``(upper((name)::text))``.
    explained = plan(view_sql(client, "/api/products/", {"q": "o"}, "shop_product"))
    assert re.search(
        r"Limit .*\n\s+->  Index Only Scan using product_active_name_idx .*\n"
        r"\s+Filter: \(\(upper\(\(name\)::text\)\) ~~ '%O%'::text\)",
        explained,
    ), explained
