"""The hooks of ``pytest --perfaudit`` (registered by :mod:`perfaudit.pytest_plugin` when asked).

Where each thing happens, so that serial and pytest-xdist runs agree:

* the test's process (the only one, or an xdist worker) captures the body, detects, gates, and
  puts the test's record on the call report as JSON text (an extra attribute of the report,
  which pytest serializes with it and xdist sends to the controller);
* the controller (the only process, or xdist's) gathers records from every report it logs,
  notes the tests a crashed worker lost, writes the one report and the baseline, and prints
  the summary. Workers never write a file: there is nothing to race on.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from perfaudit.report.suite import SuiteCollector, test_record, write_document
from perfaudit.suite.audit import (
    SuiteSettings,
    TestAudit,
    TestBody,
    audit_queries,
    capture_test_body,
    failure_message,
    is_django_ready,
)
from perfaudit.suppress.rules import InlineComments
from perfaudit.suppress.suite import SEPARATOR, ratchet, write_baseline_keys

AUDIT_KEY = pytest.StashKey[TestAudit]()
RECORD_ATTRIBUTE = "perfaudit_record"
MARKER = "perfaudit"


class SuitePlugin:
    """Audits every test (or, when not enabled, collects the fixture's tests for the report)."""

    def __init__(
        self,
        config: pytest.Config,
        settings: SuiteSettings,
        *,
        report_path: Path | None = None,
        baseline_path: Path | None = None,
        update_baseline: bool = False,
    ) -> None:
        self.config = config
        self.settings = settings
        self.report_path = report_path
        self.baseline_path = baseline_path
        self.update_baseline = update_baseline
        self.is_controller = not hasattr(config, "workerinput")
        self.collector = SuiteCollector()
        self.document: dict[str, Any] | None = None
        self.notes: list[str] = []
        self.inline = InlineComments(settings.root)  # each source file read once per process

    # tryfirst: outside the fixture's own wrapper, which records a fixture test before this
    # one gates it.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        if not self.settings.is_enabled or not is_django_ready():
            return (yield)
        if "perfaudit" in getattr(item, "fixturenames", ()):
            # The fixture captures this body already and its record is the test's (see
            # pytest_plugin._record): two captures of one query would see each other's frames.
            result = yield
            self.gate(item.stash.get(AUDIT_KEY, None))
            return result
        body = TestBody()
        try:
            with capture_test_body(item, self.settings.root) as body:
                result = yield
        finally:
            audit = audit_queries(
                item.nodeid,
                body.queries,
                self.settings,
                marker_budget(item),
                self.inline,
                body.boundaries,
            )
            # A test that ran no query touched no database: nothing to report about it.
            if audit.query_count:
                item.stash[AUDIT_KEY] = audit
        self.gate(audit)
        return result

    def gate(self, audit: TestAudit | None) -> None:
        """Fail the test when it has findings of a --perfaudit-fail-on kind not baselined."""
        kinds = self.settings.fail_on
        if audit is not None and kinds and audit.gated(kinds):
            pytest.fail(
                failure_message(audit, kinds, self.settings.baseline is not None), pytrace=False
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        audit = item.stash.get(AUDIT_KEY, None)
        if call.when == "call" and audit is not None:
            # Text, not a dict: it crosses xdist's channel and pytest's report serializer as is.
            setattr(report, RECORD_ATTRIBUTE, json.dumps(test_record(audit)))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add_report(
            report.nodeid, report.when, report.outcome, getattr(report, RECORD_ATTRIBUTE, None)
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self.collector.collected.update(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object, error: object | None) -> None:
        if error is not None:
            self.collector.has_crashed = True

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.is_controller:
            return
        self.document = self.collector.document(self.document_settings())
        if self.report_path is not None:
            write_document(self.document, self.report_path)
            self.notes.append(f"perfaudit report written to {self.report_path}")
        if self.update_baseline and self.baseline_path is not None:
            self.write_baseline()

    def document_settings(self) -> dict[str, Any]:
        return {
            "mode": "suite" if self.settings.is_enabled else "fixture",
            "threshold": self.settings.threshold,
            "fail_on": list(self.settings.fail_on),
            "baseline": None if self.baseline_path is None else self.baseline_path.name,
            "ignore": [rule.text for rule in self.settings.ignore],
        }

    def write_baseline(self) -> None:
        assert self.baseline_path is not None and self.document is not None
        old = self.settings.baseline
        current = {f["key"] for t in self.document["tests"] for f in t["findings"]}
        ran = self.collector.reported
        # Keys of tests that did not run this time (-k, a subset of files) are kept as they are.
        kept = {k for k in old or () if k.split(SEPARATOR, 1)[0] not in ran}
        keys = set(ratchet(old, current)) | kept
        write_baseline_keys(keys, self.baseline_path)
        removed = len(old or ()) - len((old or frozenset()) & keys)
        self.notes.append(
            f"perfaudit baseline written to {self.baseline_path}: {len(keys)} finding(s)"
            + (f", {removed} fixed one(s) removed" if old is not None else "")
        )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.is_controller or self.document is None:
            return
        if self.settings.is_enabled:
            from perfaudit.console.suite import render_suite_text

            writer = terminalreporter._tw
            terminalreporter.write_sep("=", "perfaudit")
            text = render_suite_text(self.document, width=writer.fullwidth, color=writer.hasmarkup)
            terminalreporter.write(text)
        for note in self.notes:
            terminalreporter.write_line(note)


def marker_budget(item: pytest.Item) -> int | None:
    marker = item.get_closest_marker(MARKER)
    budget = None if marker is None else marker.kwargs.get("max_queries")
    return budget if isinstance(budget, int) else None
