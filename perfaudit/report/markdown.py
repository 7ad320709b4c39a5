"""Render a scan or bench report as GitHub-flavoured Markdown, compact enough for a PR comment.

The summary is a table; each finding (relation, call site, fix, SQL) sits inside a collapsed
``<details>`` block so a long report does not bury the conversation. Output depends only on
the report: no timestamps, no machine paths.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from perfaudit.records import Finding
from perfaudit.report.read import Report, RequestResult, ScanReport
from perfaudit.report.read_bench import BenchReport, ScaleResult, ScenarioResult
from perfaudit.report.read_common import Environment
from perfaudit.wording import (
    NO_VALUE,
    callsite_text,
    count_by_kind,
    finding_title,
    format_ms,
    format_ratio,
    is_code,
    is_named,
    not_audited,
    plural,
    pretty_sql,
    relation_text,
    scales_seen,
    suppressed_note,
    unique_findings,
)

VERDICT_ICONS = {"ok": "✅ ok"}


def render_markdown(report: Report) -> str:
    """The whole Markdown document for ``report``, ending with one newline."""
    blocks = render_scan(report) if isinstance(report, ScanReport) else render_bench(report)
    return "\n\n".join(blocks) + "\n"


def code(text: str) -> str:
    """Inline code that survives a table cell (pipes escaped, backticks cannot close it)."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(header: Iterable[str], aligns: str, rows: Iterable[Iterable[str]]) -> str:
    """A GFM table; ``aligns`` has one letter per column: l(eft) or r(ight) or c(enter)."""
    rule = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule[a] for a in aligns) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def environment_line(env: Environment, *extra: str) -> str:
    parts = [f"{code(env.settings)} on {env.vendor}", f"Django {env.django_version}"]
    parts += [f"perfaudit {env.perfaudit_version}", *extra]
    return " · ".join(parts)


def details(summary: str, body: Iterable[str]) -> str:
    # GitHub renders Markdown inside <details> only after a blank line.
    return "\n\n".join(
        [f"<details>\n<summary>{html.escape(summary)}</summary>", *body, "</details>"]
    )


def finding_body(finding: Finding, where: str = "") -> list[str]:
    """The bullet list and SQL block that explain one finding."""
    relation = relation_text(finding)
    bullets = []
    if relation:
        table_note = f" (table {code(finding.table)})" if finding.table and finding.model else ""
        bullets.append(f"- **Relation:** {code(relation)}{table_note}")
    bullets.append(f"- **Call site:** {code(callsite_text(finding.callsite))}")
    if where:
        bullets.append(f"- **Seen:** {where}")
    if finding.suggestion:
        fix = finding.suggestion
        bullets.append(f"- **Fix:** {code(fix) if is_code(fix) else fix}")
    if finding.is_best_effort:
        bullets.append("- *Best effort: a heuristic, check before acting on it.*")
    body = ["\n".join(bullets)]
    if finding.sample_sql:
        body.append("```sql\n" + pretty_sql(finding.sample_sql) + "\n```")
    return body


def render_scan(report: ScanReport) -> list[str]:
    errors = [r for r in report.requests if r.error]
    skipped = {r.name: note for r in report.requests if not r.error and (note := _not_audited(r))}
    rows = [
        [
            _request_cell(r),
            str(r.status) + (" ❌" if r.error else " ⚠️" if r.name in skipped else ""),
            str(r.query_count),
            format_ms(r.duration_ms),
            (count_by_kind(r.findings) or "none") + suppressed_note(r.suppressed_count),
        ]
        for r in report.requests
    ]
    blocks = [
        f"### perfaudit scan: {report.headline}",
        environment_line(report.environment),
        table(["Request", "Status", "Queries", "Time", "Findings"], "lrrrl", rows),
    ]
    if report.stale_rules:
        blocks.append(
            "**Stale ignore rules** (matched no finding)\n\n"
            + "\n".join(f"- {code(rule)}" for rule in report.stale_rules)
        )
    if errors:
        blocks.append(
            "**Errors**\n\n" + "\n".join(f"- {code(r.name)}: {cell(r.error or '')}" for r in errors)
        )
    if skipped:
        blocks.append(
            "**Not audited** (no page was rendered)\n\n"
            + "\n".join(f"- {code(name)}: {cell(note)}" for name, note in skipped.items())
        )
    for request in report.requests:
        for finding in request.findings:
            blocks.append(
                details(f"{request.name}: {finding_title(finding)}", finding_body(finding))
            )
    return blocks


def queries_cell(results: Iterable[ScaleResult]) -> str:
    def one(result: ScaleResult) -> str:
        naive = NO_VALUE if result.naive is None else str(result.naive.view_query_count)
        return f"{naive} → {result.optimized.view_query_count}"

    return " · ".join(one(r) for r in results)


def equality_cell(scenario: ScenarioResult) -> str:
    verdicts = [r for r in scenario.results if r.responses_equal is not None]
    if not verdicts:
        return NO_VALUE
    differing = [str(r.scale) for r in verdicts if not r.responses_equal]
    return "yes" if not differing else f"**no** (scale {', '.join(differing)})"


def growth_cell(scenario: ScenarioResult) -> str:
    naive = scenario.naive_complexity.label if scenario.naive_complexity else NO_VALUE
    optimized = scenario.optimized_complexity.label if scenario.optimized_complexity else NO_VALUE
    return f"{cell(naive)} → {cell(optimized)}"


def render_bench(report: BenchReport) -> list[str]:
    scales = " · ".join(str(s) for s in report.scales)
    largest = max(report.scales, default=None)
    rows = []
    for s in report.scenarios:
        last = s.results[-1] if s.results else None
        rows.append(
            [
                code(s.name),
                queries_cell(s.results),
                growth_cell(s),
                format_ratio(last.time_ratio if last else None),
                equality_cell(s),
                VERDICT_ICONS.get(s.verdict, f"❌ {s.verdict}"),
            ]
        )
    header = [
        "Scenario",
        f"Queries naive → optimized<br>(scale {scales})",
        "Growth naive → optimized",
        f"Time ratio{f' at {largest}' if largest else ''}",
        "Same JSON",
        "Verdict",
    ]
    blocks = [
        f"### perfaudit bench: {report.headline}",
        environment_line(
            report.environment,
            f"scales {scales}",
            plural(report.rounds, "round") + report.caches_note,
        ),
        table(header, "lllrcl", rows),
    ]
    if report.failure_lines:
        failures = "\n".join(f"- {cell(f)}" for f in report.failure_lines)
        blocks.append("**Failures**\n\n" + failures)
    if report.gate_improvements:
        improved = "\n".join(f"- {cell(i)}" for i in report.gate_improvements)
        blocks.append("**Improvements**\n\n" + improved)
    for scenario in report.scenarios:
        blocks.extend(scenario_findings(scenario))
    return blocks


def scenario_findings(scenario: ScenarioResult) -> list[str]:
    """Collapsed findings: the optimized view's (problems) and the naive twin's (what was fixed)."""
    blocks = []
    for twin, caption in (("optimized", "in the optimized view"), ("naive", "in the naive twin")):
        found = scenario.findings_of(twin)
        unique = unique_findings(f for _, f in found)
        body = []
        for finding in unique:
            body.append(f"#### {html.escape(finding_title(finding))}")
            body.extend(finding_body(finding, where=scales_seen(found, finding)))
        if unique:
            summary = f"{scenario.name}: {plural(len(unique), 'finding')} {caption}"
            blocks.append(details(summary, body))
    return blocks


def _not_audited(request: RequestResult) -> str | None:
    return not_audited(request.status, request.expect, request.redirect)


def _request_cell(request: RequestResult) -> str:
    """The name, and under it the method and path; a discovered route's name is its path:
    said once."""
    target = code(f"{request.method} {request.path}")
    named = is_named(request.name, request.method, request.path)
    return f"{code(request.name)}<br>{target}" if named else target
