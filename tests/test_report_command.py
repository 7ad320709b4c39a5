"""`perfaudit report`: formats, where output goes, and what it says; no Django needed."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from perfaudit.cli import cli
from perfaudit.commands.outputs import choose_format, default_report_path
from perfaudit.report.read import load_report
from tests.report_fixtures import fixture_path

REPO = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="perfaudit", env={"GITHUB_ACTIONS": ""})


def test_table_is_the_default(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("report", str(fixture_path("scan")))
    assert result.exit_code == 0, result.output
    assert "product_list[naive]" in result.output
    assert "select_related('category')" in result.output
    assert not (tmp_path / "reports").exists()


def test_bench_table(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("report", str(fixture_path("bench_regressed")), "--format", "table")
    assert result.exit_code == 0, result.output
    for name in ("product_list", "order_list", "dashboard"):
        assert name in result.output


def test_html_goes_to_reports_by_default(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("report", str(fixture_path("bench")), "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.output == "HTML report written to reports/bench.html\n"
    assert (
        (tmp_path / "reports" / "bench.html")
        .read_text(encoding="utf-8")
        .startswith("<!DOCTYPE html>")
    )


def test_markdown_report_writes_junit_from_the_file_it_rendered(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("report", str(fixture_path("scan")), "--format", "markdown", "-o", "-",
                 "--junit", "ci/scan.xml", "--github")  # fmt: skip
    assert result.exit_code == 0, result.output
    # stdout holds the Markdown alone: the annotations and the JUnit line go to stderr.
    assert result.stdout.startswith("### perfaudit scan") and "::" not in result.stdout
    assert result.stderr.startswith("::error file=")
    assert result.stderr.endswith("\nJUnit report written to ci/scan.xml\n")
    assert (tmp_path / "ci" / "scan.xml").read_text(encoding="utf-8").startswith("<?xml")


def test_output_suffix_picks_the_format_and_dash_is_stdout(tmp_path) -> None:
    out = tmp_path / "page.html"
    assert run("report", str(fixture_path("scan")), "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    printed = run("report", str(fixture_path("scan")), "--format", "html", "-o", "-")
    assert printed.output.startswith("<!DOCTYPE html>") and printed.output.endswith("</html>\n")
    assert [choose_format(None, o) for o in (None, "-", "x.md", "x.HTML", "x.txt")] == [
        "table",
        "table",
        "markdown",
        "html",
        "table",
    ]
    assert choose_format("markdown", "x.html") == "markdown"


def test_errors_are_one_line_and_exit_2(tmp_path) -> None:
    missing = run("report", str(tmp_path / "nope.json"), "--format", "markdown")
    assert missing.exit_code == 2
    assert missing.output.startswith("perfaudit: error: Cannot read the report '")
    bad_format = run("report", str(fixture_path("scan")), "--format", "pdf")
    assert bad_format.exit_code == 2


def test_default_report_paths_are_stable(tmp_path) -> None:
    assert default_report_path("scan", tmp_path) == tmp_path / "reports" / "scan.json"
    assert default_report_path("bench", tmp_path) == tmp_path / "reports" / "bench.json"


def perfaudit(cwd, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "GITHUB_ACTIONS")
    }
    return subprocess.run(
        [sys.executable, "-m", "perfaudit", *args, "--pythonpath", str(REPO)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_scan_and_bench_write_their_reports_under_reports_by_default(tmp_path) -> None:
    # shopdemo's [perfaudit] section, in a project root of our own.
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    config = configparser.ConfigParser(interpolation=None)
    config["perfaudit"] = dict(parser["perfaudit"])
    with open(tmp_path / "setup.cfg", "w", encoding="utf-8") as handle:
        config.write(handle)

    scan = perfaudit(tmp_path, "scan", "--scale", "10", "--url", "/api/naive/products/",
                     "--github", "--junit", "ci/scan.xml")  # fmt: skip
    assert scan.returncode == 0, scan.stderr
    lines = scan.stdout.splitlines()
    assert "JSON report written to reports/scan.json" in lines
    assert lines[-1] == "JUnit report written to ci/scan.xml"
    assert sum(1 for line in lines if line.startswith("::error file=")) == 3
    assert load_report(tmp_path / "reports" / "scan.json").requests[0].query_count > 10

    bench = perfaudit(tmp_path, "bench", "--scenario", "product_list", "--scales", "5,10",
                      "--rounds", "1")  # fmt: skip
    assert bench.returncode == 0, bench.stderr
    assert bench.stdout.splitlines()[-1] == "JSON report written to reports/bench.json"
    report = load_report(tmp_path / "reports" / "bench.json")
    assert [s.name for s in report.scenarios] == ["product_list"]


def test_help_lists_report_and_diff() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("report", "diff"):
        assert f"  {command} " in result.output
    assert "--junit FILE" in run("report", "--help").output
    assert "--github" in run("scan", "--help").output and "--junit" in run("bench", "--help").output


def test_rendering_never_imports_django(tmp_path) -> None:
    code = (
        "import sys\n"
        "from perfaudit.cli import cli\n"
        f"for args in (['report', {str(fixture_path('bench'))!r}, '--format', 'markdown'],\n"
        f"             ['report', {str(fixture_path('scan'))!r}, '-o', 'x.html'],\n"
        f"             ['report', {str(fixture_path('scan'))!r}, '--format', 'table'],\n"
        f"             ['diff', {str(fixture_path('scan'))!r}, {str(fixture_path('scan'))!r}]):\n"
        "    try:\n"
        "        cli(args)\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code in (0, None), exc.code\n"
        "print('django' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no_such_project.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "False"
