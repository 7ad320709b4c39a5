"""Read a ``perfaudit/pytest-v1`` report back into frozen dataclasses for the renderers and diff.

Groups are rebuilt from the tests rather than read, so a report written before groups existed
(the fixture-only ``--perfaudit-report``) renders the same way as a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfaudit.errors import ConfigError
from perfaudit.json_fields import JsonObject
from perfaudit.records import Finding
from perfaudit.report.read_common import Environment, parse_environment, parse_finding
from perfaudit.report.suite import group_findings
from perfaudit.schemas import SUITE_SCHEMA


@dataclass(frozen=True)
class SuiteTest:
    """One audited test."""

    nodeid: str
    outcome: str | None
    query_count: int
    view_query_count: int
    sql_ms: float
    max_queries: int | None
    findings: tuple[Finding, ...]
    baselined: tuple[bool, ...]  # per finding


@dataclass(frozen=True)
class SuiteGroup:
    """One problem (kind, relation, call site) and the tests that reach it."""

    finding: Finding  # the group's shape; ``count`` is the largest count of one test
    tests: tuple[str, ...]
    queries: int
    baselined: int


@dataclass(frozen=True)
class SuiteReport:
    """A ``perfaudit/pytest-v1`` document."""

    environment: Environment
    tests: tuple[SuiteTest, ...]
    groups: tuple[SuiteGroup, ...]
    lost: tuple[tuple[str, str], ...]  # (node id, reason)
    fail_on: tuple[str, ...]

    @property
    def findings_count(self) -> int:
        return sum(len(t.findings) for t in self.tests)


def is_suite_document(document: dict[str, Any]) -> bool:
    return document.get("schema") == SUITE_SCHEMA


def parse_suite_report(data: dict[str, Any], source: str = "the report") -> SuiteReport:
    """Validate a decoded pytest-v1 document; ConfigError (exit 2) naming what is wrong."""
    root = JsonObject(data, "report", source)
    if root.data.get("schema") != SUITE_SCHEMA:
        raise ConfigError(f"{source} has schema {root.data.get('schema')!r}, not {SUITE_SCHEMA!r}.")
    tests = []
    raw_tests = []
    for node in root.children("tests"):
        findings = node.children("findings")
        tests.append(
            SuiteTest(
                nodeid=node.text("nodeid"),
                outcome=node.opt_text("outcome"),
                query_count=node.integer("query_count"),
                view_query_count=_view_queries(node),
                sql_ms=node.opt_number("sql_ms") or 0.0,
                max_queries=node.opt_integer("max_queries"),
                findings=tuple(parse_finding(f) for f in findings),
                baselined=tuple(bool(f.opt_bool("baselined")) for f in findings),
            )
        )
        # The findings as validated: a test that leaves the key out has none, as in a scan.
        raw_tests.append({"nodeid": node.data["nodeid"], "findings": [f.data for f in findings]})
    groups = []
    for group in group_findings(raw_tests):
        shape = dict(group, count=group["max_count"])
        groups.append(
            SuiteGroup(
                finding=parse_finding(JsonObject(shape, "report.groups[]", source)),
                tests=tuple(group["tests"]),
                queries=group["queries"],
                baselined=group["baselined"],
            )
        )
    return SuiteReport(
        environment=parse_environment(root, unknown="?"),
        tests=tuple(tests),
        groups=tuple(groups),
        lost=tuple((n.text("nodeid"), n.text("reason")) for n in root.children("lost")),
        fail_on=root.texts("fail_on"),
    )


def _view_queries(node: JsonObject) -> int:
    # A test whose body ran no query of its own has 0 view queries, not its total: reports
    # written before the key existed fall back to the total.
    view = node.opt_integer("view_query_count")
    return node.integer("query_count") if view is None else view
