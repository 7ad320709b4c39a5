"""perfaudit's pytest plugin (entry point ``pytest11``): query budgets and N+1 checks in tests.

* the ``perfaudit`` fixture captures the queries the test function runs (its fixtures' setup
  excluded) and offers :meth:`QueryAudit.assert_max_queries` and
  :meth:`QueryAudit.assert_no_n_plus_one`;
* ``@pytest.mark.perfaudit(max_queries=N)`` uses the fixture and fails the test above N queries;
* ``--perfaudit-report FILE`` writes the queries and findings of every such test as JSON;
* ``--perfaudit`` (or ``perfaudit = true`` in the ini file) audits every test that runs a query,
  with no change to the tests, gates on ``--perfaudit-fail-on`` and a baseline, and prints a
  summary (:mod:`perfaudit.suite.hooks`), under pytest-xdist too.

Loading the plugin never imports or configures Django: `pytest --help` works whatever the
settings, and the fixture relies on whoever configured Django (pytest-django, django.setup()).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pytest

from perfaudit.records import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from perfaudit.records import CapturedQuery, Finding
    from perfaudit.suite.audit import SuiteSettings

MARKER = "perfaudit"
_AUDIT = pytest.StashKey["QueryAudit"]()
_SETTINGS: pytest.StashKey[SuiteSettings] = pytest.StashKey()


class QueryAudit:
    """The queries a test ran so far, with assertions about them (the ``perfaudit`` fixture)."""

    def __init__(self, queries: list[CapturedQuery], threshold: int = DEFAULT_THRESHOLD) -> None:
        self._queries = queries  # filled by capture_queries while the test runs
        self.threshold = threshold

    @property
    def queries(self) -> tuple[CapturedQuery, ...]:
        return tuple(self._queries)

    @property
    def count(self) -> int:
        return len(self._queries)

    def reset(self) -> None:
        """Forget the queries so far: what follows is measured alone."""
        self._queries.clear()

    def findings(self, threshold: int | None = None) -> tuple[Finding, ...]:
        """N+1, duplicate and unused-eager-load findings among the queries so far."""
        from perfaudit.detect.findings import detect_findings

        return detect_findings(self.queries, threshold=threshold or self.threshold)

    def assert_max_queries(self, limit: int) -> None:
        """Fail when the test ran more than ``limit`` queries; the message lists them."""
        __tracebackhide__ = True
        if self.count <= limit:
            return
        lines = [f"{self.count} queries, expected at most {limit}:"]
        lines += [f"  {i}. {_one_line(q.sql)}{_where(q)}" for i, q in enumerate(self.queries, 1)]
        groups = [f for f in self.findings() if f.kind == "n_plus_one"]
        if groups:
            lines.append("N+1 groups among them:")
            lines += describe_findings(groups)
        raise AssertionError("\n".join(lines))

    def assert_no_n_plus_one(self, threshold: int | None = None) -> None:
        """Fail when the queries hold an N+1 group: relation, count, call site and fix of each."""
        __tracebackhide__ = True
        groups = [f for f in self.findings(threshold) if f.kind == "n_plus_one"]
        if groups:
            header = f"{len(groups)} N+1 query group{'s' if len(groups) > 1 else ''}:"
            raise AssertionError("\n".join([header, *describe_findings(groups)]))


def describe_findings(findings: Sequence[Finding]) -> list[str]:
    """Each finding as indented lines: relation and count, call site, fix, SQL shape."""
    lines = []
    for finding in findings:
        relation = ".".join(p for p in (finding.model, finding.field) if p) or finding.table
        lines.append(
            f"  {relation or 'unknown relation'}: {finding.count} queries{_where(finding)}"
        )
        lines.append(f"    fix: {finding.suggestion}")
        lines.append(f"    sql: {_one_line(finding.fingerprint)}")
    return lines


def _where(item: CapturedQuery | Finding) -> str:
    from perfaudit.wording import callsite_text

    return "" if item.callsite is None else f" at {callsite_text(item.callsite)}"


def _one_line(sql: str, width: int = 120) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfaudit")
    group.addoption(
        "--perfaudit",
        action="store_true",
        default=None,
        help="audit the queries of every test that touches a database (no test change needed).",
    )
    group.addoption(
        "--perfaudit-report",
        metavar="FILE",
        default=None,
        help="write the perfaudit/pytest-v1 JSON report of every audited test to FILE.",
    )
    group.addoption(
        "--perfaudit-fail-on",
        metavar="KINDS",
        default=None,
        help="with --perfaudit: fail the tests with findings of these kinds "
        "(n_plus_one,duplicate,unused_eager_load).",
    )
    group.addoption(
        "--perfaudit-baseline",
        metavar="FILE",
        default=None,
        help="with --perfaudit: fail only on findings FILE does not hold.",
    )
    group.addoption(
        "--perfaudit-update-baseline",
        action="store_true",
        default=False,
        help="create the --perfaudit-baseline FILE, or remove the findings that are gone.",
    )
    group.addoption(
        "--perfaudit-threshold",
        metavar="N",
        type=int,
        default=None,
        help=f"repeats that make an N+1 (default {DEFAULT_THRESHOLD}).",
    )
    parser.addini("perfaudit", "audit every test (as --perfaudit).", type="bool", default=False)
    parser.addini("perfaudit_fail_on", "as --perfaudit-fail-on.", default="")
    parser.addini("perfaudit_baseline", "as --perfaudit-baseline.", default="")
    parser.addini(
        "perfaudit_ignore",
        "ignore rules, one a line, as scan's `ignore` (relation=, request=, callsite=, kind=).",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"perfaudit(max_queries=None, threshold={DEFAULT_THRESHOLD}): capture the test's queries "
        "with the perfaudit fixture and fail above max_queries.",
    )
    from perfaudit.suite.options import read_suite_options

    options = read_suite_options(config)
    if options is None:
        return
    from perfaudit.suite.hooks import SuitePlugin

    config.stash[_SETTINGS] = options.settings
    plugin = SuitePlugin(
        config,
        options.settings,
        report_path=options.report_path,
        baseline_path=options.baseline_path,
        update_baseline=options.update_baseline,
    )
    config.pluginmanager.register(plugin, "perfaudit-suite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A marked test uses the fixture without naming it.
    for item in items:
        names = getattr(item, "fixturenames", None)
        is_marked = item.get_closest_marker(MARKER) is not None
        if is_marked and names is not None and "perfaudit" not in names:
            names.append("perfaudit")


@pytest.fixture
def perfaudit(request: pytest.FixtureRequest) -> Iterator[QueryAudit]:
    """Capture the queries of the test function on every database alias."""
    from django.conf import settings

    if not settings.configured:
        pytest.fail(
            "The perfaudit fixture needs Django configured: use pytest-django "
            "(DJANGO_SETTINGS_MODULE) or call django.setup() in conftest.py.",
            pytrace=False,
        )
    from perfaudit.capture.recorder import capture_queries

    marker = request.node.get_closest_marker(MARKER)
    with capture_queries(request.config.rootpath) as queries:
        audit = QueryAudit(queries, _marker_threshold(marker))
        request.node.stash[_AUDIT] = audit
        try:
            yield audit
        finally:
            # The item lives as long as the session: it must not keep every query it ran.
            del request.node.stash[_AUDIT]


def _marker_threshold(marker: pytest.Mark | None) -> int:
    """The marker's N+1 threshold, after checking that it is used as documented."""
    if marker is None:
        return DEFAULT_THRESHOLD
    unknown = [*map(repr, marker.args), *sorted(set(marker.kwargs) - {"max_queries", "threshold"})]
    if unknown:
        pytest.fail(
            f"@pytest.mark.perfaudit takes max_queries= and threshold= only, got {unknown[0]}.",
            pytrace=False,
        )
    return int(marker.kwargs.get("threshold", DEFAULT_THRESHOLD))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    audit = item.stash.get(_AUDIT, None)
    if audit is None:
        return (yield)
    audit.reset()  # queries of fixtures' setup are not the test's
    marker = item.get_closest_marker(MARKER)
    limit = None if marker is None else marker.kwargs.get("max_queries")
    try:
        result = yield
    finally:
        # Here, not at fixture teardown: other fixtures' teardown queries are not the test's.
        _record(item, audit, limit)
    if limit is not None:
        try:
            audit.assert_max_queries(limit)
        except AssertionError as exc:
            pytest.fail(f"@pytest.mark.perfaudit(max_queries={limit}): {exc}", pytrace=False)
    return result


def _record(item: pytest.Item, audit: QueryAudit, max_queries: int | None) -> None:
    """Hand the fixture's queries to the report (``--perfaudit`` leaves such tests to it)."""
    settings = item.config.stash.get(_SETTINGS, None)
    if settings is None:
        return
    from dataclasses import replace

    from perfaudit.suite.audit import audit_queries
    from perfaudit.suite.hooks import AUDIT_KEY, SuitePlugin

    plugin = item.config.pluginmanager.get_plugin("perfaudit-suite")
    inline = plugin.inline if isinstance(plugin, SuitePlugin) else None
    own = replace(settings, threshold=audit.threshold)  # the marker's threshold
    item.stash[AUDIT_KEY] = audit_queries(item.nodeid, audit.queries, own, max_queries, inline)
