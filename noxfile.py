"""nox sessions: tests (Python x Django matrix), tests_postgres, lint, typecheck, bench."""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False
nox.options.sessions = ["tests", "lint", "typecheck"]

ROOT = Path(__file__).parent
POSTGRES_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shopdemo")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def classifier_versions(prefix: str) -> list[str]:
    """Versions named by the trove classifiers in setup.cfg (the matrix lives in the metadata)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    classifiers = config["metadata"]["classifiers"].splitlines()
    pattern = re.compile(rf"^{re.escape(prefix)} :: (\d+\.\d+)$")
    return [m.group(1) for c in classifiers if (m := pattern.match(c.strip()))]


PYTHONS = classifier_versions("Programming Language :: Python")
DJANGOS = classifier_versions("Framework :: Django")


def django_requirement(django: str) -> str:
    """``"6.0"`` -> ``Django>=6.0,<6.1``: each matrix entry tests its own feature release."""
    major, minor = (int(part) for part in django.split("."))
    return f"Django>={major}.{minor},<{major}.{minor + 1}"


def matrix() -> list[nox.param]:
    # Django 6 needs Python 3.12+; Django 5.2 is the LTS every Python runs.
    return [
        nox.param(python, django, id=f"{python}-django{django}")
        for python in PYTHONS
        for django in DJANGOS
        if not (django.startswith("6") and python == "3.11")
    ]


@nox.session
@nox.parametrize(("python", "django"), matrix())
def tests(session: nox.Session, django: str) -> None:
    """The suite on SQLite and the local-memory cache."""
    session.install("-e", ".[test]", django_requirement(django))
    session.run("pytest", *session.posargs)


@nox.session
@nox.parametrize(("python", "django"), matrix())
def tests_postgres(session: nox.Session, django: str) -> None:
    """The suite on PostgreSQL and Redis (DATABASE_URL/REDIS_URL, local defaults)."""
    session.install("-e", ".[test]", django_requirement(django))
    session.run(
        "pytest", *session.posargs, env={"DATABASE_URL": POSTGRES_URL, "REDIS_URL": REDIS_URL}
    )


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[test,dev]")
    session.run("mypy", "perfaudit", "shopdemo")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """pytest-benchmark suites, on PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "benchmarks",
        "-m",
        "benchmark",
        "--benchmark-only",
        "--benchmark-columns=min,median,iqr,rounds",
        *session.posargs,
    )
