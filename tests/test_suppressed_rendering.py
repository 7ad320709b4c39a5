"""Suppressed findings and stale rules in the terminal, Markdown and HTML renderings."""

from __future__ import annotations

import io

from rich.console import Console

from perfaudit.console.scan import render_scan
from perfaudit.report.html import render_html
from perfaudit.report.markdown import render_markdown
from perfaudit.report.read import parse_report
from tests.test_console import FINDING, REPORT

SUPPRESSED = {
    **FINDING,
    "suppression": {"rule": "relation=sample.Book.author", "source": "config"},
}
WITH_SUPPRESSED = {
    **REPORT,
    "requests": [
        {**REPORT["requests"][0], "findings": [], "suppressed": [SUPPRESSED]},
        {**REPORT["requests"][1], "error": None, "status": 200, "suppressed": []},
    ],
    "baseline": {"file": "b.json", "fixed": ["books[naive]: n_plus_one x at a.py in f"],
                 "updated": False},
    "summary": {**REPORT["summary"], "errors": 0, "suppressed": 1,
                "findings": {"n_plus_one": 0, "duplicate": 0, "unused_eager_load": 0},
                "stale_rules": ["kind=duplicate"]},
}  # fmt: skip

EXPECTED = """\
                    perfaudit scan: sample.settings on sqlite
┏━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━┳━━━━━━┳━━━━━━┳━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━┓
┃ request      ┃ status ┃ queries ┃ view ┃   ms ┃ sql ms ┃ findings ┃ suppressed ┃
┡━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━╇━━━━━━╇━━━━━━╇━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━┩
│ books[naive] │    200 │       9 │    9 │ 12.3 │    1.5 │        0 │          1 │
│ GET /books/  │        │         │      │      │        │          │            │
│ GET /boom/   │    200 │       1 │    1 │  2.0 │    0.2 │        0 │          0 │
└──────────────┴────────┴─────────┴──────┴──────┴────────┴──────────┴────────────┘

books[naive]  GET /books/
suppressed N+1 x8  sample.Book.author  (config: relation=sample.Book.author)
2 requests, 10 queries: 0 N+1, 0 duplicate, 0 unused eager load, 1 suppressed.
warning: ignore rule 'kind=duplicate' matched no finding in this scan (stale).
fixed since the baseline: books[naive]: n_plus_one x at a.py in f
"""


def render(report: dict) -> str:
    out = io.StringIO()
    render_scan(report, Console(file=out, width=100, color_system=None))
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def test_console_counts_and_lists_suppressed_findings() -> None:
    assert render(WITH_SUPPRESSED) == EXPECTED


def test_console_has_no_suppressed_column_when_nothing_was_suppressed() -> None:
    assert "suppressed" not in render(REPORT)


VERSIONS = {"perfaudit_version": "0.1.0", "django_version": "5.2"}


def test_markdown_and_html_show_the_suppressed_count_and_stale_rules() -> None:
    report = parse_report({**WITH_SUPPRESSED, **VERSIONS})
    assert report.suppressed_count == 1 and report.stale_rules == ("kind=duplicate",)
    markdown = render_markdown(report)
    assert markdown.startswith("### perfaudit scan: 0 findings in 2 requests, 1 suppressed\n")
    assert "| 200 | 9 | 12.3 ms | none (1 suppressed) |" in markdown
    assert "**Stale ignore rules** (matched no finding)\n\n- `kind=duplicate`" in markdown
    html = render_html(report)
    assert '<p class="verdict ok">0 findings in 2 requests, 1 suppressed</p>' in html
    assert "none (1 suppressed)" in html
    assert "Stale ignore rules (matched no finding): <code>kind=duplicate</code>" in html


def test_reports_without_suppression_fields_still_read() -> None:
    report = parse_report({**REPORT, **VERSIONS})
    assert report.suppressed_count == 0 and report.stale_rules == ()
    assert "suppressed" not in render_markdown(report)
