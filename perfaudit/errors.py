"""perfaudit's error hierarchy; the CLI maps each class to a documented exit code.

A failed gate (a ``--fail-on`` finding, a budget, the baseline) is no error: the command
finishes, writes its reports and returns exit code 1 itself.
"""

from __future__ import annotations


class PerfAuditError(Exception):
    """Base class of every error perfaudit reports as a one-line message."""

    exit_code = 2


class ConfigError(PerfAuditError):
    """The command line or the perfaudit configuration is invalid (exit 2)."""

    exit_code = 2


class ProjectError(PerfAuditError):
    """The audited Django project failed to boot or a view raised (exit 3)."""

    exit_code = 3


class UnsupportedDjango(ConfigError):
    """The installed Django lacks internals capture relies on (exit 2)."""


class Interrupted(PerfAuditError):
    """Ctrl-C stopped the run; the message says what became of the test databases (exit 130)."""

    exit_code = 130
