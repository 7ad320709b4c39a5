"""Terminal rendering with rich: the scan table, the findings section, the replay progress bar.

Beside :mod:`perfaudit.console.bench` (bench runs) and :mod:`perfaudit.console.suite` (the
pytest summary). Renders the scan-v1 report document (:mod:`perfaudit.report.scan`), so a saved
report prints the same way as a live scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from perfaudit.records import CallSite
from perfaudit.wording import callsite_text, is_named, kind_label, pretty_sql


def scan_table(report: dict[str, Any]) -> Table:
    """One row per replayed request: status, queries (view/all), time and findings."""
    title = Text(f"perfaudit scan: {report['settings']} on {report['database']['vendor']}")
    table = Table(title=title)
    table.add_column("request", overflow="fold")
    table.add_column("status", justify="right")
    table.add_column("queries", justify="right")
    table.add_column("view", justify="right")
    table.add_column("ms", justify="right")
    table.add_column("sql ms", justify="right")
    table.add_column("findings", justify="right")
    # The column appears only when something was suppressed: reports without it read the same.
    has_suppressed = bool(report["summary"].get("suppressed"))
    if has_suppressed:
        table.add_column("suppressed", justify="right")
    for request in report["requests"]:
        status = Text(str(request["status"]), style=_status_style(request))
        findings = len(request["findings"])
        extra = [str(len(request.get("suppressed", [])))] if has_suppressed else []
        table.add_row(
            _row_label(request),
            status,
            str(request["query_count"]),
            str(request["view_query_count"]),
            f"{request['duration_ms']:.1f}",
            f"{request['sql_ms']:.1f}",
            Text(str(findings), style="bold yellow" if findings else "green"),
            *extra,
        )
    return table


def _status_style(request: dict[str, Any]) -> str:
    if request["error"]:
        return "red"
    return "yellow" if _is_not_a_page(request) else ""


def _is_not_a_page(request: dict[str, Any]) -> bool:
    """A redirect or a 4xx that no requests file asked for: the page itself was not audited."""
    return 300 <= request["status"] < 500 and request.get("expect") is None


def failure_line(request: dict[str, Any]) -> Text | None:
    """Why a request failed, or why its 3xx/4xx status is not a success; None when it is fine."""
    if request["error"]:
        # Reports written before ``failure`` existed had errors only when the view raised;
        # the other failures are told on the request's row.
        if request.get("failure", "raised") != "raised":
            return None
        return Text(f"  view raised: {request['error']}", style="red")
    if request["status"] < 400 and _is_not_a_page(request):
        target = request.get("redirect") or ""
        if "login" in urlsplit(target).path.lower():
            advice = f"to the login page {target}: not audited; replay it logged in (--user)"
        else:
            advice = f"to {target}: the page was not rendered, so not audited; replay that URL"
        return Text(f"  answered {request['status']}, redirecting {advice}", style="yellow")
    if _is_not_a_page(request):
        return Text(
            f"  answered {request['status']}: not audited as a success; replay it from a "
            "requests file with the path, user or body it needs",
            style="yellow",
        )
    return None


def skipped_footer(report: dict[str, Any]) -> Text | None:
    """The routes discovery did not replay, one per line with the reason."""
    skipped = report.get("skipped") or []
    if not skipped:
        return None
    lines = [f"Not replayed ({len(skipped)} route{'s' if len(skipped) != 1 else ''}):"]
    lines += [f"  {item['route']}  {item['reason']}" for item in skipped]
    return Text("\n".join(lines), style="dim")


def _row_label(request: dict[str, Any]) -> Text:
    """The request's label, and why it failed when it did not raise (a raise is told below)."""
    label = request_label(request)
    if request["error"] and request.get("failure", "raised") != "raised":
        label.append(f"\n{request['error']}", style="red")
    return label


def request_label(request: dict[str, Any]) -> Text:
    """The request's name, and under it the method and path when the name is not the path."""
    # Text, not str: names like "product_list[naive]" must not be read as rich markup.
    target = f"{request['method']} {request['path']}"
    if not is_named(request["name"], request["method"], request["path"]):
        return Text(target)
    return Text.assemble(request["name"], (f"\n{target}", "dim"))


def describe_callsite(callsite: dict[str, Any] | None) -> str:
    """:func:`~perfaudit.wording.callsite_text` of a report's call-site dict."""
    if callsite is None:
        return callsite_text(None)
    return callsite_text(
        CallSite(
            callsite["file"],
            callsite["line"],
            callsite["function"],
            template=callsite["template"],
            template_line=callsite["template_line"],
        )
    )


def _shown_key(finding: dict[str, Any]) -> tuple[object, ...]:
    site = finding["callsite"] or {}
    where = tuple(site.get(k) for k in ("file", "line", "template", "template_line"))
    return (finding["kind"], finding["model"], finding["field"], finding["fingerprint"], *where)


def _relation(finding: dict[str, Any]) -> str:
    relation = ".".join(p for p in (finding["model"], finding["field"]) if p) or finding["table"]
    return str(relation or "no relation")


def finding_block(finding: dict[str, Any]) -> Group:
    """One finding: kind and count, relation, call site, fix, SQL shape."""
    relation = _relation(finding)
    # The kind's label is the reports' (wording.kind_label); "best effort" is the finding's
    # flag, as the Markdown and HTML reports show it, not part of the kind's name.
    best_effort = " (best effort)" if finding.get("is_best_effort") else ""
    title = Text.assemble(
        (f"{kind_label(finding['kind'])}{best_effort} x{finding['count']}", "bold yellow"),
        f"  {relation}",
    )
    lines: list[RenderableType] = [
        title,
        Text(f"  at   {describe_callsite(finding['callsite'])}"),
        Text.assemble("  fix  ", (finding["suggestion"], "green")),
        Padding(
            Text(
                pretty_sql(finding["fingerprint"]), style="dim", no_wrap=True, overflow="ellipsis"
            ),
            (0, 0, 0, 7),
            expand=False,
        ),
    ]
    return Group(*lines)


def render_scan(report: dict[str, Any], console: Console) -> None:
    """Print the scan table, then every request's findings and errors, then a summary line.

    A finding already shown for an earlier request (a base template's query on every page)
    is one line pointing there, not its fix and SQL again.
    """
    console.print(scan_table(report))
    footer = skipped_footer(report)
    if footer is not None:
        console.print(footer)
    shown: dict[tuple[object, ...], str] = {}
    for request in report["requests"]:
        problem = failure_line(request)
        suppressed = request.get("suppressed", [])
        if not request["findings"] and problem is None and not suppressed:
            continue
        target = f"{request['method']} {request['path']}"
        named = is_named(request["name"], request["method"], request["path"])
        heading = f"{request['name']}  {target}" if named else target
        console.print(Text(f"\n{heading}", "bold"))
        if problem is not None:
            console.print(problem)
        for finding in request["findings"]:
            key = _shown_key(finding)
            first = shown.get(key)
            if first is None:
                shown[key] = heading
                console.print(finding_block(finding))
                continue
            line = (
                f"{kind_label(finding['kind'])} x{finding['count']}  {_relation(finding)}  "
                f"at {describe_callsite(finding['callsite'])}: as under {first} above"
            )
            console.print(Text(line, style="yellow"))
        for finding in suppressed:
            console.print(Text(suppressed_line(finding), style="dim"))
    console.print(Text(summary_line(report)))
    for note in report.get("notes") or []:
        console.print(Text(f"note: {note}", style="yellow"))
    for rule in report["summary"].get("stale_rules", []):
        warning = f"warning: ignore rule {rule!r} matched no finding in this scan (stale)."
        console.print(Text(warning, style="yellow"))
    baseline = report.get("baseline") or {}
    for fixed in baseline.get("fixed", []):
        console.print(Text(f"fixed since the baseline: {fixed}", style="green"))


def suppressed_line(finding: dict[str, Any]) -> str:
    """``suppressed N+1 x8 sample.Book.author (config: relation=sample.Book.author)``."""
    why = finding["suppression"]
    return (
        f"suppressed {kind_label(finding['kind'])} x{finding['count']}  {_relation(finding)}  "
        f"({why['source']}: {why['rule']})"
    )


def summary_line(report: dict[str, Any]) -> str:
    summary = report["summary"]
    counts = ", ".join(f"{n} {kind_label(k)}" for k, n in summary["findings"].items())
    errors = f", {summary['errors']} failed" if summary["errors"] else ""
    skipped = f", {summary['skipped']} routes not replayed" if summary.get("skipped") else ""
    suppressed = f", {summary['suppressed']} suppressed" if summary.get("suppressed") else ""
    return (
        f"{summary['requests']} requests, {summary['queries']} queries: "
        f"{counts}{suppressed}{errors}{skipped}."
    )


@contextmanager
def replay_progress(console: Console) -> Iterator[ProgressBar]:
    """A progress bar for the replay; hidden when the console is not a terminal."""
    progress = Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    bar = ProgressBar(progress)
    with progress:
        yield bar


class ProgressBar:
    """Callbacks for :func:`perfaudit.scan.run_scan` that drive a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("", total=None)
        self.started = False

    def plan(self, specs: tuple[Any, ...]) -> None:
        self.progress.update(self.task, total=len(specs))

    def request(self, spec: Any) -> None:
        if self.started:
            self.progress.advance(self.task)
        self.started = True
        self.progress.update(self.task, description=spec.name)
