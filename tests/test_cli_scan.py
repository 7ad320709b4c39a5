"""`perfaudit scan` error paths: one line on stderr, the documented exit code, no traceback.

Errors found before any database exists run in this process through CliRunner; the ones that
need the audited project booted run in a fresh process (tests.scan_helpers.run_scan).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from perfaudit.cli import cli
from tests.scan_helpers import REPO, leftover_test_databases, run_scan


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="perfaudit")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "--xyzzy"], "No such option '--xyzzy'. (see --help)"),
        (
            ["scan", "--threshold", "1"],
            "Invalid value for '--threshold': 1 is not in the range x>=2. (see --help)",
        ),
        (
            ["scan", "--fail-on", "n_plus_one,slow"],
            "--fail-on: unknown finding kind 'slow'; "
            "choose from n_plus_one, duplicate, unused_eager_load.",
        ),
        (["scan", "--url", "api/"], "--url: 'api/' must be a path starting with '/'."),
        (
            ["scan", "--url", "/api/products/{product"],
            "--url: '/api/products/{product': expected '}' before end of string; write {{ or }} "
            "for a literal brace.",
        ),
        (
            ["scan", "--format", "pdf"],
            "Invalid value for '--format': 'pdf' is not one of 'table', 'markdown', 'html'. "
            "(see --help)",
        ),
        (["scan", "--url", "/nope/"], "URL '/nope/' matches no route of the project's URLconf."),
        (
            ["scan", "--settings", "no_such_project.settings"],
            "Settings module 'no_such_project.settings' cannot be found (no module "
            "'no_such_project'); pass --settings MODULE or --pythonpath DIR.",
        ),
    ],
    ids=["bad-flag", "bad-threshold", "bad-fail-on", "relative-url", "url-lone-brace", "bad-format",
         "unknown-url", "unknown-settings"],
)  # fmt: skip
def test_usage_errors_exit_2_with_one_line(in_repo: None, args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"perfaudit: error: {message}\n"


def test_broken_config_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "setup.cfg").write_text("[perfaudit]\nthreshold = many\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("scan")
    assert result.exit_code == 2
    assert result.stderr == (
        "perfaudit: error: setup.cfg [perfaudit]: threshold: expected an integer, got 'many'.\n"
    )


def test_scan_help_lists_the_flags() -> None:
    result = invoke("scan", "--help")
    assert result.exit_code == 0
    for flag in ("--settings", "--pythonpath", "--setup", "--fixture", "--url", "--user",
                 "--requests", "--login",
                 "--threshold", "--json", "--show-params", "--fail-on", "--format",
                 "--output"):  # fmt: skip
        assert flag in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--setup", "sample.seed:nope", "--url", "/books/forward/"],
            2,
            "setup: 'sample.seed' has no callable 'nope'.",
        ),
        (
            ["--setup", "sample.nothing:seed", "--url", "/books/forward/"],
            2,
            "setup: module 'sample.nothing' cannot be found.",
        ),
        (
            ["--user", "nobody", "--url", "/books/forward/"],
            2,
            "User 'nobody' does not exist in the test database; create it in the setup "
            "callable or a fixture, or pass another --user.",
        ),
        (
            ["--setup", "sample.seed:broken", "--url", "/books/forward/"],
            3,
            "The setup callable 'sample.seed:broken' failed: "
            "ValueError: the sample seed failed on purpose.",
        ),
        (
            ["--setup", "sample.seed:not_a_mapping"],
            3,
            "The setup callable 'sample.seed:not_a_mapping' returned list; "
            "it must return a mapping (or None).",
        ),
        (
            ["--settings", "sample.broken_settings"],
            3,
            "django.setup() failed: ModuleNotFoundError: No module named 'no_such_app'.",
        ),
        (
            ["--fixture", "no_such_fixture", "--url", "/books/forward/"],
            3,
            "Loading fixtures no_such_fixture failed: CommandError: "
            "No fixture named 'no_such_fixture' found.",
        ),
    ],
    ids=["setup-missing-function", "setup-missing-module", "unknown-user", "setup-raises",
         "setup-returns-list", "settings-broken", "fixture-missing"],
)  # fmt: skip
def test_errors_after_boot_exit_with_one_line_and_drop_the_database(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    run = run_scan(*args, env={"SAMPLE_TEST_DB": str(tmp_path / "test.sqlite3")})
    assert (run.returncode, run.stdout, run.stderr) == (code, "", f"perfaudit: error: {message}\n")
    assert leftover_test_databases(run, tmp_path) == []


def test_format_markdown_prints_the_document_alone_on_stdout(tmp_path: Path) -> None:
    json_path = tmp_path / "scan.json"
    run = run_scan(
        "--format", "markdown", "--url", "/api/naive/products/", "--url", "/api/products/",
        "--junit", str(tmp_path / "junit.xml"),
        cwd=REPO, sqlite=True, json_path=json_path, env={"GITHUB_ACTIONS": "true"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("### perfaudit scan: 3 findings in 2 requests\n")
    assert "N+1 on shop.Product.reviews" in run.stdout
    assert "JSON report written to" in run.stderr and "JSON report" not in run.stdout
    # Under GitHub Actions the annotations and the JUnit line go to stderr too.
    assert "::" not in run.stdout and "JUnit" not in run.stdout
    assert "\n::error file=shopdemo/" in run.stderr and "JUnit report written to" in run.stderr
    assert run.report is not None and len(run.report["requests"]) == 2


def test_output_writes_the_tables_to_a_file_too(tmp_path: Path) -> None:
    table = tmp_path / "scan.txt"
    run = run_scan(
        "-o", str(table), "--url", "/api/naive/products/",
        cwd=REPO, sqlite=True, json_path=tmp_path / "scan.json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "product" in run.stdout and f"Table written to {table}" in run.stdout
    text = table.read_text(encoding="utf-8")
    assert "perfaudit scan: shopdemo.settings on sqlite" in text
    assert "N+1 x20" in text


def test_output_suffix_picks_html_and_writes_the_file(tmp_path: Path) -> None:
    page = tmp_path / "out" / "scan.html"
    run = run_scan(
        "-o", str(page), "--url", "/api/naive/orders/", "--user", "customer-1",
        cwd=REPO, sqlite=True, json_path=tmp_path / "scan.json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "HTML report written to" in run.stderr


API = REPO / "tests" / "apiproject"


def test_url_placeholders_are_filled_from_the_setup_values(tmp_path: Path) -> None:
    run = run_scan(
        "--setup", "booksapi.seed:seed", "--url", "/api/books/{book_id}/",
        "--url", "/books/{book_slug}/?from={{{author_id}}}",
        cwd=API, env={"API_DB": str(tmp_path / "db.sqlite3")}, json_path=tmp_path / "scan.json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.report is not None
    # The name stays the URL as given: baseline keys hold when the ids change.
    assert [(r["name"], r["path"], r["status"]) for r in run.report["requests"]] == [
        ("/api/books/{book_id}/", "/api/books/1/", 200),
        ("/books/{book_slug}/?from={{{author_id}}}", "/books/book-0/?from={1}", 200),
    ]


def test_a_url_placeholder_without_a_value_exits_2_with_one_line(tmp_path: Path) -> None:
    run = run_scan(
        "--setup", "booksapi.seed:seed", "--url", "/api/books/{isbn}/",
        cwd=API, env={"API_DB": str(tmp_path / "db.sqlite3")}, json_path=tmp_path / "scan.json",
    )  # fmt: skip
    assert (run.returncode, run.stdout, run.report) == (2, "", None)
    assert run.stderr == (
        "perfaudit: error: --url '/api/books/{isbn}/': placeholder 'isbn' is missing; the setup "
        "callable (--setup) returned author_id, book_id, book_ids, book_slug, cookie, token.\n"
    )
    assert leftover_test_databases(run, tmp_path) == []


def test_a_url_placeholder_without_a_setup_callable_exits_2_before_django(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no config file: no setup callable
    result = invoke("scan", "--settings", "no_such.settings", "--url", "/api/posts/{post}/")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "perfaudit: error: --url: '/api/posts/{post}/' has the placeholder {post}, but no setup "
        "callable gives it a value: pass --setup MOD:FUNC (or set setup in the config), whose "
        "returned mapping fills {name} placeholders.\n"
    )
