"""Render a ``perfaudit/pytest-v1`` report as Markdown (a PR comment) or one HTML page.

Both lead with the problems across the suite, worst first, each with the tests that reach it,
then list the lost tests and the audited tests with findings. Output depends only on the
report: no timestamps, no machine paths beyond what the report holds.
"""

from __future__ import annotations

from html import escape

from perfaudit.report.html_page import finding_html, html_page, html_table
from perfaudit.report.markdown import cell, code, details, environment_line, finding_body, table
from perfaudit.report.read_suite import SuiteGroup, SuiteReport
from perfaudit.wording import callsite_text, count_by_kind, finding_title, plural, relation_text

SHOWN_TESTS = 5


def headline(report: SuiteReport) -> str:
    text = (
        f"{plural(len(report.groups), 'distinct problem')} "
        f"({plural(report.findings_count, 'finding')}) in "
        f"{plural(len(report.tests), 'audited test')}"
    )
    if report.lost:
        text += f", {plural(len(report.lost), 'test')} lost"
    return text


def tests_text(group: SuiteGroup) -> str:
    shown = ", ".join(group.tests[:SHOWN_TESTS])
    more = len(group.tests) - SHOWN_TESTS
    return shown + (f" and {more} more" if more > 0 else "")


def render_suite_markdown(report: SuiteReport) -> str:
    """The whole Markdown document, ending with one newline."""
    rows = [
        [
            str(number),
            cell(finding_title(group.finding).split(" (")[0]),
            code(callsite_text(group.finding.callsite)),
            str(len(group.tests)) + (f" ({group.baselined} baselined)" if group.baselined else ""),
            str(group.queries),
        ]
        for number, group in enumerate(report.groups, 1)
    ]
    blocks = [
        f"### perfaudit pytest: {headline(report)}",
        environment_line(report.environment),
    ]
    if rows:
        blocks.append(table(["#", "Problem", "Call site", "Tests", "Queries"], "rllrr", rows))
    if report.lost:
        lost = "\n".join(f"- {code(nodeid)}: {cell(reason)}" for nodeid, reason in report.lost)
        blocks.append("**Lost tests (not audited)**\n\n" + lost)
    for number, group in enumerate(report.groups, 1):
        where = f"{plural(len(group.tests), 'test')}: {tests_text(group)}"
        blocks.append(
            details(f"{number}. {finding_title(group.finding)}", finding_body(group.finding, where))
        )
    return "\n\n".join(blocks) + "\n"


def render_suite_html(report: SuiteReport) -> str:
    """The whole HTML page."""
    verdict_class = "failed" if report.groups or report.lost else "ok"
    rows = [
        [
            str(number),
            f"<code>{escape(relation_text(g.finding) or '')}</code><br>"
            f"{escape(finding_title(g.finding))}",
            f"<code>{escape(callsite_text(g.finding.callsite))}</code>",
            str(len(g.tests)),
            str(g.queries),
        ]
        for number, g in enumerate(report.groups, 1)
    ]
    parts = [
        f'<p class="verdict {verdict_class}">{escape(headline(report))}</p>',
        '<section id="summary"><h2>Problems across the suite</h2>',
        html_table(["#", "Problem", "Call site", "Tests", "Queries"], rows, {0, 3, 4}),
        "</section>",
    ]
    if report.lost:
        items = "".join(f"<li><code>{escape(n)}</code>: {escape(r)}</li>" for n, r in report.lost)
        parts.append(
            f'<section id="lost"><h2>Lost tests</h2><ul class="failed">{items}</ul></section>'
        )
    for number, group in enumerate(report.groups, 1):
        seen = f"{plural(len(group.tests), 'test')}: {tests_text(group)}"
        parts.append(f'<section class="group" data-group="{number}">')
        parts.append(finding_html(group.finding, seen=seen))
        parts.append("</section>")
    test_rows = [
        [
            f"<code>{escape(t.nodeid)}</code>",
            escape(t.outcome or "?"),
            str(t.query_count),
            escape(count_by_kind(t.findings) or "none"),
        ]
        for t in report.tests
    ]
    parts.append('<section id="tests"><h2>Audited tests</h2>')
    parts.append(html_table(["Test", "Outcome", "Queries", "Findings"], test_rows, {2}))
    parts.append("</section>")
    return html_page("pytest", report.environment, "\n".join(parts))
