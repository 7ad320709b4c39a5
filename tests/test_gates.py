"""Every bench gate and the baseline: regressions fail, improvements are reported."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from perfaudit.bench.gates import evaluate_gates, ratchet_baseline
from perfaudit.errors import ConfigError
from perfaudit.records import CallSite
from perfaudit.suppress.baseline import (
    Baseline,
    BaselineEntry,
    BaselineScenario,
    baseline_dict,
    check_coverage,
    kind_and_relation,
    kinds_and_relations,
    load_baseline,
    parse_baseline,
    write_baseline,
)
from perfaudit.wording import finding_key
from tests.bench_helpers import BODY, bench_result, good_run, n_plus_one, scenario_run, twin


def baseline_of(**counts: tuple[int, int]) -> Baseline:
    return Baseline(
        {
            name: BaselineScenario({10: BaselineEntry(a), 100: BaselineEntry(b)}, True)
            for name, (a, b) in counts.items()
        }
    )


def test_a_clean_run_passes_every_gate() -> None:
    gates = evaluate_gates(
        bench_result(good_run()), max_queries=3, baseline=baseline_of(product_list=(3, 3))
    )
    assert (gates.exit_code, gates.failure_lines, gates.improvement_lines) == (0, (), ())


def test_max_queries_fails_at_the_first_worst_scale() -> None:
    gates = evaluate_gates(bench_result(good_run()), max_queries=2)
    assert gates.exit_code == 1
    assert gates.failure_lines == ("product_list: 3 queries at scale 10 > max 2 (--max-queries)",)


def test_framework_queries_do_not_count_against_the_budget() -> None:
    run = scenario_run("order_list", {10: twin(2, framework=2), 100: twin(2, framework=2)})
    assert evaluate_gates(bench_result(run), max_queries=2).exit_code == 0


def test_the_stricter_of_the_two_budgets_applies() -> None:
    run = scenario_run("dashboard", {10: twin(3), 100: twin(3)}, max_queries=2)
    assert evaluate_gates(bench_result(run), max_queries=5).failure_lines == (
        "dashboard: 3 queries at scale 10 > max 2 (max_queries)",
    )
    assert evaluate_gates(bench_result(run), max_queries=1).failure_lines == (
        "dashboard: 3 queries at scale 10 > max 1 (--max-queries)",
    )


def test_a_growing_optimized_view_is_an_n_plus_one_whatever_the_budget() -> None:
    run = scenario_run("order_list", {10: twin(12), 100: twin(102)})
    gates = evaluate_gates(bench_result(run), max_queries=1000)
    assert gates.failure_lines == (
        "order_list: optimized query count grows with the data (2 + 1 per row): an N+1",
    )


def test_an_equality_failure_is_caught_and_shown() -> None:
    run = scenario_run(
        "product_list",
        {10: twin(3, body=b'{"count":2}'), 100: twin(3)},
        {10: twin(12, body=b'{"count":1}'), 100: twin(102)},
    )
    gates = evaluate_gates(bench_result(run))
    assert gates.failure_lines == ("product_list: responses differ at scale 10: $.count: 1 != 2",)


def test_one_line_per_failing_scenario_with_every_reason() -> None:
    bad = scenario_run(
        "order_list",
        {10: twin(12, body=b"[1]"), 100: twin(102)},
        {10: twin(12, body=b"[2]"), 100: twin(102)},
    )
    gates = evaluate_gates(bench_result(good_run(), bad), max_queries=3)
    assert gates.failure_lines == (
        "order_list: 102 queries at scale 100 > max 3 (--max-queries); optimized query count "
        "grows with the data (2 + 1 per row): an N+1; responses differ at scale 10: $[0]: 2 != 1",
    )
    assert gates.verdict("product_list").is_ok


def test_baseline_regression_fails_and_improvement_is_reported() -> None:
    result = bench_result(good_run("product_list", (3, 3)), good_run("dashboard", (2, 2)))
    gates = evaluate_gates(result, baseline=baseline_of(product_list=(2, 2), dashboard=(3, 3)))
    assert gates.exit_code == 1
    assert gates.failure_lines == (
        "product_list: 3 queries at scale 10, baseline 2; 3 queries at scale 100, baseline 2",
    )
    assert gates.improvement_lines == (
        "dashboard: 3 -> 2 queries at scale 10",
        "dashboard: 3 -> 2 queries at scale 100",
    )


def test_an_improvement_alone_passes() -> None:
    gates = evaluate_gates(bench_result(good_run()), baseline=baseline_of(product_list=(5, 3)))
    assert gates.exit_code == 0
    assert gates.improvement_lines == ("product_list: 5 -> 3 queries at scale 10",)


def test_a_new_finding_is_a_regression_and_a_gone_one_an_improvement() -> None:
    finding = n_plus_one()
    run = scenario_run("product_list", {10: twin(3, findings=(finding,)), 100: twin(3)})
    baseline = Baseline(
        {
            "product_list": BaselineScenario(
                {10: BaselineEntry(3), 100: BaselineEntry(3, ("duplicate shop_tag",))}, None
            )
        }
    )
    gates = evaluate_gates(bench_result(run), baseline=baseline)
    assert gates.failure_lines == (
        "product_list: new finding at scale 10: n_plus_one shop.Product.category",
    )
    assert gates.improvement_lines == (
        "product_list: finding gone at scale 100: duplicate shop_tag",
    )


def test_the_baseline_knows_a_finding_by_kind_and_relation_only() -> None:
    here = replace(n_plus_one(), callsite=CallSite("shop/views.py", 12, "product_list"))
    there = replace(
        here,
        fingerprint='select * from "shop_category" where "id" = %s',  # PostgreSQL's quoting
        callsite=CallSite("shop/serializers.py", 40, "product_card"),
    )
    # Reports and diffs tell the two apart; the baseline, shared by both backends, does not.
    assert finding_key(here) != finding_key(there)
    assert kind_and_relation(here) == kind_and_relation(there) == "n_plus_one shop.Product.category"
    assert kinds_and_relations((there, here)) == ("n_plus_one shop.Product.category",)
    duplicate = replace(here, kind="duplicate", model=None, field=None, table="shop_tag")
    assert kind_and_relation(duplicate) == "duplicate shop_tag"


def test_lost_equality_is_a_regression_against_the_baseline() -> None:
    run = scenario_run(
        "product_list", {10: twin(3, body=b"1"), 100: twin(3)}, {10: twin(9), 100: twin(9)}
    )
    gates = evaluate_gates(bench_result(run), baseline=baseline_of(product_list=(3, 3)))
    assert gates.verdict("product_list").failures[-1] == (
        "responses no longer equal (the baseline has them equal)"
    )


def test_ratchet_only_lowers_and_adds() -> None:
    old = baseline_of(product_list=(2, 4))
    result = bench_result(good_run("product_list", (3, 3)), good_run("dashboard", (1, 1)))
    new = ratchet_baseline(old, result)
    assert baseline_dict(new) == {
        "schema": "perfaudit/baseline-v1",
        "scenarios": {
            "dashboard": {
                "responses_equal": True,
                "scales": {
                    "10": {"view_query_count": 1, "findings": []},
                    "100": {"view_query_count": 1, "findings": []},
                },
            },
            "product_list": {
                "responses_equal": True,
                "scales": {
                    "10": {"view_query_count": 2, "findings": []},
                    "100": {"view_query_count": 3, "findings": []},
                },
            },
        },
    }


def test_ratchet_keeps_old_findings_when_new_ones_appear() -> None:
    run = scenario_run("p", {10: twin(3, findings=(n_plus_one(),))})
    old = Baseline({"p": BaselineScenario({10: BaselineEntry(4, ())}, None)})
    assert ratchet_baseline(old, bench_result(run)).scenarios["p"].scales[10] == BaselineEntry(
        3, ()
    )
    first = ratchet_baseline(None, bench_result(run)).scenarios["p"].scales[10]
    assert first == BaselineEntry(3, ("n_plus_one shop.Product.category",))


def test_baseline_round_trips_through_the_file(tmp_path) -> None:
    path = tmp_path / "baseline.json"
    baseline = baseline_of(product_list=(3, 3))
    write_baseline(baseline, path)
    assert load_baseline(path) == baseline
    assert path.read_text().endswith("}\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "Baseline 'b.json' is not JSON (Expecting property name enclosed in double "
                      "quotes at line 1); restore it from version control or regenerate it "
                      "with --update-baseline."),
        ('{"schema": "perfaudit/bench-v1"}', "Baseline 'b.json' has schema 'perfaudit/bench-v1', "
                                             "expected 'perfaudit/baseline-v1'; regenerate it "
                                             "with --update-baseline."),
        ("[]", "Baseline 'b.json' has schema 'list', expected 'perfaudit/baseline-v1'; "
               "regenerate it with --update-baseline."),
        ('{"schema": "perfaudit/baseline-v1", "scenarios": {"p": {"scales": {"10": '
         '{"view_query_count": "3"}}}}}',
         "Baseline 'b.json' is corrupt: scenarios.p.scales.10.view_query_count should be a "
         "count; restore it from version control or regenerate it with --update-baseline."),
        ('{"schema": "perfaudit/baseline-v1", "scenarios": {"p": {"scales": {"ten": {}}}}}',
         "Baseline 'b.json' is corrupt: scenarios.p.scales key 'ten' should be a positive "
         "integer; restore it from version control or regenerate it with --update-baseline."),
        ('{"schema": "perfaudit/baseline-v1", "scenarios": {"p": {"scales": {"10": '
         '{"view_query_count": 3, "findings": [1]}}}}}',
         "Baseline 'b.json' is corrupt: scenarios.p.scales.10.findings should be a list of "
         "strings; restore it from version control or regenerate it with --update-baseline."),
        ('{"schema": "perfaudit/baseline-v1", "scenarios": []}',
         "Baseline 'b.json' is corrupt: scenarios should be an object; restore it from version "
         "control or regenerate it with --update-baseline."),
    ],
    ids=["not-json", "wrong-schema", "not-an-object", "count-as-string", "bad-scale",
         "bad-findings", "bad-scenarios"],
)  # fmt: skip
def test_corrupt_baselines_are_config_errors(tmp_path, monkeypatch, text, message) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.json").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_baseline(Path("b.json"))
    assert str(caught.value) == message
    assert caught.value.exit_code == 2


def test_a_missing_baseline_says_how_to_create_it(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"does not exist; create it with --update-baseline\.$"):
        load_baseline(tmp_path / "nope.json")


def test_coverage_names_the_missing_scenario_and_scale() -> None:
    baseline = baseline_of(product_list=(3, 3))
    with pytest.raises(ConfigError) as caught:
        check_coverage(baseline, ["dashboard"], [10], "b.json")
    assert str(caught.value) == (
        "Baseline 'b.json' has no scenario 'dashboard'; add it with --update-baseline."
    )
    with pytest.raises(ConfigError) as caught:
        check_coverage(baseline, ["product_list"], [10, 1000], "b.json")
    assert str(caught.value) == (
        "Baseline 'b.json' has no scale 1000 for scenario 'product_list' (it has 10, 100); run "
        "with the baseline's --scales or add it with --update-baseline."
    )
    check_coverage(baseline, ["product_list"], [100], "b.json")


def test_parse_accepts_what_write_produces() -> None:
    document = json.loads(json.dumps(baseline_dict(baseline_of(a=(1, 2)))))
    assert parse_baseline(document, "x") == baseline_of(a=(1, 2))


@pytest.mark.parametrize(
    ("was_equal", "is_equal", "written"),
    [(True, False, True), (None, False, False), (False, True, True), (True, None, True)],
    ids=["lost-equality-is-kept", "new-inequality", "fixed-equality", "no-naive-twin-this-time"],
)
def test_ratchet_never_writes_a_lost_equality(
    was_equal: bool | None, is_equal: bool | None, written: bool
) -> None:
    """Equal responses only go from false to true: once lost, the baseline keeps failing."""
    naive_body = {True: BODY, False: b'{"results": [1]}'}
    naive = None if is_equal is None else {10: twin(12, body=naive_body[is_equal])}
    run = scenario_run("p", {10: twin(2)}, naive)
    assert run.responses_equal is is_equal
    old = Baseline({"p": BaselineScenario({10: BaselineEntry(2)}, was_equal)})
    new = ratchet_baseline(old, bench_result(run))
    assert new.scenarios["p"].responses_equal is written
    # Differing twins fail the run on their own; the baseline keeps saying they should not.
    assert evaluate_gates(bench_result(run), baseline=new).exit_code == (is_equal is False)
