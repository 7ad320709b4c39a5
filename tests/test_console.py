"""perfaudit.console.scan renders the scan-v1 report: exact text at a fixed width, no colour."""

from __future__ import annotations

import io

from rich.console import Console

from perfaudit.console.scan import render_scan
from perfaudit.wording import pretty_sql

FINDING = {
    "kind": "n_plus_one",
    "fingerprint": 'select "a"."id", "a"."name" from "a" where "a"."id" = ? limit ?',
    "count": 8,
    "table": "a",
    "model": "sample.Book",
    "field": "author",
    "suggestion": "Add select_related('author') to the queryset that loads Book.",
    "callsite": {"file": "sample/views.py", "line": 18, "function": "books",
                 "template": "sample/books.html", "template_line": 3},
    "sample_sql": "",
    "is_best_effort": False,
}  # fmt: skip
REPORT = {
    "schema": "perfaudit/scan-v1",
    "settings": "sample.settings",
    "database": {"vendor": "sqlite", "alias": "default"},
    "requests": [
        {"name": "books[naive]", "method": "GET", "path": "/books/", "user": None,
         "status": 200, "error": None, "query_count": 9, "view_query_count": 9,
         "duration_ms": 12.345, "sql_ms": 1.5, "findings": [FINDING]},
        {"name": "/boom/", "method": "GET", "path": "/boom/", "user": "reader", "status": 500,
         "error": "RuntimeError: failed", "query_count": 1, "view_query_count": 1,
         "duration_ms": 2.0, "sql_ms": 0.25, "findings": []},
    ],
    "summary": {"requests": 2, "queries": 10, "errors": 1,
                "findings": {"n_plus_one": 1, "duplicate": 0, "unused_eager_load": 0}},
}  # fmt: skip

EXPECTED = """\
              perfaudit scan: sample.settings on sqlite
┏━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━┳━━━━━━┳━━━━━━┳━━━━━━━━┳━━━━━━━━━━┓
┃ request      ┃ status ┃ queries ┃ view ┃   ms ┃ sql ms ┃ findings ┃
┡━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━╇━━━━━━╇━━━━━━╇━━━━━━━━╇━━━━━━━━━━┩
│ books[naive] │    200 │       9 │    9 │ 12.3 │    1.5 │        1 │
│ GET /books/  │        │         │      │      │        │          │
│ GET /boom/   │    500 │       1 │    1 │  2.0 │    0.2 │        0 │
└──────────────┴────────┴─────────┴──────┴──────┴────────┴──────────┘

books[naive]  GET /books/
N+1 x8  sample.Book.author
  at   sample/views.py:18 in books (template sample/books.html:3)
  fix  Add select_related('author') to the queryset that loads Book.
       SELECT "a"."id", "a"."name"
       FROM "a"
       WHERE "a"."id" = ?
       LIMIT ?

GET /boom/
  view raised: RuntimeError: failed
2 requests, 10 queries: 1 N+1, 0 duplicate, 0 unused eager load, 1 failed.
"""


def render(report: dict) -> str:
    out = io.StringIO()
    render_scan(report, Console(file=out, width=100, color_system=None))
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def test_render_scan_exact_text() -> None:
    assert render(REPORT) == EXPECTED


def test_brackets_in_names_are_not_markup() -> None:
    report = {**REPORT, "requests": [{**REPORT["requests"][1], "name": "x[bold]", "path": "/"}]}
    assert "│ x[bold] │" in render(report)


def test_pretty_sql_upper_cases_keywords_and_breaks_clauses() -> None:
    assert pretty_sql('select "t"."a" from "t" where "t"."b" in (?) order by "t"."a" asc') == (
        'SELECT "t"."a"\nFROM "t"\nWHERE "t"."b" IN (?)\nORDER BY "t"."a" ASC'
    )


def test_the_terminal_lays_out_sql_as_the_markdown_and_html_reports_do() -> None:
    names = ("id", "name", "title", "body", "created", "updated", "author")
    columns = ", ".join(f'"a"."{c}"' for c in names)
    fingerprint = f'select {columns} from "a" where "a"."id" = ? limit ?'
    finding = {**FINDING, "fingerprint": fingerprint}
    report = {**REPORT, "requests": [{**REPORT["requests"][0], "findings": [finding]}]}
    layout = pretty_sql(fingerprint).splitlines()
    assert len(layout) == 5  # the column list wraps once, after 72 characters
    lines = render(report).splitlines()
    start = lines.index("       " + layout[0])
    assert lines[start : start + len(layout)] == ["       " + line for line in layout]


def test_best_effort_is_the_findings_flag_not_part_of_the_kind_label() -> None:
    eager = {**FINDING, "kind": "unused_eager_load", "count": 1, "is_best_effort": True}
    summary = {**REPORT["summary"], "findings": {"n_plus_one": 0, "unused_eager_load": 1}}
    report = {
        **REPORT,
        "requests": [{**REPORT["requests"][0], "findings": [eager]}],
        "summary": {**summary, "errors": 0},
    }
    text = render(report)
    assert "unused eager load (best effort) x1  sample.Book.author" in text
    assert text.endswith("2 requests, 10 queries: 0 N+1, 1 unused eager load.\n")
    exact = {**eager, "is_best_effort": False}
    report["requests"] = [{**REPORT["requests"][0], "findings": [exact]}]
    assert "unused eager load x1  sample.Book.author" in render(report)


def test_failed_rows_4xx_rows_skipped_routes_and_notes() -> None:
    base = {"user": "alice", "query_count": 0, "view_query_count": 0, "duration_ms": 1.0,
            "sql_ms": 0.0, "findings": [], "expect": None, "route": None}  # fmt: skip
    report = {
        **REPORT,
        "requests": [
            {**base, "name": "GET /me/", "method": "GET", "path": "/me/", "status": 403,
             "error": "logged in as alice, but the view saw an anonymous user",
             "failure": "not_logged_in"},
            {**base, "name": "/search/", "method": "GET", "path": "/search/", "status": 400,
             "error": None, "failure": None},
            {**base, "name": "refused", "method": "GET", "path": "/x/", "status": 403,
             "error": None, "failure": None, "expect": 403},
        ],
        "skipped": [{"route": "/orders/", "reason": "accepts only POST"}],
        "notes": ["Nothing seeded the test database."],
        "summary": {**REPORT["summary"], "requests": 3, "errors": 1, "skipped": 1},
    }  # fmt: skip
    assert (
        render(report)
        == """\
                             perfaudit scan: sample.settings on sqlite
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━┳━━━━━━┳━━━━━┳━━━━━━━━┳━━━━━━━━━━┓
┃ request                                      ┃ status ┃ queries ┃ view ┃  ms ┃ sql ms ┃ findings ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━╇━━━━━━╇━━━━━╇━━━━━━━━╇━━━━━━━━━━┩
│ GET /me/                                     │    403 │       0 │    0 │ 1.0 │    0.0 │        0 │
│ logged in as alice, but the view saw an      │        │         │      │     │        │          │
│ anonymous user                               │        │         │      │     │        │          │
│ GET /search/                                 │    400 │       0 │    0 │ 1.0 │    0.0 │        0 │
│ refused                                      │    403 │       0 │    0 │ 1.0 │    0.0 │        0 │
│ GET /x/                                      │        │         │      │     │        │          │
└──────────────────────────────────────────────┴────────┴─────────┴──────┴─────┴────────┴──────────┘
Not replayed (1 route):
  /orders/  accepts only POST

GET /search/
  answered 400: not audited as a success; replay it from a requests file with the path, user or body
it needs
3 requests, 10 queries: 1 N+1, 0 duplicate, 0 unused eager load, 1 failed, 1 routes not replayed.
note: Nothing seeded the test database.
"""
    )


def test_a_piped_scan_is_laid_out_wide_enough_for_its_paths(monkeypatch) -> None:
    # Rich assumes 80 columns off a terminal, which broke "/api/naive/admin/dashb" + "oard/"
    # over two lines in CI logs; COLUMNS, when set, still decides.
    from perfaudit.console.terminal import TABLE_FILE_WIDTH, Terminal

    monkeypatch.delenv("COLUMNS", raising=False)
    piped = Terminal.open(print).console
    assert not piped.is_terminal
    assert piped.width == TABLE_FILE_WIDTH
    path = "/api/naive/admin/dashboard/regions/north-east/warehouses/"
    report = {**REPORT, "requests": [{**REPORT["requests"][0], "path": path}]}
    out = io.StringIO()
    piped.file = out
    render_scan(report, piped)
    assert f"│ GET {path}" in out.getvalue()
    narrow = io.StringIO()
    render_scan(report, Console(file=narrow, width=80))
    assert f"│ GET {path}" not in narrow.getvalue()  # what a pipe used to get
    monkeypatch.setenv("COLUMNS", "70")
    assert Terminal.open(print).console.width == 70


def test_a_redirect_says_where_it_went_and_what_to_replay() -> None:
    from perfaudit.console.scan import failure_line

    base = {**REPORT["requests"][0], "findings": [], "error": None}
    home = failure_line({**base, "status": 301, "redirect": "/catalog/"})
    assert home is not None and home.plain == (
        "  answered 301, redirecting to /catalog/: the page was not rendered, so not audited; "
        "replay that URL"
    )
    asked = failure_line({**base, "status": 302, "redirect": "/catalog/", "expect": 302})
    assert asked is None  # a requests file that expects the redirect gets it


def test_a_finding_shown_for_an_earlier_request_is_one_line_pointing_there() -> None:
    # babybuddy: a base template's two queries on every page made 2,400 lines of output.
    pages = [{**REPORT["requests"][0], "name": f"/page/{i}/", "path": f"/page/{i}/"} for i in "ab"]
    other = {**FINDING, "callsite": {**FINDING["callsite"], "line": 19}}
    pages[1]["findings"] = [{**FINDING, "count": 5}, other]
    out = io.StringIO()
    render_scan({**REPORT, "requests": pages}, Console(file=out, width=100, color_system=None))
    text = out.getvalue()
    assert text.count(FINDING["suggestion"]) == 2  # /page/a/'s and the other line's, not b's
    assert (
        "N+1 x5 sample.Book.author at sample/views.py:18 in books (template sample/books.html:3): "
        "as under GET /page/a/ above"
    ) in " ".join(text.split())
