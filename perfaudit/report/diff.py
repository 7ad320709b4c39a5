"""Compare two reports of the same kind: what got better, what got worse, and whether NEW regresses.

A scan is compared request by request; a bench scenario by scenario and scale, on its optimized
view (the naive twin is the reference, not the code under review). The regression rules are
the baseline's: more view queries, a finding that was not there before, or responses that were
equal and no longer are. Time is shown but never gates: wall-clock varies between machines.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfaudit.errors import ConfigError
from perfaudit.records import Finding
from perfaudit.report.read import Report, ScanReport
from perfaudit.report.read_bench import BenchReport
from perfaudit.wording import callsite_text, finding_key, finding_title


@dataclass(frozen=True)
class Measure:
    """One request, or one scenario at one scale, as a single report saw it."""

    queries: int
    time_ms: float
    findings: tuple[Finding, ...]
    responses_equal: bool | None = None


@dataclass(frozen=True)
class Change:
    """One request or scenario-and-scale present in both reports."""

    name: str  # "product_list[naive]" or "product_list @ 1000"
    before: Measure
    after: Measure
    new_findings: tuple[Finding, ...]
    fixed_findings: tuple[Finding, ...]
    regressions: tuple[str, ...]

    @property
    def is_unchanged(self) -> bool:
        return (
            self.before.queries == self.after.queries
            and not self.new_findings
            and not self.fixed_findings
            and self.before.responses_equal == self.after.responses_equal
        )


@dataclass(frozen=True)
class ReportDiff:
    """Everything ``perfaudit diff`` reports; ``regressions`` decides the exit code."""

    kind: str  # "scan" | "bench" | "pytest" (perfaudit.report.suite_diff)
    changes: tuple[Change, ...]
    added: tuple[str, ...]  # only in NEW
    removed: tuple[str, ...]  # only in OLD

    @property
    def regressions(self) -> tuple[str, ...]:
        return tuple(r for c in self.changes for r in c.regressions)

    @property
    def has_regressed(self) -> bool:
        return bool(self.regressions)


def diff_reports(old: Report, new: Report) -> ReportDiff:
    """Compare ``old`` with ``new``; raise ConfigError when they are not the same kind."""
    if isinstance(old, ScanReport) and isinstance(new, ScanReport):
        kind, before, after = "scan", scan_measures(old), scan_measures(new)
    elif isinstance(old, BenchReport) and isinstance(new, BenchReport):
        kind, before, after = "bench", bench_measures(old), bench_measures(new)
    else:
        raise ConfigError(
            f"Cannot compare a {kind_of(old)} report with a {kind_of(new)} report; "
            "pass two scan reports or two bench reports."
        )
    changes = tuple(compare(name, before[name], after[name]) for name in before if name in after)
    return ReportDiff(
        kind=kind,
        changes=changes,
        added=tuple(name for name in after if name not in before),
        removed=tuple(name for name in before if name not in after),
    )


def kind_of(report: Report) -> str:
    return "scan" if isinstance(report, ScanReport) else "bench"


def scan_measures(report: ScanReport) -> dict[str, Measure]:
    return {r.name: Measure(r.view_query_count, r.duration_ms, r.findings) for r in report.requests}


def bench_measures(report: BenchReport) -> dict[str, Measure]:
    measures = {}
    for scenario in report.scenarios:
        for result in scenario.results:
            optimized = result.optimized
            measures[f"{scenario.name} @ {result.scale}"] = Measure(
                optimized.view_query_count,
                optimized.timing.median_ms,
                optimized.findings,
                result.responses_equal,
            )
    return measures


def compare(name: str, before: Measure, after: Measure) -> Change:
    """One row of the diff, with the rules that make it a regression."""
    old_keys = {finding_key(f) for f in before.findings}
    new_keys = {finding_key(f) for f in after.findings}
    new = tuple(f for f in after.findings if finding_key(f) not in old_keys)
    fixed = tuple(f for f in before.findings if finding_key(f) not in new_keys)
    regressions = []
    if after.queries > before.queries:
        regressions.append(f"{name}: {before.queries} -> {after.queries} queries")
    regressions.extend(
        f"{name}: new {finding_title(f)} at {callsite_text(f.callsite)}" for f in new
    )
    if before.responses_equal and after.responses_equal is False:
        regressions.append(f"{name}: responses were equal and now differ")
    return Change(name, before, after, new, fixed, tuple(regressions))
