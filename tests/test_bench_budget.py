"""bench's time budget: a request whose captured run used it up is not sent again to be timed.

The twin runner is driven directly on shopdemo's product list, with a client that counts the
requests it sends (one request, one run of the view). The budget (``max_time``) is set to 0 s
or to an hour, so that whether the captured run "took longer" never depends on the clock.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from rich.console import Console

from perfaudit.bench.gates import evaluate_gates
from perfaudit.bench.runner import TwinRun, _TwinRunner
from perfaudit.config.bench import BenchConfig
from perfaudit.config.scan import ScanOptions, load_scan_config
from perfaudit.console.bench import CAPTURED_NOTE, render_bench
from perfaudit.records import RequestSpec
from perfaudit.report.bench import bench_report, twin_dict
from tests.bench_helpers import REPO, bench_result, scenario_run, twin

pytestmark = pytest.mark.django_db
PRODUCTS = RequestSpec("product_list", "GET", "/api/products/")


class CountingClient(Client):
    """Django's test client, counting the requests it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def generic(self, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1
        return super().generic(*args, **kwargs)


def measure(max_time: float, rounds: int = 5) -> tuple[TwinRun, int]:
    """Measure the product list once; the run and the requests it took."""
    project = load_scan_config(REPO, ScanOptions(settings="shopdemo.settings"), {})
    config = BenchConfig(
        project=project, scenarios=(), scales=(10,), rounds=rounds, max_time=max_time
    )
    runner = _TwinRunner(config, 10, None)
    client = runner.clients[None] = CountingClient()
    run = runner.measure(PRODUCTS, "product_list", "optimized")
    return run, client.requests


def test_a_request_over_the_budget_is_timed_from_its_captured_run(shop) -> None:
    run, requests = measure(max_time=0.0)
    assert requests == 1  # the captured run only: no warm-up, no timed round
    assert run.is_timed_from_capture
    assert run.timing.rounds == 1
    assert run.timing.min_ms == run.timing.median_ms == run.audit.duration_ms
    assert run.timing.iqr_ms == 0
    assert run.audit.view_query_count > 0  # still counted and audited as before


def test_a_request_within_the_budget_is_warmed_up_and_timed(shop) -> None:
    run, requests = measure(max_time=3600.0, rounds=3)
    assert requests == 1 + 1 + 3  # captured, one warm-up round, three timed rounds
    assert not run.is_timed_from_capture
    assert run.timing.rounds == 3


def test_the_report_and_the_table_say_which_timing_came_from_the_captured_run() -> None:
    slow = twin(790, median=2500.0)
    slow = TwinRun(slow.audit, slow.timing, is_timed_from_capture=True)
    assert twin_dict(slow)["timing"]["from_captured_run"] is True
    # Absent, not false, otherwise: reports of ordinary runs keep their bytes.
    assert "from_captured_run" not in twin_dict(twin(3))["timing"]

    flagged = bench_result(scenario_run("dashboard", {10: twin(3, median=1.0)}, {10: slow}))
    out = io.StringIO()
    render_bench(bench_report(flagged, evaluate_gates(flagged)), Console(file=out, width=200))
    assert "2500.0* -> 1.0" in out.getvalue()
    assert " ".join(CAPTURED_NOTE.split()) in " ".join(out.getvalue().split())

    ordinary = bench_result(scenario_run("dashboard", {10: twin(3, median=1.0)}))
    out = io.StringIO()
    render_bench(bench_report(ordinary, evaluate_gates(ordinary)), Console(file=out, width=200))
    assert "captured request alone" not in out.getvalue()
