"""unused_eager_load: perfaudit.detect.eager's profile hook, in process and through
`scan --eager-loads`.

The sample project's ``/eager/<case>/`` views (tests/sampleproject/sample/eager_views.py) mark
the line of each eager load with ``# marker: NAME``; findings must point at exactly those lines.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import threading
from pathlib import Path

import pytest

from perfaudit.config.scan import ScanOptions, load_scan_config
from perfaudit.detect.eager import resolve_path, track_eager_loads
from perfaudit.errors import ConfigError
from perfaudit.records import CallSite, EagerLoad
from shopdemo.shop import queries
from shopdemo.shop.models import Customer, Order, OrderItem, Product, Review
from tests.scan_helpers import REPO, SAMPLE, Run, run_scan

EAGER_VIEWS = SAMPLE / "sample" / "eager_views.py"
CASES = ("unused-select", "unused-prefetch", "used", "nested", "empty")
HERE = "tests/test_eager.py"


def marker_line(name: str) -> int:
    lines = EAGER_VIEWS.read_text(encoding="utf-8").splitlines()
    found = [i for i, text in enumerate(lines, 1) if text.endswith(f"# marker: {name}")]
    assert len(found) == 1, name
    return found[0]


def verdicts(loads: tuple[EagerLoad, ...]) -> list[tuple[str, str, str, bool, str]]:
    return [(e.model, e.path, e.kind, e.was_read, e.kept_path) for e in loads]


# In process, on shopdemo's models --------------------------------------------------------------


@pytest.mark.django_db
def test_unread_select_related_is_unused_with_its_call_site(shop) -> None:
    with track_eager_loads(REPO) as tracker:
        names = [p.name for p in Product.objects.select_related("category")[:3]]
        line = sys._getframe().f_lineno - 1
    assert len(names) == 3
    assert tracker.eager_loads() == (
        EagerLoad(
            model="shop.Product",
            path="category",
            kind="select_related",
            callsite=CallSite(
                HERE, line, "test_unread_select_related_is_unused_with_its_call_site"
            ),
            was_read=False,
        ),
    )


@pytest.mark.django_db
def test_a_read_anywhere_in_the_block_counts(shop) -> None:
    with track_eager_loads(REPO) as tracker:
        products = list(Product.objects.select_related("category")[:3])
        other = Product.objects.order_by("-id").first()
        assert other is not None
        # Read through another row, loaded by another query: still a read.
        assert other.category.pk == other.category_id
    assert len(products) == 3
    assert verdicts(tracker.eager_loads()) == [
        ("shop.Product", "category", "select_related", True, "")
    ]


@pytest.mark.django_db
def test_prefetch_machinery_reads_do_not_count(shop) -> None:
    """prefetch_related_objects() reads order.items itself to reach the products."""
    with track_eager_loads(REPO) as tracker:
        orders = list(Order.objects.prefetch_related("items__product")[:5])
        sizes = [len(order.items.all()) for order in orders]
    assert len(sizes) == 5
    assert verdicts(tracker.eager_loads()) == [
        ("shop.Order", "items__product", "prefetch_related", False, "items")
    ]


@pytest.mark.django_db
def test_nested_select_related_and_cleared_lookups(shop) -> None:
    with track_eager_loads(REPO) as tracker:
        reviews = Review.objects.select_related("author__user").select_related(None)
        names = [r.author.user.username for r in reviews[:3]]
        list(Review.objects.select_related("product__category")[:3])
    assert len(names) == 3
    assert verdicts(tracker.eager_loads()) == [
        ("shop.Review", "author__user", "select_related", True, ""),
        ("shop.Review", "product__category", "select_related", False, ""),
    ]


@pytest.mark.django_db
def test_an_error_in_the_hook_never_reaches_the_audited_code(shop, monkeypatch) -> None:
    def broken(model: object, path: str) -> tuple[object, ...]:
        raise RuntimeError("bug in perfaudit")

    monkeypatch.setattr("perfaudit.detect.eager.resolve_path", broken)
    with track_eager_loads(REPO) as tracker:
        products = list(Product.objects.select_related("category")[:2])
        assert sys.getprofile() == tracker.profile
    assert len(products) == 2
    assert tracker.eager_loads() == ()


@pytest.mark.django_db
def test_no_row_loaded_no_verdict(shop) -> None:
    with track_eager_loads(REPO) as tracker:
        assert list(Review.objects.select_related("product").filter(pk=0)) == []
        assert list(Review.objects.select_related("product").values("pk")[:1])
    assert verdicts(tracker.eager_loads()) == [
        ("shop.Review", "product", "select_related", True, ""),
        ("shop.Review", "product", "select_related", True, ""),
    ]


def test_paths_resolve_to_descriptors_until_a_segment_is_not_a_relation() -> None:
    assert resolve_path(Review, "author__user") == (Review.author, Customer.user)
    assert resolve_path(Order, "items__product") == (Order.items, OrderItem.product)
    assert resolve_path(Product, "tags__name") == (Product.tags,)
    assert resolve_path(Product, "nonsense") == ()


@pytest.mark.django_db
def test_shopdemo_optimized_views_read_every_eager_load(shop, client_as) -> None:
    product = Product.objects.filter(is_active=True, reviews__isnull=False).first()
    order = Order.objects.filter(customer__user__username="customer-1").first()
    assert product is not None and order is not None
    requests = [
        (None, "/api/products/"),
        (None, f"/api/products/{product.pk}/"),
        ("customer-1", "/api/orders/"),
        ("customer-1", f"/api/orders/{order.pk}/"),
    ]
    # shopdemo builds its query shapes once per process (functools.cache): built before the
    # block, their eager loads would be invisible (a documented limit). Rebuild them inside.
    for module in pkgutil.iter_modules(queries.__path__, f"{queries.__name__}."):
        for function in vars(importlib.import_module(module.name)).values():
            if callable(getattr(function, "cache_clear", None)):
                function.cache_clear()
    loads: list[EagerLoad] = []
    for user, path in requests:
        client = client_as(user)
        with track_eager_loads(REPO) as tracker:
            assert client.get(path).status_code == 200
        loads.extend(tracker.eager_loads())
    # Tags and order lines come as JSON arrays from subqueries: no eager load of their own.
    assert sorted(set(verdicts(tuple(loads)))) == [
        ("shop.Product", "category", "select_related", True, ""),
        ("shop.Review", "author__user", "select_related", True, ""),
    ]
    assert {load.callsite.file for load in loads if load.callsite} == {
        "shopdemo/shop/queries/products.py"
    }


def test_the_hook_chains_the_previous_profiler_and_restores_it() -> None:
    events: list[str] = []

    def previous(frame, event, arg) -> None:
        if frame.f_code is touch.__code__:
            events.append(event)

    def touch() -> None:
        pass

    seen_by_other_thread: list[object] = []
    sys.setprofile(previous)
    try:
        with track_eager_loads() as tracker:
            assert sys.getprofile() == tracker.profile
            touch()
            thread = threading.Thread(target=lambda: seen_by_other_thread.append(sys.getprofile()))
            thread.start()
            thread.join()
        assert sys.getprofile() is previous
    finally:
        sys.setprofile(None)
    assert events == ["call", "return"]
    assert seen_by_other_thread == [None]  # per thread: other threads never see the hook


def test_without_a_previous_profiler_none_is_restored() -> None:
    with track_eager_loads():
        pass
    assert sys.getprofile() is None


# Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_value", "flag", "expected"),
    [
        (None, None, False),
        ("true", None, True),
        ("false", True, True),
        ("true", False, False),
    ],
    ids=["default-off", "file-on", "flag-on", "flag-off-wins"],
)
def test_eager_loads_from_file_and_flag(
    tmp_path: Path, file_value: str | None, flag: bool | None, expected: bool
) -> None:
    if file_value is not None:
        (tmp_path / "setup.cfg").write_text(f"[perfaudit]\neager_loads = {file_value}\n")
    environ = {"DJANGO_SETTINGS_MODULE": "app.settings"}
    config = load_scan_config(tmp_path, ScanOptions(eager_loads=flag), environ)
    assert config.eager_loads is expected


def test_a_bad_eager_loads_value_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.perfaudit]\neager_loads = "sometimes"\n')
    with pytest.raises(ConfigError) as error:
        load_scan_config(tmp_path, ScanOptions(), {})
    assert str(error.value) == (
        "pyproject.toml [tool.perfaudit]: eager_loads: expected true or false, got 'sometimes'."
    )


# End to end: perfaudit scan --eager-loads --------------------------------------------------------


def scan_cases(tmp: Path, *flags: str) -> Run:
    urls = [arg for case in CASES for arg in ("--url", f"/eager/{case}/")]
    return run_scan(
        *flags, *urls, env={"SAMPLE_DB": str(tmp / "db.sqlite3")}, json_path=tmp / "report.json"
    )


@pytest.fixture(scope="module")
def eager_scan(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return scan_cases(tmp_path_factory.mktemp("eager-scan"), "--eager-loads")


def findings_of(run: Run) -> dict[str, list[tuple[object, ...]]]:
    assert run.report is not None, run.stderr
    return {
        r["path"]: [
            (f["kind"], f["model"], f["field"], f["count"], f["callsite"]["line"], f["suggestion"])
            for f in r["findings"]
        ]
        for r in run.report["requests"]
    }


def unused(model: str, path: str, marker: str, suggestion: str) -> tuple[object, ...]:
    return ("unused_eager_load", model, path, 1, marker_line(marker), suggestion)


def test_scan_reports_unused_eager_loads_with_line_and_fix(eager_scan: Run) -> None:
    assert eager_scan.returncode == 0, eager_scan.stderr
    assert findings_of(eager_scan) == {
        "/eager/unused-select/": [
            unused(
                "sample.Book", "publisher", "unused-select",
                "Remove select_related('publisher') from the Book queryset: its related objects "
                "were never read in this request (best effort).",
            )
        ],
        "/eager/unused-prefetch/": [
            unused(
                "sample.Author", "books", "unused-prefetch",
                "Remove prefetch_related('books') from the Author queryset: its related objects "
                "were never read in this request (best effort).",
            )
        ],
        "/eager/used/": [],
        "/eager/nested/": [
            unused(
                "sample.Review", "book__publisher", "nested-select",
                "Shorten select_related('book__publisher') to select_related('book') on the "
                "Review queryset: the objects past 'book' were never read in this request "
                "(best effort).",
            ),
            unused(
                "sample.Author", "books__tags", "nested-prefetch",
                "Shorten prefetch_related('books__tags') to prefetch_related('books') on the "
                "Author queryset: the objects past 'books' were never read in this request "
                "(best effort).",
            ),
            unused(
                "sample.Book", "author__user", "nested-none",
                "Remove select_related('author__user') from the Book queryset: its related "
                "objects were never read in this request (best effort).",
            ),
        ],
        "/eager/empty/": [],
    }  # fmt: skip
    findings = [f for r in eager_scan.report["requests"] for f in r["findings"]]
    assert {(f["is_best_effort"], f["callsite"]["file"]) for f in findings} == {
        (True, "sample/eager_views.py")
    }
    assert eager_scan.report["summary"]["findings"]["unused_eager_load"] == 5
    assert "unused eager load (best effort)" in eager_scan.stdout


def test_without_the_flag_no_eager_load_is_reported(tmp_path: Path) -> None:
    run = scan_cases(tmp_path)
    assert run.returncode == 0, run.stderr
    assert findings_of(run) == {f"/eager/{case}/": [] for case in CASES}


def test_shopdemo_optimized_views_have_no_unused_eager_load(tmp_path: Path) -> None:
    run = run_scan(
        "--eager-loads", "--fail-on", "unused_eager_load",
        cwd=REPO, env={"SHOPDEMO_DATA_DIR": str(tmp_path)}, json_path=tmp_path / "r.json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.report["summary"]["findings"]["unused_eager_load"] == 0
    assert len(run.report["requests"]) == 10
