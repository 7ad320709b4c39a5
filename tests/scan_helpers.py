"""Run `perfaudit scan` in a fresh process, as a user would, and read what it left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "sampleproject"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    pid: int
    report: dict[str, Any] | None


def run_scan(
    *args: str,
    cwd: Path = SAMPLE,
    env: dict[str, str] | None = None,
    sqlite: bool = False,
    json_path: Path | None = None,
) -> Run:
    """``python -m perfaudit scan ARGS`` in ``cwd``; ``sqlite`` ignores DATABASE_URL."""
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if sqlite:
        environ.pop("DATABASE_URL", None)
    environ.update(env or {})
    command = [sys.executable, "-m", "perfaudit", "scan", *args]
    if json_path is not None:
        command += ["--json", str(json_path)]
    with subprocess.Popen(
        command, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        stdout, stderr = process.communicate(timeout=120)
    report = None
    if json_path is not None and json_path.exists():
        report = json.loads(json_path.read_text(encoding="utf-8"))
    return Run(process.returncode, stdout, stderr, process.pid, report)


def postgres_databases() -> set[str] | None:
    """Names of the databases on the PostgreSQL server of DATABASE_URL (None without one)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    ) as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database")}


def leftover_test_databases(run: Run, directory: Path) -> list[str]:
    """Test databases of the scan process ``run`` that still exist (files or PostgreSQL)."""
    suffix = f"perfaudit_{run.pid}"
    names = postgres_databases() or set()
    left = sorted(name for name in names if name.endswith(suffix))
    return left + sorted(p.name for p in directory.iterdir() if p.name.endswith(suffix))
