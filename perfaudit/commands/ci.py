"""The CI outputs of every command: GitHub annotations and JUnit XML, from the report document.

None of this needs Django.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from perfaudit.commands.outputs import display_path
from perfaudit.console.terminal import Terminal
from perfaudit.errors import ConfigError
from perfaudit.report.ci import render_github, write_junit
from perfaudit.report.read import parse_report
from perfaudit.report.read_suite import is_suite_document, parse_suite_report


def emit_ci_outputs(
    document: dict[str, Any],
    terminal: Terminal,
    *,
    github: bool,
    junit: str | None,
    err: bool = False,
) -> None:
    """Print GitHub annotations and write JUnit XML for a report, as the flags ask.

    ``err`` sends both to stderr, for when stdout carries a document (the Actions runner reads
    workflow commands from either stream).
    """
    annotations, written = ci_outputs(
        document, github=wants_github(github, os.environ), junit=junit
    )
    terminal.echo(annotations, nl=False, err=err)
    if written is not None:
        terminal.echo(f"JUnit report written to {display_path(written)}", err=err)


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
