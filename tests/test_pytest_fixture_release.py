"""The perfaudit fixture lets go of a test's queries once the test is over.

A session keeps every test item to its end; an item that kept its QueryAudit would keep every
query of every test that used the fixture (SQL, params, call sites) for the whole run.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INNER_TESTS = """
import gc
import weakref

from shopdemo.shop.seeding import seed_shop

audits = []


def test_uses_the_fixture(db, perfaudit, client):
    seed_shop(products=3, customers=1, orders=1, seed=1)
    client.get("/api/naive/products/")
    assert perfaudit.count > 0
    audits.append((weakref.ref(perfaudit), weakref.ref(perfaudit.queries[0])))


def test_its_audit_and_queries_are_gone():
    gc.collect()
    [(audit, query)] = audits
    assert audit() is None
    assert query() is None
"""


def test_a_finished_test_keeps_no_audit(pytester: pytest.Pytester, monkeypatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    pytester.makefile(".ini", pytest="[pytest]\nDJANGO_SETTINGS_MODULE = shopdemo.settings\n")
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
