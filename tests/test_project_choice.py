"""Only the user names the project to audit; perfaudit has no default project (issue 14.6).

This repository's own setup.cfg makes shopdemo the default here, so the README's first command
(`perfaudit scan` in the repository root) still scans the demo; anywhere else, a scan with
nothing naming a project is an error rather than a quiet scan of the demo's empty shop.
"""

from __future__ import annotations

from pathlib import Path

from tests.scan_helpers import REPO, run_scan

NO_PROJECT = (
    "perfaudit: error: No Django project to audit: pass --settings MODULE, set "
    "DJANGO_SETTINGS_MODULE, or name it in setup.cfg [perfaudit] or pyproject.toml "
    "[tool.perfaudit] (settings = ...).\n"
)


def test_scan_outside_a_configured_project_is_an_error(tmp_path: Path) -> None:
    run = run_scan(cwd=tmp_path)
    assert (run.returncode, run.stdout, run.stderr) == (2, "", NO_PROJECT)
    assert list(tmp_path.iterdir()) == []  # no report written either


def test_the_readme_first_command_scans_shopdemo_from_the_repository_config(
    tmp_path: Path,
) -> None:
    report = tmp_path / "scan.json"
    run = run_scan("--url", "/api/products/", cwd=REPO, json_path=report)
    assert run.returncode == 0, run.stderr
    assert run.report is not None
    assert run.report["settings"] == "shopdemo.settings"
    assert [r["path"] for r in run.report["requests"]] == ["/api/products/"]


def test_perfaudit_names_no_default_project() -> None:
    sources = sorted((REPO / "perfaudit").rglob("*.py"))
    assert sources
    assert [p.name for p in sources if '"shopdemo.settings"' in p.read_text("utf-8")] == []
