"""``perfaudit scan``: load the configuration, check the outputs, scan with a progress bar,
write the JSON report and the baseline, show the results, return the exit code."""

from __future__ import annotations

import os
from pathlib import Path

from perfaudit.commands.ci import emit_ci_outputs
from perfaudit.commands.outputs import (
    OutputFlags,
    check_outputs,
    choose_format,
    default_report_path,
    display_path,
    show_table,
    write_rendered,
)
from perfaudit.commands.render import render_document
from perfaudit.config.scan import ScanConfig, ScanOptions, load_scan_config
from perfaudit.console.scan import render_scan, replay_progress
from perfaudit.console.terminal import Echo, Terminal
from perfaudit.report.scan import scan_report, write_json
from perfaudit.scan import gate_message, run_scan, scan_exit_code
from perfaudit.suppress.scan import save_updated_baseline


def scan_command(options: ScanOptions, flags: OutputFlags, echo: Echo) -> int:
    """Scan the project the configuration of the current directory and ``options`` name.

    Every output file is checked before the project boots: a scan can take minutes.
    """
    config = load_scan_config(Path.cwd(), options, os.environ)
    fmt = choose_format(flags.format_name, flags.output)
    json_path = config.json_path or default_report_path("scan", config.root)
    baseline = config.baseline if config.update_baseline else None
    more = [("--json", json_path), ("--baseline", baseline)]
    check_outputs(fmt, flags.output, flags.junit, str(json_path), more)
    # Markdown or HTML: the tables' place on stdout is the document's, the rest to stderr.
    terminal = Terminal.open(echo, has_document_on_stdout=fmt != "table")
    return run_scan_command(
        config,
        terminal,
        format_name=fmt,
        output=flags.output,
        github=flags.github,
        junit=flags.junit,
    )


def run_scan_command(
    config: ScanConfig,
    terminal: Terminal,
    *,
    format_name: str = "table",
    output: str | None = None,
    github: bool = False,
    junit: str | None = None,
) -> int:
    """Scan with a progress bar, write the JSON report, show the results as ``format_name``
    (to ``output`` too, if given); return the exit code."""
    console = terminal.console
    with replay_progress(console) as bar:
        result = run_scan(config, on_plan=bar.plan, on_request=bar.request)
    report = scan_report(result)
    json_path = Path(config.json_path or default_report_path("scan", config.root))
    if format_name == "table":
        render_scan(report, console)
    write_json(report, json_path)
    console.print(f"JSON report written to {display_path(json_path, config.root)}")
    written = save_updated_baseline(result.suppression)
    if written is not None:
        console.print(f"Baseline written to {written}")
    is_on_stdout = False
    if format_name == "table" and output not in (None, "-"):  # "-": the tables above
        show_table(report, output, terminal)
    elif format_name != "table":
        rendered = render_document(report, format_name, str(json_path))
        where = write_rendered(rendered, str(json_path), output, terminal)
        is_on_stdout = where is None
        if where is not None:
            console.print(where)
    emit_ci_outputs(report, terminal, github=github, junit=junit, err=is_on_stdout)
    code = scan_exit_code(result, config.fail_on)
    if code:
        terminal.echo(f"perfaudit: {gate_message(result, config.fail_on)}", err=True)
    return code
