"""GitHub annotations and JUnit XML: exact lines, and JUnit parsed back with xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from click.testing import CliRunner

from perfaudit.cli import cli
from perfaudit.report.ci import Annotation, github_annotations, render_github, render_junit
from perfaudit.report.read import parse_report
from tests.report_fixtures import fixture_document, fixture_path


def report(name: str):
    return parse_report(fixture_document(name))


def test_scan_annotations_point_at_call_sites() -> None:
    lines = render_github(report("scan")).splitlines()
    assert len(lines) == 7
    assert lines[0] == (
        "::error file=shopdemo/shop/serializers.py,line=58,"
        "title=perfaudit%3A N+1 on shop.Product.category (20 queries)::"
        "product_list[naive] (GET /api/naive/products/): "
        "N+1 on shop.Product.category (20 queries). Fix: select_related('category')"
    )
    assert lines[2] == (
        "::error title=perfaudit%3A the view raised::"
        "product_detail[naive] (GET /api/naive/products/7/): KeyError: 'price'"
    )
    # A heuristic finding is a warning, not an error.
    assert lines[6].startswith("::warning file=shopdemo/shop/queries.py,line=44,")


def test_bench_annotations_skip_the_naive_twins() -> None:
    assert render_github(report("bench")) == ""
    lines = render_github(report("bench_regressed")).splitlines()
    assert lines[0].startswith("::error file=shopdemo/shop/queries.py,line=71,")
    assert lines[1:] == [
        "::error title=perfaudit bench::order_list: 5 queries at scale 1000 > max 4",
        "::error title=perfaudit bench::order_list: 5 queries at scale 1000 > baseline 3",
        "::error title=perfaudit bench::dashboard: responses differ at scale 100: "
        '$.top_reviewers[0].name: "Ada" != "ada"',
        "::error title=perfaudit bench::baseline names scenario 'health', which this run did "
        "not bench",
    ]


def test_workflow_command_escaping() -> None:
    note = Annotation("error", "a: b, c", "50% done\nnext line\r", file="dir,x/a:b.py", line=3)
    assert note.command() == (
        "::error file=dir%2Cx/a%3Ab.py,line=3,title=a%3A b%2C c::50%25 done%0Anext line%0D"
    )


def test_a_finding_without_call_site_has_no_file() -> None:
    document = fixture_document("scan")
    document["requests"][0]["findings"][0]["callsite"] = None
    first = github_annotations(parse_report(document))[0]
    assert (first.file, first.line) == (None, None)
    assert first.command().startswith("::error title=")


def parse_junit(text: str) -> ET.Element:
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n")
    return ET.fromstring(text.split("\n", 1)[1])


def test_scan_junit_parses_back() -> None:
    root = parse_junit(render_junit(report("scan")))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert {k: suite.get(k) for k in ("name", "tests", "failures", "errors")} == {
        "name": "perfaudit scan",
        "tests": "6",
        "failures": "3",
        "errors": "1",
    }
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == [r["name"] for r in fixture_document("scan")["requests"]]
    failure = cases["product_list[naive]"].find("failure")
    assert failure is not None
    assert failure.get("type") == "n_plus_one"
    assert failure.get("message") == (
        "N+1 on shop.Product.category (20 queries); N+1 on shop.Product.tags (20 queries)"
    )
    assert (failure.text or "").splitlines()[0] == (
        "N+1 on shop.Product.category (20 queries) at shopdemo/shop/serializers.py:58 in "
        "product_summary; fix: select_related('category')"
    )
    error = cases["product_detail[naive]"].find("error")
    assert error is not None and error.get("message") == "KeyError: 'price'"
    assert list(cases["product_list"]) == []  # a clean request passes
    assert cases["product_list[naive]"].get("time") == "0.018"


def test_bench_junit_parses_back() -> None:
    suite = parse_junit(render_junit(report("bench_regressed"))).find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["product_list", "order_list", "dashboard", "gates"]
    assert cases["product_list"].find("failure") is None
    order = cases["order_list"].find("failure")
    assert order is not None
    assert order.get("message") == (
        "5 queries at scale 1000 > max 4; 5 queries at scale 1000 > baseline 3"
    )
    assert (order.text or "").startswith("N+1 on shop.Order.items (3 queries) at shopdemo/")
    # The joined per-scenario gate lines are not repeated; the rest get a case of their own.
    gates = cases["gates"].find("failure")
    assert gates is not None
    assert gates.text == "baseline names scenario 'health', which this run did not bench"
    assert (suite.get("tests"), suite.get("failures")) == ("4", "3")
    clean = parse_junit(render_junit(report("bench"))).find("testsuite")
    assert clean is not None and clean.get("failures") == "0"


def test_report_command_writes_junit_and_annotates_under_github_actions(tmp_path) -> None:
    out = tmp_path / "ci" / "junit.xml"
    result = CliRunner().invoke(
        cli,
        ["report", str(fixture_path("scan")), "-o", str(tmp_path / "r.md"), "--junit", str(out)],
        env={"GITHUB_ACTIONS": "true"},
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Markdown report written to {tmp_path / 'r.md'}"
    assert sum(1 for line in lines if line.startswith(("::error ", "::warning "))) == 7
    assert lines[-1] == f"JUnit report written to {out}"
    assert parse_junit(out.read_text(encoding="utf-8")).find("testsuite") is not None


def test_no_annotations_without_the_flag_or_github_actions() -> None:
    result = CliRunner().invoke(
        cli,
        ["report", str(fixture_path("scan")), "--format", "markdown"],
        env={"GITHUB_ACTIONS": ""},
    )
    assert result.exit_code == 0
    assert "::error" not in result.output
    assert result.output.startswith("### perfaudit scan: 6 findings in 6 requests, 1 error\n")
