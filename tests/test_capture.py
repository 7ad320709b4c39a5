"""perfaudit.capture.recorder on shopdemo's models: triggers, call sites, templates, tags."""

from __future__ import annotations

import inspect

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Prefetch
from django.template import Context, Engine

from perfaudit.capture.recorder import capture_queries
from perfaudit.detect.findings import detect_findings
from perfaudit.records import CallSite, Trigger
from shopdemo.shop.models import Category, Order, Product, Review, Tag

pytestmark = pytest.mark.django_db
HERE = "tests/test_capture.py"


def line_of(marker: str) -> int:
    """The line of this file that carries ``# marker``."""
    source = inspect.getsource(inspect.getmodule(line_of))  # type: ignore[arg-type]
    lines = [i for i, text in enumerate(source.splitlines(), 1) if text.endswith(f"# {marker}")]
    assert len(lines) == 1, marker
    return lines[0]


def only_trigger(queries):
    assert len(queries) == 1, [q.sql for q in queries]
    return queries[0].trigger


def test_forward_fk(shop) -> None:
    review = Review.objects.order_by("id").first()
    with capture_queries() as queries:
        review.author  # noqa: B018  # forward-fk
    assert only_trigger(queries) == Trigger("forward", "shop.Review", "author", "shop.Customer")
    assert queries[0].callsite == CallSite(HERE, line_of("forward-fk"), "test_forward_fk")
    assert queries[0].alias == "default"
    assert not queries[0].is_framework


def test_forward_one_to_one(shop) -> None:
    customer = Order.objects.order_by("id").first().customer
    with capture_queries() as queries:
        customer.user  # noqa: B018
    assert only_trigger(queries) == Trigger("forward", "shop.Customer", "user", "auth.User")


def test_reverse_one_to_one(shop) -> None:
    user = User.objects.get(username="customer-1")
    with capture_queries() as queries:
        user.customer  # noqa: B018
    assert only_trigger(queries) == Trigger(
        "reverse_one_to_one", "auth.User", "customer", "shop.Customer"
    )


def test_reverse_fk_iteration(shop) -> None:
    product = Product.objects.order_by("id").first()
    with capture_queries() as queries:
        list(product.reviews.all())
    assert only_trigger(queries) == Trigger("reverse_fk", "shop.Product", "reviews", "shop.Review")


@pytest.mark.parametrize(
    ("owner", "attribute", "trigger"),
    [
        (Product, "tags", Trigger("m2m", "shop.Product", "tags", "shop.Tag")),
        (Tag, "products", Trigger("m2m", "shop.Tag", "products", "shop.Product")),
    ],
    ids=["forward-m2m", "reverse-m2m"],
)
def test_many_to_many_iteration(shop, owner, attribute, trigger) -> None:
    obj = owner.objects.order_by("id").first()
    with capture_queries() as queries:
        list(getattr(obj, attribute).all())
    assert only_trigger(queries) == trigger


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda p: p.reviews.count(), "related_count"),
        (lambda p: p.reviews.exists(), "related_exists"),
        (lambda p: list(p.reviews.filter(rating=5)), "related_filter"),
        (lambda p: list(p.reviews.order_by("-id")), "related_filter"),
        # A slice of all() is served by prefetch_related('reviews') (see below): no filter.
        (lambda p: list(p.reviews.all()[:2]), "reverse_fk"),
    ],
    ids=["count", "exists", "filter", "order_by", "slice"],
)
def test_related_manager_methods(shop, call, kind) -> None:
    product = Product.objects.order_by("id").first()
    with capture_queries() as queries:
        call(product)
    assert only_trigger(queries) == Trigger(kind, "shop.Product", "reviews", "shop.Review")


@pytest.mark.parametrize(
    ("call", "kind"),
    [(lambda p: p.tags.count(), "related_count"), (lambda p: p.tags.exists(), "related_exists")],
    ids=["count", "exists"],
)
def test_many_to_many_count_and_exists(shop, call, kind) -> None:
    product = Product.objects.order_by("id").first()
    with capture_queries() as queries:
        call(product)
    assert only_trigger(queries) == Trigger(kind, "shop.Product", "tags", "shop.Tag")


def test_filter_on_a_prefetched_relation_still_queries(shop) -> None:
    product = Product.objects.prefetch_related("reviews").order_by("id").first()
    with capture_queries() as queries:
        list(product.reviews.all())
        list(product.reviews.filter(rating__gte=1))
    assert only_trigger(queries).kind == "related_filter"


def test_deferred_field(shop) -> None:
    product = Product.objects.only("name").order_by("id").first()
    with capture_queries() as queries:
        product.description  # noqa: B018
    assert only_trigger(queries) == Trigger("deferred", "shop.Product", "description")


def test_hand_written_query(shop) -> None:
    with capture_queries() as queries:
        list(Review.objects.filter(product_id=1))
    assert only_trigger(queries) == Trigger("queryset", "shop.Review", "")


@pytest.mark.parametrize(
    ("run", "lookup"),
    [
        pytest.param(lambda: list(Review.objects.filter(pk=-1)), "pk", id="pk"),
        pytest.param(lambda: list(Review.objects.filter(product_id=1)), "product_id", id="fk"),
        pytest.param(lambda: list(Category.objects.filter(slug="x")), "slug", id="field"),
        pytest.param(lambda: list(Category.objects.filter(slug__contains="x")), "", id="contains"),
        pytest.param(lambda: list(Review.objects.filter(product_id=1, rating=2)), "", id="two"),
    ],
)
def test_a_hand_written_query_names_its_single_lookup(shop, run, lookup) -> None:
    # What a per-row get(pk=...) loop's fix names: in_bulk(), or filter(<lookup>__in=...).
    with capture_queries() as queries:
        run()
    assert only_trigger(queries).remote == lookup


def test_prefetch_queries_are_not_relation_accesses(shop) -> None:
    with capture_queries() as queries:
        list(Product.objects.prefetch_related("tags", Prefetch("reviews"))[:3])
    assert [q.trigger.kind for q in queries] == ["queryset"] * 3


def test_params_and_sql_are_recorded(shop) -> None:
    with capture_queries() as queries:
        list(Category.objects.filter(slug="x", id__in=[1, 2]))
    (query,) = queries
    assert query.params == (1, 2, "x")
    assert "shop_category" in query.sql
    assert query.duration_ms >= 0
    assert query.many is False


def test_template_name_and_line() -> None:
    engine = Engine(debug=True)
    template = engine.from_string(
        "<ul>\n{% for c in categories %}\n<li>{{ c.products.count }}\n{% endfor %}"
    )
    categories = list(Category.objects.bulk_create([Category(name=n, slug=n) for n in "ab"]))
    with capture_queries() as queries:
        template.render(Context({"categories": categories}))  # render
    assert [q.callsite for q in queries] == [
        CallSite(
            HERE,
            line_of("render"),
            "test_template_name_and_line",
            template="<unknown source>",
            template_line=3,
        )
    ] * 2
    assert {q.trigger for q in queries} == {
        Trigger("related_count", "shop.Category", "products", "shop.Product")
    }


def test_session_and_user_queries_are_framework(shop, client_as) -> None:
    client = client_as("customer-1")
    with capture_queries() as queries:
        response = client.get("/api/naive/orders/")
    assert response.status_code == 200
    flags = [q.is_framework for q in queries]
    # The session and the user load when the view's decorator reads request.user.
    assert flags[:2] == [True, True]
    assert not any(flags[2:])
    assert "django_session" in queries[0].sql
    assert "auth_user" in queries[1].sql
    assert queries[2].callsite.file == "shopdemo/shop/naive.py"


def test_drf_authentication_queries_are_framework(shop, client) -> None:
    # DRF authenticates when the view first reads request.user: the project's authentication
    # class runs inside the view's dispatch, yet its query is authentication, not the view's.
    pytest.importorskip("rest_framework")
    from django.test import override_settings

    User.objects.create(username="drf-reader")
    with override_settings(ROOT_URLCONF="tests.capture_views"), capture_queries() as queries:
        response = client.get("/drf/", HTTP_X_USER="drf-reader")
    assert response.status_code == 200, response.content
    assert [(q.is_framework, "auth_user" in q.sql) for q in queries] == [
        (True, True),
        (False, False),
    ]
    assert queries[0].callsite.file == "tests/capture_views.py"


def test_anonymous_requests_have_no_framework_queries(shop, client) -> None:
    with capture_queries() as queries:
        client.get("/api/naive/products/")
    assert queries and not any(q.is_framework for q in queries)


def test_wrappers_are_removed_after_the_block(shop) -> None:
    before = list(connection.execute_wrappers)
    with capture_queries():
        assert len(connection.execute_wrappers) == len(before) + 1
    assert connection.execute_wrappers == before
    with pytest.raises(ZeroDivisionError), capture_queries():
        1 / 0  # noqa: B018
    assert connection.execute_wrappers == before


def test_queries_in_process_view_are_the_middlewares(shop, client) -> None:
    from django.conf import settings
    from django.test import override_settings

    middleware = [*settings.MIDDLEWARE, "tests.capture_views.CountingMiddleware"]
    settings_ = override_settings(MIDDLEWARE=middleware, ROOT_URLCONF="tests.capture_views")
    with settings_, capture_queries() as queries:
        assert client.get("/names/").status_code == 200
    assert [(q.is_framework, "COUNT(*)" in q.sql) for q in queries] == [
        (True, True),
        (False, False),
    ]
    assert queries[0].callsite.file == "tests/capture_views.py"
    assert queries[1].callsite.function == "category_names"


def test_prefetch_queries_under_an_orm_frame_are_not_relation_accesses(shop) -> None:
    # refresh_from_db() is on the stack (an ORM frame that names a deferred load) while the
    # prefetch of tags runs: that query is still one query for all rows, not a per-row read.
    product = Product.objects.order_by("id").first()
    with capture_queries() as queries:
        product.refresh_from_db(from_queryset=Product.objects.prefetch_related("tags"))
    assert [q.trigger for q in queries] == [
        Trigger("deferred", "shop.Product", ""),
        Trigger("queryset", "shop.Tag", ""),
    ]


def _project_wrapper(execute, sql, params, many, context):
    return execute(sql, params, many, context)


def _two_frame_wrapper(execute, sql, params, many, context):
    return _project_wrapper(execute, sql, params, many, context)


@pytest.mark.parametrize("wrapper", [_project_wrapper, _two_frame_wrapper])
def test_a_projects_own_execute_wrapper_is_not_the_call_site(shop, wrapper) -> None:
    # Installed before the capture, the project's wrapper runs outside perfaudit's: its frames
    # sit between the query and the line that ran it, and are not that line.
    review = Review.objects.order_by("id").first()
    with connection.execute_wrapper(wrapper), capture_queries() as queries:
        review.author  # noqa: B018  # under-a-wrapper
    assert only_trigger(queries) == Trigger("forward", "shop.Review", "author", "shop.Customer")
    function = "test_a_projects_own_execute_wrapper_is_not_the_call_site"
    assert queries[0].callsite == CallSite(HERE, line_of("under-a-wrapper"), function)


def test_a_raw_cursor_query_is_at_the_line_that_ran_it(shop) -> None:
    touch = "UPDATE shop_tag SET name = name WHERE id = %s"
    with capture_queries() as queries, connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # raw-execute
        cursor.executemany(touch, [(1,), (2,)])  # raw-executemany
    function = "test_a_raw_cursor_query_is_at_the_line_that_ran_it"
    assert [(q.callsite, q.many) for q in queries] == [
        (CallSite(HERE, line_of("raw-execute"), function), False),
        (CallSite(HERE, line_of("raw-executemany"), function), True),
    ]


def test_a_count_fix_uses_the_lookup_name_and_runs() -> None:
    # Group.user_set has no related_name: Count() takes "user", not the accessor "user_set"
    # (MDN's locallibrary got annotate(Count('bookinstance_set')), a FieldError).
    from django.contrib.auth.models import Group
    from django.db.models import Count

    groups = [Group.objects.create(name=f"g{i}") for i in range(3)]
    for i, group in enumerate(groups):
        User.objects.create(username=f"member{i}").groups.add(group)
    with capture_queries() as queries:
        counts = [group.user_set.count() for group in groups]
    (finding,) = detect_findings(queries)
    assert (finding.model, finding.field, finding.count) == ("auth.Group", "user_set", 3)
    assert "annotate(Count('user')) on the Group queryset and read user__count instead of " \
        "calling .user_set.count() per row" in finding.suggestion  # fmt: skip
    pasted = Group.objects.filter(pk__in=[g.pk for g in groups]).annotate(Count("user"))
    assert [g.user__count for g in pasted.order_by("pk")] == counts == [1, 1, 1]


def test_the_fix_for_a_sliced_relation_serves_the_slice_from_the_prefetch(shop) -> None:
    # MDN's locallibrary: Book.display_genre reads self.genre.all()[:3] per row of the admin.
    products = list(Product.objects.order_by("id")[:3])
    with capture_queries() as queries:
        naive = [[r.pk for r in p.reviews.all()[:2]] for p in products]
    (finding,) = detect_findings(queries)
    assert finding.suggestion.startswith("Add prefetch_related('reviews') to the queryset")
    prefetched = list(Product.objects.order_by("id").prefetch_related("reviews")[:3])
    with capture_queries() as queries:
        fixed = [[r.pk for r in p.reviews.all()[:2]] for p in prefetched]
    assert (fixed, len(queries)) == (naive, 0)


class Importer:
    """A save() that is not the saved model's own: its loop is the call site."""

    def save(self, products: list[Product]) -> None:
        for product in products:
            product.save(update_fields=["price"])  # importer-loop


def test_only_the_saved_models_own_save_is_passed_over(shop) -> None:
    products = list(Product.objects.order_by("id")[:3])
    with capture_queries() as queries:
        Importer().save(products)
    updates = [q for q in queries if q.sql.startswith('UPDATE "shop_product"')]
    assert len(updates) == 3
    sites = {(q.callsite.file, q.callsite.line) for q in updates}
    assert sites == {(HERE, line_of("importer-loop"))}
