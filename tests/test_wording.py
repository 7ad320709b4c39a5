"""perfaudit.wording: what every renderer shares, here the SQL layout's cache."""

from __future__ import annotations

from collections import Counter

import sqlparse

from perfaudit import wording
from perfaudit.report.html import render_html
from perfaudit.report.markdown import render_markdown
from perfaudit.report.read import parse_report
from perfaudit.wording import pretty_sql
from tests.report_fixtures import fixture_document


def test_each_sql_text_is_laid_out_once_however_many_findings_show_it(monkeypatch) -> None:
    document = fixture_document("scan")
    # The same requests three times: each finding's SQL is shown three times per renderer.
    document["requests"] = document["requests"] * 3
    report = parse_report(document)
    calls: Counter[str] = Counter()
    layout = sqlparse.format

    def counting_format(sql: str, **options: object) -> str:
        calls[sql] += 1
        return str(layout(sql, **options))

    monkeypatch.setattr(wording.sqlparse, "format", counting_format)
    pretty_sql.cache_clear()
    markdown, html = render_markdown(report), render_html(report)
    shown = [f.sample_sql for r in report.requests for f in r.findings if f.sample_sql]
    assert len(shown) > len(set(shown)) > 1  # the same SQL in several findings
    assert set(calls) - {""} == {s.strip() for s in shown}
    assert all(count == 1 for count in calls.values()), calls.most_common(1)
    assert markdown.count("```sql\nSELECT") == len(shown)
    assert html.count("<pre><code>SELECT") == len(shown)


def test_a_cached_layout_is_the_same_text() -> None:
    sql = 'select "t"."a" from "t" where "t"."b" = %s'
    pretty_sql.cache_clear()
    assert pretty_sql(sql) == pretty_sql(sql) == pretty_sql.__wrapped__(sql)


def test_a_call_site_is_named_by_its_line_its_template_or_both() -> None:
    from perfaudit.console.scan import describe_callsite
    from perfaudit.records import CallSite
    from perfaudit.report.scan import callsite_dict
    from perfaudit.wording import callsite_text

    view = CallSite("shop/views.py", 40, "book_list")
    both = CallSite("shop/views.py", 40, "book_list", template="books.html", template_line=11)
    # A generic view renders the template: no project line ran it (was ":0 in  (template ...)").
    template = CallSite("", 0, "", template="catalog/book_list.html", template_line=11)
    expected = [
        "shop/views.py:40 in book_list",
        "shop/views.py:40 in book_list (template books.html:11)",
        "template catalog/book_list.html:11",
    ]
    assert [callsite_text(site) for site in (view, both, template)] == expected
    assert [describe_callsite(callsite_dict(site)) for site in (view, both, template)] == expected
    assert callsite_text(None) == describe_callsite(None) == "unknown call site"
