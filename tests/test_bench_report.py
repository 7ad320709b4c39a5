"""The bench-v1 document and its terminal rendering, from hand-built results."""

from __future__ import annotations

import io

from rich.console import Console

from perfaudit.bench.gates import evaluate_gates
from perfaudit.console.bench import render_bench
from perfaudit.report.bench import bench_report
from perfaudit.report.read import parse_report
from perfaudit.report.read_bench import BenchReport
from tests.bench_helpers import bench_result, good_run, scenario_run, twin
from tests.report_fixtures import assert_golden


def document():
    failing = scenario_run("order_list", {10: twin(2, framework=2), 100: twin(7, framework=2)})
    result = bench_result(good_run(), failing)
    return bench_report(result, evaluate_gates(result, max_queries=3))


def test_document_follows_the_schema() -> None:
    report = document()
    assert report["schema"] == "perfaudit/bench-v1"
    assert report["scales"] == [10, 100]
    assert report["summary"] == {"scenarios": 2, "failed": 1, "responses_equal": True}
    assert report["gates"] == {
        "max_queries": 3,
        "baseline": None,
        "failures": [
            "order_list: 7 queries at scale 100 > max 3 (--max-queries); optimized query count "
            "grows with the data (1.4 + 0.056 per row): an N+1"
        ],
        "improvements": [],
    }
    product_list = report["scenarios"][0]
    assert product_list["results"][1] == {
        "scale": 100,
        "optimized": {
            "status": 200, "query_count": 3, "view_query_count": 3, "framework_query_count": 0,
            "timing": {"min_ms": 0.75, "median_ms": 1.5, "iqr_ms": 0.5, "rounds": 5},
            "findings": [],
        },
        "naive": {
            "status": 200, "query_count": 102, "view_query_count": 102,
            "framework_query_count": 0,
            "timing": {"min_ms": 15.0, "median_ms": 30.0, "iqr_ms": 0.5, "rounds": 5},
            "findings": [],
        },
        "responses_equal": True, "diff": None, "query_ratio": 34.0, "time_ratio": 20.0,
    }  # fmt: skip
    assert product_list["complexity"]["optimized"] == {
        "growth": "constant", "intercept": 3.0, "slope": 0.0, "label": "3",
    }  # fmt: skip
    order_list = report["scenarios"][1]
    assert (order_list["naive_path"], order_list["responses_equal"]) == (None, None)
    assert order_list["results"][0]["naive"] is None
    assert order_list["results"][0]["optimized"]["framework_query_count"] == 2
    assert order_list["verdict"] == "failed"


def test_document_reads_back_with_report_data() -> None:
    parsed = parse_report(document(), "bench.json")
    assert isinstance(parsed, BenchReport)
    assert parsed.failed_count == 1
    assert parsed.scenarios[0].results[1].query_ratio == 34.0
    assert parsed.scenarios[1].optimized_complexity.label == "1.4 + 0.056 per row"


def test_rendering_matches_the_golden_file() -> None:
    out = io.StringIO()
    render_bench(document(), Console(file=out, width=100, color_system=None))
    assert_golden("bench_console.txt", out.getvalue())


def test_progress_bar_counts_twin_measurements() -> None:
    from perfaudit.bench.runner import BenchStep
    from perfaudit.console.bench import bench_progress

    console = Console(file=io.StringIO(), width=100, force_terminal=True, color_system=None)
    with bench_progress(console, 3) as on_step:
        for twin in ("naive", "optimized", "naive"):
            on_step(BenchStep("dashboard", twin, 10))
        progress = on_step.__self__.progress
        task = progress.tasks[0]
        assert (task.total, task.completed, task.description) == (
            3, 2, "dashboard [naive] at scale 10",
        )  # fmt: skip
