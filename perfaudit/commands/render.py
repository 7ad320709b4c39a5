"""Read a report document and render it as Markdown or HTML; ``table`` is left to the console.

scan renders its own document this way, ``perfaudit report`` one read from a file: the same
renderers and the same validation for both. None of this needs Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfaudit.errors import ConfigError
from perfaudit.report.html import render_html
from perfaudit.report.markdown import render_markdown
from perfaudit.report.read import ScanReport, parse_report, read_document
from perfaudit.report.read_suite import is_suite_document, parse_suite_report
from perfaudit.report.shape import check_table_keys

FORMATS = ("table", "markdown", "html")


@dataclass(frozen=True)
class Rendered:
    """A rendered report: ``text`` to print or write (empty for ``table``, which the console
    draws from ``document``), and the ``document`` it came from, for the CI outputs."""

    format: str
    document: dict[str, Any]
    text: str = ""


def render_report_file(path: str, format_name: str) -> Rendered:
    """Read the JSON report at ``path`` and render it; ``table`` is left to the console."""
    return render_document(read_document(path), format_name, path)


def render_document(document: dict[str, Any], format_name: str, source: str) -> Rendered:
    """Render a report document (read from ``source``); ``table`` is left to the console."""
    if format_name not in FORMATS:
        raise ConfigError(f"Unknown report format {format_name!r}; use one of {FORMATS}.")
    if is_suite_document(document):
        return render_suite_document(document, format_name, source)
    report = parse_report(document, source)  # validate even for the table: clear errors first
    if format_name == "markdown":
        return Rendered(format_name, document, render_markdown(report))
    if format_name == "html":
        return Rendered(format_name, document, render_html(report))
    # The terminal tables index the document itself: every key they read must be there.
    check_table_keys(document, isinstance(report, ScanReport), source)
    return Rendered(format_name, document)


def render_suite_document(document: dict[str, Any], format_name: str, source: str) -> Rendered:
    """A pytest-v1 report as Markdown or HTML; ``table`` is left to the console."""
    from perfaudit.report.suite_render import render_suite_html, render_suite_markdown

    report = parse_suite_report(document, source)
    if format_name == "markdown":
        return Rendered(format_name, document, render_suite_markdown(report))
    if format_name == "html":
        return Rendered(format_name, document, render_suite_html(report))
    return Rendered(format_name, document)
