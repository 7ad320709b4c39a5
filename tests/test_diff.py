"""`perfaudit diff`: the baseline's regression rules, new and fixed findings, exit codes."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from perfaudit.cli import cli
from perfaudit.errors import ConfigError
from perfaudit.report.diff import diff_reports
from perfaudit.report.diff_render import render_diff_markdown, render_diff_text
from perfaudit.report.read import parse_report
from tests.report_fixtures import assert_golden, fixture_document, fixture_path


def diff_of(old: dict, new: dict):
    return diff_reports(parse_report(old), parse_report(new))


def test_scan_diff_rows_added_removed_and_regressions() -> None:
    diff = diff_of(fixture_document("scan"), fixture_document("scan_after"))
    assert diff.kind == "scan"
    assert [(c.name, c.before.queries, c.after.queries) for c in diff.changes] == [
        ("product_list[naive]", 43, 23),
        ("product_list", 3, 4),
        ("order_list[naive]", 15, 15),
        ("order_list", 3, 3),
        ("dashboard", 4, 6),
    ]
    assert diff.removed == ("product_detail[naive]",)
    assert diff.added == ("product_search",)
    assert diff.regressions == (
        "product_list: 3 -> 4 queries",
        "dashboard: 4 -> 6 queries",
        "dashboard: new duplicate on shop_customer (3 queries) at "
        "shopdemo/shop/views.py:120 in dashboard",
    )
    fixed = diff.changes[0].fixed_findings
    assert [(f.kind, f.field) for f in fixed] == [("n_plus_one", "category")]


def test_bench_diff_compares_the_optimized_view_per_scale() -> None:
    diff = diff_of(fixture_document("bench"), fixture_document("bench_regressed"))
    assert diff.kind == "bench"
    assert diff.regressions == (
        "order_list @ 1000: 3 -> 5 queries",
        "order_list @ 1000: new N+1 on shop.Order.items (3 queries) at "
        "shopdemo/shop/queries.py:71 in customer_orders",
        "dashboard @ 100: responses were equal and now differ",
    )
    assert diff.removed == ("health @ 10", "health @ 100", "health @ 1000")
    # Fewer queries is an improvement, never a regression.
    improved = next(c for c in diff.changes if c.name == "product_list @ 1000")
    assert (improved.before.queries, improved.after.queries, improved.regressions) == (3, 2, ())


def test_identical_reports_do_not_regress() -> None:
    diff = diff_of(fixture_document("bench"), fixture_document("bench"))
    assert not diff.has_regressed
    assert all(c.is_unchanged for c in diff.changes)


def test_a_moved_call_site_is_the_same_finding() -> None:
    old = fixture_document("scan")
    new = copy.deepcopy(old)
    new["requests"][0]["findings"][0]["callsite"]["line"] += 12  # an edit above the loop
    diff = diff_of(old, new)
    assert not diff.has_regressed
    assert not diff.changes[0].new_findings and not diff.changes[0].fixed_findings


def test_a_finding_at_another_call_site_is_new() -> None:
    old = fixture_document("scan")
    new = copy.deepcopy(old)
    new["requests"][0]["findings"][0]["callsite"]["function"] = "product_card"
    diff = diff_of(old, new)
    assert [c.name for c in diff.changes if c.new_findings] == ["product_list[naive]"]
    assert len(diff.regressions) == 1


def test_slower_is_shown_but_never_gates() -> None:
    old = fixture_document("scan")
    new = copy.deepcopy(old)
    for request in new["requests"]:
        request["duration_ms"] *= 10
    diff = diff_of(old, new)
    assert not diff.has_regressed
    assert "18.4 → 184.0" in render_diff_text(diff)


def test_equality_lost_from_unknown_is_not_a_regression() -> None:
    # A scenario that had no naive twin (equality unknown) gains one that differs: the
    # bench itself fails on that; the diff only flags equality that was there and is gone.
    old = fixture_document("bench")
    new = copy.deepcopy(old)
    new["scenarios"][0]["results"][0]["responses_equal"] = False
    old["scenarios"][0]["results"][0]["responses_equal"] = None
    assert not diff_of(old, new).has_regressed


def test_mixed_kinds_are_refused() -> None:
    with pytest.raises(ConfigError, match="Cannot compare a scan report with a bench report"):
        diff_of(fixture_document("scan"), fixture_document("bench"))


def test_markdown_diff_matches_the_golden_file() -> None:
    scan = diff_of(fixture_document("scan"), fixture_document("scan_after"))
    bench = diff_of(fixture_document("bench"), fixture_document("bench_regressed"))
    assert_golden("scan_diff.md", render_diff_markdown(scan))
    assert_golden("bench_diff.txt", render_diff_text(bench))


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="perfaudit")


def test_cli_exit_codes() -> None:
    scan, after = str(fixture_path("scan")), str(fixture_path("scan_after"))
    same = run("diff", scan, scan)
    assert (same.exit_code, same.output.splitlines()[0]) == (
        0,
        "perfaudit diff (scan): no regression",
    )
    worse = run("diff", scan, after)
    assert worse.exit_code == 1
    assert worse.output.splitlines()[0] == "perfaudit diff (scan): regressed, 3 rules broken"
    better = run("diff", after, scan)  # going back fixes the regressions and loses the fix
    assert better.exit_code == 1
    assert "product_list[naive]: new N+1 on shop.Product.category" in better.output


def test_cli_markdown_output_to_a_file(tmp_path) -> None:
    out = tmp_path / "diff.md"
    result = run(
        "diff",
        str(fixture_path("bench")),
        str(fixture_path("bench_regressed")),
        "--format",
        "markdown",
        "-o",
        str(out),
    )
    assert result.exit_code == 1
    assert result.output == f"Diff written to {out}\n"
    assert out.read_text(encoding="utf-8").startswith(
        "### perfaudit diff (bench): regressed, 3 rules broken\n\n| Scenario @ scale |"
    )


def test_cli_bad_input_is_exit_2(tmp_path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"schema": "other"}), encoding="utf-8")
    result = run("diff", str(broken), str(fixture_path("scan")))
    assert result.exit_code == 2
    assert "has schema 'other'; perfaudit reads 'perfaudit/scan-v1'" in result.output
    mixed = run("diff", str(fixture_path("scan")), str(fixture_path("bench")))
    assert mixed.exit_code == 2
    assert "perfaudit: error: Cannot compare a scan report with a bench report" in mixed.output
