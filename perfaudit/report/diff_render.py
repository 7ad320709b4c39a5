"""Render a :class:`perfaudit.report.diff.ReportDiff` as plain text or Markdown."""

from __future__ import annotations

from perfaudit.report.diff import Change, ReportDiff
from perfaudit.report.markdown import code, details, finding_body, table
from perfaudit.wording import callsite_text, finding_title, format_change, plural

HEADER = ["{what}", "Queries", "Time (ms)", "Findings", "Verdict"]
SUBJECTS = {"scan": "Request", "bench": "Scenario @ scale", "pytest": "Test"}


def headline(diff: ReportDiff) -> str:
    count = len(diff.regressions)
    verdict = "regressed" if count else "no regression"
    return f"perfaudit diff ({diff.kind}): {verdict}" + (
        f", {plural(count, 'rule')} broken" if count else ""
    )


def row(change: Change) -> list[str]:
    notes = []
    if change.new_findings:
        notes.append(f"{len(change.new_findings)} new")
    if change.fixed_findings:
        notes.append(f"{len(change.fixed_findings)} fixed")
    if change.before.responses_equal != change.after.responses_equal:
        notes.append(
            "JSON " + ("now differs" if change.after.responses_equal is False else "now equal")
        )
    return [
        change.name,
        format_change(change.before.queries, change.after.queries),
        format_change(change.before.time_ms, change.after.time_ms, digits=1),
        ", ".join(notes) or "unchanged",
        "regressed" if change.regressions else "ok",
    ]


def header(diff: ReportDiff) -> list[str]:
    return [h.format(what=SUBJECTS.get(diff.kind, "Scenario @ scale")) for h in HEADER]


def render_diff_text(diff: ReportDiff) -> str:
    """Aligned columns for a terminal, then the findings and the broken rules."""
    rows = [header(diff), *(row(c) for c in diff.changes)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = [headline(diff), ""]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    for title, names in (("Only in OLD", diff.removed), ("Only in NEW", diff.added)):
        if names:
            lines += ["", f"{title}: {', '.join(names)}"]
    for title, attribute in (
        ("New findings", "new_findings"),
        ("Fixed findings", "fixed_findings"),
    ):
        found = [(c.name, f) for c in diff.changes for f in getattr(c, attribute)]
        if found:
            lines += ["", f"{title}:"]
            lines += [
                f"  {name}: {finding_title(f)} at {callsite_text(f.callsite)}" for name, f in found
            ]
    if diff.regressions:
        lines += ["", "Regressions:", *(f"  {r}" for r in diff.regressions)]
    return "\n".join(lines) + "\n"


def render_diff_markdown(diff: ReportDiff) -> str:
    """A PR comment: the table, broken rules as a list, findings collapsed."""
    rows = []
    for change in diff.changes:
        cells = row(change)
        cells[0] = code(cells[0])
        cells[-1] = "❌ regressed" if change.regressions else "✅ ok"
        rows.append(cells)
    blocks = [f"### {headline(diff)}", table(header(diff), "lrrll", rows)]
    for title, names in (("Only in OLD", diff.removed), ("Only in NEW", diff.added)):
        if names:
            blocks.append(f"**{title}:** " + ", ".join(code(n) for n in names))
    if diff.regressions:
        blocks.append("**Regressions**\n\n" + "\n".join(f"- {r}" for r in diff.regressions))
    for change in diff.changes:
        for finding in change.new_findings:
            blocks.append(
                details(f"New in {change.name}: {finding_title(finding)}", finding_body(finding))
            )
        for finding in change.fixed_findings:
            blocks.append(
                details(f"Fixed in {change.name}: {finding_title(finding)}", finding_body(finding))
            )
    return "\n\n".join(blocks) + "\n"
