"""The work behind ``perfaudit report`` and ``perfaudit diff``, and the CI outputs of every command.

cli.py only parses flags and prints what these functions return. None of this needs Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfaudit.errors import ConfigError
from perfaudit.report.ci import render_github, write_junit
from perfaudit.report.diff import ReportDiff, diff_reports
from perfaudit.report.diff_render import render_diff_markdown, render_diff_text
from perfaudit.report.html import render_html
from perfaudit.report.markdown import render_markdown
from perfaudit.report.read import ScanReport, parse_report, read_document
from perfaudit.report.read_suite import is_suite_document, parse_suite_report
from perfaudit.report.shape import check_table_keys

REPORTS_DIR = "reports"
FORMATS = ("table", "markdown", "html")
SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def default_report_path(kind: str, root: Path | None = None) -> Path:
    """Where ``scan`` and ``bench`` write their JSON when ``--json`` is not given.

    One stable name per command (``reports/scan.json``, ``reports/bench.json``), so a CI step
    or a later ``perfaudit diff`` can find it without being told.
    """
    return (root or Path.cwd()) / REPORTS_DIR / f"{kind}.json"


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


def default_html_path(report_path: str) -> Path:
    """``reports/<name>.html`` for ``<name>.json``: an HTML page is for a browser, not a tty."""
    return Path(REPORTS_DIR) / f"{Path(report_path).stem}.html"


def write_text(text: str, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


@dataclass(frozen=True)
class DiffOutcome:
    """The rendered diff and the exit code it calls for (1 when NEW regresses)."""

    text: str
    exit_code: int


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


def wants_github(flag: bool, env: Mapping[str, str]) -> bool:
    """``--github``, or running on GitHub Actions (which sets GITHUB_ACTIONS=true)."""
    return flag or env.get("GITHUB_ACTIONS", "").lower() == "true"


def ci_outputs(
    document: Mapping[str, Any], *, github: bool, junit: str | None
) -> tuple[str, Path | None]:
    """The annotation lines to print (maybe empty) and the JUnit file written (or None)."""
    if not github and not junit:
        return "", None
    if is_suite_document(dict(document)):
        return suite_ci_outputs(dict(document), github=github, junit=junit)
    report = parse_report(dict(document))
    annotations = render_github(report) if github else ""
    written = write_junit(report, junit) if junit else None
    return annotations, written


def suite_ci_outputs(
    document: dict[str, Any], *, github: bool, junit: str | None
) -> tuple[str, Path | None]:
    """GitHub annotations for a pytest-v1 report: one per problem, at its call site."""
    if junit:
        raise ConfigError(
            "--junit reads scan and bench reports; for a test suite use pytest's own "
            "--junitxml, which lists the tests --perfaudit-fail-on failed."
        )
    from perfaudit.report.ci import finding_annotation

    report = parse_suite_report(document)
    notes = [
        finding_annotation(g.finding, f"{len(g.tests)} test(s), e.g. {g.tests[0]}")
        for g in report.groups
    ]
    return "".join(n.command() + "\n" for n in notes) if github else "", None
