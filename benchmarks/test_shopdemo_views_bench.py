"""shopdemo's naive twins against the optimized views, through the test client, uncached.

Run with ``DATABASE_URL=postgres://... pytest benchmarks/test_shopdemo_views_bench.py -m
benchmark`` (or ``nox -s bench``). The shop is seeded once into the test database: 10,000
products and 105,000 orders, all of one customer so that the order list is 5,250 pages deep.
``BENCH_PRODUCTS`` and ``BENCH_ORDERS`` shrink it for a quick trial. The page cache is replaced
by a dummy: these numbers are the queries' work, not the cache's.

Each naive benchmark also times its optimized twin (best of several runs) and records the
ratio (wall clock and SQL time) in ``extra_info``; the issue's goals (list endpoints 5x, deep
order pages 30x) are recorded next to it and a miss is reported as a warning.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client, override_settings

from shopdemo.shop.cursor import Cursor, encode_cursor
from shopdemo.shop.models import Order, Product
from shopdemo.shop.seeding import flush_shop, seed_shop

# Per-process test database names, as in the test suite: other runs may share the server.
from tests.conftest import django_db_modify_db_settings  # noqa: F401

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "10000"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "105000"))
DEEP_PAGE = min(5000, ORDERS // 20)
UNCACHED = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@dataclass(frozen=True)
class Scenario:
    """One endpoint, both twins: ``{product}``, ``{order}`` and ``{deep}`` are filled in."""

    name: str
    optimized: str
    baseline: str  # the naive twin, or for deep pages also the optimized view's OFFSET path
    user: str | None = None
    goal: float | None = None  # minimum speed-up the issue asks for, if any
    rounds: int = 5


SCENARIOS = [
    Scenario("product_list", "/api/products/", "/api/naive/products/", goal=5),
    Scenario("product_search", "/api/products/?q=oak", "/api/naive/products/?q=oak", goal=5),
    Scenario(
        "product_category", "/api/products/?category={category}",
        "/api/naive/products/?category={category}", goal=5,
    ),
    Scenario("product_detail", "/api/products/{product}/", "/api/naive/products/{product}/"),
    Scenario("order_list", "/api/orders/", "/api/naive/orders/", user="customer-1", goal=5),
    Scenario(
        "order_detail", "/api/orders/{order}/", "/api/naive/orders/{order}/", user="customer-1"
    ),
    # Deep in the listing: the cursor page against the naive COUNT + OFFSET page ...
    Scenario(
        "order_list_deep", "/api/orders/?cursor={deep}", "/api/naive/orders/?page={page}",
        user="customer-1", goal=30,
    ),
    # ... and against the optimized view's own OFFSET path for old ?page=N clients.
    Scenario(
        "order_list_deep_offset", "/api/orders/?cursor={deep}", "/api/orders/?page={page}",
        user="customer-1",
    ),
    Scenario(
        "dashboard", "/api/admin/dashboard/", "/api/naive/admin/dashboard/", user="staff",
        rounds=1,
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def big_shop(django_db_setup, django_db_blocker) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Seed once for the module (committed to the test database), flush at the end."""
    with django_db_blocker.unblock(), override_settings(CACHES=UNCACHED):
        seed_shop(products=PRODUCTS, customers=1, orders=ORDERS, seed=1)
        if connection.vendor == "postgresql":
            # The steady state autovacuum keeps: statistics, and a visibility map that lets
            # COUNTs read the partial name index alone. Both twins run the same COUNT.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        product = Product.objects.filter(is_active=True, reviews__isnull=False).order_by("id")[0]
        listing = Order.objects.order_by("-created_at", "-id").values_list("created_at", "pk")
        # The last row of page DEEP_PAGE - 1: its forward cursor opens page DEEP_PAGE.
        created_at, pk = listing[(DEEP_PAGE - 1) * 20 - 1]
        values = {
            "product": str(product.pk),
            "category": str(product.category_id),
            "order": str(listing[0][1]),
            "deep": encode_cursor(Cursor(created_at=created_at, pk=pk)),
            "page": str(DEEP_PAGE),
        }
    yield values
    with django_db_blocker.unblock(), override_settings(CACHES=UNCACHED):
        flush_shop()


def client_for(username: str | None) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    if username is not None:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def get(client: Client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, (path, response.content[:200])
    return bytes(response.content)


class SqlClock:
    """An execute wrapper adding up the time of a request's own statements.

    The middleware's session and user lookups (made first, for logged-in clients only) are
    left out, as in the query budgets of the test suite.
    """

    def __init__(self, is_logged_in: bool) -> None:
        self.is_logged_in = is_logged_in
        self.seconds = 0.0
        self.skip_user = is_logged_in

    def start(self) -> None:
        self.seconds, self.skip_user = 0.0, self.is_logged_in

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if sql.startswith('SELECT "django_session"'):
                pass
            elif self.skip_user and sql.startswith('SELECT "auth_user"'):
                self.skip_user = False
            else:
                self.seconds += time.perf_counter() - started


@dataclass
class Timings:
    """Wall-clock and SQL seconds of each request to one path."""

    wall: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)

    def ratio_to(self, other: Timings) -> tuple[float, float]:
        return min(self.wall) / min(other.wall), min(self.sql) / min(other.sql)


def timed_get(client: Client, path: str, clock: SqlClock, timings: Timings) -> bytes:
    clock.start()
    started = time.perf_counter()
    body = get(client, path)
    timings.wall.append(time.perf_counter() - started)
    timings.sql.append(clock.seconds)
    return body


def group_of(scenario: Scenario) -> str:
    return f"{scenario.name} ({connection.vendor}, {PRODUCTS} products, {ORDERS} orders)"


def results_of(body: bytes) -> object:
    data = json.loads(body)
    return data.get("results", data) if isinstance(data, dict) else data


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_optimized(benchmark, big_shop, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = group_of(scenario)
    client, path = client_for(scenario.user), scenario.optimized.format(**big_shop)
    with override_settings(CACHES=UNCACHED):
        benchmark.pedantic(get, args=(client, path), rounds=20, iterations=1, warmup_rounds=2)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_baseline(benchmark, big_shop, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = group_of(scenario)
    client = client_for(scenario.user)
    baseline_path = scenario.baseline.format(**big_shop)
    optimized_path = scenario.optimized.format(**big_shop)
    clock = SqlClock(is_logged_in=scenario.user is not None)
    baseline, optimized = Timings(), Timings()
    # The optimized twin is timed between the baseline's rounds and after them: on a shared
    # machine a burst of load then hits both sides of the ratio alike.
    with override_settings(CACHES=UNCACHED), connection.execute_wrapper(clock):
        baseline_body = benchmark.pedantic(
            timed_get,
            args=(client, baseline_path, clock, baseline),
            setup=lambda: timed_get(client, optimized_path, clock, optimized) and None,
            rounds=scenario.rounds,
            iterations=1,
        )
        for _ in range(10):
            optimized_body = timed_get(client, optimized_path, clock, optimized)
    # Same results (links aside), so the two timings are of the same answer.
    assert results_of(baseline_body) == results_of(optimized_body)
    wall_ratio, sql_ratio = baseline.ratio_to(optimized)
    benchmark.extra_info.update(
        ratio=round(wall_ratio, 1),
        sql_ratio=round(sql_ratio, 1),
        sql_ms=round(min(baseline.sql) * 1000, 2),
        optimized_sql_ms=round(min(optimized.sql) * 1000, 2),
        goal=scenario.goal,
    )
    if scenario.goal is not None and wall_ratio < scenario.goal:
        # Recorded and reported, not failed: wall time includes Django's fixed cost per request,
        # which the queries do not control and which varies with the machine's load.
        warnings.warn(
            f"{scenario.name}: {wall_ratio:.1f}x faster (goal {scenario.goal}x), "
            f"{sql_ratio:.1f}x in SQL time.",
            stacklevel=1,
        )
