"""Read a scan-v1 or bench-v1 JSON report back into frozen dataclasses for the renderers.

Every reviewer-facing output (Markdown, HTML, diff, CI annotations, JUnit) starts from the JSON
file alone, so it works without Django and on reports made on another machine. Findings come
back as :class:`perfaudit.records.Finding`, the same type detect produces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfaudit.errors import ConfigError
from perfaudit.json_fields import JsonObject, invalid_report
from perfaudit.json_input import read_json
from perfaudit.records import CallSite, Finding, SkippedRoute, Timing
from perfaudit.schemas import BENCH_SCHEMA
from perfaudit.schemas import SCAN_SCHEMA as SCAN_SCHEMA  # perfaudit.cli imports it from here


@dataclass(frozen=True)
class Environment:
    """What a report was made with and against."""

    perfaudit_version: str
    django_version: str
    vendor: str
    settings: str


@dataclass(frozen=True)
class RequestResult:
    """One replayed request of a scan report."""

    name: str
    method: str
    path: str
    user: str | None
    status: int
    error: str | None
    query_count: int
    view_query_count: int
    duration_ms: float
    sql_ms: float
    findings: tuple[Finding, ...]
    failure: str | None = None  # see docs/report-schema.md; absent in older reports
    expect: int | None = None
    route: str | None = None
    suppressed_count: int = 0  # findings an ignore rule, a comment or the baseline accepted


@dataclass(frozen=True)
class ScanReport:
    """A ``perfaudit/scan-v1`` document."""

    environment: Environment
    requests: tuple[RequestResult, ...]
    skipped: tuple[SkippedRoute, ...] = ()
    notes: tuple[str, ...] = ()
    stale_rules: tuple[str, ...] = ()  # ignore rules that matched no finding

    @property
    def suppressed_count(self) -> int:
        return sum(r.suppressed_count for r in self.requests)

    @property
    def findings_count(self) -> int:
        return sum(len(r.findings) for r in self.requests)


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
    def unexplained_gate_failures(self) -> tuple[str, ...]:
        """Gate failures that are not one scenario's failures joined (``"name: a; b"``)."""
        derived = {f"{s.name}: {'; '.join(s.failures)}" for s in self.scenarios if s.failures}
        return tuple(g for g in self.gate_failures if g not in derived)

    @property
    def failure_lines(self) -> tuple[str, ...]:
        """Every failure once, as ``scenario: what failed``."""
        lines = [f"{s.name}: {f}" for s in self.scenarios for f in s.failures]
        return tuple(lines) + tuple(g for g in self.unexplained_gate_failures if g not in lines)


Report = ScanReport | BenchReport


def load_report(path: str | Path) -> Report:
    """Read and validate the report at ``path``; raise ConfigError when it cannot be used."""
    return parse_report(read_document(path), str(path))


def read_document(path: str | Path) -> dict[str, Any]:
    """The decoded JSON object at ``path`` (unvalidated: see :func:`parse_report`)."""
    source = str(path)
    data = read_json(
        path,
        "the report",
        source,
        "pass a file written by `perfaudit scan --json` or `perfaudit bench --json`",
    )
    if not isinstance(data, dict):
        raise invalid_report(source, "report", "an object")
    return data


def parse_report(data: object, source: str = "the report") -> Report:
    """Turn a decoded JSON report into a :class:`ScanReport` or :class:`BenchReport`."""
    root = JsonObject(data, "report", source)
    schema = root.data.get("schema")
    if schema == SCAN_SCHEMA:
        summary = root.opt_child("summary")
        return ScanReport(
            _environment(root),
            tuple(_request(n) for n in root.children("requests")),
            tuple(
                SkippedRoute(n.text("route"), n.text("reason")) for n in root.children("skipped")
            ),
            root.texts("notes"),
            stale_rules=summary.texts("stale_rules") if summary else (),
        )
    if schema == BENCH_SCHEMA:
        return _bench(root)
    raise ConfigError(
        f"{source} has schema {schema!r}; perfaudit reads {SCAN_SCHEMA!r} and {BENCH_SCHEMA!r}."
    )


def _environment(root: JsonObject) -> Environment:
    return Environment(
        perfaudit_version=root.text("perfaudit_version"),
        django_version=root.text("django_version"),
        vendor=root.child("database").text("vendor"),
        settings=root.text("settings"),
    )


def _finding(node: JsonObject) -> Finding:
    site = node.opt_child("callsite")
    callsite = None
    if site is not None:
        callsite = CallSite(
            file=site.text("file"),
            line=site.integer("line"),
            function=site.text("function"),
            template=site.opt_text("template"),
            template_line=site.opt_integer("template_line"),
        )
    return Finding(
        kind=node.text("kind"),
        fingerprint=node.text("fingerprint"),
        count=node.integer("count"),
        table=node.opt_text("table"),
        model=node.opt_text("model"),
        field=node.opt_text("field"),
        suggestion=node.opt_text("suggestion") or "",
        callsite=callsite,
        sample_sql=node.opt_text("sample_sql") or "",
        is_best_effort=bool(node.opt_bool("is_best_effort")),
    )


def _request(node: JsonObject) -> RequestResult:
    return RequestResult(
        name=node.text("name"),
        method=node.text("method"),
        path=node.text("path"),
        user=node.opt_text("user"),
        status=node.integer("status"),
        error=node.opt_text("error"),
        failure=node.opt_text("failure"),
        expect=node.opt_integer("expect"),
        route=node.opt_text("route"),
        query_count=node.integer("query_count"),
        view_query_count=_first_int(
            node.opt_integer("view_query_count"), node.integer("query_count")
        ),
        duration_ms=node.number("duration_ms"),
        sql_ms=node.number("sql_ms"),
        findings=tuple(_finding(f) for f in node.children("findings")),
        suppressed_count=len(node.children("suppressed")),
    )


def _first_int(value: int | None, fallback: int) -> int:
    return fallback if value is None else value


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
        findings=tuple(_finding(f) for f in node.children("findings")),
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


def _bench(root: JsonObject) -> BenchReport:
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
        environment=_environment(root),
        scales=tuple(s for s in scales if isinstance(s, int)) if isinstance(scales, list) else (),
        rounds=root.opt_integer("rounds") or 0,
        scenarios=tuple(scenarios),
        gate_failures=gates.texts("failures") if gates else (),
        gate_improvements=gates.texts("improvements") if gates else (),
        caches=root.opt_text("caches") or "private",
    )


def parse_finding(node: JsonObject) -> Finding:
    """One finding of any report (scan, bench or pytest) as detect produced it."""
    return _finding(node)
