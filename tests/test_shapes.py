"""`perfaudit scan` on tests/shapesproject: one view per query shape real projects have.

Every repeated query's line carries ``# shape: NAME``; each finding must name the relation,
point at that line of the project's own file and give the fix a reviewer would write. Runs on
the database the suite runs on (SQLite, or PostgreSQL when DATABASE_URL is set).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scan_helpers import REPO, Run, run_scan

SHAPES = REPO / "tests" / "shapesproject"
APP = SHAPES / "shapes"

# path: [(kind, model, field, count, file, marker, fix fragments...)]
EXPECTED: dict[str, list[tuple[object, ...]]] = {
    "/drf/nested/": [
        (
            "n_plus_one",
            "shapes.Review",
            "book",
            8,
            "serializers.py",
            "drf-nested",
            "select_related('book')",
        ),
    ],
    "/drf/method/": [
        (
            "n_plus_one",
            "shapes.Book",
            "reviews",
            4,
            "serializers.py",
            "drf-method",
            "annotate(Count('reviews'))",
            "Meta.ordering = ['title']",
            ".order_by('title')",
        ),
    ],
    "/drf/deep/": [
        (
            "n_plus_one",
            "shapes.Book",
            "reviews__reviewer",
            12,
            "serializers.py",
            "drf-deep",
            "prefetch_related('reviews__reviewer')",
        ),
    ],
    "/admin/shapes/book/": [
        (
            "n_plus_one",
            "shapes.Book",
            "publisher",
            4,
            "admin.py",
            "admin",
            "list_select_related = ('publisher',) to BookAdmin",
        ),
    ],
    "/m2m-self/": [
        (
            "n_plus_one",
            "shapes.Profile",
            "follows",
            3,
            "views.py",
            "m2m-self",
            "prefetch_related('follows')",
        ),
    ],
    "/taggit/": [
        (
            "n_plus_one",
            "shapes.Shelf",
            "tags",
            3,
            "views.py",
            "taggit",
            "Add prefetch_related('tags') to the queryset that loads Shelf",
        ),
    ],
    "/soft-delete/": [
        (
            "n_plus_one",
            "shapes.Book",
            "notes",
            4,
            "views.py",
            "soft",
            "Add prefetch_related('notes') to the queryset that loads Book",
        ),
    ],
    "/gfk/": [
        (
            "n_plus_one",
            "shapes.Comment",
            "content_object",
            4,
            "views.py",
            "gfk",
            "prefetch_related('content_object')",
            "GenericPrefetch('content_object'",
        ),
    ],
    "/mti/": [
        (
            "n_plus_one",
            "shapes.Place",
            "restaurant",
            3,
            "views.py",
            "mti",
            "select_related('restaurant')",
        ),
    ],
    "/deferred/": [
        ("n_plus_one", "shapes.Book", "summary", 4, "views.py", "deferred", "only()"),
    ],
    "/exists/": [
        (
            "n_plus_one",
            "shapes.Book",
            "reviews",
            4,
            "models.py",
            "exists",
            "Exists(Review.objects.filter(book=OuterRef('pk')))",
        ),
    ],
    "/first/": [
        (
            "n_plus_one",
            "shapes.Book",
            "reviews",
            4,
            "models.py",
            "first",
            "Prefetch('reviews'",
            "to_attr=",
            "Subquery(",
        ),
    ],
    "/aggregate/": [
        (
            "n_plus_one",
            "shapes.Book",
            "reviews",
            4,
            "models.py",
            "aggregate",
            "annotate(avg=Avg('reviews__stars'))",
            ".order_by('title')",
        ),
    ],
    "/nested/": [
        (
            "n_plus_one",
            "shapes.Book",
            "reviews__reviewer",
            12,
            "views.py",
            "nested-outer",
            "prefetch_related('reviews__reviewer')",
        ),
    ],
    "/save/": [
        ("n_plus_one", "shapes.Book", None, 4, "views.py", "save", "Book.objects.bulk_update("),
    ],
    "/m2m-add/": [
        (
            "n_plus_one",
            "shapes.Book",
            "tags",
            4,
            "views.py",
            "m2m-add",
            "Book.tags.through.objects.bulk_create(",
        ),
    ],
    "/signal/": [
        (
            "n_plus_one",
            "shapes.Review",
            None,
            4,
            "views.py",
            "signal-loop",
            "Review.objects.bulk_create(",
        ),
        (
            "n_plus_one",
            "shapes.Review",
            None,
            4,
            "signals.py",
            "handler",
            "post_save of shapes.Review handler at shapes/signals.py:{handler}",
            "saved one at a time at shapes/views.py:{signal-loop}",
        ),
    ],
    "/async/": [
        (
            "n_plus_one",
            "shapes.Book",
            "author",
            4,
            "views.py",
            "worker",
            "select_related('author')",
        ),
    ],
    "/threads/": [
        (
            "n_plus_one",
            "shapes.Book",
            "author",
            4,
            "views.py",
            "worker",
            "select_related('author')",
        ),
    ],
    "/jinja/": [
        (
            "n_plus_one",
            "shapes.Book",
            "publisher",
            4,
            "views.py",
            "jinja",
            "select_related('publisher')",
        ),
    ],
    "/duplicate/": [
        ("duplicate", "shapes.Publisher", None, 3, "views.py", "duplicate", "run it once"),
    ],
    "/clean/": [],
}
# Django's admin counts the change list twice with the same query when nothing is filtered
# (show_full_result_count): a true duplicate, from Django's code, put on the ModelAdmin.
ADMIN_COUNT = ("duplicate", "shapes.Book", None, 2)


def marker(file: str, name: str) -> int:
    lines = (APP / file).read_text(encoding="utf-8").splitlines()
    found = [i for i, text in enumerate(lines, 1) if text.endswith(f"# shape: {name}")]
    assert len(found) == 1, (file, name)
    return found[0]


def markers() -> dict[str, int]:
    return {
        "handler": marker("signals.py", "handler"),
        "signal-loop": marker("views.py", "signal-loop"),
    }


@pytest.fixture(scope="module")
def shapes_scan(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("shapes-scan")
    urls = [arg for path in EXPECTED for arg in ("--url", path)]
    run = run_scan(
        "--user",
        "admin",
        *urls,
        cwd=SHAPES,
        env={"SHAPES_DB": str(tmp / "shapes.sqlite3")},
        json_path=tmp / "report.json",
    )
    assert run.report is not None, run.stderr
    return run


def findings_of(run: Run, path: str) -> list[dict]:
    (request,) = [r for r in run.report["requests"] if r["path"] == path]
    assert request["status"] == 200, request
    return request["findings"]


def test_the_scan_reaches_every_shape(shapes_scan: Run) -> None:
    assert shapes_scan.returncode == 0, shapes_scan.stderr
    assert [r["path"] for r in shapes_scan.report["requests"]] == list(EXPECTED)


@pytest.mark.parametrize("path", list(EXPECTED), ids=[p.strip("/") or "root" for p in EXPECTED])
def test_each_shape_is_found_named_and_fixed(shapes_scan: Run, path: str) -> None:
    found = findings_of(shapes_scan, path)
    if path == "/admin/shapes/book/":
        extra = [f for f in found if (f["kind"], f["model"], f["field"], f["count"]) == ADMIN_COUNT]
        assert len(extra) == 1, found
        found = [f for f in found if f not in extra]
    assert len(found) == len(EXPECTED[path]), found
    values = markers()
    for finding, (kind, model, field, count, file, name, *fixes) in zip(
        found, EXPECTED[path], strict=True
    ):
        assert (finding["kind"], finding["model"], finding["field"], finding["count"]) == (
            kind,
            model,
            field,
            count,
        )
        site = finding["callsite"]
        assert (site["file"], site["line"]) == (f"shapes/{file}", marker(file, name)), site
        for fix in fixes:
            assert fix.format(**values) in finding["suggestion"], finding["suggestion"]


def test_a_serializer_field_is_named_as_declared(shapes_scan: Run) -> None:
    (finding,) = findings_of(shapes_scan, "/drf/nested/")
    assert finding["callsite"]["function"] == "ReviewSerializer.book"


def test_the_admin_finding_points_at_list_display(shapes_scan: Run) -> None:
    (finding,) = [f for f in findings_of(shapes_scan, "/admin/shapes/book/") if f["field"]]
    assert finding["callsite"]["function"] == "BookAdmin.list_display"
    assert finding["callsite"]["template"] is None


def test_the_admin_double_count_names_the_model_admin_and_its_switch(shapes_scan: Run) -> None:
    (finding,) = [f for f in findings_of(shapes_scan, "/admin/shapes/book/") if not f["field"]]
    site = finding["callsite"]
    assert (site["file"], site["line"], site["function"]) == (
        "shapes/admin.py",
        marker("admin.py", "admin-class"),
        "BookAdmin.show_full_result_count",
    )
    assert finding["suggestion"] == (
        "Django's admin change list counts the rows twice when no filter is applied (the "
        "page's count and the unfiltered total it shows beside the filters): set "
        "show_full_result_count = False on BookAdmin to skip the second COUNT."
    )


def test_a_library_model_admin_is_named_by_its_import_path_and_subclassed(tmp_path) -> None:
    # django.contrib.auth's GroupAdmin counts twice too; its file is the library's, told as
    # the import path shows it (never the machine's virtualenv), and the fix cannot be an
    # edit of that file.
    run = run_scan(
        "--user",
        "admin",
        "--url",
        "/admin/auth/group/",
        cwd=SHAPES,
        env={"SHAPES_DB": str(tmp_path / "shapes.sqlite3")},
        json_path=tmp_path / "report.json",
    )
    assert run.report is not None, run.stderr
    (finding,) = findings_of(run, "/admin/auth/group/")
    site = finding["callsite"]
    assert (site["file"], site["function"]) == (
        "django/contrib/auth/admin.py",
        "GroupAdmin.show_full_result_count",
    )
    assert finding["suggestion"].endswith(
        "GroupAdmin is an installed library's, so unregister its model and register a "
        "subclass of GroupAdmin with show_full_result_count = False to skip the second COUNT."
    )


def test_a_jinja2_template_gets_its_own_line(shapes_scan: Run) -> None:
    (finding,) = findings_of(shapes_scan, "/jinja/")
    template = (APP / "jinja2" / "shapes" / "books.jinja").read_text().splitlines()
    line = finding["callsite"]["template_line"]
    assert finding["callsite"]["template"] == "shapes/books.jinja"
    assert "book.publisher.name" in template[line - 1]


def test_queries_on_other_threads_are_counted(shapes_scan: Run) -> None:
    requests = {r["path"]: r for r in shapes_scan.report["requests"]}
    # The books (1), then one author per book on worker threads (4); the view never reads
    # request.user, so the session and the user are not loaded.
    assert requests["/threads/"]["query_count"] == 5
    assert requests["/async/"]["query_count"] == 5


def test_no_n_plus_one_beyond_the_labelled_ones(shapes_scan: Run) -> None:
    labelled = sum(
        1 for shapes in EXPECTED.values() for shape in shapes if shape[0] == "n_plus_one"
    )
    found = [
        f
        for r in shapes_scan.report["requests"]
        for f in r["findings"]
        if f["kind"] == "n_plus_one"
    ]
    assert len(found) == labelled


def test_shapes_project_has_its_migrations() -> None:
    assert (APP / "migrations" / "0001_initial.py").exists()
    assert Path(APP / "jinja2" / "shapes" / "books.jinja").exists()
