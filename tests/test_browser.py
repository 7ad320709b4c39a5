"""The HTML report in a real headless Chromium: no console errors, nothing fetched, charts drawn.

Skips with a reason where Chromium is absent (``apt-get install chromium``); fails in CI.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from perfaudit.report.html import render_html
from perfaudit.report.read import parse_report
from tests.cdp import Browser, find_chromium
from tests.report_fixtures import fixture_document
from tests.services import unavailable

pytestmark = pytest.mark.browser

CHART_SIZES = """JSON.stringify([...document.querySelectorAll('figure.chart svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const section = svg.closest('section');
  return {scenario: section.dataset.scenario || section.id, chart: svg.closest('figure')
          .dataset.chart, width: box.width, height: box.height,
          points: svg.querySelectorAll('circle, rect').length};
}))"""


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        unavailable("Chromium is not installed; `apt-get install chromium` to run browser tests")
    return str(path)


def open_report(chromium: str, tmp_path: Path, name: str):
    page = tmp_path / f"{name}.html"
    page.write_text(render_html(parse_report(fixture_document(name))), encoding="utf-8")
    browser = Browser(chromium, tmp_path / "profile")
    return browser, page


@pytest.mark.parametrize("name", ["bench_regressed", "scan"])
def test_report_renders_cleanly_in_chromium(chromium: str, tmp_path: Path, name: str) -> None:
    browser, page = open_report(chromium, tmp_path, name)
    with browser:
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for("Page.loadEventFired")
        charts = json.loads(browser.evaluate(CHART_SIZES))
        metrics = browser.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = browser.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": metrics["height"], "scale": 1},
        )
        pdf = browser.call("Page.printToPDF", printBackground=True)
        errors = browser.errors()
        urls = browser.requested_urls()

    png = base64.b64decode(shot["data"])
    (tmp_path / f"{name}.png").write_bytes(png)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    assert base64.b64decode(pdf["data"]).startswith(b"%PDF")
    assert errors == []
    assert urls == [page.as_uri()], "the report must fetch nothing but itself"

    document = fixture_document(name)
    if name == "scan":
        assert [(c["chart"], c["points"]) for c in charts] == [
            ("queries", len(document["requests"]))
        ]
    else:
        expected = [(s["name"], chart) for s in document["scenarios"] for chart in
                    ("queries", "latency")]  # fmt: skip
        assert [(c["scenario"], c["chart"]) for c in charts] == expected
    for chart in charts:
        assert chart["width"] > 200 and chart["height"] > 100, chart
        assert chart["points"] > 0, chart


def test_the_harness_sees_console_errors_and_fetches(chromium: str, tmp_path: Path) -> None:
    # A negative control: the checks above would catch a broken page.
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png">'
        "<script>console.error('boom'); undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )
    with Browser(chromium, tmp_path / "profile") as browser:
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for("Page.loadEventFired")
        browser.evaluate("1")  # let the pending events arrive
        errors = browser.errors()
        urls = browser.requested_urls()
    assert "boom" in errors
    assert any("undefinedFunction" in e or "Uncaught" in e for e in errors), errors
    assert (tmp_path / "missing.png").as_uri() in urls
