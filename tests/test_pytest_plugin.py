"""The pytest plugin through pytester, in a fresh process beside pytest-django.

The inner runs use SQLite and a local-memory cache whatever this suite runs on: they test the
plugin, and a PostgreSQL test database of theirs would collide with this process's.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

INNER_INI = """
[pytest]
DJANGO_SETTINGS_MODULE = shopdemo.settings
addopts = -p no:cacheprovider
"""

INNER_TESTS = """
import pytest

from shopdemo.shop.seeding import seed_shop


@pytest.fixture
def data(db):
    seed_shop(products=6, customers=2, orders=4, seed=1)


def test_budget_kept(data, perfaudit, client):
    client.get("/api/products/")
    perfaudit.assert_max_queries(3)


def test_budget_exceeded(data, perfaudit, client):
    client.get("/api/naive/products/")
    perfaudit.assert_max_queries(3)


def test_n_plus_one_found(data, perfaudit, client):
    client.get("/api/naive/products/")
    perfaudit.assert_no_n_plus_one()


def test_optimized_has_no_n_plus_one(data, perfaudit, client):
    client.get("/api/products/?page=1&q=")
    perfaudit.assert_no_n_plus_one()


def test_fixture_setup_is_not_counted(perfaudit, data):
    assert perfaudit.count == 0


@pytest.mark.perfaudit(max_queries=3)
def test_marker_kept(data, client):
    client.get("/api/products/?q=a")


@pytest.mark.perfaudit(max_queries=3)
def test_marker_exceeded(data, client):
    client.get("/api/naive/products/")


@pytest.mark.perfaudit(bogus=1)
def test_marker_misused(data):
    pass
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".ini", pytest=INNER_INI)
    pytester.makepyfile(test_inner=INNER_TESTS)
    return pytester


def test_fixture_marker_and_report(inner: pytest.Pytester) -> None:
    result = inner.runpytest_subprocess("--perfaudit-report", "out/report.json", "-rfE")
    result.assert_outcomes(passed=4, failed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.perfaudit takes max_queries= and threshold= only, got bogus.",
            "*_ test_marker_exceeded _*",
            "@pytest.mark.perfaudit(max_queries=3): 17 queries, expected at most 3:",
            "FAILED test_inner.py::test_budget_exceeded - AssertionError: 17 queries, expe*",
            "FAILED test_inner.py::test_n_plus_one_found - AssertionError: 3 N+1 query gro*",
            "FAILED test_inner.py::test_marker_exceeded - Failed: @pytest.mark.perfaudit(m*",
            "ERROR test_inner.py::test_marker_misused - Failed: @pytest.mark.perfaudit tak*",
        ]
    )
    report = json.loads((inner.path / "out" / "report.json").read_text())
    assert report["schema"] == "perfaudit/pytest-v1"
    tests = {t["nodeid"].split("::")[1]: t for t in report["tests"]}
    assert sorted(tests) == [
        "test_budget_exceeded", "test_budget_kept", "test_fixture_setup_is_not_counted",
        "test_marker_exceeded", "test_marker_kept", "test_n_plus_one_found",
        "test_optimized_has_no_n_plus_one",
    ]  # fmt: skip
    assert tests["test_fixture_setup_is_not_counted"]["query_count"] == 0
    assert tests["test_budget_kept"]["query_count"] == 1
    assert tests["test_budget_kept"]["findings"] == []
    assert tests["test_marker_exceeded"]["max_queries"] == 3
    kinds = {f["kind"] for f in tests["test_n_plus_one_found"]["findings"]}
    assert "n_plus_one" in kinds


def test_failure_messages_name_relation_call_site_and_fix(inner: pytest.Pytester) -> None:
    result = inner.runpytest_subprocess("-k", "n_plus_one_found or budget_exceeded")
    result.assert_outcomes(failed=2, deselected=6)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: 17 queries, expected at most 3:",
            "E         1. SELECT *",
            "E       N+1 groups among them:",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: 3 N+1 query groups:",
            "E         shop.Product.category: 5 queries at */shopdemo/shop/serializers.py:* in "
            "product_summary",
            "E           fix: Add select_related('category') to the queryset that loads Product.",
            "E           sql: select *",
        ]
    )


def test_help_works_without_django_settings(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makefile(".ini", pytest="[pytest]\nDJANGO_SETTINGS_MODULE = no_such.settings\n")
    result = pytester.runpytest_subprocess("--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*--perfaudit-report=FILE*"])


def test_fixture_without_django_fails_clearly(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makepyfile("def test_it(perfaudit):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:django")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*The perfaudit fixture needs Django configured: use pytest-django "
            "(DJANGO_SETTINGS_MODULE) or call django.setup() in conftest.py."
        ]
    )
