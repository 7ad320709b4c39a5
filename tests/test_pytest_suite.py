"""``pytest --perfaudit`` through pytester: an ordinary pytest-django suite, audited unchanged.

The inner suite never names the perfaudit fixture. Inner runs use SQLite and a local-memory
cache whatever this suite runs on (see tests/test_pytest_plugin.py for why).
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

CONFTEST = """
import pytest

from shopdemo.shop.seeding import seed_shop


@pytest.fixture
def data(db):
    seed_shop(products=6, customers=2, orders=4, seed=1)
"""

TEST_LISTS = """
def test_naive_list(data, client):
    assert client.get("/api/naive/products/").status_code == 200


def test_naive_list_page(data, client):
    assert client.get("/api/naive/products/?page=1").status_code == 200


def test_optimized_list(data, client):
    assert client.get("/api/products/").status_code == 200


def test_no_database():
    assert sum([1, 1]) == 2


def test_fixture_queries_only(data):
    pass
"""

TEST_CASES = """
from django.test import TestCase

from shopdemo.shop.seeding import seed_shop


class NaiveListCase(TestCase):
    def setUp(self):
        seed_shop(products=6, customers=2, orders=4, seed=1)  # not the test's queries

    def test_naive_list(self):
        self.assertEqual(self.client.get("/api/naive/products/").status_code, 200)

    def test_setup_only(self):
        pass
"""

CATEGORY_KEY = "shop.Product.category | shop/serializers.py:product_summary"


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "240")  # one summary line per line, whatever the terminal
    pytester.makefile(".ini", pytest=INNER_INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_lists=TEST_LISTS, test_cases=TEST_CASES)
    return pytester


def read(pytester: pytest.Pytester, name: str) -> dict:
    return json.loads((pytester.path / name).read_text())


def findings_of(report: dict) -> list[tuple]:
    """What must agree between runs: each test's findings and the groups, without timings."""
    tests = [
        (
            t["nodeid"],
            t["query_count"],
            t["outcome"],
            [(f["kind"], f["model"], f["field"], f["count"], f["callsite"]) for f in t["findings"]],
        )
        for t in report["tests"]
    ]
    groups = [
        (g["kind"], g["model"], g["field"], g["tests"], g["queries"]) for g in report["groups"]
    ]
    return [tests, groups, report["summary"]]


def test_every_test_is_audited_without_changing_it(inner: pytest.Pytester) -> None:
    result = inner.runpytest_subprocess("--perfaudit", "--perfaudit-report", "r.json")
    result.assert_outcomes(passed=7)
    report = read(inner, "r.json")
    assert report["schema"] == "perfaudit/pytest-v1"
    assert report["mode"] == "suite"
    tests = {t["nodeid"]: t for t in report["tests"]}
    # No query in the body, no entry: fixtures' setup and unittest's setUp are not the test's.
    assert sorted(tests) == [
        "test_cases.py::NaiveListCase::test_naive_list",
        "test_lists.py::test_naive_list",
        "test_lists.py::test_naive_list_page",
        "test_lists.py::test_optimized_list",
    ]
    assert tests["test_lists.py::test_optimized_list"]["query_count"] == 1
    assert tests["test_lists.py::test_optimized_list"]["findings"] == []
    naive = tests["test_lists.py::test_naive_list"]
    assert naive["query_count"] == 17
    assert tests["test_cases.py::NaiveListCase::test_naive_list"]["query_count"] == 17
    category = next(f for f in naive["findings"] if f["field"] == "category")
    assert (category["kind"], category["model"], category["count"]) == (
        "n_plus_one",
        "shop.Product",
        5,
    )
    assert category["callsite"]["function"] == "product_summary"
    assert category["suggestion"] == (
        "Add select_related('category') to the queryset that loads Product."
    )
    assert category["key"] == f"test_lists.py::test_naive_list | n_plus_one | {CATEGORY_KEY}"
    assert category["baselined"] is False
    # The same N+1 reached by three tests is one group naming the three.
    group = next(g for g in report["groups"] if g["field"] == "category")
    assert group["tests"] == [
        "test_cases.py::NaiveListCase::test_naive_list",
        "test_lists.py::test_naive_list",
        "test_lists.py::test_naive_list_page",
    ]
    assert (group["test_count"], group["queries"], group["max_count"]) == (3, 15, 5)
    assert report["summary"] == {
        "tests": 4,
        "tests_with_findings": 3,
        "queries": 52,
        "findings": {"n_plus_one": 9, "duplicate": 0, "unused_eager_load": 0},
        "groups": 3,
        "baselined": 0,
        "suppressed": 0,
        "gated": 0,
        "failed": 0,
        "lost": 0,
    }
    result.stdout.fnmatch_lines(
        [
            "*= perfaudit =*",
            "*perfaudit: findings across the suite, worst first*",
            "*N+1 shop.Product.category*3 tests:*",
            "4 tests audited, 52 queries; 3 with findings: 9 N+1, 0 duplicate, 0 unused eager "
            "load (3 distinct problems).",
            "perfaudit report written to *r.json",
        ]
    )


def test_xdist_runs_report_the_same_findings_as_a_serial_run(inner: pytest.Pytester) -> None:
    inner.runpytest_subprocess("--perfaudit", "--perfaudit-report", "serial.json")
    expected = findings_of(read(inner, "serial.json"))
    for dist in ("load", "loadscope", "loadfile"):
        result = inner.runpytest_subprocess(
            "--perfaudit", "--perfaudit-report", f"{dist}.json", "-n", "2", "--dist", dist
        )
        result.assert_outcomes(passed=7)
        assert findings_of(read(inner, f"{dist}.json")) == expected, dist
        result.stdout.fnmatch_lines(["4 tests audited, 52 queries; 3 with findings: 9 N+1*"])
    assert not list(inner.path.glob(".*.tmp"))  # no temporary file left behind


def test_fail_on_fails_the_tests_with_findings(inner: pytest.Pytester) -> None:
    result = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-fail-on", "n_plus_one,duplicate", "-rf"
    )
    result.assert_outcomes(passed=4, failed=3)
    result.stdout.fnmatch_lines(
        [
            "perfaudit: 3 findings (--perfaudit-fail-on n_plus_one,duplicate):",
            "  N+1 on shop.Product.category (5 queries) at */shopdemo/shop/serializers.py:* in "
            "product_summary",
            "    fix: Add select_related('category') to the queryset that loads Product.",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "FAILED test_cases.py::NaiveListCase::test_naive_list - Failed: perfaudit: 3 find*",
            "FAILED test_lists.py::test_naive_list - Failed: perfaudit: 3 findings (--perfaud*",
            "FAILED test_lists.py::test_naive_list_page - Failed: perfaudit: 3 findings (--pe*",
        ]
    )
    result.stdout.fnmatch_lines(["*; 9 failing --perfaudit-fail-on n_plus_one,duplicate."])


def test_fail_on_leaves_a_failing_test_s_own_failure(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_broken="def test_broken(data, client):\n"
        "    client.get('/api/naive/products/')\n"
        "    assert False, 'own failure'\n"
    )
    result = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-fail-on", "n_plus_one", "test_broken.py"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: own failure*"])
    result.stdout.no_fnmatch_line("*perfaudit: 3 findings*")


def test_baseline_fails_only_new_findings_and_ratchets(inner: pytest.Pytester) -> None:
    created = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-baseline", "base.json", "--perfaudit-update-baseline"
    )
    created.assert_outcomes(passed=7)
    created.stdout.fnmatch_lines(["perfaudit baseline written to *base.json: 9 finding(s)"])
    baseline = read(inner, "base.json")
    assert baseline["schema"] == "perfaudit/pytest-baseline-v1"
    assert len(baseline["findings"]) == 9
    assert f"test_lists.py::test_naive_list | n_plus_one | {CATEGORY_KEY}" in baseline["findings"]

    # A new test with an N+1 fails; the baselined ones pass.
    inner.makepyfile(
        test_new="def test_new_page(data, client):\n    client.get('/api/naive/products/')\n"
    )
    gated = inner.runpytest_subprocess("--perfaudit", "--perfaudit-baseline", "base.json", "-rf")
    gated.assert_outcomes(passed=7, failed=1)
    gated.stdout.fnmatch_lines(
        ["FAILED test_new.py::test_new_page - Failed: perfaudit: 3 findings (not in the basel*"]
    )
    gated.stdout.fnmatch_lines(["*; 9 baselined; 3 failing --perfaudit-fail-on*"])

    # Fixing a baselined test ratchets its keys out; the new test's stay out and keep failing.
    inner.makepyfile(
        test_lists=TEST_LISTS.replace(
            'client.get("/api/naive/products/?page=1")', 'client.get("/api/products/?page=1")'
        )
    )
    ratcheted = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-baseline", "base.json", "--perfaudit-update-baseline"
    )
    ratcheted.assert_outcomes(passed=7, failed=1)
    ratcheted.stdout.fnmatch_lines(
        ["perfaudit baseline written to *base.json: 6 finding(s), 3 fixed one(s) removed"]
    )
    keys = read(inner, "base.json")["findings"]
    assert len(keys) == 6
    assert not [k for k in keys if "test_naive_list_page" in k or "test_new" in k]

    # A run of a subset keeps the keys of the tests it did not run.
    subset = inner.runpytest_subprocess(
        "--perfaudit",
        "--perfaudit-baseline",
        "base.json",
        "--perfaudit-update-baseline",
        "test_cases.py",
    )
    subset.assert_outcomes(passed=2)
    assert read(inner, "base.json")["findings"] == keys


def test_a_crashed_worker_s_test_is_listed_as_lost(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_crash="import os\n\n\ndef test_crash(data, client):\n"
        "    client.get('/api/naive/products/')\n    os._exit(3)\n"
    )
    result = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-report", "r.json", "-n", "2", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=7, failed=1)
    report = read(inner, "r.json")
    assert report["lost"] == [
        {"nodeid": "test_crash.py::test_crash", "reason": "the worker running it crashed"}
    ]
    assert report["summary"]["lost"] == 1
    assert report["summary"]["tests"] == 4  # every other test still audited
    result.stdout.fnmatch_lines(
        [
            "1 test lost, not audited:",
            "  test_crash.py::test_crash: the worker running it crashed",
        ]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--perfaudit-fail-on", "n_plus_one"], "*--perfaudit-fail-on needs --perfaudit*"),
        (
            ["--perfaudit", "--perfaudit-fail-on", "n_plus_two"],
            "*--perfaudit-fail-on: unknown finding kind 'n_plus_two'; choose from n_plus_one, "
            "duplicate, unused_eager_load.",
        ),
        (
            ["--perfaudit", "--perfaudit-baseline", "missing.json"],
            "*Baseline '*missing.json' does not exist; create it with --perfaudit-update-baseline.",
        ),
        (
            ["--perfaudit", "--perfaudit-update-baseline"],
            "*--perfaudit-update-baseline needs --perfaudit-baseline FILE.",
        ),
        (
            ["--perfaudit", "--perfaudit-threshold", "1"],
            "*--perfaudit-threshold: must be at least 2, got 1.",
        ),
    ],
    ids=["fail-on-alone", "unknown-kind", "missing-baseline", "update-alone", "threshold"],
)
def test_bad_options_stop_the_run_with_one_line(
    inner: pytest.Pytester, args: list[str], message: str
) -> None:
    result = inner.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message.lstrip('*')}"])


def test_corrupt_baseline_is_a_usage_error(inner: pytest.Pytester) -> None:
    (inner.path / "base.json").write_text('{"schema": "perfaudit/pytest-baseline-v1"}')
    result = inner.runpytest_subprocess("--perfaudit", "--perfaudit-baseline", "base.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: Baseline '*base.json' is corrupt: findings should be a list of strings; "
            "restore it from version control or regenerate it with --perfaudit-update-baseline."
        ]
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            "[" * 100_000, "is nested too deeply to be JSON perfaudit wrote; *", id="deep"
        ),
        pytest.param(b"\xff\xfe{}", "is not UTF-8 text *", id="utf16"),
    ],
)
def test_an_unreadable_baseline_is_one_line(inner: pytest.Pytester, content, message) -> None:
    path = inner.path / "base.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = inner.runpytest_subprocess("--perfaudit", "--perfaudit-baseline", "base.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: Baseline '*base.json' {message}"])
    assert "Traceback" not in result.stderr.str()


def test_ini_switch_and_help_without_django(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makefile(".ini", pytest=INNER_INI + "perfaudit = true\n")
    result = inner.runpytest_subprocess("test_lists.py")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["3 tests audited, 35 queries; 2 with findings: 6 N+1*"])
    inner.makefile(".ini", pytest="[pytest]\nDJANGO_SETTINGS_MODULE = no_such.settings\n")
    helped = inner.runpytest_subprocess("--help")
    assert helped.ret == 0
    helped.stdout.fnmatch_lines(["*--perfaudit *audit the queries of every test*"])


ASYNC_CASE = """
from django.test import TestCase

from shopdemo.shop.seeding import seed_shop


class AsyncCase(TestCase):
    def setUp(self):
        seed_shop(products=6, customers=2, orders=4, seed=1)

    async def test_naive_list(self):
        response = await self.async_client.get("/api/naive/products/")
        self.assertEqual(response.status_code, 200)
"""


def test_an_async_test_method_is_audited_without_its_set_up(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_async_case=ASYNC_CASE)
    result = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-report", "r.json", "test_async_case.py"
    )
    result.assert_outcomes(passed=1)
    (test,) = read(inner, "r.json")["tests"]
    assert (test["nodeid"], test["query_count"]) == (
        "test_async_case.py::AsyncCase::test_naive_list",
        17,
    )
    assert sorted(f["field"] for f in test["findings"]) == ["category", "reviews", "tags"]


INLINE_HELPER = """
from shopdemo.shop.models import Product


def category_names():
    return [p.category.name for p in Product.objects.all()]  # perfaudit: ignore[n_plus_one]
"""

INLINE_TEST = """
from catalog import category_names


def test_inline(data):
    assert len(category_names()) == 6
"""


def test_ignore_rules_and_inline_comments_as_scan(inner: pytest.Pytester) -> None:
    inner.makefile(
        ".cfg",
        setup="[perfaudit]\nignore =\n"
        "    relation=shop.Product.tags\n"
        "    request=*test_naive_list_page kind=n_plus_one\n"
        "    relation=shop.Nothing.here\n",
    )
    inner.makefile(".ini", pytest=INNER_INI + "perfaudit_ignore =\n    callsite=*/naive.py\n")
    inner.makepyfile(test_inline=INLINE_TEST, catalog=INLINE_HELPER)
    inner.syspathinsert()
    result = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-fail-on", "n_plus_one", "--perfaudit-report", "r.json", "-rf"
    )
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines(
        [
            "FAILED test_cases.py::NaiveListCase::test_naive_list - Failed: perfaudit: 1 find*",
            "FAILED test_lists.py::test_naive_list - Failed: perfaudit: 1 finding (--perfaudit*",
        ]
    )
    report = read(inner, "r.json")
    tests = {t["nodeid"]: t for t in report["tests"]}
    kept = tests["test_lists.py::test_naive_list"]["findings"]
    assert [f["field"] for f in kept] == ["category"]
    why = {
        s["field"]: s["suppression"] for s in tests["test_lists.py::test_naive_list"]["suppressed"]
    }
    assert why == {
        "tags": {"rule": "relation=shop.Product.tags", "source": "config"},
        "reviews": {"rule": "callsite=*/naive.py", "source": "config"},
    }
    assert tests["test_lists.py::test_naive_list_page"]["findings"] == []
    inline = tests["test_inline.py::test_inline"]["suppressed"]
    assert [(s["field"], s["suppression"]["source"]) for s in inline] == [("category", "inline")]
    assert report["stale_rules"] == ["relation=shop.Nothing.here"]
    assert report["summary"]["suppressed"] == 8
    result.stdout.fnmatch_lines(
        [
            "stale ignore rule (matched nothing in this run): relation=shop.Nothing.here",
            "*; 8 suppressed; 2 failing --perfaudit-fail-on n_plus_one.",
        ]
    )


FIXTURE_TEST = """
def test_it(data, perfaudit, client):
    client.get("/api/naive/products/")
    assert perfaudit.count == 17
    assert len(perfaudit.findings()) == 3
"""


def test_a_test_using_the_fixture_is_audited_once(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_fixture=FIXTURE_TEST)
    result = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-fail-on", "n_plus_one", "--perfaudit-report", "r.json",
        "test_fixture.py",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["perfaudit: 3 findings (--perfaudit-fail-on n_plus_one):"])
    (test,) = read(inner, "r.json")["tests"]
    assert (test["query_count"], len(test["findings"])) == (17, 3)
    assert all(f["callsite"] for f in test["findings"])


SCAFFOLDING_TEST = """
from shopdemo.shop.models import Product
from shopdemo.shop.seeding import seed_shop


def test_rows_made_one_by_one(db, client):
    seed_shop(products=6, customers=2, orders=4, seed=1)
    for product in Product.objects.all():
        product.name = product.category.name + " " + product.name
        product.save()
    assert client.get("/api/naive/products/").status_code == 200
"""


def test_the_test_s_own_code_is_counted_but_not_judged(inner: pytest.Pytester) -> None:
    # A test body that builds its data row by row (and reads a relation per row to do it) is
    # the suite's scaffolding: only the view it then requests is the project's code.
    inner.makepyfile(test_scaffolding=SCAFFOLDING_TEST)
    result = inner.runpytest_subprocess(
        "--perfaudit", "--perfaudit-report", "r.json", "test_scaffolding.py"
    )
    result.assert_outcomes(passed=1)
    (test,) = read(inner, "r.json")["tests"]
    assert test["query_count"] > 17 + 12  # the loop's reads and saves are counted...
    found = sorted((f["kind"], f["model"], f["field"]) for f in test["findings"])
    assert found == [  # ...but only the view's N+1s are findings
        ("n_plus_one", "shop.Product", "category"),
        ("n_plus_one", "shop.Product", "reviews"),
        ("n_plus_one", "shop.Product", "tags"),
    ]
    assert all(f["callsite"]["file"].endswith(".py") for f in test["findings"])
    assert not any("test_scaffolding" in f["callsite"]["file"] for f in test["findings"])


CATALOG = """
from shopdemo.shop.models import Tag


class CheckedTag(Tag):
    # A project model whose save() runs its own query, as slug or uniqueness checks do.
    class Meta:
        proxy = True
        app_label = "shop"

    def save(self, *args, **kwargs):
        if CheckedTag.objects.filter(name__iexact=self.name).exists():  # own-check
            raise ValueError(self.name)
        super().save(*args, **kwargs)


def import_tags(names):
    for name in names:
        CheckedTag(name=name).save()
"""

TEST_FACTORIES = """
import factory
from model_bakery import baker

from catalog import CheckedTag, import_tags


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckedTag

    name = factory.Sequence(lambda n: f"tag-{n}")


def test_factory_boy_rows(db):
    TagFactory.create_batch(3)


def test_model_bakery_rows(db):
    baker.make(CheckedTag, _quantity=3)


def test_the_projects_own_loop(db):
    import_tags(["a", "b", "c"])
"""


def test_rows_a_factory_creates_are_scaffolding(inner: pytest.Pytester) -> None:
    # factory_boy and model_bakery call the project's save(): its queries belong to the test
    # line that called the factory (scaffolding), while the project's own loop is judged.
    pytest.importorskip("factory")
    pytest.importorskip("model_bakery")
    inner.makepyfile(catalog=CATALOG, test_factories=TEST_FACTORIES)
    result = inner.runpytest_subprocess(
        "test_factories.py", "--perfaudit", "--perfaudit-report=r.json"
    )
    result.assert_outcomes(passed=3)
    tests = {t["nodeid"]: t for t in read(inner, "r.json")["tests"]}
    for nodeid in (
        "test_factories.py::test_factory_boy_rows",
        "test_factories.py::test_model_bakery_rows",
    ):
        assert tests[nodeid]["findings"] == [], tests[nodeid]["findings"]
        assert tests[nodeid]["query_count"] >= 6  # three checks and three INSERTs, counted
    own = tests["test_factories.py::test_the_projects_own_loop"]["findings"]
    assert [(f["kind"], f["model"], f["count"], f["callsite"]["file"]) for f in own] == [
        ("n_plus_one", "shop.CheckedTag", 3, "catalog.py"),  # the exists() check in save()
        ("n_plus_one", "shop.CheckedTag", 3, "catalog.py"),  # the INSERT: save() per row
    ]
    # The INSERT is placed at the loop calling save(), not at the override's super().save().
    assert [f["callsite"]["function"] for f in own] == ["CheckedTag.save", "import_tags"]


TEST_TWO_REQUESTS = """
def test_same_page_twice(data, client):
    assert client.get("/api/naive/products/").status_code == 200
    assert client.get("/api/naive/products/").status_code == 200


def test_two_detail_pages(data, client):
    for pk in (1, 2):
        assert client.get(f"/api/naive/products/{pk}/").status_code == 200
"""


def test_each_request_of_a_test_is_judged_on_its_own(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_two=TEST_TWO_REQUESTS)
    result = inner.runpytest_subprocess("test_two.py", "--perfaudit", "--perfaudit-report=r.json")
    result.assert_outcomes(passed=2)
    tests = {t["nodeid"]: t for t in read(inner, "r.json")["tests"]}
    # Each request's N+1s, once per problem and counted in both requests; the list's own
    # queries are the same in both requests, yet no duplicate within either.
    twice = tests["test_two.py::test_same_page_twice"]
    assert twice["query_count"] == 34
    assert sorted(
        (f["kind"], f["count"], f["callsite"]["function"]) for f in twice["findings"]
    ) == [
        ("n_plus_one", 10, "product_summary"),
        ("n_plus_one", 10, "review_stats"),
        ("n_plus_one", 10, "tag_names"),
    ]
    # One product's relations read once in each of two requests: no loop anywhere.
    details = tests["test_two.py::test_two_detail_pages"]
    assert (details["query_count"], details["findings"]) == (12, [])


SERVICES = """
from shopdemo.shop.models import Product


def price_of(pk):
    return Product.objects.get(pk=pk).price  # one-lookup


def prices(pks):
    return [Product.objects.get(pk=pk).price for pk in pks]  # per-row-lookup
"""

TEST_STATEMENTS = """
from services import price_of, prices


def test_two_calls_on_two_lines(data):
    first = price_of(1)
    again = price_of(1)
    other = price_of(2)
    assert first == again and other is not None


def test_the_projects_own_loop(data):
    assert len(prices([1, 2, 3])) == 3
"""


def test_each_statement_of_a_test_body_is_judged_on_its_own(inner: pytest.Pytester) -> None:
    # Calls on separate lines of a test are the test's sequence, not a loop or a repeat of
    # the project's; a loop inside the project's function still is one.
    inner.makepyfile(services=SERVICES, test_statements=TEST_STATEMENTS)
    result = inner.runpytest_subprocess(
        "test_statements.py", "--perfaudit", "--perfaudit-report=r.json"
    )
    result.assert_outcomes(passed=2)
    tests = {t["nodeid"]: t for t in read(inner, "r.json")["tests"]}
    calls = tests["test_statements.py::test_two_calls_on_two_lines"]
    assert (calls["query_count"], calls["findings"]) == (3, [])
    (loop,) = tests["test_statements.py::test_the_projects_own_loop"]["findings"]
    assert (loop["kind"], loop["count"], loop["callsite"]["file"]) == (
        "n_plus_one",
        3,
        "services.py",
    )
