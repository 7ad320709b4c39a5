"""Where a command's results go: the default report paths, the format ``-o`` implies, the files
checked before a run, and the document written to a file or printed after it.

No Django import; nothing here reads a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfaudit.config.output_paths import check_writable

if TYPE_CHECKING:
    from perfaudit.commands.render import Rendered
    from perfaudit.console.terminal import Terminal

REPORTS_DIR = "reports"
SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
DOCUMENT_LABELS = {"markdown": "Markdown", "html": "HTML"}


@dataclass(frozen=True)
class OutputFlags:
    """The output flags as given: ``--format`` and ``-o`` (scan, report), ``--github`` and
    ``--junit`` (scan, bench, report)."""

    format_name: str | None = None
    output: str | None = None
    github: bool = False
    junit: str | None = None


def default_report_path(kind: str, root: Path | None = None) -> Path:
    """Where ``scan`` and ``bench`` write their JSON when ``--json`` is not given.

    One stable name per command (``reports/scan.json``, ``reports/bench.json``), so a CI step
    or a later ``perfaudit diff`` can find it without being told.
    """
    return (root or Path.cwd()) / REPORTS_DIR / f"{kind}.json"


def default_html_path(report_path: str) -> Path:
    """``reports/<name>.html`` for ``<name>.json``: an HTML page is for a browser, not a tty."""
    return Path(REPORTS_DIR) / f"{Path(report_path).stem}.html"


def display_path(path: Path, root: Path | None = None) -> str:
    """``reports/scan.json`` rather than an absolute path when the file is under ``root``."""
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


def choose_format(format_name: str | None, output: str | None) -> str:
    """The ``--format`` given, else the one ``-o``'s suffix names, else ``table``."""
    if format_name:
        return format_name
    if output and output != "-":
        return SUFFIX_FORMATS.get(Path(output).suffix.lower(), "table")
    return "table"


def check_outputs(
    fmt: str,
    output: str | None,
    junit: str | None,
    source: str,
    more: list[tuple[str, str | Path | None]] | None = None,
) -> None:
    """ConfigError now (exit 2) if a file the command will write at its end cannot be written;
    ``source`` is the JSON report the HTML page's default name comes from."""
    if fmt == "html" and output is None:
        output = str(default_html_path(source))
    check_writable([*(more or []), ("-o", output), ("--junit", junit)])


def write_text(text: str, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def write_rendered(
    rendered: Rendered, source: str, output: str | None, terminal: Terminal
) -> str | None:
    """Write Markdown or HTML rendered from the report at ``source`` to ``output`` (``-``:
    stdout; default: stdout for Markdown, reports/NAME.html for HTML). Returns the line that
    says where it was written, or None when it went to stdout."""
    target = output or (str(default_html_path(source)) if rendered.format == "html" else "-")
    if target == "-":
        terminal.echo(rendered.text, nl=False)
        return None
    written = write_text(rendered.text, target)
    return f"{DOCUMENT_LABELS[rendered.format]} report written to {display_path(written)}"


def show_table(document: dict[str, Any], output: str | None, terminal: Terminal) -> None:
    """The terminal tables of a report, on stdout or into ``output`` as plain text."""
    from perfaudit.console.terminal import render_table, write_table

    if output and output != "-":
        write_table(document, output)
        terminal.echo(f"Table written to {output}")
    else:
        render_table(document, terminal.console)
