"""`perfaudit --help` and `--version` work without any Django configuration."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from perfaudit import __version__
from perfaudit.cli import cli


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"perfaudit, version {__version__}\n"


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="perfaudit")
    assert result.exit_code == 0
    assert "Usage: perfaudit [OPTIONS] COMMAND [ARGS]..." in result.output
    for command in ("scan", "bench"):
        assert f"  {command} " in result.output


def test_help_and_version_need_no_django_settings() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no_such_project.settings"}
    for args in (["--help"], ["--version"]):
        result = subprocess.run(
            [sys.executable, "-m", "perfaudit", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
    # Importing the CLI must not import Django at all.
    code = "import sys, perfaudit.cli; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
