"""perfaudit.suppress.scan: stable keys, the shared ratchet, corrupt files, suppress_scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfaudit.config.ignore import parse_ignore_rules
from perfaudit.errors import ConfigError
from perfaudit.records import CallSite, Finding, RequestAudit
from perfaudit.suppress.baseline import new_and_gone, ratchet_keys
from perfaudit.suppress.scan import (
    ScanBaseline,
    baseline_key,
    load_scan_baseline,
    ratchet_scan_baseline,
    suppress_scan,
    write_scan_baseline,
)


def finding(field: str = "category", line: int = 12, file: str = "shop/views.py") -> Finding:
    return Finding(
        kind="n_plus_one",
        fingerprint=f"select {field}",
        count=3,
        table="shop_x",
        model="shop.Product",
        field=field,
        suggestion="",
        callsite=CallSite(file, line, "product_list"),
        sample_sql="",
    )


def audit(name: str, *findings: Finding) -> RequestAudit:
    return RequestAudit(name, "GET", f"/{name}/", 200, 1.0, (), findings)


KEY = "n_plus_one shop.Product.category at shop/views.py in product_list"


def test_keys_leave_out_line_numbers_sql_and_the_machine() -> None:
    assert baseline_key(finding()) == KEY
    assert baseline_key(finding(line=99)) == KEY
    assert baseline_key(finding(file="/home/ci/src/shop/views.py")) == (
        "n_plus_one shop.Product.category at views.py in product_list"
    )
    bare = Finding("duplicate", "select 1", 2, "shop_x", None, None, "", None, "")
    assert baseline_key(bare) == "duplicate shop_x at ?"


def test_the_ratchet_rule_is_shared_with_bench() -> None:
    assert ratchet_keys(["a", "b"], ["b", "c"]) == ("b",)  # a fixed, c new: not accepted
    assert new_and_gone(["a", "b"], ["b", "c"]) == (["c"], ["a"])


def test_ratchet_scan_baseline() -> None:
    old = ScanBaseline({"list": ("a", "b"), "not_run": ("z",)})
    new = ratchet_scan_baseline(old, {"list": ("b", "c"), "fresh": ("d", "d")})
    assert dict(new.requests) == {"list": ("b",), "not_run": ("z",), "fresh": ("d",)}
    assert dict(ratchet_scan_baseline(None, {"x": ("k",)}).requests) == {"x": ("k",)}


def test_baseline_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    write_scan_baseline(ScanBaseline({"z": (), "a": (KEY,)}), path)
    assert path.read_text(encoding="utf-8") == (
        '{\n  "requests": {\n    "a": [\n      "' + KEY + '"\n    ],\n    "z": []\n  },\n'
        '  "schema": "perfaudit/scan-baseline-v1"\n}\n'
    )
    assert load_scan_baseline(path) == ScanBaseline({"a": (KEY,), "z": ()})


REMEDY = "restore it from version control or regenerate it with --update-baseline."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not JSON (Expecting property name enclosed in double quotes at line 1); "
              + REMEDY),
        ('{"schema": "perfaudit/baseline-v1", "scenarios": {}}',
         "has schema 'perfaudit/baseline-v1', expected 'perfaudit/scan-baseline-v1'; "
         "regenerate it with --update-baseline."),
        ("[]", "has schema 'list', expected 'perfaudit/scan-baseline-v1'; regenerate it with "
               "--update-baseline."),
        ('{"schema": "perfaudit/scan-baseline-v1", "requests": []}',
         f"is corrupt: requests should be an object; {REMEDY}"),
        ('{"schema": "perfaudit/scan-baseline-v1", "requests": {"a": [1]}}',
         f"is corrupt: requests.a should be a list of strings; {REMEDY}"),
    ],
    ids=["not-json", "bench-baseline", "not-object", "requests-list", "key-not-string"],
)  # fmt: skip
def test_corrupt_baselines_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_scan_baseline(path)
    assert str(raised.value) == f"Baseline {str(path)!r} {message}"


def test_unreadable_baseline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_scan_baseline(tmp_path)
    assert str(raised.value) == f"Cannot read the baseline {str(tmp_path)!r}: Is a directory."
    (tmp_path / "b.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(ConfigError) as raised:
        load_scan_baseline(tmp_path / "b.json")
    assert "is not UTF-8 text" in str(raised.value)


def test_suppress_scan_applies_rules_then_the_baseline(tmp_path: Path) -> None:
    tags = finding("tags")
    audits = [audit("list", finding(), tags), audit("detail", finding(line=40))]
    rules = parse_ignore_rules(["relation=shop.Product.tags", "request=gone"])
    baseline = ScanBaseline({"list": (KEY, "n_plus_one shop.Product.old at x.py in f")})
    kept, suppression = suppress_scan(
        audits, rules, tmp_path, baseline=baseline, baseline_path="b.json"
    )
    assert [a.findings for a in kept] == [(), (finding(line=40),)]  # detail: not in the baseline
    assert [
        [(s.suppression.source, s.suppression.rule) for s in r] for r in suppression.suppressed
    ] == [[("config", "relation=shop.Product.tags"), ("baseline", KEY)], []]
    assert suppression.stale_rules == ("request=gone",)
    assert suppression.baseline_fixed == ("list: n_plus_one shop.Product.old at x.py in f",)
    assert suppression.updated is None and suppression.suppressed_count == 2


def test_update_baseline_accepts_new_requests_but_not_new_findings(tmp_path: Path) -> None:
    audits = [audit("list", finding(), finding("tags")), audit("detail", finding())]
    baseline = ScanBaseline({"list": (KEY,)})
    kept, suppression = suppress_scan(
        audits, (), tmp_path, baseline=baseline, baseline_path="b.json", update_baseline=True
    )
    assert suppression.updated == ScanBaseline({"list": (KEY,), "detail": (KEY,)})
    # The report says what the next run against the written file will say.
    assert [[f.field for f in a.findings] for a in kept] == [["tags"], []]
    assert suppression.baseline_fixed == ()


def test_a_request_that_raised_neither_fixes_nor_ratchets(tmp_path: Path) -> None:
    broken = RequestAudit("list", "GET", "/list/", 500, 1.0, (), (), error="RuntimeError: x")
    baseline = ScanBaseline({"list": (KEY,)})
    _, suppression = suppress_scan(
        [broken], (), tmp_path, baseline=baseline, baseline_path="b.json", update_baseline=True
    )
    assert suppression.baseline_fixed == ()
    assert suppression.updated == baseline
