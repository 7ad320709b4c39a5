"""The scenarios `perfaudit bench` gates, timed by pytest-benchmark through perfaudit's replay.

Where ``test_shopdemo_views_bench.py`` measures the views' own work on a large uncached shop,
this suite times exactly what ``perfaudit bench`` times: the twins declared in setup.cfg
``[perfaudit]``, planned by :func:`perfaudit.replay.audit.plan_requests` on data seeded by the setup
callable, with the cache as configured. pytest-benchmark keeps the history and compares runs
(``--benchmark-autosave``, ``--benchmark-compare``); ``extra_info`` carries each twin's view
query count and findings from one captured request.

``BENCH_SCALE`` (default 1000) is the scale given to the setup callable. Run with ``nox -s
bench``, on PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from perfaudit.boot.project import load_callable
from perfaudit.config.scan import ScanOptions, load_scan_config
from perfaudit.config.scenarios import Scenario
from perfaudit.replay.audit import RequestSpec, audit_request, client_for, plan_requests
from shopdemo.shop.seeding import flush_shop

# Per-process test database names and cache key prefixes, as in the test suite.
from tests.conftest import cache_key_prefix, django_db_modify_db_settings  # noqa: F401

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parent.parent
SCALE = int(os.environ.get("BENCH_SCALE", "1000"))
CONFIG = load_scan_config(ROOT, ScanOptions())
TWINS = [
    (scenario, twin)
    for scenario in CONFIG.scenarios
    for twin in (("naive", "optimized") if scenario.naive_path else ("optimized",))
]


@pytest.fixture(scope="module")
def planned(django_db_setup, django_db_blocker) -> Iterator[dict[str, RequestSpec]]:  # type: ignore[no-untyped-def]
    """The shop seeded once at SCALE by the configured setup callable, and the planned requests."""
    assert CONFIG.setup is not None, "setup.cfg [perfaudit] names no setup callable"
    with django_db_blocker.unblock():
        values = load_callable(CONFIG.setup)(scale=SCALE)
        specs = {spec.name: spec for spec in plan_requests(CONFIG, values)}
    yield specs
    with django_db_blocker.unblock():
        flush_shop()


@pytest.mark.parametrize(("scenario", "twin"), TWINS, ids=[f"{s.name}-{t}" for s, t in TWINS])
def test_twin(benchmark, planned, scenario: Scenario, twin: str) -> None:  # type: ignore[no-untyped-def]
    spec = planned[scenario.name if twin == "optimized" else f"{scenario.name}[naive]"]
    client = client_for(spec.user)
    audit = audit_request(client, spec, threshold=CONFIG.threshold, root=ROOT)
    assert (audit.status, audit.error) == (200, None), spec.path
    benchmark.group = f"{scenario.name} ({connection.vendor}, scale {SCALE})"
    benchmark.extra_info.update(
        twin=twin,
        view_queries=audit.view_query_count,
        framework_queries=audit.query_count - audit.view_query_count,
        findings=sorted({f"{f.kind} {f.model}.{f.field}" for f in audit.findings}),
    )
    # A naive twin can take seconds at the largest scale: a few rounds prove the point.
    rounds = 3 if twin == "naive" else 20
    benchmark.pedantic(
        client.generic, args=(spec.method, spec.path), rounds=rounds, iterations=1, warmup_rounds=1
    )
