"""``perfaudit report FILE.json``: a saved scan, bench or pytest report as a table, Markdown or
HTML, with the same CI outputs as the command that wrote it. None of this needs Django."""

from __future__ import annotations

from perfaudit.commands.ci import emit_ci_outputs
from perfaudit.commands.outputs import (
    OutputFlags,
    check_outputs,
    choose_format,
    show_table,
    write_rendered,
)
from perfaudit.commands.render import render_report_file
from perfaudit.console.terminal import Echo, Terminal


def report_command(path: str, flags: OutputFlags, echo: Echo) -> int:
    """Render the report at ``path`` as ``flags`` ask (HTML to reports/NAME.html unless ``-o``
    says otherwise); return the exit code, 0: a report is shown, never judged."""
    fmt = choose_format(flags.format_name, flags.output)
    check_outputs(fmt, flags.output, flags.junit, path)
    rendered = render_report_file(path, fmt)
    terminal = Terminal.open(echo)
    is_on_stdout = False
    if rendered.format == "table":
        show_table(rendered.document, flags.output, terminal)
    else:
        written = write_rendered(rendered, path, flags.output, terminal)
        is_on_stdout = written is None
        if written is not None:
            terminal.echo(written)
    # With the document on stdout, the annotations and the JUnit line go to stderr.
    emit_ci_outputs(
        rendered.document, terminal, github=flags.github, junit=flags.junit, err=is_on_stdout
    )
    return 0
