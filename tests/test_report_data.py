"""Reading reports back: every renderer starts here, so bad input must be a clear exit-2 error."""

from __future__ import annotations

import pytest

from perfaudit.errors import ConfigError
from perfaudit.records import CallSite
from perfaudit.report.read import ScanReport, load_report, parse_report
from perfaudit.report.read_bench import BenchReport
from perfaudit.report.read_common import Environment
from perfaudit.report.read_suite import parse_suite_report
from tests.report_fixtures import fixture_document, fixture_path


def test_scan_report_reads_back_into_records() -> None:
    report = load_report(fixture_path("scan"))
    assert isinstance(report, ScanReport)
    assert [r.name for r in report.requests][:2] == ["product_list[naive]", "product_list"]
    first = report.requests[0].findings[0]
    assert first.callsite == CallSite("shopdemo/shop/serializers.py", 58, "product_summary")
    assert (first.kind, first.count, first.field) == ("n_plus_one", 20, "category")
    assert report.findings_count == 6


def test_bench_report_orders_results_by_scale() -> None:
    document = fixture_document("bench")
    document["scenarios"][0]["results"].reverse()
    report = parse_report(document)
    assert isinstance(report, BenchReport)
    assert [r.scale for r in report.scenarios[0].results] == [10, 100, 1000]
    assert report.scenarios[3].results[0].naive is None
    assert report.failed_count == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update(schema="perfaudit/scan-v9"),
            "the report has schema 'perfaudit/scan-v9'; perfaudit reads 'perfaudit/scan-v1'",
        ),
        (
            lambda d: d["requests"][0].update(query_count="many"),
            "report.requests[0].query_count should be an integer",
        ),
        (
            lambda d: d["requests"][1].update(status=True),
            "report.requests[1].status should be an integer",
        ),
        (
            lambda d: d["requests"][0]["findings"][0].pop("kind"),
            "report.requests[0].findings[0].kind should be present",
        ),
        (lambda d: d.update(requests={}), "report.requests should be a list"),
    ],
    ids=["unknown-schema", "count-not-int", "bool-is-not-a-count", "missing-key", "not-a-list"],
)
def test_invalid_reports_name_the_key(change, message: str) -> None:
    document = fixture_document("scan")
    change(document)
    with pytest.raises(ConfigError) as caught:
        parse_report(document)
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_unreadable_and_non_json_files(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"Cannot read the report '.*missing.json'"):
        load_report(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.json is not JSON \(Expecting"):
        load_report(broken)


@pytest.mark.parametrize("kind", ["scan", "bench"])
def test_scan_and_bench_reports_require_their_environment(kind: str) -> None:
    document = fixture_document(kind)
    del document["database"]
    with pytest.raises(ConfigError, match=r"report\.database should be an object"):
        parse_report(document)
    del document["perfaudit_version"]  # the earlier key is the one named
    with pytest.raises(ConfigError, match=r"report\.perfaudit_version should be present"):
        parse_report(document)


def test_a_pytest_report_reads_an_unknown_environment_as_a_question_mark() -> None:
    # Written where Django was never configured: the environment is all nulls.
    document = {
        "schema": "perfaudit/pytest-v1",
        "perfaudit_version": "0.1.0",
        "django_version": None,
        "database": {"vendor": None},
        "settings": None,
        "tests": [],
    }
    assert parse_suite_report(document).environment == Environment("0.1.0", "?", "?", "?")
    del document["database"]
    assert parse_suite_report(document).environment.vendor == "?"
    document["database"] = "sqlite"
    with pytest.raises(ConfigError, match=r"report\.database should be an object"):
        parse_suite_report(document)
