"""The ``perfaudit/pytest-v1`` document: every audited test, the findings grouped across tests.

Each test's record is made where the test ran (an xdist worker or the only process) and
travels to the controller on the test's report as JSON text; :class:`SuiteCollector` gathers
them there, whatever the distribution, and builds the one document. Grouping is by kind,
relation and call site: one N+1 that ten tests reach is one group naming the ten tests.
Deterministic: tests and groups are sorted, there are no timestamps.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from perfaudit import __version__
from perfaudit.records import FINDING_KINDS
from perfaudit.report.scan import finding_dict, suppressed_dict
from perfaudit.schemas import SUITE_SCHEMA
from perfaudit.suite.audit import TestAudit
from perfaudit.suppress.suite import baseline_key

CRASH_PHASE = "???"  # pytest-xdist's report for the test a crashed worker was running


def test_record(audit: TestAudit) -> dict[str, Any]:
    """One test's entry of the report (its ``outcome`` is added by the collector)."""
    findings = []
    for index, finding in enumerate(audit.findings):
        data = finding_dict(finding)
        data["key"] = baseline_key(audit.nodeid, finding)
        data["baselined"] = index in audit.baselined
        findings.append(data)
    return {
        "nodeid": audit.nodeid,
        "query_count": audit.query_count,
        "view_query_count": audit.view_query_count,
        "sql_ms": round(audit.sql_ms, 3),
        "max_queries": audit.max_queries,
        "findings": findings,
        "suppressed": [suppressed_dict(s) for s in audit.suppressed],
    }


class SuiteCollector:
    """The controller's view of the run: records, outcomes, and the tests a crash lost."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.reported: set[str] = set()
        self.collected: set[str] = set()
        self.lost: dict[str, str] = {}
        self.has_crashed = False

    def add_report(self, nodeid: str, when: str, outcome: str, record: str | None) -> None:
        """Take one report of pytest_runtest_logreport (from this process or a worker)."""
        if when == CRASH_PHASE:
            self.lost[nodeid] = "the worker running it crashed"
            self.records.pop(nodeid, None)
            return
        self.reported.add(nodeid)
        if record is not None:
            data = json.loads(record)
            self.records[nodeid] = data
        if nodeid in self.records and when in ("call", "teardown"):
            # A teardown error fails the test after its call passed: keep the worse outcome.
            previous = self.records[nodeid].get("outcome")
            if previous is None or outcome == "failed":
                self.records[nodeid]["outcome"] = outcome

    def lost_tests(self) -> dict[str, str]:
        """Crashed tests, and when a worker went down, the collected tests never reported."""
        lost = dict(self.lost)
        if self.has_crashed:
            for nodeid in self.collected - self.reported - set(lost):
                lost[nodeid] = "not run: a worker crashed and it was never rescheduled"
        return lost

    def document(self, settings: dict[str, Any]) -> dict[str, Any]:
        """The pytest-v1 document; ``settings`` holds mode, threshold, fail_on, baseline and
        the ignore rules' text."""
        tests = [self.records[n] for n in sorted(self.records)]
        lost = self.lost_tests()
        rules = settings.get("ignore") or []
        matched = {
            s["suppression"]["rule"]
            for t in tests
            for s in t.get("suppressed") or ()
            if s["suppression"]["source"] == "config"
        }
        return {
            "schema": SUITE_SCHEMA,
            "perfaudit_version": __version__,
            **environment(),
            **settings,
            "tests": tests,
            "groups": group_findings(tests),
            "lost": [{"nodeid": n, "reason": lost[n]} for n in sorted(lost)],
            "stale_rules": [rule for rule in rules if rule not in matched],
            "summary": summarize(tests, len(lost), settings.get("fail_on") or ()),
        }


def environment() -> dict[str, Any]:
    """Django's version, the database vendor and settings, when Django was configured."""
    if "django.apps" not in sys.modules:
        return {"django_version": None, "database": {"vendor": None}, "settings": None}
    import django
    from django.apps import apps
    from django.db import DEFAULT_DB_ALIAS, connections

    vendor = connections[DEFAULT_DB_ALIAS].vendor if apps.ready else None
    return {
        "django_version": django.get_version(),
        "database": {"vendor": vendor},
        "settings": os.environ.get("DJANGO_SETTINGS_MODULE"),
    }


def group_key(finding: dict[str, Any]) -> tuple[object, ...]:
    site = finding.get("callsite") or {}
    return (
        finding["kind"],
        finding.get("model"),
        finding.get("field"),
        finding.get("table"),
        site.get("file"),
        site.get("function"),
        site.get("line"),
        site.get("template"),
        site.get("template_line"),
    )


def group_findings(tests: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per kind, relation and call site, worst (most queries in all) first."""
    groups: dict[tuple[object, ...], dict[str, Any]] = {}
    for test in tests:
        for finding in test["findings"]:
            key = group_key(finding)
            group = groups.get(key)
            if group is None:
                group = groups[key] = {
                    name: finding.get(name)
                    for name in (
                        "kind", "model", "field", "table", "callsite", "suggestion",
                        "fingerprint", "sample_sql", "is_best_effort",
                    )
                }  # fmt: skip
                group.update(tests=[], queries=0, max_count=0, baselined=0)
            group["tests"].append(test["nodeid"])
            group["queries"] += finding["count"]
            group["max_count"] = max(group["max_count"], finding["count"])
            group["baselined"] += bool(finding.get("baselined"))
    for group in groups.values():
        group["tests"] = sorted(set(group["tests"]))
        group["test_count"] = len(group["tests"])

    def worst_first(group: dict[str, Any]) -> tuple[object, ...]:
        site = group["callsite"] or {}
        return (
            -group["queries"],
            -group["test_count"],
            group["kind"],
            str(group["model"] or group["table"] or ""),
            str(group["field"] or ""),
            str(site.get("file") or ""),
            site.get("line") or 0,
        )

    return sorted(groups.values(), key=worst_first)


def summarize(tests: list[dict[str, Any]], lost: int, fail_on: Iterable[str]) -> dict[str, Any]:
    kinds = tuple(fail_on)
    occurrences = [f for t in tests for f in t["findings"]]
    return {
        "tests": len(tests),
        "tests_with_findings": sum(1 for t in tests if t["findings"]),
        "queries": sum(t["query_count"] for t in tests),
        "findings": {k: sum(1 for f in occurrences if f["kind"] == k) for k in FINDING_KINDS},
        "groups": len(group_findings(tests)),
        "baselined": sum(1 for f in occurrences if f.get("baselined")),
        "suppressed": sum(len(t.get("suppressed") or ()) for t in tests),
        "gated": sum(1 for f in occurrences if f["kind"] in kinds and not f.get("baselined")),
        "failed": sum(1 for t in tests if t.get("outcome") == "failed"),
        "lost": lost,
    }


def write_document(document: dict[str, Any], path: Path) -> None:
    """Write through a temporary file in the same directory: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)
