"""The bench gates: query budgets, proof by scaling, response equality and the baseline.

Every gate reads a :class:`perfaudit.bench.runner.BenchResult` and judges the *optimized* twins (the
naive ones exist to be compared against). Budgets and the baseline count the view's own
queries: middleware and authentication queries are the same for every view of a project and
are reported apart. The baseline fails only on regressions (more queries, a new finding, lost
equality) and reports improvements; :func:`ratchet_baseline` lowers it, never raises it.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfaudit.bench.runner import BenchResult, ScenarioRun
from perfaudit.suppress.baseline import (
    Baseline,
    BaselineEntry,
    BaselineScenario,
    kinds_and_relations,
    new_and_gone,
    ratchet_keys,
)


@dataclass(frozen=True)
class ScenarioVerdict:
    """What the gates said about one scenario."""

    name: str
    failures: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()

    @property
    def is_ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class GateReport:
    """Every scenario's verdict, and the gates that were applied."""

    verdicts: tuple[ScenarioVerdict, ...]
    max_queries: int | None = None
    baseline: str | None = None

    @property
    def failure_lines(self) -> tuple[str, ...]:
        """One line per failing scenario: ``name: reason; reason``."""
        return tuple(f"{v.name}: {'; '.join(v.failures)}" for v in self.verdicts if not v.is_ok)

    @property
    def improvement_lines(self) -> tuple[str, ...]:
        return tuple(f"{v.name}: {line}" for v in self.verdicts for line in v.improvements)

    @property
    def exit_code(self) -> int:
        return 1 if self.failure_lines else 0

    def verdict(self, name: str) -> ScenarioVerdict:
        return next(v for v in self.verdicts if v.name == name)


def evaluate_gates(
    result: BenchResult,
    *,
    max_queries: int | None = None,
    baseline: Baseline | None = None,
    baseline_source: str | None = None,
) -> GateReport:
    """Judge every scenario of ``result``.

    Scenarios and scales the baseline lacks are not compared: without --update-baseline,
    :func:`perfaudit.suppress.baseline.check_coverage` refuses such a run before it starts.
    """
    verdicts = []
    for run in result.scenarios:
        failures = [*_budget_failures(run, max_queries), *_proof_failures(run)]
        improvements: list[str] = []
        entry = None if baseline is None else baseline.scenarios.get(run.scenario.name)
        if entry is not None:  # --update-baseline may be adding this scenario right now
            regressions, gains = compare_with_baseline(run, entry)
            failures.extend(regressions)
            improvements.extend(gains)
        verdicts.append(ScenarioVerdict(run.scenario.name, tuple(failures), tuple(improvements)))
    return GateReport(tuple(verdicts), max_queries, baseline_source)


def _budget_failures(run: ScenarioRun, max_queries: int | None) -> list[str]:
    limits = [(max_queries, "--max-queries"), (run.scenario.max_queries, "max_queries")]
    given = [(limit, source) for limit, source in limits if limit is not None]
    if not given:
        return []
    limit, source = min(given)
    over = [s for s in run.scales if s.optimized.audit.view_query_count > limit]
    if not over:
        return []
    worst = max(over, key=lambda s: s.optimized.audit.view_query_count)
    count = worst.optimized.audit.view_query_count
    return [f"{count} queries at scale {worst.scale} > max {limit} ({source})"]


def _proof_failures(run: ScenarioRun) -> list[str]:
    failures = []
    if run.optimized_growth.is_growing:
        failures.append(
            f"optimized query count grows with the data ({run.optimized_growth.label}): an N+1"
        )
    unequal = next((s for s in run.scales if s.comparison and not s.comparison.is_equal), None)
    if unequal is not None and unequal.comparison is not None:
        failures.append(f"responses differ at scale {unequal.scale}: {unequal.comparison.diff}")
    return failures


def compare_with_baseline(run: ScenarioRun, entry: BaselineScenario) -> tuple[list[str], list[str]]:
    """(regressions, improvements) of one scenario against its baseline entry."""
    regressions: list[str] = []
    improvements: list[str] = []
    for scale_run in run.scales:
        old = entry.scales.get(scale_run.scale)
        if old is None:
            continue
        count = scale_run.optimized.audit.view_query_count
        scale = scale_run.scale
        if count > old.view_query_count:
            regressions.append(f"{count} queries at scale {scale}, baseline {old.view_query_count}")
        elif count < old.view_query_count:
            improvements.append(f"{old.view_query_count} -> {count} queries at scale {scale}")
        keys = kinds_and_relations(scale_run.optimized.audit.findings)
        new, gone = new_and_gone(old.findings, keys)
        regressions.extend(f"new finding at scale {scale}: {k}" for k in new)
        improvements.extend(f"finding gone at scale {scale}: {k}" for k in gone)
    is_equal = run.responses_equal
    if entry.responses_equal and is_equal is False:
        regressions.append("responses no longer equal (the baseline has them equal)")
    elif entry.responses_equal is False and is_equal:
        improvements.append("responses are equal now")
    return regressions, improvements


def ratchet_baseline(old: Baseline | None, result: BenchResult) -> Baseline:
    """The baseline after ``result``: counts and findings only go down, new entries are added.

    A regression keeps its old count and a new finding is not added (see
    :func:`~perfaudit.suppress.baseline.ratchet_keys`),
    so it keeps failing until fixed; to accept one on
    purpose, edit or delete its entry in the file.
    """
    scenarios = dict(old.scenarios) if old is not None else {}
    for run in result.scenarios:
        previous = scenarios.get(run.scenario.name)
        scales = dict(previous.scales) if previous is not None else {}
        for scale_run in run.scales:
            audit = scale_run.optimized.audit
            new = BaselineEntry(audit.view_query_count, kinds_and_relations(audit.findings))
            kept = scales.get(scale_run.scale)
            if kept is not None:
                new = BaselineEntry(
                    min(new.view_query_count, kept.view_query_count),
                    ratchet_keys(kept.findings, new.findings),
                )
            scales[scale_run.scale] = new
        is_equal = run.responses_equal
        was_equal = previous.responses_equal if previous is not None else None
        equal = was_equal if is_equal is None else (is_equal or bool(was_equal))
        scenarios[run.scenario.name] = BaselineScenario(scales, equal)
    return Baseline(scenarios)
