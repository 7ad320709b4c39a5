"""Render a scan or bench report as one self-contained, printable HTML page.

Everything is inline (CSS, SVG charts); the page runs no script and fetches nothing, so it
can be attached to a CI run, mailed, or opened from a laptop with no network.
"""

from __future__ import annotations

from html import escape

from perfaudit.records import Finding
from perfaudit.report.read import Report, ScanReport
from perfaudit.report.read_bench import BenchReport, ScenarioResult
from perfaudit.report.svg import Bar, Series, bar_chart, line_chart
from perfaudit.wording import (
    NO_VALUE,
    callsite_text,
    count_by_kind,
    finding_title,
    format_ms,
    format_ratio,
    is_code,
    plural,
    pretty_sql,
    relation_text,
    scales_seen,
    suppressed_note,
    unique_findings,
)

STYLE = """
:root { --naive: #c2410c; --optimized: #1d4ed8; --ink: #1f2937; --muted: #6b7280;
        --line: #e5e7eb; --bad: #b91c1c; --good: #15803d; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 16px 0 6px; }
.env, .muted { color: var(--muted); }
.verdict { font-weight: 600; font-size: 17px; }
.ok { color: var(--good); } .failed { color: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { background: #f9fafb; } td.num, th.num { text-align: right;
     font-variant-numeric: tabular-nums; } td.num { white-space: nowrap; }
code, pre { font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px;
      padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; flex: 1 1 420px; max-width: 520px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
          margin: 0 4px 0 10px; vertical-align: -1px; }
.swatch.naive { background: var(--naive); } .swatch.optimized { background: var(--optimized); }
svg .grid { stroke: var(--line); } svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis { font-size: 12px; fill: var(--ink); }
svg .line { fill: none; stroke-width: 2.5; }
svg .line.naive { stroke: var(--naive); } svg .line.optimized { stroke: var(--optimized); }
svg .point.naive, svg .bar.naive { fill: var(--naive); }
svg .point.optimized, svg .bar.optimized { fill: var(--optimized); }
svg .bar { fill: #6b7280; }
.finding { border-left: 4px solid var(--naive); padding: 2px 0 2px 14px; margin: 12px 0; }
.finding.optimized { border-color: var(--bad); }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
.finding dt { color: var(--muted); }
.finding dd { margin: 0; }
@page { margin: 14mm; }
@media print {
  body { font-size: 10pt; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  /* Both charts of a scenario side by side on one A4 line. */
  .charts { flex-wrap: nowrap; } figure.chart { flex: 1 1 0; min-width: 0; }
  .finding, figure.chart, tr, pre { break-inside: avoid; }
  h2 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(report: Report) -> str:
    """The whole HTML page for ``report``."""
    if isinstance(report, ScanReport):
        kind, body = "scan", scan_body(report)
    else:
        kind, body = "bench", bench_body(report)
    env = report.environment
    environment = (
        f"<code>{escape(env.settings)}</code> on {escape(env.vendor)} · "
        f"Django {escape(env.django_version)} · perfaudit {escape(env.perfaudit_version)}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>perfaudit {kind} report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f'<h1>perfaudit {kind} report</h1>\n<p class="env">{environment}</p>\n'
        f"{body}\n</main>\n</body>\n</html>\n"
    )


def html_table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """A table from already-escaped cells; columns in ``numeric`` are right-aligned."""

    def row(cells: list[str], tag: str) -> str:
        return (
            "<tr>"
            + "".join(
                f"<{tag}{' class=num' if i in numeric else ''}>{c}</{tag}>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )

    head = row(header, "th")
    return (
        f"<table><thead>{head}</thead><tbody>{''.join(row(r, 'td') for r in rows)}</tbody></table>"
    )


def finding_html(finding: Finding, *, css_class: str = "", seen: str = "") -> str:
    rows = []
    relation = relation_text(finding)
    if relation and finding.model:
        rows.append(("Relation", f"<code>{escape(relation)}</code>"))
    if finding.table:
        rows.append(("Table", f"<code>{escape(finding.table)}</code>"))
    rows.append(("Call site", f"<code>{escape(callsite_text(finding.callsite))}</code>"))
    if seen:
        rows.append(("Seen", escape(seen)))
    if finding.suggestion:
        fix = escape(finding.suggestion)
        rows.append(("Fix", f"<code>{fix}</code>" if is_code(finding.suggestion) else fix))
    if finding.is_best_effort:
        rows.append(("Note", "best effort: a heuristic, check before acting on it"))
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    sql = f"<pre><code>{escape(pretty_sql(finding.sample_sql))}</code></pre>"
    return (
        f'<article class="finding {css_class}"><h3>{escape(finding_title(finding))}</h3>'
        f"<dl>{items}</dl>{sql if finding.sample_sql else ''}</article>"
    )


def scan_body(report: ScanReport) -> str:
    errors = sum(1 for r in report.requests if r.error)
    verdict_class = "failed" if report.findings_count or errors else "ok"
    verdict = (
        f"{plural(report.findings_count, 'finding')} in {plural(len(report.requests), 'request')}"
    )
    if errors:
        verdict += f", {plural(errors, 'error')}"
    if report.suppressed_count:
        verdict += f", {report.suppressed_count} suppressed"
    rows = [
        [
            str(i),
            f"<code>{escape(r.name)}</code><br><span class=muted>{escape(r.method)} "
            f"{escape(r.path)}</span>",
            str(r.status)
            + (f'<br><span class="failed">{escape(r.error)}</span>' if r.error else ""),
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
        f'<p class="verdict {verdict_class}">{verdict}</p>',
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
    failed = report.failed_count
    verdict_class = "failed" if failed or report.gate_failures else "ok"
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
        f'<p class="verdict {verdict_class}">{plural(len(report.scenarios), "scenario")}, '
        f"{failed} failed</p>",
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
