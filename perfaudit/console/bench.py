"""Terminal rendering of a bench run with rich: the progress bar and the side-by-side table.

Beside :mod:`perfaudit.console.scan` (which renders scans); renders the bench-v1 document
(:mod:`perfaudit.report.bench`), so a saved report prints the same way as a live run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from perfaudit.console.scan import replay_progress

if TYPE_CHECKING:
    from perfaudit.bench.runner import BenchStep

ARROW = " -> "
CAPTURED_MARK = "*"  # after a median taken from the captured request alone
CAPTURED_NOTE = (
    f"{CAPTURED_MARK} one sample: the captured request alone took longer than the time budget, "
    "so its own duration (capture's cost included) was taken instead of sending it again."
)


def bench_table(report: dict[str, Any]) -> Table:
    """One row per scenario and scale: naive -> optimized view queries and median times."""
    table = Table(
        title=f"perfaudit bench: {report['settings']} on {report['database']['vendor']}, "
        f"{report['rounds']} rounds{', caches off' if report.get('caches') == 'off' else ''}"
    )
    table.add_column("scenario", no_wrap=True)
    for name in ("scale", "queries", "median ms", "q ratio", "t ratio"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("equal", justify="center")
    for scenario in report["scenarios"]:
        for index, result in enumerate(scenario["results"]):
            naive, optimized = result["naive"], result["optimized"]
            table.add_row(
                _scenario_text(scenario) if index == 0 else "",
                str(result["scale"]),
                _pair(naive, optimized, lambda t: str(t["view_query_count"])),
                _pair(naive, optimized, _median_text),
                _ratio(result["query_ratio"]),
                _ratio(result["time_ratio"]),
                _equal_text(result["responses_equal"]),
            )
    return table


def complexity_table(report: dict[str, Any]) -> Table:
    """Proof by scaling: how each twin's view query count grows with the data size."""
    table = Table(title="view queries against data size")
    for name in ("scenario", "naive", "optimized"):
        table.add_column(name)
    for scenario in report["scenarios"]:
        naive, optimized = scenario["complexity"]["naive"], scenario["complexity"]["optimized"]
        is_constant = optimized["growth"] == "constant"
        table.add_row(
            _scenario_text(scenario),
            "-" if naive is None else f"{naive['label']} ({naive['growth']})",
            Text(
                f"{optimized['label']} ({optimized['growth']})",
                style="green" if is_constant else "bold red",
            ),
        )
    return table


def _median_text(twin: dict[str, Any]) -> str:
    timing = twin["timing"]
    return f"{timing['median_ms']:.1f}" + (CAPTURED_MARK if _is_from_capture(twin) else "")


def _is_from_capture(twin: dict[str, Any] | None) -> bool:
    return twin is not None and bool(twin["timing"].get("from_captured_run"))


def _scenario_text(scenario: dict[str, Any]) -> Text:
    style = "green" if scenario["verdict"] == "ok" else "bold red"
    return Text(scenario["name"], style=style)


def _pair(naive: dict[str, Any] | None, optimized: dict[str, Any], show: Any) -> str:
    return show(optimized) if naive is None else f"{show(naive)}{ARROW}{show(optimized)}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


def _equal_text(value: bool | None) -> Text:
    if value is None:
        return Text("-")
    return Text("yes", style="green") if value else Text("NO", style="bold red")


def render_bench(report: dict[str, Any], console: Console) -> None:
    """Print the tables, the improvements, the failures and a summary line."""
    console.print(bench_table(report))
    twins = [
        twin
        for scenario in report["scenarios"]
        for result in scenario["results"]
        for twin in (result["naive"], result["optimized"])
    ]
    if any(_is_from_capture(twin) for twin in twins):
        console.print(Text(CAPTURED_NOTE, style="dim"))
    console.print(complexity_table(report))
    gates = report["gates"]
    for line in gates["improvements"]:
        console.print(Text(f"improved  {line}", style="green"))
    for line in gates["failures"]:
        console.print(Text(f"FAILED    {line}", style="bold red"))
    console.print(Text(bench_summary(report)))


def bench_summary(report: dict[str, Any]) -> str:
    summary, gates = report["summary"], report["gates"]
    applied = [f"max {gates['max_queries']} queries"] if gates["max_queries"] is not None else []
    if gates["baseline"]:
        applied.append(f"baseline {gates['baseline']}")
    against = f" against {', '.join(applied)}" if applied else ""
    return (
        f"{summary['scenarios']} scenarios at scales "
        f"{', '.join(str(s) for s in report['scales'])}{against}: {summary['failed']} failed."
    )


@contextmanager
def bench_progress(console: Console, total: int) -> Iterator[Callable[[BenchStep], None]]:
    """The scan's progress bar over the twin measurements; yields run_bench's ``on_step``."""
    with replay_progress(console) as bar:
        bar.plan(tuple(range(total)))
        yield bar.request
