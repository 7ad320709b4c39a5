"""Build bench results by hand, for the gate, report and console tests (no Django needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from perfaudit.bench.complexity import fit_growth
from perfaudit.bench.equality import compare_responses
from perfaudit.bench.runner import BenchResult, ScaleRun, ScenarioRun, TwinRun
from perfaudit.config.scenarios import Scenario
from perfaudit.records import CapturedQuery, Finding, RequestAudit, Timing

REPO = Path(__file__).resolve().parent.parent
BODY = b'{"count":1,"next":null,"previous":null,"results":[{"id":1}]}'


def n_plus_one(model: str = "shop.Product", field: str = "category") -> Finding:
    return Finding(
        kind="n_plus_one",
        fingerprint="select * from shop_category where id = ?",
        count=3,
        table="shop_category",
        model=model,
        field=field,
        suggestion=f"select_related('{field}')",
        callsite=None,
        sample_sql="SELECT * FROM shop_category WHERE id = 1",
    )


def twin(
    queries: int,
    *,
    framework: int = 0,
    median: float = 2.0,
    body: bytes = BODY,
    status: int = 200,
    findings: tuple[Finding, ...] = (),
) -> TwinRun:
    captured = tuple(
        CapturedQuery(f"SELECT {i}", (), 0.1, "default", None, is_framework=i < framework)
        for i in range(queries + framework)
    )
    audit = RequestAudit(
        name="x", method="GET", path="/x/", status=status, duration_ms=1.0,
        queries=captured, findings=findings, body=body,
    )  # fmt: skip
    return TwinRun(audit, Timing(min_ms=median / 2, median_ms=median, iqr_ms=0.5, rounds=5))


def scenario_run(
    name: str,
    optimized: dict[int, TwinRun],
    naive: dict[int, TwinRun] | None = None,
    *,
    max_queries: int | None = None,
) -> ScenarioRun:
    scenario = Scenario(
        name, "GET", f"/api/{name}/", f"/api/naive/{name}/" if naive else None,
        max_queries=max_queries,
    )  # fmt: skip
    scales = []
    for scale, opt in sorted(optimized.items()):
        nai = None if naive is None else naive[scale]
        comparison = None
        if nai is not None:
            comparison = compare_responses(
                (nai.audit.status, nai.audit.body), (opt.audit.status, opt.audit.body)
            )
        scales.append(ScaleRun(scale, opt, nai, comparison))
    return ScenarioRun(
        scenario,
        tuple(scales),
        fit_growth([(s, t.audit.view_query_count) for s, t in optimized.items()]),
        None
        if naive is None
        else fit_growth([(s, t.audit.view_query_count) for s, t in naive.items()]),
    )


def bench_result(*runs: ScenarioRun) -> BenchResult:
    scales = tuple(sorted({s.scale for run in runs for s in run.scales}))
    return BenchResult("shopdemo.settings", "sqlite", "5.2", scales, 5, runs)


def good_run(name: str = "product_list", counts: tuple[int, int] = (3, 3)) -> ScenarioRun:
    """A scenario whose optimized twin is at the floor and equal to its naive twin."""
    return scenario_run(
        name,
        {10: twin(counts[0], median=1.0), 100: twin(counts[1], median=1.5)},
        {10: twin(12, median=4.0), 100: twin(102, median=30.0)},
    )


def run_bench(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``python -m perfaudit bench ARGS`` in a fresh process, as CI runs it.

    A fresh process because bench creates and destroys its own test databases, which must not
    meet the ones pytest-django holds in this process (SQLite's in-memory one above all).
    """
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environ["COLUMNS"] = "200"  # no wrapped lines in what the tests read
    return subprocess.run(
        [sys.executable, "-m", "perfaudit", "bench", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
