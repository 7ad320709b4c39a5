"""What capture and detection cost through the public ``perfaudit`` fixture, uncached.

Run with ``pytest benchmarks/test_fixture_overhead.py -m benchmark`` (or ``nox -s bench``),
with DATABASE_URL set for PostgreSQL. Only public surfaces are used: the pytest plugin's
``perfaudit`` fixture, Django and shopdemo. The shop is seeded as ``perfaudit scan`` seeds it
(``shopdemo.perfaudit_setup.setup`` at setup.cfg's ``scan_scale``), and each round replays the
ten requests scan replays (setup.cfg's scenarios, both twins) through the test client. The
page cache is a dummy for the whole module, so every request runs its queries; the rounds
check it (the query counts of every round are the same).

A round is measured three ways, as process CPU time (other processes on a shared machine skew
wall time; on PostgreSQL the server's share is left out, which makes the ratios pessimistic):

* ``plain``: the requests alone;
* ``capture_queries_context``: each request inside Django's ``CaptureQueriesContext``;
* ``perfaudit``: a test using the fixture, as a user writes one: ``perfaudit.reset()`` before
  each request and ``perfaudit.findings()`` (detection) after it.

The fixture captures for the whole test that uses it, so each round of each way is its own
test, and the tests run round by round, the order of the three ways rotating, so that all
three see the same machine. The fixture's setup and teardown (once per test) are not timed.
``test_fixture_overhead`` runs last: it puts the median CPU per round of each way and the
overhead of each over ``plain`` (the median of the per-round ratios) in ``extra_info``, and
times rounds of the fixture way on the wall clock for pytest-benchmark's table.
``FIXTURE_BENCH_ROUNDS`` sets the number of rounds (default 31).
"""

from __future__ import annotations

import configparser
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from benchmarks.test_shopdemo_views_bench import client_for
from shopdemo.perfaudit_setup import setup
from shopdemo.shop.seeding import flush_shop

# Per-process test database names, as in the test suite: other runs may share the server.
from tests.conftest import django_db_modify_db_settings  # noqa: F401

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

REPO = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("FIXTURE_BENCH_ROUNDS", "31"))
WARMUP_ROUNDS = 2
MODES = ("plain", "capture_queries_context", "perfaudit")
UNCACHED = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# Filled by the measured rounds, read by test_fixture_overhead.
CPU_MS: dict[str, list[float]] = {mode: [] for mode in MODES}
QUERY_COUNTS: dict[str, list[tuple[int, ...]]] = {mode: [] for mode in MODES}


@dataclass(frozen=True)
class Request:
    name: str
    path: str
    user: str | None
    is_naive: bool


@dataclass(frozen=True)
class Shop:
    requests: tuple[Request, ...]
    clients: dict[str | None, Client]


def scan_config() -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    return config["perfaudit"]


def scan_requests(values: dict[str, int]) -> tuple[Request, ...]:
    """The requests scan replays: each scenario's naive twin, then the scenario itself.

    A scenario line is ``NAME METHOD PATH [naive=PATH] [user=USERNAME] [max_queries=N]``
    (README.md); every shopdemo scenario is a GET.
    """
    requests = []
    for line in scan_config()["scenarios"].strip().splitlines():
        name, method, path, *options = line.split()
        assert method == "GET", line
        extra = dict(option.split("=", 1) for option in options)
        user = extra.get("user")
        if "naive" in extra:
            requests.append(
                Request(f"{name}[naive]", extra["naive"].format_map(values), user, True)
            )
        requests.append(Request(name, path.format_map(values), user, False))
    return tuple(requests)


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    """Seeded once for the module (committed to the test database), flushed at the end."""
    with override_settings(CACHES=UNCACHED):
        with django_db_blocker.unblock():
            values = setup(scale=int(scan_config().get("scan_scale", "100")))
            requests = scan_requests(values)
            clients = {user: client_for(user) for user in {r.user for r in requests}}
        yield Shop(requests, clients)
        with django_db_blocker.unblock():
            flush_shop()


def send(shop: Shop, request: Request) -> int:
    return shop.clients[request.user].get(request.path).status_code


# A round returns, per request: the status, the queries counted (-1 when not captured) and the
# kinds of the findings (plain and CaptureQueriesContext detect nothing).
Outcome = list[tuple[int, int, tuple[str, ...]]]


def round_function(mode: str, shop: Shop, audit: Any) -> Callable[[], Outcome]:
    def plain() -> Outcome:
        return [(send(shop, r), -1, ()) for r in shop.requests]

    def capture_queries_context() -> Outcome:
        outcome = []
        for request in shop.requests:
            with CaptureQueriesContext(connection) as context:
                status = send(shop, request)
            outcome.append((status, len(context.captured_queries), ()))
        return outcome

    def perfaudit() -> Outcome:
        outcome = []
        for request in shop.requests:
            audit.reset()
            status = send(shop, request)
            kinds = tuple(sorted({finding.kind for finding in audit.findings()}))
            outcome.append((status, audit.count, kinds))
        return outcome

    return {"plain": plain, "capture_queries_context": capture_queries_context,
            "perfaudit": perfaudit}[mode]  # fmt: skip


@pytest.fixture
def replay_round(request: pytest.FixtureRequest, shop: Shop) -> Callable[[], Outcome]:
    """The round of the parametrized way; the perfaudit way's test gets the plugin's fixture."""
    mode = request.param
    audit = request.getfixturevalue("perfaudit") if mode == "perfaudit" else None
    return round_function(mode, shop, audit)


def rotated(round_no: int) -> tuple[str, ...]:
    # Each way goes first, second and third equally often: no way always follows another.
    shift = round_no % len(MODES)
    return MODES[shift:] + MODES[:shift]


def round_id(round_no: int, mode: str) -> str:
    return f"{'warmup' if round_no < 0 else 'round'}{abs(round_no):02d}-{mode}"


ROUND_PARAMS = [
    pytest.param(round_no, mode, id=round_id(round_no, mode))
    for round_no in range(-WARMUP_ROUNDS, ROUNDS)
    for mode in rotated(round_no)
]


@pytest.mark.parametrize(("round_no", "replay_round"), ROUND_PARAMS, indirect=["replay_round"])
def test_round(round_no: int, replay_round: Callable[[], Outcome], request, benchmark) -> None:  # type: ignore[no-untyped-def]
    # Rounds are single measurements that test_fixture_overhead aggregates: no table row of
    # their own. They still take the fixture, so that --benchmark-only keeps them.
    benchmark.disabled = True
    mode = request.node.callspec.params["replay_round"]
    start = time.process_time()
    outcome: Outcome = benchmark.pedantic(replay_round)
    elapsed_ms = (time.process_time() - start) * 1000
    assert [status for status, _, _ in outcome] == [200] * len(outcome)
    if mode == "perfaudit":
        # Capture and detection ran: every naive twin has an N+1, no optimized view has one.
        shop = request.getfixturevalue("shop")
        naive = [r.is_naive for r in shop.requests]
        assert [("n_plus_one" in kinds) for _, _, kinds in outcome] == naive, outcome
    if round_no >= 0:
        CPU_MS[mode].append(elapsed_ms)
        QUERY_COUNTS[mode].append(tuple(count for _, count, _ in outcome))


def test_fixture_overhead(benchmark, shop: Shop, perfaudit) -> None:  # type: ignore[no-untyped-def]
    measured = {mode: len(times) for mode, times in CPU_MS.items()}
    assert measured == dict.fromkeys(MODES, ROUNDS), (
        f"test_fixture_overhead reads the rounds of test_round: run the whole module ({measured})"
    )
    # Uncached: every round ran the same queries, and both captures counted the same ones.
    assert len(set(QUERY_COUNTS["capture_queries_context"] + QUERY_COUNTS["perfaudit"])) == 1
    assert min(QUERY_COUNTS["perfaudit"][0]) > 0
    plain = CPU_MS["plain"]
    figures: dict[str, Any] = {
        "requests": len(shop.requests),
        "rounds": ROUNDS,
        "queries_per_round": sum(QUERY_COUNTS["perfaudit"][0]),
        "database": connection.vendor,
    }
    for mode in MODES:
        figures[f"{mode}_median_cpu_ms"] = round(statistics.median(CPU_MS[mode]), 2)
    for mode in MODES[1:]:
        # Each round's ways saw the same machine state: the median of their ratios estimates.
        ratio = statistics.median(m / p for m, p in zip(CPU_MS[mode], plain, strict=True))
        figures[f"{mode}_overhead_pct"] = round((ratio - 1) * 100, 1)
    figures["cpu_ms"] = {mode: [round(ms, 1) for ms in CPU_MS[mode]] for mode in MODES}
    benchmark.extra_info.update(figures)
    benchmark.pedantic(round_function("perfaudit", shop, perfaudit), rounds=ROUNDS, iterations=1)
    print(
        f"\n{len(shop.requests)} requests, {figures['queries_per_round']} queries per round on "
        f"{connection.vendor}, median CPU of {ROUNDS} rounds: plain "
        f"{figures['plain_median_cpu_ms']} ms, CaptureQueriesContext "
        f"{figures['capture_queries_context_median_cpu_ms']} ms "
        f"({figures['capture_queries_context_overhead_pct']:+.1f}%), perfaudit fixture "
        f"{figures['perfaudit_median_cpu_ms']} ms ({figures['perfaudit_overhead_pct']:+.1f}%)"
    )
