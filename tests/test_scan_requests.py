"""`perfaudit scan` on tests/apiproject: requests files, logins, discovery, failed requests.

The API project has a DRF router (list + detail), a token-only, a simplejwt-only and a
signed-cookie-only endpoint, session-only pages, generic and function views with route
parameters, the admin, two POST endpoints with JSON bodies, a view whose exception the DRF
handler turns into a 500, and a streamed CSV. Runs on the suite's database (SQLite, or
PostgreSQL when DATABASE_URL is set), in fresh processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.scan_helpers import REPO, Run, leftover_test_databases, run_scan

API = REPO / "tests" / "apiproject"
HINT = "pass --login MOD:FUNC to log in as the project does"


def scan(tmp: Path, *args: str, cwd: Path = API) -> Run:
    return run_scan(
        *args, cwd=cwd, env={"API_DB": str(tmp / "db.sqlite3")}, json_path=tmp / "report.json"
    )


def rows(run: Run) -> dict[str, dict[str, Any]]:
    assert run.report is not None, run.stderr
    return {r["name"]: r for r in run.report["requests"]}


@pytest.fixture(scope="module")
def requests_scan(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """tests/apiproject/requests.toml: every key of the file, every request's expected status."""
    return scan(tmp_path_factory.mktemp("requests"), "--requests", "requests.toml")


def test_the_requests_file_reaches_every_request_with_its_status(requests_scan: Run) -> None:
    assert requests_scan.returncode == 0, requests_scan.stderr
    got = {
        name: (r["method"], r["path"], r["user"], r["status"], r["expect"], r["error"])
        for name, r in rows(requests_scan).items()
    }
    assert got == {
        "book list": ("GET", "/api/books/?page=1", None, 200, 200, None),
        "book detail": ("GET", "/api/books/1/", "alice", 200, None, None),
        "token me": ("GET", "/api/token/me/", None, 200, 200, None),
        "jwt me": ("GET", "/api/jwt/me/", "alice", 200, 200, None),
        "account": ("GET", "/account/", "alice", 200, 200, None),
        "create book": ("POST", "/api/books/", "staff", 201, 201, None),
        "place order": ("POST", "/api/orders/", "alice", 201, 201, None),
        "search form": ("POST", "/search/", None, 200, 200, None),
        "search without q": ("GET", "/search/", None, 400, 400, None),
        "cookie me": ("GET", "/api/cookie/me/", None, 200, 200, None),
        "search by query": ("GET", "/search/?q=Book", None, 200, 200, None),
    }
    assert requests_scan.report["skipped"] == []
    assert leftover_test_databases(requests_scan, API) == []


def test_a_json_body_formatted_with_a_list_finds_the_per_row_n_plus_one(
    requests_scan: Run,
) -> None:
    order = rows(requests_scan)["place order"]
    # "{book_ids}" sent the list itself: three books, one SELECT each.
    assert [(f["kind"], f["count"], f["model"]) for f in order["findings"]] == [
        ("n_plus_one", 3, "booksapi.Book"),
        ("n_plus_one", 3, "booksapi.OrderLine"),  # the INSERT of each line: save() per row
    ]


def test_the_token_header_and_the_cookie_of_the_file_are_sent(tmp_path: Path) -> None:
    (tmp_path / "r.toml").write_text(
        '[[request]]\npath = "/api/token/me/"\nheaders = { Authorization = "Token {token}" }\n'
        '[[request]]\npath = "/api/token/me/"\nname = "no token"\n'
        '[[request]]\npath = "/api/cookie/me/"\ncookies = { api_user = "{cookie}" }\n'
        '[[request]]\npath = "/api/cookie/me/"\nname = "forged"\ncookies = { api_user = "1" }\n',
        encoding="utf-8",
    )
    run = scan(tmp_path, "--requests", str(tmp_path / "r.toml"))
    assert run.returncode == 0, run.stderr
    statuses = {name: r["status"] for name, r in rows(run).items()}
    # Anonymous requests: a 401/403 is the page as an anonymous user sees it, not a failure.
    assert statuses == {
        "GET /api/token/me/": 200, "no token": 401, "GET /api/cookie/me/": 200, "forged": 403,
    }  # fmt: skip


@pytest.fixture(scope="module")
def login_scan(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return scan(
        tmp_path_factory.mktemp("login"), "--user", "alice",
        "--url", "/account/", "--url", "/api/token/me/", "--url", "/api/jwt/me/",
        "--url", "/api/cookie/me/", "--url", "/caf%C3%A9/", "--url", "/export/books.csv",
        "--url", "/api/broken/",
    )  # fmt: skip


def test_session_token_and_jwt_logins_reach_their_views(login_scan: Run) -> None:
    requests = rows(login_scan)
    for name in ("/account/", "/api/token/me/", "/api/jwt/me/"):
        assert (requests[name]["status"], requests[name]["error"]) == (200, None), name
        assert requests[name]["user"] == "alice"


def test_a_login_the_view_did_not_see_fails_the_scan(login_scan: Run) -> None:
    cookie = rows(login_scan)["/api/cookie/me/"]
    assert (cookie["status"], cookie["failure"]) == (403, "not_logged_in")
    assert cookie["error"] == f"logged in as alice, but the view saw an anonymous user: {HINT}"
    assert login_scan.returncode == 3
    assert login_scan.stderr == (
        "perfaudit: 2 request(s) failed in the audited project: /api/cookie/me/, /api/broken/.\n"
    )
    # Said on the request's row (the table folds it into the request column).
    row = login_scan.stdout.split("GET /api/cookie/me/", 1)[1].split("GET /caf", 1)[0]
    # Only the request column has text on the folded lines: drop the borders and spaces.
    letters = "".join(c for c in row if c not in "│ \n")
    assert "loggedinasalice,buttheviewsawananonymoususer:pass--login" in letters


def test_a_5xx_answered_by_the_handler_is_a_failed_request(login_scan: Run) -> None:
    broken = rows(login_scan)["/api/broken/"]
    assert (broken["status"], broken["failure"]) == (500, "server_error")
    assert broken["error"] == "answered 500: a server error response"
    assert broken["query_count"] - broken["view_query_count"] >= 0
    assert broken["view_query_count"] == 1  # the COUNT before the raise was captured


def test_a_streamed_response_is_consumed_under_capture(login_scan: Run) -> None:
    export = rows(login_scan)["/export/books.csv"]
    assert (export["status"], export["error"]) == (200, None)
    assert export["view_query_count"] == 7  # the books, then one author per book
    assert [(f["kind"], f["count"], f["field"]) for f in export["findings"]] == [
        ("n_plus_one", 6, "author")
    ]


def test_a_percent_encoded_url_resolves_as_django_serves_it(login_scan: Run) -> None:
    cafe = rows(login_scan)["/caf%C3%A9/"]
    assert (cafe["status"], cafe["error"], cafe["view_query_count"]) == (200, None, 1)


def test_a_login_hook_sets_the_cookie_the_project_reads(tmp_path: Path) -> None:
    run = scan(
        tmp_path, "--user", "alice", "--login", "booksapi.auth:cookie_login",
        "--url", "/api/cookie/me/", "--url", "/api/token/me/", "--url", "/account/",
    )  # fmt: skip
    cookie, token, account = run.report["requests"]
    assert (cookie["status"], cookie["error"]) == (200, None)
    # The hook replaces perfaudit's own logins: no token, no session any more, and that is said
    # (the session page redirected to its login page: a 302, seen as anonymous).
    assert (token["status"], token["failure"]) == (401, "not_logged_in")
    assert (account["status"], account["failure"]) == (302, "not_logged_in")
    assert account["error"] == f"logged in as alice, but the view saw an anonymous user: {HINT}"
    assert run.returncode == 3


def test_a_page_the_user_may_not_see_fails_when_it_was_asked_for(tmp_path: Path) -> None:
    # Discovery lists it as a 403 (see DISCOVERED); named with --url, it is the page the
    # user wanted to audit, and the scan fails saying why it was not reached.
    run = scan(tmp_path, "--user", "staff", "--url", "/api/superusers/")
    (page,) = run.report["requests"]
    assert (page["status"], page["failure"]) == (403, "not_logged_in")
    assert "the user lacks a permission" in page["error"]
    assert run.returncode == 3


def test_a_failing_login_hook_is_one_line_exit_3(tmp_path: Path) -> None:
    run = scan(
        tmp_path, "--user", "alice", "--login", "booksapi.auth:broken_login", "--url", "/account/"
    )
    assert (run.returncode, run.stdout) == (3, "")
    assert run.stderr == (
        "perfaudit: error: The login hook 'booksapi.auth:broken_login' failed for 'alice': "
        "RuntimeError: the identity provider is down.\n"
    )


def test_an_expect_mismatch_and_a_missing_placeholder(tmp_path: Path) -> None:
    (tmp_path / "expect.toml").write_text(
        '[[request]]\npath = "/api/books/"\nexpect = 201\n', encoding="utf-8"
    )
    run = scan(tmp_path, "--requests", str(tmp_path / "expect.toml"))
    (books,) = run.report["requests"]
    assert (books["status"], books["failure"]) == (200, "unexpected_status")
    assert books["error"] == "expected status 201, got 200"
    assert run.returncode == 3
    (tmp_path / "missing.toml").write_text(
        '[[request]]\nname = "detail"\npath = "/api/books/{isbn}/"\n', encoding="utf-8"
    )
    missing = str(tmp_path / "missing.toml")
    run = scan(tmp_path, "--requests", missing)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        f"perfaudit: error: requests file {missing!r}: request 'detail': path: placeholder "
        "'isbn' is missing; the setup callable (--setup) returned author_id, book_id, book_ids, "
        "book_slug, "
        "cookie, token.\n"
    )
    assert run.stderr.count("\n") == 1


def test_a_scenario_with_expect_fails_on_another_status(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.perfaudit]\nsettings = "booksapi.settings"\nsetup = "booksapi.seed:seed"\n'
        f"pythonpath = [{str(API)!r}]\n"
        'scenarios = ["books GET /api/books/ expect=200", "me GET /api/token/me/ expect=200"]\n',
        encoding="utf-8",
    )
    run = scan(tmp_path, cwd=tmp_path)
    books, me = run.report["requests"]
    assert (books["status"], books["expect"], books["error"]) == (200, 200, None)
    assert (me["status"], me["failure"], me["error"]) == (
        401, "unexpected_status", "expected status 200, got 401",
    )  # fmt: skip
    assert run.returncode == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[request]]\npath = "/x/"\nbody = 1\n',
         "request '#1': unknown key 'body'; known keys are name, method, path, user, headers, "
         "cookies, json, form, expect."),
        ('[[request]]\nname = "n"\npath = "/x/"\nexpect = "ok"\n',
         "request 'n': expect: expected an HTTP status (100-599), got 'ok'."),
    ],
    ids=["unknown-key", "bad-type"],
)  # fmt: skip
def test_requests_file_errors_exit_2_before_any_database(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "r.toml").write_text(text, encoding="utf-8")
    run = scan(tmp_path, "--settings", "shopdemo.settings", "--requests", "r.toml", cwd=tmp_path)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == f"perfaudit: error: requests file 'r.toml': {message}\n"


@pytest.fixture(scope="module")
def discovery_scan(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return scan(tmp_path_factory.mktemp("discovery"), "--user", "staff", "--include-admin")


# path: (status, user, route, failure)
DISCOVERED = {
    "/api/books/": (200, "staff", "/api/books/", None),
    "/api/books/1/": (200, "staff", "/api/books/(?P<pk>[^/.]+)/", None),
    "/api/shelf/": (200, "staff", "/api/shelf/", None),
    # queryset = Book.objects.none() and get_queryset(): filled from Book's own rows.
    "/api/shelf/1/": (200, "staff", "/api/shelf/(?P<pk>[^/.]+)/", None),
    "/api/writers/": (200, "staff", "/api/writers/", None),
    "/api/": (200, "staff", "/api/", None),
    "/api/token/me/": (200, "staff", "/api/token/me/", None),
    "/api/jwt/me/": (200, "staff", "/api/jwt/me/", None),
    "/api/cookie/me/": (403, "staff", "/api/cookie/me/", "not_logged_in"),
    "/api/broken/": (500, "staff", "/api/broken/", "server_error"),
    # staff is logged in and the view saw it: a page it may not see, not a failed login.
    "/api/superusers/": (403, "staff", "/api/superusers/", None),
    "/account/": (200, "staff", "/account/", None),
    "/authors/": (200, "staff", "/authors/", None),
    "/authors/1/": (200, "staff", "/authors/<int:pk>/", None),
    "/authors/1/books/": (200, "staff", "/authors/<int:author_id>/books/", None),
    "/books/book-0/": (200, "staff", "/books/<slug:slug>/", None),
    "/export/books.csv": (200, "staff", "/export/books.csv", None),
    "/search/": (400, "staff", "/search/", None),
    "/caf%C3%A9/": (200, "staff", "/café/", None),
    "/admin/": (200, "root", "/admin/", None),
    "/admin/auth/group/": (200, "root", "/admin/auth/group/", None),
    "/admin/auth/user/": (200, "root", "/admin/auth/user/", None),
    "/admin/auth/user/1/change/": (200, "root", "/admin/auth/user/<path:object_id>/change/", None),
    "/admin/authtoken/tokenproxy/": (200, "root", "/admin/authtoken/tokenproxy/", None),
    "/admin/authtoken/tokenproxy/1/change/": (
        200, "root", "/admin/authtoken/tokenproxy/<path:object_id>/change/", None),
    "/admin/booksapi/author/": (200, "root", "/admin/booksapi/author/", None),
    "/admin/booksapi/author/1/change/": (
        200, "root", "/admin/booksapi/author/<path:object_id>/change/", None),
    "/admin/booksapi/book/": (200, "root", "/admin/booksapi/book/", None),
    "/admin/booksapi/book/1/change/": (
        200, "root", "/admin/booksapi/book/<path:object_id>/change/", None),
}  # fmt: skip

ONLY_POST = "accepts only POST: replay it from a requests file (--requests)"
SKIPPED = [
    # DRF's .json/.api twins of the seven router and api_view routes: one line for all.
    {"route": "/api/…(?P<format>…)",
     "reason": "7 format-suffix variants of routes replayed without one"},
    {"route": "/api/writers/(?P<pk>[^/.]+)/",
     "reason": "cannot tell the model of booksapi.views.WriterViewSet: it declares no "
               "queryset, model or serializer_class; replay it with --url or from a requests "
               "file (--requests)"},
    {"route": "/api/orders/", "reason": ONLY_POST},
    {"route": "/archive/<int:year>/",
     "reason": "no value for <year>: no field or model of that name has a row in the test "
               "database"},
    {"route": "/contact/", "reason": ONLY_POST},
    {"route": "/admin/auth/group/<path:object_id>/change/",
     "reason": "no auth.Group row in the test database to fill the route"},
    {"route": "/admin/…",
     "reason": "30 other admin routes: perfaudit replays the admin's index, each model's "
               "changelist and one change page"},
]  # fmt: skip


def test_discovery_fills_parameters_and_replays_every_get_route(discovery_scan: Run) -> None:
    got = {
        r["path"]: (r["status"], r["user"], r["route"], r["failure"])
        for r in discovery_scan.report["requests"]
    }
    assert got == DISCOVERED
    assert list(got) == list(DISCOVERED)  # URLconf order
    # staff had no DRF token: the one perfaudit created is not counted as the view's queries
    # (the token lookup and the order count are).
    token = next(r for r in discovery_scan.report["requests"] if r["path"] == "/api/token/me/")
    assert token["query_count"] == 2
    assert discovery_scan.returncode == 3  # the cookie-only view and the handled 500


def test_discovery_lists_every_route_it_did_not_replay(discovery_scan: Run) -> None:
    assert discovery_scan.report["skipped"] == SKIPPED
    assert discovery_scan.report["summary"]["skipped"] == len(SKIPPED)
    out = discovery_scan.stdout
    assert "Not replayed (7 routes):" in out
    assert f"/contact/  {ONLY_POST}" in out
    assert "answered 400: not audited as a success" in out  # /search/ without ?q=


def test_discovery_finds_the_n_plus_one_of_the_drf_list(discovery_scan: Run) -> None:
    books = next(r for r in discovery_scan.report["requests"] if r["path"] == "/api/books/")
    assert [(f["kind"], f["count"], f["model"], f["field"]) for f in books["findings"]] == [
        ("n_plus_one", 6, "booksapi.Book", "author")
    ]


def test_without_include_admin_the_admin_is_one_skipped_line(tmp_path: Path) -> None:
    run = scan(tmp_path)
    assert {"route": "/admin/", "reason": "the admin site: pass --include-admin"} in (
        run.report["skipped"]
    )
    assert not [r for r in run.report["requests"] if r["path"].startswith("/admin/")]
    # Anonymous: the login-only views answer as they do to anyone; no login to check.
    requests = {r["path"]: r for r in run.report["requests"]}
    assert (requests["/account/"]["status"], requests["/account/"]["error"]) == (302, None)
    # ... but a login redirect is not a page that was audited: yellow, with where it went.
    assert requests["/account/"]["redirect"] == "/accounts/login/?next=/account/"
    assert requests["/api/token/me/"]["redirect"] is None
    assert (
        "answered 302, redirecting to the login page /accounts/login/?next=/account/: not "
        "audited; replay it logged in (--user)"
    ) in " ".join(run.stdout.split())
    assert (requests["/api/token/me/"]["status"], requests["/api/token/me/"]["error"]) == (
        401, None,
    )  # fmt: skip
    assert run.returncode == 3  # /api/broken/ only
    assert [r["path"] for r in run.report["requests"] if r["error"]] == ["/api/broken/"]


def test_an_empty_database_says_how_to_seed(tmp_path: Path) -> None:
    run = scan(
        tmp_path, "--settings", "booksapi.settings", "--pythonpath", str(API), "--include-admin",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.report["notes"] == [
        "Nothing seeded the test database: it is empty after migrations, so list and detail "
        "views have no rows to show. Pass --setup MOD:FUNC (a callable that creates rows and "
        "returns the values a requests file uses) or --fixture FILE, or set setup/fixtures in "
        "the config."
    ]
    assert "note: Nothing seeded the test database" in run.stdout
    skipped = {s["route"]: s["reason"] for s in run.report["skipped"]}
    assert skipped["/authors/<int:pk>/"] == (
        "no booksapi.Author row in the test database to fill the route"
    )
    assert skipped["/api/books/(?P<pk>[^/.]+)/"] == (
        "no booksapi.Book row in the test database to fill the route"
    )
    # No superuser existed: one was created in the test database to browse the admin.
    admin = [r for r in run.report["requests"] if r["path"].startswith("/admin/")]
    assert {r["user"] for r in admin} == {"perfaudit-admin"}
    assert [r["path"] for r in admin if r["path"].endswith("/change/")] == [
        "/admin/auth/user/1/change/"
    ]
    assert all(r["status"] == 200 for r in admin)


# Runs `perfaudit scan` with the root URL resolver counting what it resolves, for the test below.
COUNT_RESOLVES = """
import atexit, json, os, sys
from django.urls.resolvers import URLResolver

resolved, resolve = [], URLResolver.resolve

def counting(self, path):
    if str(self.pattern) == "^/":  # the URLconf's root: nested resolvers recurse below it
        resolved.append(path)
    return resolve(self, path)

URLResolver.resolve = counting
atexit.register(lambda: open(os.environ["RESOLVED"], "w").write(json.dumps(resolved)))
from perfaudit.cli import main
sys.argv[0] = "perfaudit"
main()
"""


def test_discovery_resolves_each_route_once(tmp_path: Path) -> None:
    # Discovery reads each route's view from its pattern; only Django's handler resolves the
    # path, once, when the request is replayed. A second resolve (check_path) costs a regex walk
    # of the whole URLconf per route, and would show here as a path counted twice.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(API_DB=str(tmp_path / "db.sqlite3"), RESOLVED=str(tmp_path / "resolved.json"))
    report = tmp_path / "report.json"
    args = ["scan", "--user", "staff", "--include-admin", "--json", str(report)]
    result = subprocess.run(
        [sys.executable, "-c", COUNT_RESOLVES, *args],
        cwd=API, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr  # the cookie-only view and the handled 500
    requests = json.loads(report.read_text(encoding="utf-8"))["requests"]
    assert all(r["route"] is not None for r in requests)  # every one discovered
    replayed = Counter(unquote(r["path"]) for r in requests)
    resolved = Counter(json.loads((tmp_path / "resolved.json").read_text(encoding="utf-8")))
    assert resolved == replayed
