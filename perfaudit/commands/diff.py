"""``perfaudit diff OLD.json NEW.json``: compare two reports; exit 1 when NEW regresses.

Two scan or bench reports, or two pytest reports; never one of each. None of this needs Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfaudit.commands.outputs import check_outputs, display_path, write_text
from perfaudit.console.terminal import Echo
from perfaudit.errors import ConfigError
from perfaudit.report.diff import ReportDiff, diff_reports
from perfaudit.report.diff_render import render_diff_markdown, render_diff_text
from perfaudit.report.read import parse_report, read_document
from perfaudit.report.read_suite import is_suite_document, parse_suite_report


@dataclass(frozen=True)
class DiffOutcome:
    """The rendered diff and the exit code it calls for (1 when NEW regresses)."""

    text: str
    exit_code: int


def diff_command(old: str, new: str, format_name: str, output: str | None, echo: Echo) -> int:
    """Write the diff of ``old`` and ``new`` to ``output`` (else stdout); return the exit code."""
    check_outputs(format_name, output, None, new)
    outcome = diff_report_files(old, new, format_name)
    if output:
        echo(f"Diff written to {display_path(write_text(outcome.text, output))}")
    else:
        echo(outcome.text, nl=False)
    return outcome.exit_code


def diff_report_files(old_path: str, new_path: str, format_name: str = "table") -> DiffOutcome:
    """Compare two report files; ``format_name`` is ``table`` (plain text) or ``markdown``."""
    old, new = read_document(old_path), read_document(new_path)
    if is_suite_document(old) or is_suite_document(new):
        diff = diff_suite_documents(old, new, old_path, new_path)
    else:
        diff = diff_reports(parse_report(old, old_path), parse_report(new, new_path))
    render = render_diff_markdown if format_name == "markdown" else render_diff_text
    return DiffOutcome(render(diff), 1 if diff.has_regressed else 0)


def diff_suite_documents(
    old: dict[str, Any], new: dict[str, Any], old_path: str, new_path: str
) -> ReportDiff:
    """The diff of two pytest-v1 reports; ConfigError when only one of them is."""
    from perfaudit.report.suite_diff import diff_suite_reports

    if not (is_suite_document(old) and is_suite_document(new)):
        kinds = ["a pytest" if is_suite_document(d) else "a scan or bench" for d in (old, new)]
        raise ConfigError(
            f"Cannot compare {kinds[0]} report with {kinds[1]} report; "
            "pass two reports written by pytest --perfaudit-report."
        )
    return diff_suite_reports(parse_suite_report(old, old_path), parse_suite_report(new, new_path))
