"""Values written into SQL text stay out of every report without --show-params (issue 14.5).

A query's parameters were always left out, but a literal inside the statement (``.extra()``,
``cursor.execute`` with an inline string or number) reached ``sample_sql`` in the JSON, the
Markdown and the HTML. The project below runs both kinds; its secrets must appear nowhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfaudit.cli import cli
from perfaudit.report.redact import redact_literals
from tests.scan_helpers import run_scan

SECRETS = ("alice@example.com", "4242", "bob-secret")
SETTINGS = """\
SECRET_KEY = "not-secret"
ROOT_URLCONF = "leakproj.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
"""
URLS = """\
from django.contrib.auth.models import User
from django.db import connection
from django.http import JsonResponse
from django.urls import path


def leak(request):
    counts = []
    for _ in range(3):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM auth_user WHERE email = 'alice@example.com' AND id > 4242"
            )
            counts.append(cursor.fetchone()[0])
    for _ in range(2):
        counts.append(User.objects.extra(where=["username = 'bob-secret'"]).count())
    return JsonResponse({"counts": counts})


urlpatterns = [path("leak/", leak)]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leak")
    (root / "leakproj").mkdir()
    (root / "leakproj" / "__init__.py").write_text("")
    (root / "leakproj" / "settings.py").write_text(SETTINGS)
    (root / "leakproj" / "urls.py").write_text(URLS)
    return root


def scan(project: Path, *flags: str) -> tuple[str, str, str]:
    """The JSON, the Markdown (scan --format markdown) and the HTML (report) of one scan."""
    json_path = project / f"scan{len(flags)}.json"
    run = run_scan(
        "--settings", "leakproj.settings", "--format", "markdown", *flags,
        cwd=project, json_path=json_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    html = CliRunner().invoke(cli, ["report", str(json_path), "--format", "html", "-o", "-"])
    assert html.exit_code == 0, html.output
    return json_path.read_text(encoding="utf-8"), run.stdout, html.stdout


def sample_sqls(json_text: str) -> list[str]:
    report = json.loads(json_text)
    return [f["sample_sql"] for r in report["requests"] for f in r["findings"]]


def test_sql_literals_are_redacted_in_every_output(project: Path) -> None:
    json_text, markdown, html = scan(project)
    assert sample_sqls(json_text) == [
        "SELECT COUNT(*) FROM auth_user WHERE email = ? AND id > ?",
        'SELECT COUNT(*) AS "__count" FROM "auth_user" WHERE (username = ?)',
    ]
    assert "WHERE email = ?\n  AND id > ?" in markdown
    assert "WHERE email = ?\n  AND id &gt; ?" in html
    for text in (json_text, markdown, html):
        for secret in SECRETS:
            assert secret not in text


def test_show_params_keeps_them(project: Path) -> None:
    json_text, markdown, html = scan(project, "--show-params")
    assert sample_sqls(json_text) == [
        "SELECT COUNT(*) FROM auth_user WHERE email = 'alice@example.com' AND id > 4242",
        'SELECT COUNT(*) AS "__count" FROM "auth_user" WHERE (username = \'bob-secret\')',
    ]
    assert "WHERE email = 'alice@example.com'\n  AND id > 4242" in markdown
    assert "WHERE email = &#x27;alice@example.com&#x27;\n  AND id &gt; 4242" in html


@pytest.mark.parametrize(
    ("sql", "redacted"),
    [
        ("SELECT a FROM t WHERE b = 'x' AND c > 41 LIMIT %s",
         "SELECT a FROM t WHERE b = ? AND c > ? LIMIT %s"),
        ("select \"t1\".\"c2\" from t1 where d = E'it\\'s' or e = $q$x$q$ or f = -3.5e4",
         "select \"t1\".\"c2\" from t1 where d = ? or e = ? or f = -?"),
        ("SELECT x FROM t WHERE y = N'z' AND w = 0x1F AND v = %(name)s",
         "SELECT x FROM t WHERE y = ? AND w = ? AND v = %(name)s"),
        ("SELECT 'it''s', \"a'b\" FROM t", "SELECT ?, \"a'b\" FROM t"),
    ],
    ids=["string-and-number", "postgres-quoting", "prefixes-and-named-placeholder", "quotes"],
)  # fmt: skip
def test_redact_literals_keeps_everything_but_the_values(sql: str, redacted: str) -> None:
    assert redact_literals(sql) == redacted
