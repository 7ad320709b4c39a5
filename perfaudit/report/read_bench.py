"""Read a ``perfaudit/bench-v1`` report back into frozen dataclasses for the renderers.

A bench report holds, per scenario, both twins measured at every data scale, how their query
counts grow, and the gates' verdict. :func:`perfaudit.report.read.parse_report` tells a bench
document from a scan document and hands the former to :func:`parse_bench`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from perfaudit.json_fields import JsonObject
from perfaudit.records import Finding, Timing
from perfaudit.report.read_common import Environment, parse_environment, parse_finding
from perfaudit.wording import plural


@dataclass(frozen=True)
class TwinResult:
    """One twin (naive or optimized) measured at one scale."""

    status: int
    query_count: int
    view_query_count: int
    framework_query_count: int
    timing: Timing
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class ScaleResult:
    """Both twins of a scenario at one data scale; ``naive`` is None without a naive twin."""

    scale: int
    optimized: TwinResult
    naive: TwinResult | None
    responses_equal: bool | None
    diff: str | None
    query_ratio: float | None
    time_ratio: float | None


@dataclass(frozen=True)
class Complexity:
    """How a twin's query count grows with the data: ``label`` reads like "2 + 3 per row"."""

    growth: str
    label: str


@dataclass(frozen=True)
class ScenarioResult:
    """One bench scenario across every scale, with its verdict."""

    name: str
    method: str
    path: str
    naive_path: str | None
    user: str | None
    max_queries: int | None
    results: tuple[ScaleResult, ...]
    optimized_complexity: Complexity | None
    naive_complexity: Complexity | None
    failures: tuple[str, ...]
    verdict: str

    @property
    def has_naive(self) -> bool:
        return any(r.naive is not None for r in self.results)

    def findings_of(self, twin: str) -> list[tuple[int, Finding]]:
        """Every (scale, finding) of ``"naive"`` or ``"optimized"``, smallest scale first."""
        found: list[tuple[int, Finding]] = []
        for result in self.results:
            side = result.optimized if twin == "optimized" else result.naive
            found.extend((result.scale, f) for f in (side.findings if side else ()))
        return found


@dataclass(frozen=True)
class BenchReport:
    """A ``perfaudit/bench-v1`` document."""

    environment: Environment
    scales: tuple[int, ...]
    rounds: int
    scenarios: tuple[ScenarioResult, ...]
    gate_failures: tuple[str, ...]
    gate_improvements: tuple[str, ...]
    caches: str = "private"  # "off": timed with every cache replaced by a DummyCache

    @property
    def caches_note(self) -> str:
        """What report headers add after the rounds: nothing, or that caches were off."""
        return ", caches off" if self.caches == "off" else ""

    @property
    def failed_count(self) -> int:
        return sum(1 for s in self.scenarios if s.verdict != "ok")

    @property
    def headline(self) -> str:
        """The verdict every rendering leads with: ``5 scenarios, 1 failed``."""
        return f"{plural(len(self.scenarios), 'scenario')}, {self.failed_count} failed"

    @property
    def unexplained_gate_failures(self) -> tuple[str, ...]:
        """Gate failures that are not one scenario's failures joined (``"name: a; b"``)."""
        derived = {f"{s.name}: {'; '.join(s.failures)}" for s in self.scenarios if s.failures}
        return tuple(g for g in self.gate_failures if g not in derived)

    @property
    def failure_lines(self) -> tuple[str, ...]:
        """Every failure once, as ``scenario: what failed``."""
        lines = [f"{s.name}: {f}" for s in self.scenarios for f in s.failures]
        return tuple(lines) + tuple(g for g in self.unexplained_gate_failures if g not in lines)


def _twin(node: JsonObject) -> TwinResult:
    timing = node.child("timing")
    return TwinResult(
        status=node.integer("status"),
        query_count=node.integer("query_count"),
        view_query_count=node.integer("view_query_count"),
        framework_query_count=node.opt_integer("framework_query_count") or 0,
        timing=Timing(
            min_ms=timing.number("min_ms"),
            median_ms=timing.number("median_ms"),
            iqr_ms=timing.number("iqr_ms"),
            rounds=timing.integer("rounds"),
        ),
        findings=tuple(parse_finding(f) for f in node.children("findings")),
    )


def _scale(node: JsonObject) -> ScaleResult:
    naive = node.opt_child("naive")
    diff = node.data.get("diff")
    return ScaleResult(
        scale=node.positive("scale"),
        optimized=_twin(node.child("optimized")),
        naive=None if naive is None else _twin(naive),
        responses_equal=node.opt_bool("responses_equal"),
        diff=None if diff is None else diff if isinstance(diff, str) else json.dumps(diff),
        query_ratio=node.opt_number("query_ratio"),
        time_ratio=node.opt_number("time_ratio"),
    )


def _complexity(node: JsonObject | None) -> Complexity | None:
    if node is None:
        return None
    return Complexity(growth=node.text("growth"), label=node.text("label"))


def parse_bench(root: JsonObject) -> BenchReport:
    """A ``perfaudit/bench-v1`` document (its schema already checked)."""
    scenarios = []
    for node in root.children("scenarios"):
        complexity = node.opt_child("complexity")
        scenarios.append(
            ScenarioResult(
                name=node.text("name"),
                method=node.text("method"),
                path=node.text("path"),
                naive_path=node.opt_text("naive_path"),
                user=node.opt_text("user"),
                max_queries=node.opt_integer("max_queries"),
                results=tuple(
                    sorted((_scale(r) for r in node.children("results")), key=lambda r: r.scale)
                ),
                optimized_complexity=_complexity(complexity and complexity.opt_child("optimized")),
                naive_complexity=_complexity(complexity and complexity.opt_child("naive")),
                failures=node.texts("failures"),
                verdict=node.text("verdict"),
            )
        )
    gates = root.opt_child("gates")
    scales = root.data.get("scales")
    return BenchReport(
        environment=parse_environment(root),
        scales=tuple(s for s in scales if isinstance(s, int)) if isinstance(scales, list) else (),
        rounds=root.opt_integer("rounds") or 0,
        scenarios=tuple(scenarios),
        gate_failures=gates.texts("failures") if gates else (),
        gate_improvements=gates.texts("improvements") if gates else (),
        caches=root.opt_text("caches") or "private",
    )
