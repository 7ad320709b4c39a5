"""What every report reader parses the same way: the environment a report names, and findings.

Scan, bench and pytest documents hold findings of one shape (written by
:func:`perfaudit.report.scan.finding_dict`) and name their environment with the same keys, so
the three readers (:mod:`~perfaudit.report.read`, :mod:`~perfaudit.report.read_bench`,
:mod:`~perfaudit.report.read_suite`) share this code rather than each keeping a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfaudit.json_fields import JsonObject
from perfaudit.records import CallSite, Finding


@dataclass(frozen=True)
class Environment:
    """What a report was made with and against."""

    perfaudit_version: str
    django_version: str
    vendor: str
    settings: str


def parse_environment(root: JsonObject, *, unknown: str | None = None) -> Environment:
    """The environment of the document ``root``.

    Without ``unknown`` every value is required (scan and bench reports always have them);
    with it, a null or absent value reads as ``unknown``: a pytest report written where Django
    was never configured has nulls.
    """

    def text(node: JsonObject | None, key: str) -> str:
        if unknown is None and node is not None:
            return node.text(key)
        value = node.opt_text(key) if node is not None else None
        return value or unknown or ""

    # Read in this order, so that of several bad keys the error names the same one as ever.
    perfaudit_version = text(root, "perfaudit_version")
    django_version = text(root, "django_version")
    database = root.child("database") if unknown is None else root.opt_child("database")
    vendor = text(database, "vendor")
    return Environment(perfaudit_version, django_version, vendor, text(root, "settings"))


def parse_callsite(node: JsonObject) -> CallSite:
    return CallSite(
        file=node.text("file"),
        line=node.integer("line"),
        function=node.text("function"),
        template=node.opt_text("template"),
        template_line=node.opt_integer("template_line"),
    )


def parse_finding(node: JsonObject) -> Finding:
    """One finding of any report (scan, bench or pytest) as detect produced it."""
    site = node.opt_child("callsite")
    callsite = None if site is None else parse_callsite(site)  # its errors come first
    return Finding(
        kind=node.text("kind"),
        fingerprint=node.text("fingerprint"),
        count=node.integer("count"),
        table=node.opt_text("table"),
        model=node.opt_text("model"),
        field=node.opt_text("field"),
        suggestion=node.opt_text("suggestion") or "",
        callsite=callsite,
        sample_sql=node.opt_text("sample_sql") or "",
        is_best_effort=bool(node.opt_bool("is_best_effort")),
    )
