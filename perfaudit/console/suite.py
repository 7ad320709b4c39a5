"""The end-of-session summary of ``pytest --perfaudit``, from the ``perfaudit/pytest-v1`` document.

One row per finding group (kind, relation, call site), worst first, with the tests that reach
it, then the totals. ``perfaudit report FILE`` prints the same from a saved report.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from perfaudit.console.scan import describe_callsite
from perfaudit.wording import kind_label, plural

SHOWN_TESTS = 3  # test names listed in a row before "+N more"


def group_table(document: dict[str, Any]) -> Table:
    """The groups of findings across tests, worst first: problem, tests reaching it, queries."""
    table = Table(title=Text("perfaudit: findings across the suite, worst first"))
    table.add_column("#", justify="right")
    table.add_column("finding, call site and fix", overflow="fold", ratio=3)
    table.add_column("tests", overflow="fold", ratio=2)
    table.add_column("queries", justify="right")
    for number, group in enumerate(document["groups"], 1):
        relation = ".".join(p for p in (group["model"], group["field"]) if p) or group["table"]
        problem = Text.assemble(
            (kind_label(group["kind"]), "bold yellow"),
            f" {relation or 'no relation'}",
            f"\nat {describe_callsite(group['callsite'])}",
        )
        if group["suggestion"]:
            problem.append(f"\nfix {group['suggestion']}", style="green")
        tests = Text(tests_cell(group["tests"]))
        if group["baselined"]:
            tests.append(f"\n{group['baselined']} baselined", style="dim")
        table.add_row(str(number), problem, tests, str(group["queries"]))
    return table


def tests_cell(nodeids: list[str]) -> str:
    """``3 tests: a, b, c`` or ``10 tests: a, b, c, +7 more``; names without the file."""
    names = [n.split("::", 1)[-1] for n in nodeids[:SHOWN_TESTS]]
    more = len(nodeids) - len(names)
    listed = ", ".join(names) + (f", +{more} more" if more else "")
    return f"{plural(len(nodeids), 'test')}: {listed}"


def totals_line(document: dict[str, Any]) -> str:
    summary = document["summary"]
    counts = ", ".join(f"{n} {kind_label(k)}" for k, n in summary["findings"].items())
    # A failed test's queries are audited up to the failure: say how many, since the pytest
    # summary above may count failures that ran no query (those are not audited).
    failed = f" ({summary['failed']} of them failed)" if summary.get("failed") else ""
    line = (
        f"{plural(summary['tests'], 'test')} audited{failed}, {summary['queries']} queries; "
        f"{summary['tests_with_findings']} with findings: {counts} "
        f"({plural(summary['groups'], 'distinct problem')})"
    )
    if summary["baselined"]:
        line += f"; {summary['baselined']} baselined"
    if summary.get("suppressed"):
        line += f"; {summary['suppressed']} suppressed"
    if document.get("fail_on"):
        line += f"; {summary['gated']} failing --perfaudit-fail-on {','.join(document['fail_on'])}"
    return line + "."


def render_suite(document: dict[str, Any], console: Console) -> None:
    """Print the groups table (when there is a finding), the lost tests and the totals."""
    if document["groups"]:
        console.print(group_table(document))
    lost = document.get("lost") or []
    if lost:
        console.print(Text(f"{plural(len(lost), 'test')} lost, not audited:", style="bold red"))
        for entry in lost:
            console.print(Text(f"  {entry['nodeid']}: {entry['reason']}", style="red"))
    for rule in document.get("stale_rules") or ():
        console.print(Text(f"stale ignore rule (matched nothing in this run): {rule}", "yellow"))
    console.print(Text(totals_line(document)))


def render_suite_text(document: dict[str, Any], *, width: int, color: bool) -> str:
    """:func:`render_suite` as text for pytest's terminal reporter."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=max(width, 60), force_terminal=color, no_color=not color, highlight=False
    )
    render_suite(document, console)
    return buffer.getvalue()
