"""`perfaudit bench` from the command line: gates, exit codes, the report and the baseline.

Errors found before any database exists run in this process through CliRunner; runs that
boot shopdemo run in a fresh process (tests.bench_helpers.run_bench), on the database the
suite runs on (SQLite, or PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfaudit.cli import cli
from tests.bench_helpers import REPO, run_bench

BASELINE = REPO / "perfaudit-baseline.json"
# View queries (naive, optimized) at scales 10 and 100, and framework queries of each twin.
EXPECTED = {
    "product_list": {10: (32, 1), 100: (62, 1), "framework": 0},
    "product_detail": {10: (11, 2), 100: (25, 2), "framework": 0},
    "order_list": {10: (37, 1), 100: (71, 1), "framework": 2},
    "order_detail": {10: (5, 1), 100: (6, 1), "framework": 2},
    "dashboard": {10: (101, 3), 100: (790, 3), "framework": 2},
}


def invoke(*args: str, cwd: Path = REPO):
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(cli, ["bench", *args], prog_name="perfaudit")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "nope"], "--scenario: unknown scenario 'nope'; configured: dashboard, "
                                 "order_detail, order_list, product_detail, product_list."),
        (["--scales", "10,x"], "--scales: 'x' is not a positive integer (got '10,x')."),
        (["--scales", "10,10"], "--scales: '10,10' names the size 10 twice."),
        (["--rounds", "0"], "--rounds: must be at least 1, got 0."),
        (["--max-queries", "-1"], "--max-queries: must be 0 or more, got -1."),
        (["--update-baseline"], "--update-baseline needs --baseline FILE to know which file "
                                "to write."),
        (["--baseline", "missing.json"], "Baseline 'missing.json' does not exist; create it "
                                         "with --update-baseline."),
        (["--baseline", "perfaudit-baseline.json", "--scales", "5"],
         "Baseline 'perfaudit-baseline.json' has no scale 5 for scenario 'product_list' (it has "
         "10, 100, 1000); run with the baseline's --scales or add it with --update-baseline."),
    ],
    ids=["unknown-scenario", "bad-scales", "same-scale-twice", "no-rounds", "negative-budget",
         "update-without-file", "missing-baseline", "mismatched-baseline"],
)  # fmt: skip
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"perfaudit: error: {message}\n"


def test_a_corrupt_baseline_exits_2(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"schema": "perfaudit/baseline-v1", "scenarios": {"x": 1}}')
    result = invoke("--baseline", str(baseline))
    assert result.exit_code == 2
    assert result.stderr == (
        f"perfaudit: error: Baseline {str(baseline)!r} is corrupt: scenarios.x.scales should be "
        "an object; restore it from version control or regenerate it with --update-baseline.\n"
    )


def test_a_baseline_without_a_scenario_exits_2(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"schema": "perfaudit/baseline-v1", "scenarios": {}}')
    result = invoke("--baseline", str(baseline), "--scenario", "dashboard")
    assert result.exit_code == 2
    assert result.stderr == (
        f"perfaudit: error: Baseline {str(baseline)!r} has no scenario 'dashboard'; add it "
        "with --update-baseline.\n"
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("settings = shopdemo.settings\n",
         "bench needs scenarios and setup.cfg [perfaudit] declares none; add a `scenarios` key "
         "(NAME METHOD PATH [naive=PATH] [user=USERNAME] [max_queries=N], one a line)."),
        ("scenarios =\n    a GET /api/products/ max_queries=two\n",
         "setup.cfg [perfaudit]: scenarios: scenario 'a' max_queries must be an integer."),
    ],
    ids=["no-scenarios", "bad-scenario"],
)  # fmt: skip
def test_scenario_configuration_errors_exit_2(tmp_path: Path, section: str, message: str) -> None:
    (tmp_path / "setup.cfg").write_text(f"[perfaudit]\n{section}")
    result = invoke(cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"perfaudit: error: {message}\n"


def test_shopdemo_passes_its_budget_and_baseline(tmp_path: Path) -> None:
    report_path = tmp_path / "bench.json"
    run = run_bench(
        "--scales", "10,100", "--rounds", "1", "--max-queries", "3",
        "--baseline", "perfaudit-baseline.json", "--json", str(report_path),
    )  # fmt: skip
    assert (run.returncode, run.stderr) == (0, "")
    assert "perfaudit bench: shopdemo.settings on" in run.stdout
    assert "5 scenarios at scales 10, 100 against max 3 queries, baseline" in run.stdout
    report = json.loads(report_path.read_text())
    assert report["schema"] == "perfaudit/bench-v1"
    assert report["caches"] == "private"
    assert report["summary"] == {"scenarios": 5, "failed": 0, "responses_equal": True}
    assert report["gates"]["failures"] == report["gates"]["improvements"] == []
    for scenario in report["scenarios"]:
        expected = EXPECTED[scenario["name"]]
        for result in scenario["results"]:
            naive, optimized = result["naive"], result["optimized"]
            counts = (naive["view_query_count"], optimized["view_query_count"])
            assert counts == expected[result["scale"]], (scenario["name"], result["scale"])
            assert naive["framework_query_count"] == expected["framework"]
            assert optimized["framework_query_count"] == expected["framework"]
            assert optimized["findings"] == []
            assert (result["responses_equal"], result["diff"]) == (True, None)
            assert result["query_ratio"] == round(counts[0] / counts[1], 2)
        assert scenario["complexity"]["optimized"]["growth"] == "constant"
        assert scenario["complexity"]["naive"]["growth"] == "growing"
        assert scenario["verdict"] == "ok"


@pytest.fixture
def regressed_project(tmp_path: Path) -> Path:
    """A project whose scenarios are wrong on purpose: a naive view, unequal twins, a budget."""
    (tmp_path / "setup.cfg").write_text(
        "[perfaudit]\n"
        "settings = shopdemo.settings\n"
        "setup = shopdemo.perfaudit_setup:setup\n"
        "scenarios =\n"
        "    order_list GET /api/naive/orders/ naive=/api/naive/orders/ user=customer-1\n"
        "    product_list GET /api/products/ naive=/api/naive/products/?q=zz\n"
        "    dashboard GET /api/admin/dashboard/ naive=/api/naive/admin/dashboard/ user=staff "
        "max_queries=2\n"
    )
    shutil.copy(BASELINE, tmp_path / "baseline.json")
    return tmp_path


def test_injected_regressions_fail_with_one_line_each(regressed_project: Path) -> None:
    run = run_bench(
        "--scales", "10,100", "--rounds", "1", "--max-queries", "5",
        "--baseline", "baseline.json", "--json", "bench.json", cwd=regressed_project,
    )  # fmt: skip
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert len(lines) == 3
    order_list, product_list, dashboard = lines
    assert order_list.startswith(
        "perfaudit: FAILED order_list: 71 queries at scale 100 > max 5 (--max-queries); "
        "optimized query count grows with the data (33 + 0.38 per row): an N+1; "
        "37 queries at scale 10, baseline 1; new finding at scale 10: n_plus_one "
    )
    assert "71 queries at scale 100, baseline 1" in order_list
    assert product_list.startswith(
        "perfaudit: FAILED product_list: responses differ at scale 10: $.count: "
    )
    assert dashboard == "perfaudit: FAILED dashboard: 3 queries at scale 10 > max 2 (max_queries)"
    report = json.loads((regressed_project / "bench.json").read_text())
    verdicts = {s["name"]: s["verdict"] for s in report["scenarios"]}
    assert verdicts == {"order_list": "failed", "product_list": "failed", "dashboard": "failed"}
    assert report["summary"]["responses_equal"] is False


def test_improvements_pass_are_reported_and_ratchet_the_baseline(tmp_path: Path) -> None:
    document = json.loads(BASELINE.read_text())
    entry = document["scenarios"]["dashboard"]["scales"]["10"]
    entry["view_query_count"] = 5
    entry["findings"] = ["n_plus_one shop.Product.category"]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(document))
    run = run_bench(
        "--scenario", "dashboard", "--scales", "10", "--rounds", "1", "--baseline",
        str(baseline), "--update-baseline", "--json", str(tmp_path / "bench.json"),
    )  # fmt: skip
    assert (run.returncode, run.stderr) == (0, "")
    assert "improved  dashboard: 5 -> 3 queries at scale 10" in run.stdout
    assert "improved  dashboard: finding gone at scale 10: n_plus_one shop.Product.category" in (
        run.stdout
    )
    assert f"Baseline written to {baseline}" in run.stdout
    updated = json.loads(baseline.read_text())
    assert updated["scenarios"]["dashboard"]["scales"]["10"] == {
        "view_query_count": 3,
        "findings": [],
    }
    assert updated == json.loads(BASELINE.read_text())


SAMPLE = REPO / "tests" / "sampleproject"


def test_a_view_that_raises_exits_3(tmp_path: Path) -> None:
    run = run_bench(
        "--scenario", "boom", "--scales", "1", "--rounds", "1", "--json", str(tmp_path / "b.json"),
        cwd=SAMPLE,
    )  # fmt: skip
    assert (run.returncode, run.stdout) == (3, "")
    assert run.stderr == (
        "perfaudit: error: Scenario 'boom' (optimized, GET /boom/) at scale 1 raised "
        "RuntimeError: the sample view failed on purpose (sample/views.py:147); fix the view "
        "or the scenario.\n"
    )


def test_scenarios_without_a_naive_twin_get_budgets_only(tmp_path: Path) -> None:
    report_path = tmp_path / "b.json"
    run = run_bench(
        "--scenario", "forward_fk", "--scenario", "clean_books", "--scales", "1,2",
        "--rounds", "1", "--max-queries", "2", "--json", str(report_path), cwd=SAMPLE,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == (
        "perfaudit: FAILED forward_fk: 9 queries at scale 1 > max 2 (--max-queries)\n"
    )
    report = json.loads(report_path.read_text())
    clean = report["scenarios"][1]
    assert (clean["name"], clean["verdict"], clean["responses_equal"]) == (
        "clean_books",
        "ok",
        None,
    )
    assert clean["results"][0]["naive"] is None
    assert clean["results"][0]["optimized"]["view_query_count"] == 2


def test_no_cache_times_every_round_without_the_caches(tmp_path: Path) -> None:
    report_path = tmp_path / "bench.json"
    run = run_bench(
        "--scenario", "product_list", "--scenario", "order_list", "--scales", "10",
        "--rounds", "2", "--no-cache", "--json", str(report_path),
    )  # fmt: skip
    assert (run.returncode, run.stderr) == (0, "")
    report = json.loads(report_path.read_text())
    vendor = report["database"]["vendor"]
    assert f"perfaudit bench: shopdemo.settings on {vendor}, 2 rounds, caches off" in run.stdout
    assert report["caches"] == "off"
    # The audited first request renders in both modes: the counts are the cached run's.
    for scenario in report["scenarios"]:
        [result] = scenario["results"]
        counts = (result["naive"]["view_query_count"], result["optimized"]["view_query_count"])
        assert counts == EXPECTED[scenario["name"]][10]
        assert result["optimized"]["timing"]["rounds"] == 2
