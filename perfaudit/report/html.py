"""Render a scan or bench report as one self-contained, printable HTML page.

This module writes each report's sections (verdict, summary table, charts, findings);
:mod:`perfaudit.report.html_page` holds the stylesheet, the page around the sections and the
blocks shared with the pytest report.
"""

from __future__ import annotations

from html import escape

from perfaudit.report.html_page import finding_html, html_page, html_table
from perfaudit.report.read import Report, ScanReport
from perfaudit.report.read_bench import BenchReport, ScenarioResult
from perfaudit.report.svg import Bar, Series, bar_chart, line_chart
from perfaudit.wording import (
    NO_VALUE,
    count_by_kind,
    format_ms,
    format_ratio,
    not_audited,
    plural,
    scales_seen,
    suppressed_note,
    unique_findings,
)


def render_html(report: Report) -> str:
    """The whole HTML page for ``report``."""
    if isinstance(report, ScanReport):
        return html_page("scan", report.environment, scan_body(report))
    return html_page("bench", report.environment, bench_body(report))


def scan_body(report: ScanReport) -> str:
    has_failed = report.findings_count > 0 or any(r.error for r in report.requests)
    rows = [
        [
            str(i),
            f"<code>{escape(r.name)}</code><br><span class=muted>{escape(r.method)} "
            f"{escape(r.path)}</span>",
            str(r.status)
            + (f'<br><span class="failed">{escape(r.error)}</span>' if r.error else "")
            + (
                f"<br><span class=muted>not audited: {escape(note)}</span>"
                if not r.error and (note := not_audited(r.status, r.expect, r.redirect))
                else ""
            ),
            str(r.query_count),
            escape(format_ms(r.duration_ms)),
            escape(format_ms(r.sql_ms)),
            escape((count_by_kind(r.findings) or "none") + suppressed_note(r.suppressed_count)),
        ]
        for i, r in enumerate(report.requests, 1)
    ]
    bars = tuple(
        Bar(r.name, r.query_count, "naive" if r.findings else "optimized") for r in report.requests
    )
    chart = bar_chart("Queries per request", bars, y_title="queries")
    parts = [
        f'<p class="verdict {"failed" if has_failed else "ok"}">{report.headline}</p>',
        '<section id="summary"><h2>Requests</h2>',
        html_table(
            ["#", "Request", "Status", "Queries", "Time", "SQL time", "Findings"],
            rows,
            {0, 3, 4, 5},
        ),
        f'<div class="charts"><figure class="chart" data-chart="queries">{chart}'
        '<figcaption>Queries per request<span class="swatch naive"></span>with findings'
        '<span class="swatch optimized"></span>clean</figcaption></figure></div></section>',
    ]
    if report.stale_rules:
        parts.append(
            "<p>Stale ignore rules (matched no finding): "
            + ", ".join(f"<code>{escape(rule)}</code>" for rule in report.stale_rules)
            + "</p>"
        )
    for request in report.requests:
        if request.findings:
            parts.append(f'<section class="request"><h2>{escape(request.name)}</h2>')
            parts.extend(finding_html(f) for f in request.findings)
            parts.append("</section>")
    return "\n".join(parts)


def verdict_span(verdict: str) -> str:
    return f'<span class="{"ok" if verdict == "ok" else "failed"}">{escape(verdict)}</span>'


def bullet_list(items: tuple[str, ...], css_class: str = "") -> str:
    return f'<ul class="{css_class}">' + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def bench_body(report: BenchReport) -> str:
    verdict_class = "failed" if report.failed_count or report.gate_failures else "ok"
    scales = ", ".join(str(s) for s in report.scales)
    rows = []
    for s in report.scenarios:
        if not s.results:
            continue
        last = s.results[-1]
        naive = str(last.naive.view_query_count) if last.naive else NO_VALUE
        rows.append(
            [
                f'<a href="#scenario-{escape(s.name)}"><code>{escape(s.name)}</code></a>',
                f"{naive} → {last.optimized.view_query_count}",
                escape(format_ratio(last.time_ratio)),
                verdict_span(s.verdict),
            ]
        )
    header = ["Scenario", "Queries naive → optimized (largest scale)", "Time ratio", "Verdict"]
    parts = [
        f'<p class="verdict {verdict_class}">{report.headline}</p>',
        f'<p class="muted">Scales {escape(scales)} · {plural(report.rounds, "round")} each'
        f"{report.caches_note}</p>",
        '<section id="summary"><h2>Summary</h2>',
        html_table(header, rows, {1, 2}),
    ]
    if report.failure_lines:
        parts.append("<h3>Failures</h3>" + bullet_list(report.failure_lines, "failed"))
    if report.gate_improvements:
        parts.append("<h3>Improvements</h3>" + bullet_list(report.gate_improvements))
    parts.append("</section>")
    parts.extend(scenario_section(s) for s in report.scenarios if s.results)
    return "\n".join(parts)


def scenario_charts(scenario: ScenarioResult) -> str:
    """Two charts: view queries and median latency against data size, one line per twin."""
    twins = ("naive", "optimized") if scenario.has_naive else ("optimized",)
    legend = "".join(f'<span class="swatch {t}"></span>{t}' for t in twins)
    figures = []
    for chart, caption, y_title in (
        ("queries", "View queries", "queries"),
        ("latency", "Median latency", "median ms"),
    ):
        series = []
        for twin in twins:
            points = []
            for r in scenario.results:
                side = r.naive if twin == "naive" else r.optimized
                if side is not None:
                    value = side.view_query_count if chart == "queries" else side.timing.median_ms
                    points.append((float(r.scale), float(value)))
            series.append(Series(twin, tuple(points)))
        svg = line_chart(
            f"{scenario.name}: {caption.lower()} by data size",
            tuple(series),
            x_title="data size (scale)",
            y_title=y_title,
        )
        figures.append(
            f'<figure class="chart" data-chart="{chart}">{svg}'
            f"<figcaption>{caption}{legend}</figcaption></figure>"
        )
    return '<div class="charts">' + "".join(figures) + "</div>"


def scale_rows(scenario: ScenarioResult) -> list[list[str]]:
    rows = []
    for r in scenario.results:
        equal = NO_VALUE
        if r.responses_equal is not None:
            equal = "yes" if r.responses_equal else '<b class="failed">no</b>'
        if r.diff:
            equal += f"<pre><code>{escape(r.diff)}</code></pre>"
        rows.append(
            [
                str(r.scale),
                str(r.naive.view_query_count) if r.naive else NO_VALUE,
                str(r.optimized.view_query_count),
                escape(format_ms(r.naive.timing.median_ms if r.naive else None)),
                escape(format_ms(r.optimized.timing.median_ms)),
                escape(format_ratio(r.time_ratio)),
                equal,
            ]
        )
    return rows


SCALE_HEADER = [
    "Scale",
    "Naive queries",
    "Optimized queries",
    "Naive median",
    "Optimized median",
    "Time ratio",
    "Same JSON",
]
FINDING_CAPTIONS = {
    "optimized": "Findings in the optimized view",
    "naive": "Fixed by the optimized view (the naive twin's findings)",
}


def scenario_section(scenario: ScenarioResult) -> str:
    name = escape(scenario.name)
    where = f"{escape(scenario.method)} <code>{escape(scenario.path)}</code>"
    if scenario.naive_path:
        where += f" · naive twin <code>{escape(scenario.naive_path)}</code>"
    if scenario.user:
        where += f" · as <code>{escape(scenario.user)}</code>"
    parts = [
        f'<section class="scenario" id="scenario-{name}" data-scenario="{name}">',
        f"<h2>{name} {verdict_span(scenario.verdict)}</h2>",
        f'<p class="muted">{where}</p>',
        scenario_charts(scenario),
        html_table(SCALE_HEADER, scale_rows(scenario), {0, 1, 2, 3, 4, 5}),
    ]
    if scenario.failures:
        parts.append(bullet_list(scenario.failures, "failed"))
    for twin, caption in FINDING_CAPTIONS.items():
        found = scenario.findings_of(twin)
        unique = unique_findings(f for _, f in found)
        if unique:
            parts.append(f"<h3>{caption}</h3>")
        parts.extend(finding_html(f, css_class=twin, seen=scales_seen(found, f)) for f in unique)
    parts.append("</section>")
    return "\n".join(parts)
