"""`perfaudit scan` end to end, in fresh processes, on tests/sampleproject and on shopdemo.

The sample project labels the line of every repeated query with ``# marker: NAME``; findings
must point at exactly those lines, with the right relation and fix. Runs on the database the
suite runs on (SQLite, or PostgreSQL when DATABASE_URL is set).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.scan_helpers import REPO, SAMPLE, Run, leftover_test_databases, run_scan

VIEWS = SAMPLE / "sample" / "views.py"


def marker_line(name: str) -> int:
    lines = VIEWS.read_text(encoding="utf-8").splitlines()
    found = [i for i, text in enumerate(lines, 1) if text.endswith(f"# marker: {name}")]
    assert len(found) == 1, name
    return found[0]


def make_sqlite_file(path: Path) -> str:
    """A real SQLite database with a row in it; returns its SHA-256."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE precious (value TEXT)")
        db.execute("INSERT INTO precious VALUES ('do not touch')")
    db.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    """One scan of every scenario in tests/sampleproject/pyproject.toml."""
    tmp = tmp_path_factory.mktemp("sample-scan")
    env = {"SAMPLE_DB": str(tmp / "configured.sqlite3"), "SAMPLE_TEST_DB": str(tmp / "t.sqlite3")}
    make_sqlite_file(tmp / "configured.sqlite3")
    return run_scan(env=env, json_path=tmp / "report.json"), tmp


def by_name(run: Run) -> dict[str, dict]:
    assert run.report is not None, run.stderr
    return {request["name"]: request for request in run.report["requests"]}


# name: (query_count, view_query_count, [(kind, model, field, count, table, marker, fix)])
EXPECTED = {
    "forward_fk": (9, 9, [("n_plus_one", "sample.Book", "author", 8, "sample_author", "forward",
                           "select_related('author')")]),
    "m2m": (9, 9, [("n_plus_one", "sample.Book", "tags", 8, "sample_tag", "m2m",
                    "prefetch_related('tags')")]),
    "reverse_fk": (5, 5, [("n_plus_one", "sample.Author", "books", 4, "sample_book", "rfk",
                           "prefetch_related('books')")]),
    "reverse_one_to_one": (5, 5, [("n_plus_one", "auth.User", "author_profile", 4,
                                   "sample_author", "reverse-one-to-one",
                                   "select_related('author_profile')")]),
    "deferred": (9, 9, [("n_plus_one", "sample.Book", "summary", 8, "sample_book", "deferred",
                         "only()")]),
    "related_count": (5, 5, [("n_plus_one", "sample.Author", "books", 4, "sample_book", "count",
                              "annotate(Count('books'))")]),
    "related_exists": (5, 5, [("n_plus_one", "sample.Author", "books", 4, "sample_book",
                               "exists", "Exists(")]),
    "related_filter": (6, 6, [("n_plus_one", "sample.Author", "books", 4, "sample_book",
                               "filter", "Prefetch('books'")]),
    "handwritten": (9, 9, [("n_plus_one", "sample.Review", None, 8, "sample_review",
                            "handwritten", "__in=")]),
    "nested": (33, 33, [("n_plus_one", "sample.Review", "book__author", 32, "sample_book",
                         "nested", "select_related('book__author')")]),
    "template_loop": (9, 9, [("n_plus_one", "sample.Book", "publisher", 8, "sample_publisher",
                              "template", "select_related('publisher')")]),
    "two_loops": (10, 10, [
        ("n_plus_one", "sample.Book", "author", 4, "sample_author", "loop-a",
         "select_related('author')"),
        ("n_plus_one", "sample.Book", "author", 4, "sample_author", "loop-b",
         "select_related('author')"),
    ]),
    "duplicate": (2, 2, [("duplicate", "sample.Publisher", None, 2, "sample_publisher",
                          "duplicate", "run it once")]),
    # The middleware's query has the loop's shape: it is framework, and not in the count.
    "middleware_trap": (10, 9, [("n_plus_one", "sample.Book", "author", 8, "sample_author",
                                 "trap-loop", "select_related('author')")]),
    "clean_books": (4, 2, []),
    "clean_authors": (2, 2, []),
    "boom": (1, 1, []),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_findings_attributions_and_fixes(sample_scan: tuple[Run, Path], name: str) -> None:
    request = by_name(sample_scan[0])[name]
    query_count, view_query_count, findings = EXPECTED[name]
    assert (request["query_count"], request["view_query_count"]) == (query_count, view_query_count)
    got = [
        (f["kind"], f["model"], f["field"], f["count"], f["table"], f["callsite"]["line"])
        for f in request["findings"]
    ]
    expected = [(k, m, f, c, t, marker_line(marker)) for k, m, f, c, t, marker, _ in findings]
    assert got == expected
    for finding, (*_, fix) in zip(request["findings"], findings, strict=True):
        assert fix in finding["suggestion"]
        assert finding["callsite"]["file"] == "sample/views.py"
        assert finding["is_best_effort"] is False


def test_sample_template_finding_names_the_template_line(sample_scan: tuple[Run, Path]) -> None:
    (finding,) = by_name(sample_scan[0])["template_loop"]["findings"]
    assert (finding["callsite"]["template"], finding["callsite"]["template_line"]) == (
        "sample/books.html",
        3,
    )
    assert finding["callsite"]["function"] == "books_template"


def test_a_raising_view_is_reported_and_the_scan_goes_on(sample_scan: tuple[Run, Path]) -> None:
    run = sample_scan[0]
    assert run.returncode == 3
    requests = by_name(run)
    assert (requests["boom"]["status"], requests["boom"]["error"], requests["boom"]["failure"]) == (
        500,
        "RuntimeError: the sample view failed on purpose (sample/views.py:147)",
        "raised",
    )
    assert list(requests)[-1] == "boom" and len(requests) == len(EXPECTED)
    assert run.stderr == "perfaudit: 1 request(s) failed in the audited project: boom.\n"
    assert run.report["summary"] == {
        "errors": 1,
        "findings": {"duplicate": 1, "n_plus_one": 14, "unused_eager_load": 0},
        "queries": 133,
        "requests": 17,
        "skipped": 0,
        "stale_rules": [],
        "suppressed": 0,
    }


def test_report_has_no_parameters_without_show_params(sample_scan: tuple[Run, Path]) -> None:
    report = sample_scan[0].report
    assert report["schema"] == "perfaudit/scan-v1"
    assert report["settings"] == "sample.settings"
    assert all("queries" not in request for request in report["requests"])


def test_console_shows_the_table_and_the_findings(sample_scan: tuple[Run, Path]) -> None:
    stdout = sample_scan[0].stdout
    assert "perfaudit scan: sample.settings on" in stdout
    assert f"at   sample/views.py:{marker_line('m2m')} in books_m2m" in stdout
    assert "fix  Add prefetch_related('tags')" in stdout
    assert "17 requests, 133 queries: 14 N+1, 1 duplicate, 0 unused eager load, 1 failed." in stdout


def test_sample_scan_leaves_no_database_and_the_configured_one_untouched(
    sample_scan: tuple[Run, Path],
) -> None:
    run, tmp = sample_scan
    assert leftover_test_databases(run, tmp) == []
    assert sorted(p.name for p in tmp.iterdir()) == ["configured.sqlite3", "report.json"]


def test_configured_sqlite_file_is_byte_for_byte_unchanged(tmp_path: Path) -> None:
    configured = tmp_path / "configured.sqlite3"
    digest = make_sqlite_file(configured)
    before = configured.stat().st_mtime_ns
    run = run_scan(
        "--url",
        "/books/forward/",
        sqlite=True,
        env={"SAMPLE_DB": str(configured), "SAMPLE_TEST_DB": str(tmp_path / "test.sqlite3")},
        json_path=tmp_path / "report.json",
    )
    assert run.returncode == 0, run.stderr
    assert run.report["database"] == {"alias": "default", "vendor": "sqlite"}
    assert hashlib.sha256(configured.read_bytes()).hexdigest() == digest
    assert configured.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["configured.sqlite3", "report.json"]


def test_discovery_replays_every_parameterless_get_route(tmp_path: Path) -> None:
    run = run_scan(
        "--settings", "sample.settings", "--pythonpath", str(SAMPLE),
        "--setup", "sample.seed:seed",
        cwd=tmp_path, env={"SAMPLE_DB": str(tmp_path / "db.sqlite3")},
        json_path=tmp_path / "report.json",
    )  # fmt: skip
    assert run.returncode == 3  # /boom/ is among the routes
    paths = [r["path"] for r in run.report["requests"]]
    assert paths == [
        "/books/forward/", "/books/m2m/", "/authors/reverse-fk/", "/users/reverse-one-to-one/",
        "/books/deferred/", "/authors/count/", "/authors/exists/", "/authors/filter/",
        "/books/handwritten/", "/reviews/nested/", "/books/template/", "/books/two-loops/",
        "/publishers/duplicate/", "/trap/middleware/", "/clean/books/", "/clean/authors/",
        "/boom/",
    ]  # fmt: skip
    assert [r["name"] for r in run.report["requests"]] == paths
    assert leftover_test_databases(run, tmp_path) == []


def test_urls_user_show_params_and_fail_on(tmp_path: Path) -> None:
    run = run_scan(
        "--url", "/books/forward/", "--url", "/clean/books/",
        "--url", "/clean/authors/?published=1", "--user", "reader",
        "--fail-on", "n_plus_one", "--show-params",
        env={"SAMPLE_DB": str(tmp_path / "db.sqlite3")}, json_path=tmp_path / "report.json",
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == "perfaudit: 1 finding(s) of kind n_plus_one (--fail-on): failing.\n"
    forward, books, authors = run.report["requests"]
    assert {r["user"] for r in run.report["requests"]} == {"reader"}
    assert authors["path"] == "/clean/authors/?published=1" and authors["findings"] == []
    # The session and the user load only when a view reads request.user: framework queries.
    assert [q["is_framework"] for q in books["queries"]] == [False, False, True, True]
    assert [q["is_framework"] for q in forward["queries"]] == [False] * 9
    assert forward["queries"][0]["params"] == []
    assert [q["params"][0] for q in forward["queries"][1:3]] == [1, 2]  # the author ids


def test_threshold_flag_raises_the_bar(tmp_path: Path) -> None:
    run = run_scan(
        "--url", "/authors/count/", "--url", "/books/forward/", "--threshold", "5",
        env={"SAMPLE_DB": str(tmp_path / "db.sqlite3")}, json_path=tmp_path / "report.json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    counts = [[f["count"] for f in r["findings"]] for r in run.report["requests"]]
    assert counts == [[], [8]]  # 4 authors < 5; 8 books >= 5


def test_ctrl_c_destroys_the_test_database(tmp_path: Path) -> None:
    run = run_scan(
        "--setup", "sample.seed:interrupted", "--url", "/books/forward/",
        env={"SAMPLE_DB": str(tmp_path / "db.sqlite3"), "SAMPLE_TEST_DB": str(tmp_path / "t.db")},
    )  # fmt: skip
    assert (run.returncode, run.stdout) == (130, "")
    test_db = f"{tmp_path / 't.db'}.perfaudit_{run.pid}"
    if os.environ.get("DATABASE_URL"):  # the sample project runs on PostgreSQL then
        database = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
        test_db = f"test_{database}_perfaudit_{run.pid}"
    assert run.stderr == f"perfaudit: interrupted; the test database {test_db!r} was destroyed.\n"
    assert leftover_test_databases(run, tmp_path) == []


def test_shopdemo_with_no_flags(tmp_path: Path) -> None:
    """In the repository root: both twins of the five scenarios, logged in as configured."""
    configured = tmp_path / "db.sqlite3"
    digest = make_sqlite_file(configured)
    run = run_scan(
        cwd=REPO, env={"SHOPDEMO_DATA_DIR": str(tmp_path)}, json_path=tmp_path / "r.json"
    )
    assert run.returncode == 0, run.stderr
    requests = by_name(run)
    scenarios = ["product_list", "product_detail", "order_list", "order_detail", "dashboard"]
    assert list(requests) == [n for s in scenarios for n in (f"{s}[naive]", s)]
    assert [requests[n]["user"] for n in scenarios] == [
        None, None, "customer-1", "customer-1", "staff",
    ]  # fmt: skip
    assert all(r["status"] == 200 for r in requests.values())
    for name in scenarios:
        naive_kinds = {f["kind"] for f in requests[f"{name}[naive]"]["findings"]}
        assert "n_plus_one" in naive_kinds, name
        assert requests[name]["findings"] == [], name
    assert hashlib.sha256(configured.read_bytes()).hexdigest() == digest
    assert leftover_test_databases(run, tmp_path) == []


MARKS = ("raise-site", "int-site")


def test_a_raised_exception_is_one_line_with_the_projects_line() -> None:
    # babybuddy with plotly 7: each 500 printed a 530-line "Valid properties" message.
    from perfaudit.replay.audit import raised_text

    def view() -> None:
        raise ValueError("Invalid property 'x'\n" + "    valid: a, b\n" * 500)  # raise-site

    try:
        view()
    except ValueError as exc:
        text = raised_text(exc, REPO)
    lines = Path(__file__).read_text().splitlines()
    line = {m: next(i for i, t in enumerate(lines, 1) if t.endswith(f"# {m}")) for m in MARKS}
    raise_site, int_site = (f"tests/test_scan_e2e.py:{line[m]}" for m in MARKS)
    assert text == f"ValueError: Invalid property 'x' [...] ({raise_site})"
    try:
        int("x" * 300)  # int-site
    except ValueError as exc:
        text = raised_text(exc, REPO)
    assert text.startswith("ValueError: invalid literal for int() with base 10: 'xxx")
    assert text.endswith(f" [...] ({int_site})")  # int() is C code: the line calling it
    assert len(text) < 260
