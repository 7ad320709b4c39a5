"""The command line: a thin click edge over the library; Django is imported lazily."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from perfaudit import __version__
from perfaudit.errors import PerfAuditError

if TYPE_CHECKING:
    from rich.console import Console

    from perfaudit.bench_config import BenchConfig
    from perfaudit.config import ScanConfig


class OneLineErrors(click.Group):
    """Report usage errors as one line (``perfaudit: error: ...``) with exit code 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            return super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            hint = " (see --help)" if isinstance(exc, click.UsageError) else ""
            click.echo(f"perfaudit: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("perfaudit: aborted.", err=True)
            sys.exit(130)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfaudit")
def cli() -> None:
    """Find, explain and prove away the query problems of Django views."""


def not_implemented(name: str) -> None:
    raise click.UsageError(f"`perfaudit {name}` is not implemented yet.")


@cli.command()
@click.option("--settings", metavar="MOD", help="Django settings module of the project to scan.")
@click.option("--pythonpath", metavar="DIR", multiple=True, help="Put DIR first on sys.path.")
@click.option("--setup", metavar="MOD:FUNC", help="Callable that seeds the test database.")
@click.option("--fixture", "fixtures", metavar="FILE", multiple=True, help="loaddata FILE.")
@click.option("--url", "urls", metavar="PATH", multiple=True, help="Replay GET PATH (repeatable).")
@click.option("--user", metavar="USERNAME", help="Log the requests in as USERNAME.")
@click.option("--threshold", type=click.IntRange(min=2), help="Repeats that make an N+1 [2].")
@click.option("--scale", type=click.IntRange(min=1), help="Scale passed to the setup callable.")
@click.option("--json", "json_path", metavar="FILE", help="Write the scan-v1 JSON report.")
@click.option("--show-params", is_flag=True, help="Write query parameters to the JSON report.")
@click.option("--fail-on", metavar="KINDS", help="Exit 1 on these findings: n_plus_one,duplicate")
@click.option("--include-admin", is_flag=True, help="Discover admin routes too.")
def scan(**flags: Any) -> None:
    """Replay views on a test database and report N+1 and duplicate queries."""
    from rich.console import Console

    from perfaudit.config import ScanOptions, load_scan_config

    def run() -> int:
        config = load_scan_config(Path.cwd(), ScanOptions(**flags), os.environ)
        return run_scan_command(config, Console(highlight=False))

    exit_with(run)


def run_scan_command(config: ScanConfig, console: Console) -> int:
    """Scan with a progress bar, print the results, write the report; return the exit code."""
    from perfaudit.console import render_scan, replay_progress
    from perfaudit.report import scan_report, write_json
    from perfaudit.scan import gate_message, run_scan, scan_exit_code

    with replay_progress(console) as bar:
        result = run_scan(config, on_plan=bar.plan, on_request=bar.request)
    report = scan_report(result)
    render_scan(report, console)
    if config.json_path:
        write_json(report, config.json_path)
        console.print(f"JSON report written to {config.json_path}")
    code = scan_exit_code(result, config.fail_on)
    if code:
        click.echo(f"perfaudit: {gate_message(result, config.fail_on)}", err=True)
    return code


@cli.command()
@click.option("--settings", metavar="MOD", help="Django settings module of the project.")
@click.option("--pythonpath", metavar="DIR", multiple=True, help="Put DIR first on sys.path.")
@click.option("--scenario", "scenarios", metavar="NAME", multiple=True, help="Run NAME only.")
@click.option("--scales", metavar="N,N,...", help="Data sizes for the setup callable.")
@click.option("--rounds", type=int, help="Timed requests per twin and scale [5].")
@click.option("--max-queries", type=int, metavar="N", help="Budget of every optimized view.")
@click.option("--baseline", metavar="FILE", help="Fail on regressions against FILE.")
@click.option("--update-baseline", is_flag=True, help="Ratchet FILE down to this run.")
@click.option("--json", "json_path", metavar="FILE", help="Write the bench-v1 JSON report.")
def bench(**flags: Any) -> None:
    """Compare naive and optimized views side by side, across data sizes, and gate on it."""
    from rich.console import Console

    from perfaudit.bench_config import BenchOptions, load_bench_config

    def run() -> int:
        config = load_bench_config(Path.cwd(), BenchOptions(**flags), os.environ)
        return run_bench_cli(config, Console(highlight=False))

    exit_with(run)


def exit_with(command: Callable[[], int]) -> NoReturn:
    """Run ``command`` and exit with its code; a PerfAuditError becomes one line and its code."""
    try:
        code = command()
    except PerfAuditError as exc:
        click.echo(f"perfaudit: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("perfaudit: interrupted; the test database was destroyed.", err=True)
        sys.exit(130)
    sys.exit(code)


def run_bench_cli(config: BenchConfig, console: Console) -> int:
    """Bench with a progress bar, print the table and verdicts; return the exit code."""
    from perfaudit.bench import count_steps
    from perfaudit.bench_command import run_bench_command
    from perfaudit.bench_console import bench_progress, render_bench

    with bench_progress(console, count_steps(config)) as on_step:
        outcome = run_bench_command(config, on_step=on_step)
    render_bench(outcome.report, console)
    if config.json_path:
        console.print(f"JSON report written to {config.json_path}")
    if outcome.baseline_written:
        console.print(f"Baseline written to {outcome.baseline_written}")
    for line in outcome.gates.failure_lines:
        click.echo(f"perfaudit: FAILED {line}", err=True)
    return outcome.exit_code


def main() -> None:
    cli()
