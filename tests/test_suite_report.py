"""The pytest-v1 report away from pytest: collector, grouping, console, Markdown, HTML, diff."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from rich.console import Console

from perfaudit.cli import cli
from perfaudit.console.suite import render_suite
from perfaudit.report.suite import SuiteCollector

CATEGORY = {
    "kind": "n_plus_one",
    "fingerprint": 'select "shop_category"."id" from "shop_category" where "id" = ?',
    "count": 5,
    "table": "shop_category",
    "model": "shop.Product",
    "field": "category",
    "suggestion": "Add select_related('category') to the queryset that loads Product.",
    "callsite": {
        "file": "shop/serializers.py",
        "line": 63,
        "function": "product_summary",
        "template": None,
        "template_line": None,
    },
    "sample_sql": 'SELECT "shop_category"."id" FROM "shop_category" WHERE "id" = 1',
    "is_best_effort": False,
}
DUPLICATE = {
    **CATEGORY,
    "kind": "duplicate",
    "count": 2,
    "table": "auth_user",
    "model": "auth.User",
    "field": None,
    "suggestion": "Reuse the result: the same query ran 2 times.",
    "callsite": {**CATEGORY["callsite"], "file": "shop/http.py", "line": 90, "function": "wrap"},
}


def record(nodeid: str, *findings: dict, queries: int = 10, baselined: bool = False) -> str:
    items = [{**f, "key": f"{nodeid} | {f['kind']}", "baselined": baselined} for f in findings]
    data = {
        "nodeid": nodeid,
        "query_count": queries,
        "view_query_count": queries,
        "sql_ms": 1.5,
        "max_queries": None,
        "findings": items,
    }
    return json.dumps(data)


def collected(*, category_tests: int = 3, crash: bool = True) -> dict:
    collector = SuiteCollector()
    for i in range(category_tests):
        nodeid = f"tests/test_shop.py::test_list_{i}"
        collector.add_report(nodeid, "call", "passed", record(nodeid, CATEGORY, queries=17))
        collector.add_report(nodeid, "teardown", "passed", None)
    collector.add_report(
        "tests/test_auth.py::test_login",
        "call",
        "passed",
        record("tests/test_auth.py::test_login", DUPLICATE, queries=4),
    )
    collector.add_report("tests/test_auth.py::test_login", "teardown", "failed", None)
    collector.add_report(
        "tests/test_plain.py::test_clean",
        "call",
        "passed",
        record("tests/test_plain.py::test_clean"),
    )
    if crash:
        collector.add_report("tests/test_crash.py::test_exit", "???", "failed", None)
    document = collector.document(
        {"mode": "suite", "threshold": 2, "fail_on": ["n_plus_one"], "baseline": None}
    )
    # Whatever this process runs on: the renderers are tested, not the environment.
    document.update(
        database={"vendor": "sqlite"},
        settings="shop.settings",
        django_version="5.2",
        perfaudit_version="0.1",
    )
    return document


def test_collector_groups_one_problem_reached_by_several_tests() -> None:
    document = collected()
    assert [(g["kind"], g["test_count"], g["queries"]) for g in document["groups"]] == [
        ("n_plus_one", 3, 15),
        ("duplicate", 1, 2),
    ]
    assert document["groups"][0]["tests"] == [
        f"tests/test_shop.py::test_list_{i}" for i in (0, 1, 2)
    ]
    outcomes = {t["nodeid"]: t["outcome"] for t in document["tests"]}
    assert outcomes["tests/test_auth.py::test_login"] == "failed"  # its teardown failed
    assert document["lost"] == [
        {"nodeid": "tests/test_crash.py::test_exit", "reason": "the worker running it crashed"}
    ]
    assert document["summary"] == {
        "tests": 5,
        "tests_with_findings": 4,
        "queries": 65,
        "findings": {"n_plus_one": 3, "duplicate": 1, "unused_eager_load": 0},
        "groups": 2,
        "baselined": 0,
        "suppressed": 0,
        "gated": 3,
        "failed": 1,
        "lost": 1,
    }


def test_collector_lists_tests_never_reported_after_a_crash() -> None:
    collector = SuiteCollector()
    collector.collected.update({"t.py::a", "t.py::b", "t.py::c"})
    collector.add_report("t.py::a", "call", "passed", None)
    assert collector.lost_tests() == {}
    collector.has_crashed = True
    collector.add_report("t.py::b", "???", "failed", None)
    assert collector.lost_tests() == {
        "t.py::b": "the worker running it crashed",
        "t.py::c": "not run: a worker crashed and it was never rescheduled",
    }


def test_console_summary_rows_and_totals() -> None:
    buffer = io.StringIO()
    render_suite(collected(), Console(file=buffer, width=200, highlight=False))
    text = buffer.getvalue()
    assert "N+1 shop.Product.category" in text
    assert "3 tests: test_list_0, test_list_1, test_list_2" in text
    assert (
        "1 test lost, not audited:\n  tests/test_crash.py::test_exit: the worker running it" in text
    )
    assert text.endswith(
        "5 tests audited (1 of them failed), 65 queries; 4 with findings: 3 N+1, 1 duplicate, "
        "0 unused eager load (2 distinct problems); 3 failing --perfaudit-fail-on n_plus_one.\n"
    )
    assert text.index("N+1 shop.Product.category") < text.index("duplicate auth.User")


def test_report_command_renders_markdown_and_html(tmp_path) -> None:
    path = tmp_path / "pytest.json"
    path.write_text(json.dumps(collected()))
    markdown = CliRunner().invoke(cli, ["report", str(path), "--format", "markdown"])
    assert markdown.exit_code == 0, markdown.output
    assert markdown.output.splitlines()[:7] == [
        "### perfaudit pytest: 2 distinct problems (4 findings) in 5 audited tests, 1 test lost",
        "",
        "`shop.settings` on sqlite · Django 5.2 · perfaudit 0.1",
        "",
        "| # | Problem | Call site | Tests | Queries |",
        "| ---: | --- | --- | ---: | ---: |",
        "| 1 | N+1 on shop.Product.category | `shop/serializers.py:63 in product_summary` "
        "| 3 | 15 |",
    ]
    assert "- `tests/test_crash.py::test_exit`: the worker running it crashed" in markdown.output
    assert (
        "- **Seen:** 3 tests: tests/test_shop.py::test_list_0, tests/test_shop.py::test_list_1, "
        "tests/test_shop.py::test_list_2" in markdown.output
    )
    html = CliRunner().invoke(cli, ["report", str(path), "-o", str(tmp_path / "r.html")])
    assert html.exit_code == 0, html.output
    page = (tmp_path / "r.html").read_text()
    assert page.count('<section class="group"') == 2
    assert "<h2>Lost tests</h2>" in page
    table = CliRunner().invoke(cli, ["report", str(path)])
    assert table.exit_code == 0
    assert "N+1 shop.Product.category" in table.output
    assert "5 tests audited (1 of them failed), 65 queries;" in table.output


def test_diff_flags_a_new_finding_of_a_test(tmp_path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(collected(crash=False)))
    same = CliRunner().invoke(cli, ["diff", str(old), str(old)])
    assert same.exit_code == 0
    assert same.output.startswith("perfaudit diff (pytest): no regression\n\nTest ")
    doc = collected(crash=False)
    clean = next(t for t in doc["tests"] if t["nodeid"] == "tests/test_plain.py::test_clean")
    clean["findings"] = [CATEGORY]
    new.write_text(json.dumps(doc))
    worse = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert worse.exit_code == 1
    assert (
        "  tests/test_plain.py::test_clean: new N+1 on shop.Product.category (5 queries) at "
        "shop/serializers.py:63 in product_summary" in worse.output
    )


def test_diff_refuses_a_pytest_report_against_a_scan_report(tmp_path) -> None:
    suite, scan = tmp_path / "suite.json", tmp_path / "scan.json"
    suite.write_text(json.dumps(collected()))
    scan.write_text(json.dumps({"schema": "perfaudit/scan-v1", "requests": []}))
    result = CliRunner().invoke(cli, ["diff", str(suite), str(scan)])
    assert result.exit_code == 2
    assert result.output == (
        "perfaudit: error: Cannot compare a pytest report with a scan or bench report; pass two "
        "reports written by pytest --perfaudit-report.\n"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tests": [{"nodeid": "a"}]}, "report.tests[0].query_count should be present"),
        ({"tests": "x"}, "report.tests should be a list"),
    ],
    ids=["missing-count", "tests-not-a-list"],
)
def test_report_of_a_broken_pytest_document_is_one_line(tmp_path, change, message) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**collected(), **change}))
    result = CliRunner().invoke(cli, ["report", str(path), "--format", "markdown"])
    assert result.exit_code == 2
    assert result.output == (
        f"perfaudit: error: {path} is not a valid perfaudit report: {message}; regenerate it "
        "with `perfaudit scan`, `perfaudit bench` or `pytest --perfaudit-report`.\n"
    )


def test_a_test_without_findings_key_has_none(tmp_path) -> None:
    # As in a scan report, a left-out list is empty (it was a KeyError traceback).
    document = collected()
    for test in document["tests"]:
        del test["findings"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["report", str(path), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "0 distinct problems (0 findings) in 5 audited tests" in result.output


def test_a_test_whose_body_ran_no_query_of_its_own_keeps_zero_view_queries(tmp_path) -> None:
    # Its queries all came from the suite's own code (counted, never judged): the reader used
    # to show the total as the view's, and `perfaudit diff` compared the wrong number.
    from perfaudit.report.read_suite import parse_suite_report

    document = collected()
    test = document["tests"][0]
    test["query_count"], test["view_query_count"] = 6, 0
    older = collected()
    del older["tests"][0]["view_query_count"]
    tests = parse_suite_report(document, "r.json").tests
    assert tests[0].view_query_count == 0
    total = older["tests"][0]["query_count"]
    assert parse_suite_report(older, "old.json").tests[0].view_query_count == total


def test_the_report_modules_the_plugin_loads_never_import_django() -> None:
    # Loading the plugin reaches report.suite, and through it report.scan's finding dicts:
    # neither may import Django (nor perfaudit.scan, which boots projects).
    code = (
        "import sys, perfaudit.suite.hooks, perfaudit.report.suite, perfaudit.report.scan\n"
        "print(sorted(m for m in ('django', 'perfaudit.scan') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
