"""The page every HTML report is printed on: its stylesheet, its shell, and the blocks that the
scan, bench and pytest pages share (tables, finding cards).

Everything is inline (CSS, SVG charts); the page runs no script and fetches nothing, so it
can be attached to a CI run, mailed, or opened from a laptop with no network.
"""

from __future__ import annotations

from html import escape

from perfaudit.records import Finding
from perfaudit.report.read_common import Environment
from perfaudit.wording import callsite_text, finding_title, is_code, pretty_sql, relation_text

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


def html_page(kind: str, env: Environment, body: str) -> str:
    """The whole page of a ``kind`` report ("scan", "bench", "pytest") around ``body``."""
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
