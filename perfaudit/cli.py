"""The command line: click parses, one :mod:`perfaudit.commands` function runs the command,
and :func:`exit_with` turns its result or its error into the documented exit code.

Everything below click is imported inside the commands, so ``perfaudit --help`` needs neither
Django nor a working project.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from perfaudit import __version__
from perfaudit.errors import Interrupted, PerfAuditError
from perfaudit.records import DEFAULT_THRESHOLD, MIN_THRESHOLD


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


def ci_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--github`` and ``--junit FILE``, shared by scan, bench and report."""
    command = click.option("--junit", metavar="FILE", help="Also write JUnit XML to FILE.")(command)
    return click.option(
        "--github", is_flag=True, help="Print ::error annotations (default under GitHub Actions)."
    )(command)


def format_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--format table|markdown|html`` and ``-o OUT``, shared by scan and report."""
    command = click.option("-o", "--output", metavar="OUT", help="Write to OUT ('-': stdout).")(
        command
    )
    return click.option(
        "--format",
        "format_name",
        type=click.Choice(["table", "markdown", "html"]),
        help="table, markdown or html [table, or what -o's suffix names].",
    )(command)


@cli.command()
@click.option("--settings", metavar="MOD", help="Django settings module of the project to scan.")
@click.option("--pythonpath", metavar="DIR", multiple=True, help="Put DIR first on sys.path.")
@click.option("--setup", metavar="MOD:FUNC", help="Callable that seeds the test database.")
@click.option("--fixture", "fixtures", metavar="FILE", multiple=True, help="loaddata FILE.")
@click.option("--url", "urls", metavar="PATH", multiple=True, help="Replay GET PATH (repeatable).")
@click.option("--requests", metavar="FILE", help="Replay the requests of FILE (TOML or JSON).")
@click.option("--user", metavar="USERNAME", help="Log the requests in as USERNAME.")
@click.option("--login", metavar="MOD:FUNC", help="Log in by calling FUNC(client, user).")
@click.option(
    "--threshold",
    type=click.IntRange(min=MIN_THRESHOLD),
    help=f"Repeats that make an N+1 [{DEFAULT_THRESHOLD}].",
)
@click.option("--scale", type=click.IntRange(min=1), help="Scale passed to the setup callable.")
@click.option("--json", "json_path", metavar="FILE", help="Write the scan-v1 JSON report.")
@click.option("--show-params", is_flag=True, help="Write query parameters to the JSON report.")
@click.option("--fail-on", metavar="KINDS", help="Exit 1 on these findings: n_plus_one,duplicate")
@click.option("--include-admin", is_flag=True, help="Discover admin routes too.")
@click.option(
    "--eager-loads/--no-eager-loads",
    default=None,
    help="Also report unused select_related/prefetch_related (best effort, slower).",
)
@click.option("--baseline", metavar="FILE", help="Accept the findings in FILE; fail on new ones.")
@click.option("--update-baseline", is_flag=True, help="Ratchet FILE down to this run.")
@format_options
@ci_options
def scan(
    github: bool, junit: str | None, format_name: str | None, output: str | None, **flags: Any
) -> None:
    """Replay views on a test database and report N+1 and duplicate queries.

    Creates a throwaway test database (the configured one is never touched), seeds it with
    --setup/--fixture, replays --url paths and the --requests file, else the [perfaudit]
    scenarios, else every GET route of the URLconf (parameters filled from the test
    database; the routes it cannot replay are listed), and reports each finding with its
    relation, line and fix.

    The JSON report is always written. --format markdown prints Markdown instead of the
    tables, alone on stdout (progress, status lines and CI annotations go to stderr);
    --format html writes reports/scan.html. -o OUT writes the chosen format to OUT.

    Findings matched by the [perfaudit] `ignore` rules, a `# perfaudit: ignore[KIND]` comment
    on the call-site line, or --baseline FILE are reported as suppressed and never fail.

    \b
    Exit codes: 0 done, 1 a --fail-on finding (or, with --baseline, a new one),
    2 bad usage, configuration or baseline, 3 the project failed (boot error, a view
    raised, a 5xx, a status other than the expected one, a login the view did not see).
    """

    def run() -> int:  # imports inside: a Ctrl-C while Django loads is an interrupt too
        from perfaudit.commands.outputs import OutputFlags
        from perfaudit.commands.scan import scan_command
        from perfaudit.config.scan import ScanOptions

        outputs = OutputFlags(format_name, output, github, junit)
        return scan_command(ScanOptions(**flags), outputs, click.echo)

    exit_with(run)


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
@click.option(
    "--no-cache",
    is_flag=True,
    help="Replace every cache with Django's DummyCache: time the views, not cache hits.",
)
@ci_options
def bench(github: bool, junit: str | None, **flags: Any) -> None:
    """Compare naive and optimized views side by side, across data sizes, and gate on it.

    For each [perfaudit] scenario and each scale: a fresh test database seeded by the setup
    callable, both twins replayed, their bodies compared, queries counted, rounds timed.

    \b
    Exit codes: 0 every gate passed, 1 a gate failed (budget, growth, equality,
    baseline), 2 bad usage, configuration or baseline, 3 the project failed.
    """

    def run() -> int:
        from perfaudit.commands.bench import bench_command
        from perfaudit.commands.outputs import OutputFlags
        from perfaudit.config.bench import BenchOptions

        outputs = OutputFlags(github=github, junit=junit)
        return bench_command(BenchOptions(**flags), outputs, click.echo)

    exit_with(run)


@cli.command("report")
@click.argument("report_file", metavar="FILE.json")
@format_options
@ci_options
def report_command(
    report_file: str, format_name: str | None, output: str | None, github: bool, junit: str | None
) -> None:
    """Render a scan, bench or pytest JSON report as a table, Markdown or HTML.

    HTML is written to reports/NAME.html unless -o says otherwise; -o - prints it.
    """

    def run() -> int:
        from perfaudit.commands.outputs import OutputFlags
        from perfaudit.commands.report import report_command

        outputs = OutputFlags(format_name, output, github, junit)
        return report_command(report_file, outputs, click.echo)

    exit_with(run)


@cli.command("diff")
@click.argument("old", metavar="OLD.json")
@click.argument("new", metavar="NEW.json")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["table", "markdown"]),
    default="table",
    show_default=True,
    help="markdown for a pull-request comment.",
)
@click.option("-o", "--output", metavar="OUT", help="Write to OUT instead of stdout.")
def diff_command(old: str, new: str, format_name: str, output: str | None) -> None:
    """Compare two reports; exit 1 when NEW regresses.

    NEW regresses when a request (or a scenario at a scale) runs more queries, has a finding
    it did not have, or no longer returns the same JSON as its naive twin.
    """

    def run() -> int:
        from perfaudit.commands.diff import diff_command

        return diff_command(old, new, format_name, output, click.echo)

    exit_with(run)


def exit_with(command: Callable[[], int]) -> NoReturn:
    """Run ``command`` and exit with its code; a PerfAuditError becomes one line and its code."""
    try:
        code = command()
    except Interrupted as exc:  # during a run: the message says what became of its databases
        click.echo(f"perfaudit: {exc}", err=True)
        sys.exit(exc.exit_code)
    except PerfAuditError as exc:
        click.echo(f"perfaudit: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # no test database existed, or they were destroyed already
        click.echo("perfaudit: interrupted.", err=True)
        sys.exit(130)
    sys.exit(code)


def main() -> None:
    cli()
