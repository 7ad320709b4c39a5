"""The terminal a command writes to, and the tables of any saved report.

The commands (:mod:`perfaudit.commands`) import neither click nor rich: each gets a
:class:`Terminal` whose ``console`` draws (tables, the progress bar, status lines) and whose
``echo`` writes text as it is (a Markdown or HTML document, GitHub annotations, the one-line
verdicts on stderr). The CLI passes ``click.echo`` as ``echo``, so click keeps its handling of
the streams (closed ones, Windows consoles) at the edge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Console

from perfaudit.console.bench import render_bench
from perfaudit.console.scan import render_scan
from perfaudit.console.suite import render_suite
from perfaudit.schemas import SCAN_SCHEMA, SUITE_SCHEMA

# The tables written by -o FILE or to a pipe (a CI log): wide enough for a path and a SQL shape.
TABLE_FILE_WIDTH = 120


class Echo(Protocol):
    """Writes ``message`` to stdout (stderr with ``err``), a newline after it unless not ``nl``."""

    def __call__(self, message: str, *, nl: bool = ..., err: bool = ...) -> None: ...


@dataclass(frozen=True)
class Terminal:
    """Where one command's output goes: ``echo`` for plain text, ``console`` for rich."""

    echo: Echo
    console: Console

    @classmethod
    def open(cls, echo: Echo, *, has_document_on_stdout: bool = False) -> Terminal:
        """A terminal whose console draws on stdout, or on stderr when stdout carries a
        document: the tables, the progress bar and the status lines stay out of it."""
        console = Console(highlight=False, stderr=has_document_on_stdout)
        if not console.is_terminal and not os.environ.get("COLUMNS"):
            # A CI log or a pipe: rich would assume 80 columns and break every path in two.
            console.width = TABLE_FILE_WIDTH
        return cls(echo, console)


def render_table(document: dict[str, Any], console: Console) -> None:
    """The terminal tables of a scan, bench or pytest report document."""
    renderers = {SCAN_SCHEMA: render_scan, SUITE_SCHEMA: render_suite}
    render = renderers.get(str(document.get("schema")), render_bench)
    render(document, console)


def write_table(document: dict[str, Any], path: str) -> None:
    """The terminal tables of a report document as plain text in ``path``."""
    with open(path, "w", encoding="utf-8") as handle:
        render_table(document, Console(file=handle, width=TABLE_FILE_WIDTH, highlight=False))
