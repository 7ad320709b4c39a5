"""bench's cache handling: a private prefix per run, or no cache at all under --no-cache."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache

from perfaudit.bench.runner import no_caches
from perfaudit.errors import ConfigError
from perfaudit.report.html import render_html
from perfaudit.report.markdown import render_markdown
from perfaudit.report.read import load_report
from tests.report_fixtures import fixture_document


def test_no_caches_replaces_every_cache_for_the_block_only() -> None:
    backend = type(caches["default"])
    assert backend is not DummyCache
    with no_caches():
        assert isinstance(caches["default"], DummyCache)
        caches["default"].set("key", b"body")
        assert caches["default"].get("key") is None  # nothing is ever stored
    assert type(caches["default"]) is backend


def test_reports_say_when_caches_were_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    document = fixture_document("bench")
    for caches_mode, expected in (("off", True), ("private", False)):
        document["caches"] = caches_mode
        path = tmp_path / f"{caches_mode}.json"
        path.write_text(json.dumps(document))
        report = load_report(path)
        assert ("caches off" in render_markdown(report)) is expected
        assert ("caches off" in render_html(report)) is expected


def test_no_caches_refuses_sessions_that_live_in_the_cache_only(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    refused = "--no-cache: SESSION_ENGINE keeps sessions in the cache"
    with pytest.raises(ConfigError, match=refused), no_caches():
        pass
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    with no_caches():  # a cache miss falls back to the database: logins survive
        assert isinstance(caches["default"], DummyCache)
