"""The command line: a thin click edge over the library; Django is imported lazily."""

from __future__ import annotations

import click

from perfaudit import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfaudit")
def cli() -> None:
    """Find, explain and prove away the query problems of Django views."""


def not_implemented(name: str) -> None:
    raise click.UsageError(f"`perfaudit {name}` is not implemented yet.")


@cli.command()
def scan() -> None:
    """Replay views and report N+1 and duplicate queries (not implemented yet)."""
    not_implemented("scan")


@cli.command()
def bench() -> None:
    """Compare naive and optimized views side by side (not implemented yet)."""
    not_implemented("bench")


def main() -> None:
    cli()
