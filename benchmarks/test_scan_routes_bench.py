"""What ``perfaudit scan`` costs on a project with 3,200 discovered routes, through its CLI.

Run with ``pytest benchmarks/test_scan_routes_bench.py -m benchmark`` (or ``nox -s bench``).
A throwaway project is generated into ``tmp_path``: one app with two models (``Author``, and
``Book`` with a foreign key to it), three seeded authors and twelve books, and a flat URLconf
of ``SCAN_BENCH_ROUTES`` routes (3,200 by default) in groups of four, each group pointing at
the same four views:

* ``gN/books/``: the books with their authors' names, an N+1 over ``Book.author``;
* ``gN/books/joined/``: the same JSON in one query (``select_related``);
* ``gN/books/<int:book_id>/``: one book, ``book_id`` filled by discovery from ``Book``'s pk;
* ``gN/authors/<int:author_id>/books/``: an author's books, ``author_id`` from ``Author``.

A flat list is the worst case for URL resolving (Django tries the patterns in order), which is
part of what this measures. The scan runs as a user runs it, ``python -m perfaudit scan`` in a
subprocess whose working directory has no config file; its wall time and its CPU time
(``getrusage(RUSAGE_CHILDREN)``, user + system) go to ``extra_info``. SQLite only: the generated
settings ignore DATABASE_URL. ``SCAN_BENCH_ROUNDS`` sets the number of scans (default 3).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.benchmark]

REPO = Path(__file__).resolve().parent.parent
ROUTES = int(os.environ.get("SCAN_BENCH_ROUTES", "3200"))
ROUNDS = int(os.environ.get("SCAN_BENCH_ROUNDS", "3"))
VIEWS_PER_GROUP = 4
BOOKS = 12
PACKAGE = "routesbench"

PROJECT: dict[str, str] = {
    "__init__.py": "",
    "settings.py": """
        from pathlib import Path

        SECRET_KEY = "routes-bench-insecure-key"
        DEBUG = False
        ALLOWED_HOSTS = ["*"]
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "routesbench"]
        MIDDLEWARE = []
        ROOT_URLCONF = "routesbench.urls"
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(Path(__file__).resolve().parent.parent / "unused.sqlite3"),
            }
        }
        DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
        USE_TZ = True
    """,
    # No migrations: the test database is created from the models (run_syncdb).
    "models.py": """
        from django.db import models


        class Author(models.Model):
            name = models.CharField(max_length=50)


        class Book(models.Model):
            title = models.CharField(max_length=50)
            author = models.ForeignKey(Author, related_name="books", on_delete=models.CASCADE)
    """,
    "views.py": """
        from django.http import JsonResponse

        from routesbench.models import Author, Book


        def rows(books):
            return JsonResponse({"books": [[b.title, b.author.name] for b in books]})


        def books(request):
            return rows(Book.objects.order_by("id"))


        def books_joined(request):
            return rows(Book.objects.select_related("author").order_by("id"))


        def book(request, book_id):
            found = Book.objects.select_related("author").get(pk=book_id)
            return JsonResponse({"title": found.title, "author": found.author.name})


        def author_books(request, author_id):
            author = Author.objects.get(pk=author_id)
            titles = [b.title for b in author.books.all()]
            return JsonResponse({"author": author.name, "books": titles})
    """,
    "urls.py": """
        import os

        from django.urls import path

        from routesbench import views

        ROUTES = int(os.environ["ROUTES_BENCH_ROUTES"])
        FORMS = [
            ("books/", views.books),
            ("books/joined/", views.books_joined),
            ("books/<int:book_id>/", views.book),
            ("authors/<int:author_id>/books/", views.author_books),
        ]
        urlpatterns = [
            path(f"g{n // len(FORMS)}/{FORMS[n % len(FORMS)][0]}", FORMS[n % len(FORMS)][1])
            for n in range(ROUTES)
        ]
    """,
    "seed.py": f"""
        from routesbench.models import Author, Book


        def seed():
            authors = [Author.objects.create(name=f"author {{n}}") for n in range(3)]
            for n in range({BOOKS}):
                Book.objects.create(title=f"book {{n}}", author=authors[n % len(authors)])
            return {{}}
    """,
}


def write_project(root: Path) -> None:
    package = root / PACKAGE
    package.mkdir()
    for name, source in PROJECT.items():
        (package / name).write_text(textwrap.dedent(source).lstrip())


def scan_command(root: Path, report: Path) -> list[str]:
    return [
        sys.executable, "-m", "perfaudit", "scan",
        "--settings", f"{PACKAGE}.settings", "--pythonpath", str(root),
        "--setup", f"{PACKAGE}.seed:seed", "--json", str(report),
    ]  # fmt: skip


def scan_env() -> dict[str, str]:
    # --settings names the project; pytest-django's settings module must not reach it.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # This checkout's perfaudit, whatever is installed; the routes count reaches the URLconf.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["ROUTES_BENCH_ROUTES"] = str(ROUTES)
    return env


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_scan_discovered_routes(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_project(tmp_path)
    report = tmp_path / "scan.json"
    command, env = scan_command(tmp_path, report), scan_env()
    wall_s: list[float] = []
    cpu_s: list[float] = []

    def scan() -> subprocess.CompletedProcess[str]:
        report.unlink(missing_ok=True)
        cpu_before, wall_before = children_cpu_s(), time.perf_counter()
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
        wall_s.append(time.perf_counter() - wall_before)
        cpu_s.append(children_cpu_s() - cpu_before)
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    benchmark.pedantic(scan, rounds=ROUNDS, iterations=1)
    data: dict[str, Any] = json.loads(report.read_text())
    requests = data["requests"]
    assert len(requests) == ROUTES, (len(requests), data["skipped"][:5])
    assert all(r["status"] == 200 for r in requests)
    # Every N+1 route (/gN/books/) is flagged on Book.author, and no other route is.
    naive = 0
    for request in requests:
        is_naive = request["route"].split("/", 2)[2] == "books/"
        naive += is_naive
        kinds = [(f["kind"], f["model"], f["field"]) for f in request["findings"]]
        expected = [("n_plus_one", f"{PACKAGE}.Book", "author")] if is_naive else []
        assert kinds == expected, (request["route"], kinds)
    assert naive == -(-ROUTES // VIEWS_PER_GROUP)
    benchmark.extra_info.update(
        {
            "routes": ROUTES,
            "requests": len(requests),
            "n_plus_one_requests": naive,
            "queries": data["summary"]["queries"],
            "wall_s_median": round(statistics.median(wall_s), 2),
            "cpu_s_median": round(statistics.median(cpu_s), 2),
            "wall_s": [round(s, 2) for s in wall_s],
            "cpu_s": [round(s, 2) for s in cpu_s],
        }
    )
    print(
        f"\nscan of {len(requests)} discovered routes: {statistics.median(wall_s):.1f} s wall, "
        f"{statistics.median(cpu_s):.1f} s CPU (median of {len(wall_s)})"
    )
