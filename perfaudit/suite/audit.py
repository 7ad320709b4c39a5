"""``pytest --perfaudit``: the audit of one test's body, and the gate it may fail.

A test's queries are captured with :func:`perfaudit.capture.recorder.capture_queries` and judged
with :func:`perfaudit.detect.findings.detect_findings`, the very functions ``perfaudit scan``
uses, so a test and a scan report the same relation, call site and fix for the same code. Only
the test body counts: pytest fixtures run in the setup phase, outside the capture, and for a
``unittest``/``django.test.TestCase`` method the capture keeps what ran inside the method
itself, not ``setUp``/``tearDown`` (``setUpTestData`` runs at class setup, already outside).

Findings are then matched against the baseline (:mod:`perfaudit.suppress.suite`); those of a
``--perfaudit-fail-on`` kind that the baseline does not hold fail the test.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from perfaudit.config.ignore import IgnoreRule
from perfaudit.records import DEFAULT_THRESHOLD, CallSite, CapturedQuery, Finding
from perfaudit.suppress.rules import (
    InlineComments,
    RequestFindings,
    SuppressedFinding,
    apply_suppressions,
)
from perfaudit.suppress.suite import baseline_key
from perfaudit.wording import callsite_text, finding_title, plural

if TYPE_CHECKING:  # pytest is a test extra: `perfaudit scan` and `report` import this module
    import pytest


@dataclass(frozen=True)
class SuiteSettings:
    """What every process of a ``--perfaudit`` run (controller and xdist workers) agrees on."""

    root: Path
    threshold: int = DEFAULT_THRESHOLD
    fail_on: tuple[str, ...] = ()
    baseline: frozenset[str] | None = None  # keys of the baselined findings, None: no baseline
    is_enabled: bool = True  # False: only the fixture's tests are reported (--perfaudit-report)
    is_creating_baseline: bool = False  # the first --perfaudit-update-baseline: all are known
    ignore: tuple[IgnoreRule, ...] = ()  # scan's `ignore` rules, then the ini's
    # pytest's python_files and conftest.py: queries whose call site is there are the test's
    # own scaffolding (rows created one by one, a login), counted but never judged.
    test_files: tuple[str, ...] = ("test_*.py", "*_test.py", "conftest.py")


@dataclass(frozen=True)
class TestAudit:
    """One test body's queries and what detect found in them."""

    __test__ = False  # not a test class, whatever pytest's collection thinks of the name

    nodeid: str
    query_count: int
    view_query_count: int
    sql_ms: float
    findings: tuple[Finding, ...]
    max_queries: int | None = None
    baselined: frozenset[int] = field(default_factory=frozenset)  # indexes into findings
    suppressed: tuple[SuppressedFinding, ...] = ()  # by an ignore rule or inline comment

    def gated(self, kinds: Sequence[str]) -> tuple[Finding, ...]:
        """The findings of ``kinds`` that the baseline does not hold: they fail the test."""
        return tuple(
            f for i, f in enumerate(self.findings) if f.kind in kinds and i not in self.baselined
        )


def is_django_ready() -> bool:
    """Whether someone (pytest-django, a conftest) configured Django: never done here."""
    if "django.apps" not in sys.modules:
        return False
    from django.apps import apps

    return apps.ready


def audit_queries(
    nodeid: str,
    queries: Sequence[CapturedQuery],
    settings: SuiteSettings,
    max_queries: int | None = None,
    inline: InlineComments | None = None,
    boundaries: Sequence[tuple[int, bool]] = (),
) -> TestAudit:
    """Detect the findings of a test's queries, set aside the ones an ignore rule or an inline
    comment covers (the test's node id is the request rules match), and mark the ones the
    baseline holds.

    ``boundaries`` say where in ``queries`` each request the test sent started and finished
    (see :func:`_parts`): each request is judged on its own, as ``perfaudit scan`` judges one,
    so the same page fetched twice is neither a duplicate nor one longer loop. What the test
    body ran between requests is judged together.
    """
    from perfaudit.detect.findings import detect_findings

    findings: tuple[Finding, ...] = ()
    for part in _parts(queries, boundaries):
        judged = [q for q in part if not is_test_code(q.callsite, settings.test_files)]
        if judged:
            findings += detect_findings(judged, threshold=settings.threshold)
    findings = _merged(findings)
    suppressed: tuple[SuppressedFinding, ...] = ()
    if findings and (settings.ignore or inline is not None):
        outcome = apply_suppressions([RequestFindings(nodeid, findings)], settings.ignore, inline)
        findings, suppressed = outcome.requests[0].kept, outcome.requests[0].suppressed
    baseline = settings.baseline or frozenset()
    return TestAudit(
        nodeid=nodeid,
        query_count=len(queries),
        view_query_count=sum(1 for q in queries if not q.is_framework),
        sql_ms=sum(q.duration_ms for q in queries),
        findings=findings,
        max_queries=max_queries,
        baselined=frozenset(
            i
            for i, f in enumerate(findings)
            if settings.is_creating_baseline or baseline_key(nodeid, f) in baseline
        ),
        suppressed=suppressed,
    )


def _parts(
    queries: Sequence[CapturedQuery], boundaries: Sequence[tuple[int, bool]]
) -> list[Sequence[CapturedQuery]]:
    """The test body's queries outside requests (by statement of the test), then each
    request's. ``boundaries``: ``(position, True)`` where a request started, ``(position,
    False)`` where it finished, in the order they happened."""
    body: list[CapturedQuery] = []
    requests: list[Sequence[CapturedQuery]] = []
    start, inside = 0, False
    for position, starts in (*boundaries, (len(queries), False)):
        end = min(max(position, start), len(queries))
        if inside:
            requests.append(queries[start:end])
        else:
            body.extend(queries[start:end])
        start, inside = end, starts
    return [*_statements(body), *requests]


def _statements(body: list[CapturedQuery]) -> list[list[CapturedQuery]]:
    """The test body's queries, cut where the statement of the test that ran them changes:
    ``post.publish()`` then ``post.archive()`` each look the post up once, which is two calls
    of the test, not a loop of the project or a duplicate."""
    parts: list[list[CapturedQuery]] = []
    for query in body:
        if not parts or query.statement != parts[-1][-1].statement:
            parts.append([])
        parts[-1].append(query)
    return parts


def _merged(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """One finding per problem: the same N+1 in two requests of a test is one, counted twice."""
    merged: dict[Finding, Finding] = {}
    for finding in findings:
        key = replace(finding, count=0, sample_sql="")
        seen = merged.get(key)
        merged[key] = finding if seen is None else replace(seen, count=seen.count + finding.count)
    return tuple(merged.values())


def is_test_code(callsite: CallSite | None, patterns: tuple[str, ...]) -> bool:
    """Whether ``callsite`` is in the suite's own code: a file named like a test module or
    conftest.py, or (inside the project) under a ``tests``/``test`` directory.

    A factory's per-row saves or a ``force_login`` in a test body are not the project's N+1s;
    a view, serializer or service the test calls has its own call site and is judged.
    """
    if callsite is None or not callsite.file:
        return False
    return _is_test_file(callsite.file, patterns)


@functools.cache
def _is_test_file(file: str, patterns: tuple[str, ...]) -> bool:
    path = PurePath(file)
    if any(fnmatchcase(path.name, pattern) for pattern in patterns):
        return True
    # Relative paths are inside the project root; an absolute one is outside, where the
    # directory names say nothing about the project.
    return not path.is_absolute() and any(part in ("tests", "test") for part in path.parts[:-1])


@dataclass
class TestBody:
    """What a test's call phase ran: its queries, and where each request it sent started
    (``(position, True)``) and finished (``(position, False)``) among them."""

    __test__ = False

    queries: list[CapturedQuery] = field(default_factory=list)
    boundaries: list[tuple[int, bool]] = field(default_factory=list)


@contextmanager
def capture_test_body(item: pytest.Item, root: Path) -> Iterator[TestBody]:
    """Capture the queries of ``item``'s call phase; for a unittest method, of the method only.

    The yielded body is complete once the block has exited.
    """
    from django.core.signals import request_finished, request_started

    from perfaudit.capture.recorder import capture_queries

    body = TestBody()
    captured: list[CapturedQuery] = []
    window: list[int] = []  # where the method started and ended in ``captured``
    events: list[tuple[int, bool]] = []

    def started(**kwargs: Any) -> None:
        events.append((len(captured), True))

    def finished(**kwargs: Any) -> None:  # the response was closed
        events.append((len(captured), False))

    restore = _watch_unittest_method(item, lambda: window.append(len(captured)))
    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)
    try:
        with capture_queries(root) as queries:
            captured = queries
            yield body
    finally:
        restore()
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    first, last = (window[0], window[-1]) if len(window) >= 2 else (0, len(captured))
    body.queries.extend(captured[first:last])
    body.boundaries.extend((at - first, starts) for at, starts in events if first <= at <= last)


def _watch_unittest_method(item: pytest.Item, mark: Callable[[], None]) -> Callable[[], None]:
    """Wrap a unittest item's test method so that ``mark`` runs when it starts and ends.

    A coroutine method gets a coroutine wrapper, which Django wraps with async_to_sync as it
    would the method. Returns the function that undoes it.
    """
    from _pytest.unittest import TestCaseFunction

    if not isinstance(item, TestCaseFunction) or item.instance is None:
        return lambda: None
    method = item.obj
    instance = item.instance
    wrapper: Callable[..., Any]
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            mark()
            try:
                return await method(*args, **kwargs)
            finally:
                mark()

    else:

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            mark()
            try:
                return method(*args, **kwargs)
            finally:
                mark()

    # pytest's runtest calls item.obj; pytest-django's (and unittest) the instance's attribute.
    item.obj = wrapper
    setattr(instance, item.name, wrapper)

    def restore() -> None:
        item.obj = method
        vars(instance).pop(item.name, None)

    return restore


def failure_message(audit: TestAudit, kinds: Sequence[str], has_baseline: bool) -> str:
    """The test's failure text: each gated finding's relation, count, call site and fix."""
    gated = audit.gated(kinds)
    why = "not in the baseline" if has_baseline else f"--perfaudit-fail-on {','.join(kinds)}"
    lines = [f"perfaudit: {plural(len(gated), 'finding')} ({why}):"]
    for finding in gated:
        lines.append(f"  {finding_title(finding)} at {callsite_text(finding.callsite)}")
        if finding.suggestion:
            lines.append(f"    fix: {finding.suggestion}")
    return "\n".join(lines)
