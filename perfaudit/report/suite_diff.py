"""Compare two ``perfaudit/pytest-v1`` reports test by test, with the rules of ``perfaudit diff``.

A test regresses when its view queries grow or it has a finding it did not have (findings are
matched by :func:`perfaudit.wording.finding_key`: kind, relation, SQL shape and call site
without the line). A test only in NEW, or lost in NEW, is listed, not judged.
"""

from __future__ import annotations

from perfaudit.report.diff import Measure, ReportDiff, compare
from perfaudit.report.read_suite import SuiteReport


def suite_measures(report: SuiteReport) -> dict[str, Measure]:
    return {t.nodeid: Measure(t.view_query_count, t.sql_ms, t.findings) for t in report.tests}


def diff_suite_reports(old: SuiteReport, new: SuiteReport) -> ReportDiff:
    before, after = suite_measures(old), suite_measures(new)
    return ReportDiff(
        kind="pytest",
        changes=tuple(compare(n, before[n], after[n]) for n in before if n in after),
        added=tuple(n for n in after if n not in before),
        removed=tuple(n for n in before if n not in after),
    )
