"""The command line: a thin click edge over the library; Django is imported lazily."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from perfaudit import __version__
from perfaudit.errors import Interrupted, PerfAuditError
from perfaudit.records import DEFAULT_THRESHOLD, MIN_THRESHOLD

if TYPE_CHECKING:
    from rich.console import Console

    from perfaudit.commands.report import Rendered
    from perfaudit.config.bench import BenchConfig
    from perfaudit.config.scan import ScanConfig


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
    from rich.console import Console

    from perfaudit.commands.report import choose_format, default_report_path
    from perfaudit.config.scan import ScanOptions, load_scan_config

    def run() -> int:
        config = load_scan_config(Path.cwd(), ScanOptions(**flags), os.environ)
        fmt = choose_format(format_name, output)
        json_path = config.json_path or default_report_path("scan", config.root)
        baseline = config.baseline if config.update_baseline else None
        check_outputs(
            fmt, output, junit, str(json_path), [("--json", json_path), ("--baseline", baseline)]
        )
        # Markdown or HTML: the tables' place on stdout is the document's, the rest to stderr.
        console = Console(highlight=False, stderr=fmt != "table")
        return run_scan_command(
            config, console, github=github, junit=junit, format_name=fmt, output=output
        )

    exit_with(run)


def run_scan_command(
    config: ScanConfig,
    console: Console,
    *,
    github: bool = False,
    junit: str | None = None,
    format_name: str = "table",
    output: str | None = None,
) -> int:
    """Scan with a progress bar, write the JSON report, show the results as ``format_name``
    (to ``output`` too, if given); return the exit code."""
    from perfaudit.commands.report import default_report_path, display_path, render_document
    from perfaudit.console.scan import render_scan, replay_progress
    from perfaudit.report.scan import scan_report, write_json
    from perfaudit.scan import gate_message, run_scan, scan_exit_code
    from perfaudit.suppress.scan import save_updated_baseline

    with replay_progress(console) as bar:
        result = run_scan(config, on_plan=bar.plan, on_request=bar.request)
    report = scan_report(result)
    json_path = Path(config.json_path or default_report_path("scan", config.root))
    on_stdout = False
    if format_name == "table":
        render_scan(report, console)
    write_json(report, json_path)
    console.print(f"JSON report written to {display_path(json_path, config.root)}")
    written = save_updated_baseline(result.suppression)
    if written is not None:
        console.print(f"Baseline written to {written}")
    if format_name == "table" and output not in (None, "-"):  # "-": the tables above
        print_report_table(report, output)
    elif format_name != "table":
        rendered = render_document(report, format_name, str(json_path))
        on_stdout = write_rendered(rendered, str(json_path), output, console)
    emit_ci_outputs(report, github=github, junit=junit, err=on_stdout)
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
    from rich.console import Console

    from perfaudit.config.bench import BenchOptions, load_bench_config
    from perfaudit.config.output_paths import check_writable

    def run() -> int:
        from perfaudit.commands.report import default_report_path

        flags["json_path"] = flags["json_path"] or str(default_report_path("bench"))
        config = load_bench_config(Path.cwd(), BenchOptions(**flags), os.environ)
        baseline = config.baseline if config.update_baseline else None
        check_writable([("--json", config.json_path), ("--junit", junit), ("--baseline", baseline)])
        return run_bench_cli(config, Console(highlight=False), github=github, junit=junit)

    exit_with(run)


def check_outputs(
    fmt: str,
    output: str | None,
    junit: str | None,
    source: str,
    more: list[tuple[str, str | Path | None]] | None = None,
) -> None:
    """Fail now (exit 2) if a file the command will write at its end cannot be written."""
    from perfaudit.commands.report import default_html_path
    from perfaudit.config.output_paths import check_writable

    if fmt == "html" and output is None:
        output = str(default_html_path(source))
    check_writable([*(more or []), ("-o", output), ("--junit", junit)])


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


def run_bench_cli(
    config: BenchConfig, console: Console, *, github: bool = False, junit: str | None = None
) -> int:
    """Bench with a progress bar, print the table and verdicts; return the exit code."""
    from perfaudit.bench.runner import count_steps
    from perfaudit.commands.bench import run_bench_command
    from perfaudit.console.bench import bench_progress, render_bench

    with bench_progress(console, count_steps(config)) as on_step:
        outcome = run_bench_command(config, on_step=on_step)
    render_bench(outcome.report, console)
    if config.json_path:
        from perfaudit.commands.report import display_path

        console.print(f"JSON report written to {display_path(Path(config.json_path))}")
    emit_ci_outputs(outcome.report, github=github, junit=junit)
    if outcome.baseline_written:
        console.print(f"Baseline written to {outcome.baseline_written}")
    for line in outcome.gates.failure_lines:
        click.echo(f"perfaudit: FAILED {line}", err=True)
    return outcome.exit_code


def emit_ci_outputs(
    document: dict[str, Any], *, github: bool, junit: str | None, err: bool = False
) -> None:
    """Print GitHub annotations and write JUnit XML for a report, as the flags ask.

    ``err`` sends both to stderr, for when stdout carries a document (the Actions runner reads
    workflow commands from either stream).
    """
    from perfaudit.commands.report import ci_outputs, display_path, wants_github

    annotations, written = ci_outputs(
        document, github=wants_github(github, os.environ), junit=junit
    )
    click.echo(annotations, nl=False, err=err)
    if written is not None:
        click.echo(f"JUnit report written to {display_path(written)}", err=err)


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
    exit_with(lambda: run_report_command(report_file, format_name, output, github, junit))


def run_report_command(
    path: str, format_name: str | None, output: str | None, github: bool, junit: str | None
) -> int:
    from perfaudit.commands.report import choose_format, render_report_file

    check_outputs(choose_format(format_name, output), output, junit, path)
    rendered = render_report_file(path, choose_format(format_name, output))
    on_stdout = False
    if rendered.format == "table":
        print_report_table(rendered.document, output)
    else:
        on_stdout = write_rendered(rendered, path, output)
    # With the document on stdout, the annotations and the JUnit line go to stderr.
    emit_ci_outputs(rendered.document, github=github, junit=junit, err=on_stdout)
    return 0


def write_rendered(
    rendered: Rendered, source: str, output: str | None, console: Console | None = None
) -> bool:
    """Write Markdown or HTML rendered from the report at ``source`` to ``output`` (``-``:
    stdout; default: stdout for Markdown, reports/NAME.html for HTML); True when it went to
    stdout. The "written to" line goes to ``console`` when given, else to stdout."""
    from perfaudit.commands.report import default_html_path, display_path, write_text

    target = output or (str(default_html_path(source)) if rendered.format == "html" else "-")
    if target == "-":
        click.echo(rendered.text, nl=False)
        return True
    written = write_text(rendered.text, target)
    label = {"markdown": "Markdown", "html": "HTML"}[rendered.format]
    line = f"{label} report written to {display_path(written)}"
    if console is None:
        click.echo(line)
    else:
        console.print(line)
    return False


def print_report_table(document: dict[str, Any], output: str | None) -> None:
    """The terminal tables of scan or bench, on stdout or into ``output`` as plain text."""
    from rich.console import Console

    from perfaudit.console.bench import render_bench
    from perfaudit.console.scan import render_scan
    from perfaudit.console.suite import render_suite
    from perfaudit.report.read import SCAN_SCHEMA
    from perfaudit.report.suite import SUITE_SCHEMA

    renderers = {SCAN_SCHEMA: render_scan, SUITE_SCHEMA: render_suite}
    render = renderers.get(str(document.get("schema")), render_bench)
    if output and output != "-":
        with open(output, "w", encoding="utf-8") as handle:
            render(document, Console(file=handle, width=120, highlight=False))
        click.echo(f"Table written to {output}")
    else:
        render(document, Console(highlight=False))


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
    from perfaudit.commands.report import diff_report_files, display_path, write_text

    def run() -> int:
        check_outputs(format_name, output, None, new)
        outcome = diff_report_files(old, new, format_name)
        if output:
            click.echo(f"Diff written to {display_path(write_text(outcome.text, output))}")
        else:
            click.echo(outcome.text, nl=False)
        return outcome.exit_code

    exit_with(run)


def main() -> None:
    cli()
