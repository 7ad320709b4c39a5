"""The HTML report's structure: self-contained, a chart per scenario, marks that match the data."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from perfaudit.report.html import render_html
from perfaudit.report.read import parse_report
from tests.report_fixtures import fixture_document

VOID = {"meta", "br", "link", "img", "input", "hr", "col", "source"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def iter(self, tag: str | None = None):
        for child in self.children:
            if tag is None or child.tag == tag:
                yield child
            yield from child.iter(tag)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [n for n in self.iter(tag) if all(n.attrs.get(k) == v for k, v in attrs.items())]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].text += data


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "every element is closed"
    return builder.root


def render(name: str) -> tuple[dict, Node, str]:
    document = fixture_document(name)
    html = render_html(parse_report(document))
    return document, parse(html), html


@pytest.mark.parametrize("name", ["scan", "bench", "bench_regressed"])
def test_the_page_is_self_contained(name: str) -> None:
    _, tree, html = render(name)
    assert html.startswith("<!DOCTYPE html>\n")
    assert not tree.find_all("script") and not tree.find_all("link") and not tree.find_all("img")
    for node in tree.iter():
        for attr in ("src", "href"):
            assert not node.attrs.get(attr, "#").split("#")[0], f"{node.tag} loads {attr}"
    # The only URL is the SVG namespace, which browsers never fetch.
    assert html.count("http") == html.count('xmlns="http://www.w3.org/2000/svg"')
    assert "@media print" in html


def test_every_scenario_has_a_queries_and_a_latency_chart() -> None:
    document, tree, _ = render("bench")
    sections = tree.find_all("section", **{"class": "scenario"})
    assert [s.attrs["data-scenario"] for s in sections] == [
        s["name"] for s in document["scenarios"]
    ]
    for section in sections:
        charts = [f.attrs["data-chart"] for f in section.find_all("figure")]
        assert charts == ["queries", "latency"]
        for figure in section.find_all("figure"):
            assert len(figure.find_all("svg")) == 1


def expected_points(scenario: dict, chart: str) -> set[tuple[str, str, str]]:
    points = set()
    for result in scenario["results"]:
        for twin in ("naive", "optimized"):
            side = result[twin]
            if side is None:
                continue
            value = side["view_query_count"] if chart == "queries" else side["timing"]["median_ms"]
            points.add((twin, str(result["scale"]), f"{value:g}"))
    return points


@pytest.mark.parametrize("name", ["bench", "bench_regressed"])
def test_svg_points_match_the_data(name: str) -> None:
    document, tree, _ = render(name)
    by_name = {s["name"]: s for s in document["scenarios"]}
    for section in tree.find_all("section", **{"class": "scenario"}):
        scenario = by_name[section.attrs["data-scenario"]]
        for figure in section.find_all("figure"):
            chart = figure.attrs["data-chart"]
            svg = figure.find_all("svg")[0]
            circles = svg.find_all("circle")
            shown = {
                (c.attrs["data-series"], c.attrs["data-x"], c.attrs["data-y"]) for c in circles
            }
            assert shown == expected_points(scenario, chart), (scenario["name"], chart)
            check_geometry(svg, circles)


def check_geometry(svg: Node, circles: list[Node]) -> None:
    """Each circle sits where its value maps on the axes, and the lines join the circles."""
    left, top, width, height = (float(v) for v in svg.attrs["data-plot"].split())
    y_max = float(svg.attrs["data-y-max"])
    x_min, x_max = float(svg.attrs["data-x-min"]), float(svg.attrs["data-x-max"])
    for circle in circles:
        x, y = float(circle.attrs["data-x"]), float(circle.attrs["data-y"])
        assert 0 <= y <= y_max
        expected_cy = top + height - y / y_max * height
        span = math.log10(x_max) - math.log10(x_min)
        expected_cx = left + (math.log10(x) - math.log10(x_min)) / span * width
        assert float(circle.attrs["cy"]) == pytest.approx(expected_cy, abs=0.06)
        assert float(circle.attrs["cx"]) == pytest.approx(expected_cx, abs=0.06)
    for line in svg.find_all("polyline"):
        series = line.attrs["class"].split()[-1]
        joined = [
            f"{c.attrs['cx']},{c.attrs['cy']}" for c in circles if c.attrs["data-series"] == series
        ]
        assert line.attrs["points"].split() == joined


def test_a_scenario_without_naive_twin_draws_one_line() -> None:
    _, tree, _ = render("bench")
    health = tree.find_all("section", **{"data-scenario": "health"})[0]
    for svg in health.find_all("svg"):
        assert {c.attrs["data-series"] for c in svg.find_all("circle")} == {"optimized"}
        assert len(svg.find_all("polyline")) == 1


def test_scan_chart_has_one_bar_per_request_with_its_query_count() -> None:
    document, tree, _ = render("scan")
    bars = tree.find_all("rect")
    assert [(b.attrs["data-label"], b.attrs["data-y"]) for b in bars] == [
        (r["name"], str(r["query_count"])) for r in document["requests"]
    ]
    # Bars with findings are coloured apart from clean ones.
    assert [b.attrs["class"] for b in bars][:2] == ["bar naive", "bar optimized"]


def test_findings_show_pretty_printed_sql_and_the_fix() -> None:
    _, tree, html = render("scan")
    findings = tree.find_all("article")
    assert len(findings) == 6
    first = findings[0]
    assert first.find_all("h3")[0].text == "N+1 on shop.Product.category (20 queries)"
    sql = first.find_all("pre")[0].find_all("code")[0].text
    assert sql.splitlines()[:2] == [
        'SELECT "shop_category"."id", "shop_category"."name", "shop_category"."slug"',
        'FROM "shop_category"',
    ]
    assert "<dt>Fix</dt><dd><code>select_related(&#x27;category&#x27;)</code></dd>" in html
    # Comparison operators in SQL are escaped, not parsed as tags.
    assert "&quot;quantity&quot; &gt; %s" in html


def test_user_text_is_escaped() -> None:
    document = fixture_document("bench")
    document["scenarios"][0]["name"] = "<script>alert(1)</script>"
    html = render_html(parse_report(document))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_differing_responses_show_the_diff() -> None:
    _, tree, html = render("bench_regressed")
    dashboard = tree.find_all("section", **{"data-scenario": "dashboard"})[0]
    assert any(b.text == "no" for b in dashboard.find_all("b"))
    assert "top_reviewers[0].name" in html
