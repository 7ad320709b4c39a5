"""The startup check of the Django internals capture relies on (issue 14.14)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import django
import pytest

from perfaudit.capture import frames
from perfaudit.capture.compat import _missing, check_django_internals, required_functions
from perfaudit.capture.recorder import capture_queries
from perfaudit.errors import UnsupportedDjango
from tests.scan_helpers import REPO

DJANGO_DIR = Path(django.__file__).parent


def test_the_installed_django_has_every_function_capture_relies_on() -> None:
    pairs = required_functions()
    assert ("core/handlers/base.py", "_get_response") in pairs
    assert ("db/models/manager.py", "manager_method") in pairs  # nested in a factory
    assert set(frames._DJANGO_ROLES) <= set(pairs)
    assert _missing(str(DJANGO_DIR), pairs) == ()
    check_django_internals()


def test_a_django_without_get_response_is_named(tmp_path: Path) -> None:
    # A copy of this Django whose handler lost _get_response, as a future release might.
    handlers = tmp_path / "core" / "handlers"
    handlers.mkdir(parents=True)
    source = (DJANGO_DIR / "core" / "handlers" / "base.py").read_text(encoding="utf-8")
    assert "def _get_response(" in source
    (handlers / "base.py").write_text(source.replace("def _get_response(", "def _respond("))
    for name in ("db", "template", "contrib", "dispatch"):
        shutil.copytree(DJANGO_DIR / name, tmp_path / name)
    assert _missing(str(tmp_path), required_functions()) == (
        ("core/handlers/base.py", "_get_response"),
    )


def test_capture_fails_loudly_naming_the_django_version(monkeypatch: pytest.MonkeyPatch) -> None:
    roles = {**frames._DJANGO_ROLES, ("core/handlers/base.py", "_get_response_v7"): "x"}
    monkeypatch.setattr(frames, "_DJANGO_ROLES", roles)
    expected = (
        f"perfaudit cannot capture queries on Django {django.get_version()}: it relies on "
        "_get_response_v7() in django/core/handlers/base.py, which this Django does not "
        "define; install a Django version perfaudit supports (5.2, 6.0 or 6.1) or a newer "
        "perfaudit."
    )
    with pytest.raises(UnsupportedDjango) as caught, capture_queries():
        pass
    assert str(caught.value) == expected
    assert caught.value.exit_code == 2


def test_scan_reports_the_unsupported_django_in_one_line(tmp_path: Path) -> None:
    # A fresh process whose capture table names a function this Django lacks.
    code = (
        "import sys; from perfaudit.capture import frames; "
        "frames._DJANGO_ROLES[('template/base.py', 'render_gone')] = 'node'; "
        "from perfaudit.cli import main; sys.argv[0] = 'perfaudit'; main()"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code, "scan", "--url", "/api/products/", "--json",
         str(tmp_path / "scan.json")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"perfaudit: error: perfaudit cannot capture queries on Django {django.get_version()}: "
        "it relies on render_gone() in django/template/base.py, which this Django does not "
        "define; install a Django version perfaudit supports (5.2, 6.0 or 6.1) or a newer "
        "perfaudit.\n"
    )
    assert not (tmp_path / "scan.json").exists()
