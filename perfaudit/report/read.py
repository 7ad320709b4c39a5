"""Read a scan-v1 or bench-v1 JSON report back into frozen dataclasses for the renderers.

Every reviewer-facing output (Markdown, HTML, diff, CI annotations, JUnit) starts from the JSON
file alone, so it works without Django and on reports made on another machine. Findings come
back as :class:`perfaudit.records.Finding`, the same type detect produces. This module reads
the file, tells the two schemas apart and parses a scan; :mod:`perfaudit.report.read_bench`
parses a bench report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfaudit.errors import ConfigError
from perfaudit.json_fields import JsonObject, invalid_report
from perfaudit.json_input import read_json
from perfaudit.records import Finding, SkippedRoute
from perfaudit.report.read_bench import BenchReport, parse_bench
from perfaudit.report.read_common import Environment, parse_environment, parse_finding
from perfaudit.schemas import BENCH_SCHEMA, SCAN_SCHEMA
from perfaudit.wording import plural


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
    redirect: str | None = None  # a 3xx response's Location
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

    @property
    def headline(self) -> str:
        """The verdict every rendering leads with: ``3 findings in 10 requests, 1 error``."""
        text = (
            f"{plural(self.findings_count, 'finding')} in {plural(len(self.requests), 'request')}"
        )
        errors = sum(1 for r in self.requests if r.error)
        if errors:
            text += f", {plural(errors, 'error')}"
        if self.suppressed_count:
            text += f", {self.suppressed_count} suppressed"
        return text


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
            parse_environment(root),
            tuple(_request(n) for n in root.children("requests")),
            tuple(
                SkippedRoute(n.text("route"), n.text("reason")) for n in root.children("skipped")
            ),
            root.texts("notes"),
            stale_rules=summary.texts("stale_rules") if summary else (),
        )
    if schema == BENCH_SCHEMA:
        return parse_bench(root)
    raise ConfigError(
        f"{source} has schema {schema!r}; perfaudit reads {SCAN_SCHEMA!r} and {BENCH_SCHEMA!r}."
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
        redirect=node.opt_text("redirect"),
        query_count=node.integer("query_count"),
        view_query_count=_first_int(
            node.opt_integer("view_query_count"), node.integer("query_count")
        ),
        duration_ms=node.number("duration_ms"),
        sql_ms=node.number("sql_ms"),
        findings=tuple(parse_finding(f) for f in node.children("findings")),
        suppressed_count=len(node.children("suppressed")),
    )


def _first_int(value: int | None, fallback: int) -> int:
    return fallback if value is None else value
