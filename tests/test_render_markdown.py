"""Markdown reports against golden files: deterministic, no timestamps, no machine paths."""

from __future__ import annotations

import pytest

from perfaudit.report.markdown import render_markdown
from perfaudit.report.read import load_report, parse_report
from tests.report_fixtures import assert_golden, fixture_document, fixture_path


@pytest.mark.parametrize("name", ["scan", "bench", "bench_regressed"])
def test_markdown_matches_the_golden_file(name: str) -> None:
    assert_golden(f"{name}.md", render_markdown(load_report(fixture_path(name))))


def test_rendering_twice_gives_the_same_bytes() -> None:
    report = load_report(fixture_path("bench"))
    assert render_markdown(report) == render_markdown(report)


def test_scan_summary_row_and_collapsed_finding() -> None:
    text = render_markdown(load_report(fixture_path("scan")))
    assert text.startswith("### perfaudit scan: 6 findings in 6 requests, 1 error\n")
    assert (
        "| `product_list[naive]`<br>`GET /api/naive/products/` | 200 | 43 | 18.4 ms | 2 N+1 |"
        in text
    )
    assert "| `product_detail[naive]`<br>`GET /api/naive/products/7/` | 500 ❌ |" in text
    block = (
        "<details>\n<summary>product_list[naive]: N+1 on shop.Product.category (20 queries)"
        "</summary>\n\n- **Relation:** `shop.Product.category` (table `shop_category`)\n"
        "- **Call site:** `shopdemo/shop/serializers.py:58 in product_summary`\n"
        "- **Fix:** `select_related('category')`\n\n```sql\nSELECT "
    )
    assert block in text
    assert text.count("<details>") == text.count("</details>") == 6


def test_bench_row_shows_queries_per_scale_time_ratio_and_verdict() -> None:
    text = render_markdown(load_report(fixture_path("bench_regressed")))
    assert (
        "| `dashboard` | 9 → 4 · 54 → 4 · 504 → 4 | 4 + 0.5 per row → 4 | 12.7× "  # noqa: RUF001
        "| **no** (scale 100) | ❌ failed |" in text
    )
    assert "| `product_list` | 23 → 3 · 43 → 3 · 43 → 2 |" in text
    assert "- order_list: 5 queries at scale 1000 > baseline 3\n" in text
    assert "**Improvements**\n\n- product_list: 3 -> 2 queries at scale 1000\n" in text


def test_a_scenario_without_naive_twin_shows_dashes() -> None:
    text = render_markdown(load_report(fixture_path("bench")))
    assert "| `health` | – → 1 · – → 1 · – → 1 | – → 1 | – | – | ✅ ok |" in text  # noqa: RUF001


def test_pipes_in_names_do_not_break_the_table() -> None:
    document = fixture_document("scan")
    document["requests"] = document["requests"][1:2]
    document["requests"][0]["name"] = "search|a"
    text = render_markdown(parse_report(document))
    assert "| `search\\|a`<br>`GET /api/products/` | 200 | 3 | 2.9 ms | none |" in text


def test_summary_text_is_html_escaped() -> None:
    document = fixture_document("scan")
    document["requests"][0]["name"] = "<b>list</b>"
    text = render_markdown(parse_report(document))
    assert "<summary>&lt;b&gt;list&lt;/b&gt;: N+1 on shop.Product.category" in text


def test_pages_not_audited_are_marked_for_reviewers() -> None:
    # A login redirect or a 4xx nobody asked for rendered no page: not a quiet "none".
    from perfaudit.report.html import render_html

    document = fixture_document("scan")
    ok = [r for r in document["requests"] if not r["error"]]
    ok[0].update(status=302, redirect="/accounts/login/?next=/x/", findings=[])
    ok[1].update(status=404, findings=[])
    ok[2].update(status=302, expect=302, redirect="/done/")  # asked for: audited as asked
    report = parse_report(document)
    text = render_markdown(report)
    assert f"| `{ok[0]['name']}`<br>`GET {ok[0]['path']}` | 302 ⚠️ |" in text
    assert "**Not audited** (no page was rendered)\n\n" in text
    assert f"- `{ok[0]['name']}`: answered 302, redirecting to /accounts/login/?next=/x/" in text
    assert f"- `{ok[1]['name']}`: answered 404\n" in text + "\n"
    assert ok[2]["name"] + "`: answered" not in text
    page = render_html(report)
    assert "not audited: answered 302, redirecting to /accounts/login/?next=/x/" in page
    assert page.count("not audited: ") == 2


def test_a_discovered_route_is_named_by_its_path_once() -> None:
    document = fixture_document("scan")
    request = document["requests"][0]
    request.update(name=request["path"])
    text = render_markdown(parse_report(document))
    assert f"| `GET {request['path']}` | {request['status']} |" in text
    assert f"`{request['path']}`<br>" not in text
