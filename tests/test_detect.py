"""perfaudit.detect.findings: N+1s, duplicates, unused eager loads from CapturedQuery values."""

from __future__ import annotations

import subprocess
import sys

import pytest

from perfaudit.detect.findings import detect_findings
from perfaudit.detect.fixes import suggest_fix
from perfaudit.errors import ConfigError
from perfaudit.records import CallSite, CapturedQuery, EagerLoad, Finding, Trigger

LOOP = CallSite("shop/views.py", 40, "product_list")
OTHER_LOOP = CallSite("shop/views.py", 52, "product_list")
SERIALIZER = CallSite("shop/serializers.py", 77, "author_name")
MIDDLEWARE = CallSite("shop/middleware.py", 9, "__call__")

CUSTOMER_BY_PK = (
    'SELECT "shop_customer"."id", "shop_customer"."user_id" FROM "shop_customer" '
    'WHERE "shop_customer"."id" = %s LIMIT 21'
)
USER_BY_PK = 'SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."id" = %s LIMIT 21'
REVIEWS_OF = 'SELECT "shop_review"."id" FROM "shop_review" WHERE "shop_review"."product_id" = %s'
SESSION = 'SELECT "django_session"."session_data" FROM "django_session" WHERE "session_key" = %s'

AUTHOR = Trigger("forward", "shop.Review", "author", "shop.Customer")
USER = Trigger("forward", "shop.Customer", "user", "auth.User")
REVIEWS = Trigger("reverse_fk", "shop.Product", "reviews", "shop.Review")


def query(sql, params=(), *, site=LOOP, trigger=None, framework=False, alias="default"):
    return CapturedQuery(
        sql=sql,
        params=params,
        duration_ms=1.0,
        alias=alias,
        callsite=site,
        trigger=trigger,
        is_framework=framework,
    )


def loop(sql, values, **kwargs):
    return [query(sql, (value,), **kwargs) for value in values]


def fingerprint_of(table):
    return f'select "{table}"."id" from "{table}" where "{table}"."product_id" = ?'


def test_forward_fk_n_plus_one_is_attributed_with_its_fix():
    findings = detect_findings(loop(CUSTOMER_BY_PK, [3, 1, 4], trigger=AUTHOR))
    assert findings == (
        Finding(
            kind="n_plus_one",
            fingerprint='select "shop_customer"."id", "shop_customer"."user_id" '
            'from "shop_customer" where "shop_customer"."id" = ? limit ?',
            count=3,
            table="shop_customer",
            model="shop.Review",
            field="author",
            suggestion="Add select_related('author') to the queryset that loads Review.",
            callsite=LOOP,
            sample_sql=CUSTOMER_BY_PK,
        ),
    )


KINDS = [
    pytest.param(
        Trigger("forward", "shop.Review", "author", "shop.Customer"),
        "Add select_related('author') to the queryset that loads Review.",
        id="forward",
    ),
    pytest.param(
        Trigger("reverse_one_to_one", "auth.User", "customer", "shop.Customer"),
        "Add select_related('customer') to the queryset that loads User.",
        id="reverse_one_to_one",
    ),
    pytest.param(
        Trigger("reverse_fk", "shop.Product", "reviews", "shop.Review"),
        "Add prefetch_related('reviews') to the queryset that loads Product.",
        id="reverse_fk",
    ),
    pytest.param(
        Trigger("m2m", "shop.Product", "tags", "shop.Tag"),
        "Add prefetch_related('tags') to the queryset that loads Product.",
        id="m2m",
    ),
    pytest.param(
        Trigger("related_count", "shop.Product", "reviews", "shop.Review"),
        "Count in the same query: annotate(Count('reviews')) on the Product queryset and read "
        "reviews__count instead of calling .reviews.count() per row.",
        id="related_count",
    ),
    pytest.param(
        Trigger("related_count", "shop.Product", "reviews", "shop.Review", ordering=("-created",)),
        "Count in the same query: annotate(Count('reviews')) on the Product queryset and read "
        "reviews__count instead of calling .reviews.count() per row. Product has Meta.ordering "
        "= ['-created'], which Django drops from a query with an aggregate annotation: add "
        ".order_by('-created') to keep the order.",
        id="related_count-ordered",
    ),
    pytest.param(
        Trigger("related_exists", "shop.Product", "reviews", "shop.Review", remote="product"),
        "Annotate in the same query: annotate(has_reviews=Exists(Review.objects.filter("
        "product=OuterRef('pk')))) on the Product queryset (with the per-row filter() inside "
        "it, if any) instead of calling .reviews.exists() per row.",
        id="related_exists",
    ),
    pytest.param(
        Trigger(
            "related_aggregate",
            "shop.Order",
            "items",
            "shop.OrderItem",
            aggregates=("total=Sum('items__unit_price')",),
        ),
        "Aggregate in the same query: annotate(total=Sum('items__unit_price')) on the Order "
        "queryset and read the annotated value instead of calling .items.aggregate() per row.",
        id="related_aggregate",
    ),
    pytest.param(
        Trigger(
            "related_first",
            "shop.Product",
            "reviews",
            "shop.Review",
            operation="latest",
            remote="product",
        ),
        "Load the rows once: prefetch_related(Prefetch('reviews', queryset=Review.objects."
        "order_by(<the order first()/latest() uses>), to_attr='reviews_ordered')) and read "
        "obj.reviews_ordered[0], or annotate a Subquery(Review.objects.filter(product="
        "OuterRef('pk')).order_by(...).values(...)[:1]) instead of calling .reviews.latest() "
        "per row.",
        id="related_first",
    ),
    pytest.param(
        Trigger("generic_fk", "shop.Comment", "content_object"),
        "Add prefetch_related('content_object') to the queryset that loads Comment (or "
        "GenericPrefetch('content_object', [<one queryset per target model>]) to choose each "
        "target's queryset) instead of reading .content_object row by row.",
        id="generic_fk",
    ),
    pytest.param(
        Trigger("m2m_write", "shop.Product", "tags", "shop.Tag", operation="add"),
        "Link all rows in one statement: Product.tags.through.objects.bulk_create(["
        "Product.tags.through(...), ...], ignore_conflicts=True) instead of .tags.add() per row.",
        id="m2m_write",
    ),
    pytest.param(
        Trigger("row_save", "shop.Product", ""),
        "Update the Product rows in one statement: Product.objects.bulk_update(objs, "
        "[<fields>]), or a filtered Product.objects.update(...), instead of save() per row.",
        id="row_save",
    ),
    pytest.param(
        Trigger("related_filter", "shop.Order", "items", "shop.OrderItem"),
        "filter()/order_by() on .items runs a query per row even after prefetch_related('items'): "
        "use prefetch_related(Prefetch('items', queryset=OrderItem.objects.<the same "
        "filter()/order_by()>)) and read the prefetched rows, or annotate the value you need.",
        id="related_filter",
    ),
    pytest.param(
        Trigger("deferred", "shop.Product", "description"),
        "'description' is deferred and loaded row by row: drop it from defer() (or add it to "
        "only()) on the Product queryset.",
        id="deferred",
    ),
    pytest.param(
        Trigger("queryset", "shop.Category", ""),
        "Fetch the Category rows in one query, filter(<field>__in=[...]), and look them up in a "
        "dict keyed by that field instead of querying once per row.",
        id="queryset",
    ),
    pytest.param(
        Trigger("queryset", "shop.Category", "", remote="pk"),
        "Fetch the Category rows in one query before the loop, Category.objects.in_bulk(pks) "
        "(a dict keyed by pk), and look each one up there instead of querying once per row.",
        id="queryset-by-pk",
    ),
    pytest.param(
        Trigger("queryset", "shop.Category", "", remote="slug"),
        "Fetch the Category rows in one query before the loop, Category.objects.filter("
        "slug__in=values), and look them up in a dict keyed by slug instead of querying once "
        "per row.",
        id="queryset-by-field",
    ),
    pytest.param(
        None,
        "Load these rows with the queryset being looped over (select_related() or "
        "prefetch_related()), or in one query with filter(<field>__in=[...]).",
        id="unknown-trigger",
    ),
]


@pytest.mark.parametrize(("trigger", "suggestion"), KINDS)
def test_each_kind_of_access_gets_its_fix(trigger, suggestion):
    (finding,) = detect_findings(loop(REVIEWS_OF, [1, 2, 3], trigger=trigger))
    assert finding.kind == "n_plus_one"
    assert finding.suggestion == suggestion
    assert finding.model == (trigger.model if trigger else None)
    assert finding.field == (trigger.field or None if trigger else None)
    assert finding.table == "shop_review"


WRITES = [
    pytest.param(
        'INSERT INTO "shop_tag" ("name") VALUES (%s)',
        "Insert the Tag rows in one statement with bulk_create() instead of one per row.",
        id="insert",
    ),
    pytest.param(
        'UPDATE "shop_tag" SET "name" = %s WHERE "shop_tag"."id" = %s',
        "Update the Tag rows in one statement with bulk_update() or queryset.update().",
        id="update",
    ),
    pytest.param(
        'DELETE FROM "shop_tag" WHERE "shop_tag"."id" = %s',
        "Delete the Tag rows in one statement with a filtered queryset.delete().",
        id="delete",
    ),
]


@pytest.mark.parametrize(("sql", "suggestion"), WRITES)
def test_per_row_writes_get_a_bulk_fix(sql, suggestion):
    (finding,) = detect_findings(loop(sql, ["a", "b"], trigger=Trigger("queryset", "shop.Tag", "")))
    assert (finding.table, finding.suggestion) == ("shop_tag", suggestion)


SAVED_TAG = Trigger("row_save", "shop.Tag", "")
DELETED_TAG = Trigger("row_delete", "shop.Tag", "")


@pytest.mark.parametrize(
    "statements",
    [
        pytest.param(
            [
                (SAVED_TAG, 'INSERT INTO "shop_tag" ("name") VALUES (%s)', ("a",)),
                (
                    SAVED_TAG,
                    'UPDATE "shop_tag" SET "name" = %s WHERE "shop_tag"."id" = %s',
                    ("b", 1),
                ),
            ],
            id="create-then-save",
        ),
        pytest.param(
            [
                (DELETED_TAG, 'DELETE FROM "shop_product_tags" WHERE "tag_id" IN (%s)', (1,)),
                (DELETED_TAG, 'DELETE FROM "shop_tag" WHERE "shop_tag"."id" IN (%s)', (1,)),
            ],
            id="delete-with-its-cascade",
        ),
    ],
)
def test_one_rows_own_statements_are_not_a_per_row_write(statements):
    # One create() then save(), or one delete() and its cascade: one row, not a loop.
    queries = [query(sql, params, trigger=trigger) for trigger, sql, params in statements]
    assert detect_findings(queries) == ()


def test_a_save_loop_over_existing_rows_is_still_a_per_row_write():
    sql = 'UPDATE "shop_tag" SET "name" = %s WHERE "shop_tag"."id" = %s'
    queries = [query(sql, ("n", pk), trigger=SAVED_TAG) for pk in (1, 2, 3)]
    (finding,) = detect_findings(queries)
    assert (finding.kind, finding.count, finding.model) == ("n_plus_one", 3, "shop.Tag")


def test_same_shape_queries_of_library_code_with_no_call_site_are_not_a_loop():
    # A JWT authentication's user lookup, then DRF's get_object() for another user: no
    # project line ran either, and nothing says they are one loop.
    user_by_pk = 'SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."id" = %s'
    lookups = loop(user_by_pk, [2, 1], site=None, trigger=Trigger("queryset", "auth.User", ""))
    assert detect_findings(lookups) == ()
    # A relation read row by row in library code is still one, with or without a line.
    (finding,) = detect_findings(loop(CUSTOMER_BY_PK, [3, 1], site=None, trigger=AUTHOR))
    assert (finding.kind, finding.field, finding.callsite) == ("n_plus_one", "author", None)
    # A library's own writes, one row at a time (django-taggit creating the tags it was
    # given), are not the project's loop: no line of it to change.
    insert = 'INSERT INTO "core_tag" ("name", "slug") VALUES (%s, %s)'
    tags = loop(insert, ["a", "b", "c"], site=None, trigger=Trigger("row_save", "core.Tag", ""))
    assert detect_findings(tags) == ()


@pytest.mark.parametrize(
    ("lookup", "fix"),
    [
        pytest.param(
            "slug",
            "Fetch the slug values that exist in one query before the loop, set(Category."
            "objects.filter(slug__in=values).values_list('slug', flat=True)), and test "
            "membership instead of calling .exists() per value.",
            id="values",
        ),
        pytest.param(
            "product_id",
            "Annotate the looped-over queryset with Exists(Category.objects.filter(<field>="
            "OuterRef('pk'))) and read the annotation instead of calling .exists() per row; "
            "when the loop is over values, not rows, fetch the ones that exist in one query, "
            "filter(<field>__in=values).values_list(<field>), and test membership.",
            id="rows",
        ),
    ],
)
def test_a_per_value_exists_gets_the_fix_of_its_lookup(lookup, fix):
    # A free-slug search calls filter(slug=candidate).exists() per candidate: no queryset
    # is looped over, and one __in query answers them all.
    sql = 'SELECT 1 AS "a" FROM "shop_category" WHERE "shop_category"."slug" = %s LIMIT 1'
    trigger = Trigger("queryset", "shop.Category", "", operation="exists", remote=lookup)
    (finding,) = detect_findings(loop(sql, ["a", "a-1", "a-2"], trigger=trigger))
    assert finding.suggestion == fix


def test_suggest_fix_is_public_for_renderers():
    assert (
        suggest_fix(AUTHOR, "") == "Add select_related('author') to the queryset that loads Review."
    )


@pytest.mark.parametrize(
    ("count", "threshold", "kinds"),
    [
        pytest.param(2, 2, ("n_plus_one",), id="at-default-threshold"),
        pytest.param(4, 5, (), id="below-threshold"),
        pytest.param(5, 5, ("n_plus_one",), id="at-custom-threshold"),
        pytest.param(1, 2, (), id="single-query"),
    ],
)
def test_threshold(count, threshold, kinds):
    queries = loop(REVIEWS_OF, range(count), trigger=REVIEWS)
    findings = detect_findings(queries, threshold=threshold)
    assert tuple(f.kind for f in findings) == kinds


@pytest.mark.parametrize("threshold", [1, 0, -3])
def test_threshold_below_two_is_a_config_error(threshold):
    with pytest.raises(ConfigError) as error:
        detect_findings([], threshold=threshold)
    assert str(error.value) == (
        f"The N+1 threshold must be at least 2, got {threshold!r}; "
        "one query per row needs two rows to show."
    )


def test_duplicate_same_sql_same_params():
    queries = [query(REVIEWS_OF, (7,), site=LOOP), query(REVIEWS_OF, (7,), site=OTHER_LOOP)]
    assert detect_findings(queries) == (
        Finding(
            kind="duplicate",
            fingerprint=fingerprint_of("shop_review"),
            count=2,
            table="shop_review",
            model=None,
            field=None,
            suggestion="The same query with the same parameters runs 2 times, from 2 lines: "
            "shop/views.py:40 (product_list) and shop/views.py:52 (product_list); run it once "
            "and reuse the result (a variable, or cached_property on the object).",
            callsite=LOOP,
            sample_sql=REVIEWS_OF,
        ),
    )


def test_a_duplicate_from_one_line_names_no_other():
    (finding,) = detect_findings([query(REVIEWS_OF, (7,)), query(REVIEWS_OF, (7,))])
    assert finding.suggestion == (
        "The same query with the same parameters runs 2 times: run it once and reuse the "
        "result (a variable, or cached_property on the object)."
    )


def test_a_duplicate_from_many_lines_names_the_first_three_and_counts_the_rest():
    sites = [CallSite("shop/models.py", line, "Order.refresh") for line in (77, 98, 12, 5, 60)]
    template = CallSite("", 0, "", template="shop/order.html", template_line=9)
    queries = [query(REVIEWS_OF, (7,), site=site) for site in [*sites, sites[1], template]]
    (finding,) = detect_findings(queries)
    assert (finding.count, finding.callsite) == (7, sites[0])
    assert finding.suggestion.startswith(
        "The same query with the same parameters runs 7 times, from 6 lines: "
        "shop/models.py:77 (Order.refresh), shop/models.py:98 (Order.refresh), "
        "shop/models.py:12 (Order.refresh) and 3 more; run it once"
    )
    two = detect_findings([query(REVIEWS_OF, (7,), site=template), query(REVIEWS_OF, (7,))])
    assert "from 2 lines: template shop/order.html:9 and shop/views.py:40 (product_list);" in (
        two[0].suggestion
    )


def test_loop_with_constant_params_is_a_duplicate_not_an_n_plus_one():
    queries = loop(REVIEWS_OF, [7, 7, 7], trigger=REVIEWS)
    (finding,) = detect_findings(queries)
    assert (finding.kind, finding.count, finding.model, finding.field) == (
        "duplicate",
        3,
        "shop.Product",
        "reviews",
    )


def test_repeats_inside_an_n_plus_one_are_not_also_duplicates():
    # item.product for items that share products: 5 queries, 3 distinct values.
    queries = loop(REVIEWS_OF, [1, 2, 1, 3, 1], trigger=REVIEWS)
    findings = detect_findings(queries)
    assert [(f.kind, f.count) for f in findings] == [("n_plus_one", 5)]


def test_middleware_query_of_the_same_shape_is_not_counted_in_the_loop():
    # The trap: the session lookup runs once from middleware with the same shape as the loop.
    middleware = query(REVIEWS_OF, (1,), site=MIDDLEWARE, framework=True)
    same_site = query(REVIEWS_OF, (2,), site=LOOP, framework=True)
    queries = [middleware, same_site, *loop(REVIEWS_OF, [1, 2, 3], trigger=REVIEWS)]
    (finding,) = detect_findings(queries)
    assert (finding.kind, finding.count, finding.callsite) == ("n_plus_one", 3, LOOP)


def test_framework_query_is_never_a_duplicate_of_a_view_query():
    queries = [
        query(SESSION, ("k",), site=None, framework=True),
        query(SESSION, ("k",), site=None, framework=False),
    ]
    assert detect_findings(queries) == ()


def test_framework_queries_are_still_checked_among_themselves():
    queries = [query(SESSION, ("k",), site=None, framework=True) for _ in range(2)]
    (finding,) = detect_findings(queries)
    assert (finding.kind, finding.count, finding.callsite) == ("duplicate", 2, None)


def test_two_loops_on_one_table_are_two_findings_in_order():
    first = loop(REVIEWS_OF, [1, 2, 3], site=OTHER_LOOP, trigger=REVIEWS)
    second = loop(REVIEWS_OF, [1, 2], site=LOOP, trigger=REVIEWS)
    findings = detect_findings([*first, *second])
    assert [(f.kind, f.count, f.callsite) for f in findings] == [
        ("n_plus_one", 3, OTHER_LOOP),
        ("n_plus_one", 2, LOOP),
    ]


def test_query_inside_a_template_loop_keeps_the_template_line():
    row = CallSite("shop/views.py", 88, "render_page", template="shop/list.html", template_line=12)
    other_row = CallSite(
        "shop/views.py", 88, "render_page", template="shop/list.html", template_line=15
    )
    queries = [
        *loop(CUSTOMER_BY_PK, [1, 2, 3], site=row, trigger=AUTHOR),
        *loop(USER_BY_PK, [5, 6], site=other_row, trigger=USER),
    ]
    findings = detect_findings(queries)
    assert [(f.field, f.count, f.callsite) for f in findings] == [
        ("author", 3, row),
        ("user", 2, other_row),
    ]


def test_same_sql_on_two_aliases_is_not_a_duplicate():
    queries = [query(REVIEWS_OF, (1,), alias="default"), query(REVIEWS_OF, (1,), alias="replica")]
    assert detect_findings(queries) == ()


def test_unhashable_params_are_compared_by_value():
    queries = [query(REVIEWS_OF, ([1, 2],)), query(REVIEWS_OF, ([1, 2],))]
    assert [f.kind for f in detect_findings(queries)] == ["duplicate"]


def test_true_and_one_are_different_values():
    queries = [query(REVIEWS_OF, (1,)), query(REVIEWS_OF, (True,))]
    assert [f.kind for f in detect_findings(queries)] == ["n_plus_one"]


def test_inlined_literals_count_as_different_values():
    queries = [query(REVIEWS_OF.replace("%s", str(pk)), None) for pk in (1, 2, 3)]
    (finding,) = detect_findings(queries)
    assert (finding.kind, finding.fingerprint, finding.count) == (
        "n_plus_one",
        fingerprint_of("shop_review"),
        3,
    )


def test_savepoints_are_never_findings():
    queries = [query(f'SAVEPOINT "s1_x{i}"', None) for i in range(5)]
    queries += [query('RELEASE SAVEPOINT "s1_x1"', None) for _ in range(2)]
    assert detect_findings(queries) == ()


def interleaved(*groups):
    """Zip loops row by row, the way a loop reading review.author.user issues them."""
    return [q for row in zip(*groups, strict=True) for q in row]


def test_chained_forward_relations_on_one_line_become_one_nested_path():
    queries = interleaved(
        loop(CUSTOMER_BY_PK, [1, 2, 3], site=SERIALIZER, trigger=AUTHOR),
        loop(USER_BY_PK, [11, 12, 13], site=SERIALIZER, trigger=USER),
    )
    (finding,) = detect_findings(queries)
    assert (finding.model, finding.field, finding.count, finding.table) == (
        "shop.Review",
        "author__user",
        6,
        "shop_customer",
    )
    assert (
        finding.suggestion
        == "Add select_related('author__user') to the queryset that loads Review."
    )
    assert finding.sample_sql == CUSTOMER_BY_PK


def test_chain_is_found_whatever_loop_runs_first():
    queries = [
        *loop(USER_BY_PK, [11, 12], site=SERIALIZER, trigger=USER),
        *loop(CUSTOMER_BY_PK, [1, 2], site=SERIALIZER, trigger=AUTHOR),
    ]
    findings = detect_findings(queries)
    # Ordered by the first query the finding covers; the root still names the path.
    assert [(f.model, f.field, f.count) for f in findings] == [("shop.Review", "author__user", 4)]


def test_chain_through_a_prefetch_uses_prefetch_related():
    queries = [
        *loop(REVIEWS_OF, [1, 2], site=SERIALIZER, trigger=REVIEWS),
        *loop(CUSTOMER_BY_PK, [5, 6, 7], site=SERIALIZER, trigger=AUTHOR),
    ]
    (finding,) = detect_findings(queries)
    assert (finding.field, finding.suggestion) == (
        "reviews__author",
        "Add prefetch_related('reviews__author') to the queryset that loads Product.",
    )


def test_three_level_chain():
    order = Trigger("forward", "shop.OrderItem", "order", "shop.Order")
    customer = Trigger("forward", "shop.Order", "customer", "shop.Customer")
    orders = 'SELECT "shop_order"."id" FROM "shop_order" WHERE "shop_order"."id" = %s'
    queries = interleaved(
        loop(orders, [1, 2], site=SERIALIZER, trigger=order),
        loop(CUSTOMER_BY_PK, [3, 4], site=SERIALIZER, trigger=customer),
        loop(USER_BY_PK, [5, 6], site=SERIALIZER, trigger=USER),
    )
    (finding,) = detect_findings(queries)
    assert (finding.model, finding.field, finding.count) == (
        "shop.OrderItem",
        "order__customer__user",
        6,
    )


def test_relations_from_different_lines_are_not_chained():
    queries = [
        *loop(CUSTOMER_BY_PK, [1, 2], site=LOOP, trigger=AUTHOR),
        *loop(USER_BY_PK, [11, 12], site=SERIALIZER, trigger=USER),
    ]
    findings = detect_findings(queries)
    assert [(f.model, f.field) for f in findings] == [
        ("shop.Review", "author"),
        ("shop.Customer", "user"),
    ]


def test_count_is_not_chained_into_a_path():
    count = Trigger("related_count", "shop.Customer", "orders", "shop.Order")
    orders = 'SELECT COUNT(*) AS "__count" FROM "shop_order" WHERE "shop_order"."customer_id" = %s'
    queries = [
        *loop(CUSTOMER_BY_PK, [1, 2], site=SERIALIZER, trigger=AUTHOR),
        *loop(orders, [1, 2], site=SERIALIZER, trigger=count),
    ]
    assert [f.field for f in detect_findings(queries)] == ["author", "orders"]


def test_cyclic_relations_terminate_deterministically():
    parent = Trigger("forward", "shop.Category", "parent", "shop.Node")
    child = Trigger("forward", "shop.Node", "category", "shop.Category")
    nodes = 'SELECT "shop_node"."id" FROM "shop_node" WHERE "shop_node"."id" = %s'
    queries = [
        *loop(nodes, [1, 2], site=SERIALIZER, trigger=parent),
        *loop(CUSTOMER_BY_PK, [1, 2], site=SERIALIZER, trigger=child),
    ]
    findings = detect_findings(queries)
    assert [(f.model, f.field, f.count) for f in findings] == [
        ("shop.Category", "parent__category", 4)
    ]
    assert detect_findings(queries) == findings


def test_first_from_table_of_a_subquery_count():
    sql = 'SELECT COUNT(*) FROM (SELECT "shop_review"."id" FROM "shop_review" WHERE "x" = %s) sub'
    (finding,) = detect_findings(loop(sql, [1, 2]))
    assert finding.table == "shop_review"


def test_findings_follow_the_first_query_they_cover():
    queries = [
        query(SESSION, ("k",)),
        *loop(REVIEWS_OF, [1, 2], trigger=REVIEWS),
        query(SESSION, ("k",)),
    ]
    assert [f.kind for f in detect_findings(queries)] == ["duplicate", "n_plus_one"]


def load(path, *, was_read, kind="select_related", site=LOOP):
    return EagerLoad(model="shop.Product", path=path, kind=kind, callsite=site, was_read=was_read)


def test_unused_eager_load_is_reported_as_best_effort():
    findings = detect_findings([], eager_loads=[load("category", was_read=False)])
    assert findings == (
        Finding(
            kind="unused_eager_load",
            fingerprint="",
            count=1,
            table=None,
            model="shop.Product",
            field="category",
            suggestion="Remove select_related('category') from the Product queryset: its related "
            "objects were never read in this request (best effort).",
            callsite=LOOP,
            sample_sql="",
            is_best_effort=True,
        ),
    )


def test_eager_load_read_once_is_used():
    loads = [load("tags", was_read=False, kind="prefetch_related")] * 2
    loads.append(load("tags", was_read=True, kind="prefetch_related"))
    assert detect_findings([], eager_loads=loads) == ()


def test_eager_loads_come_after_query_findings_and_repeat_into_a_count():
    loads = [
        load("tags", was_read=False, kind="prefetch_related"),
        load("category", was_read=True),
        load("tags", was_read=False, kind="prefetch_related"),
        load("tags", was_read=False, kind="prefetch_related", site=OTHER_LOOP),
    ]
    findings = detect_findings(loop(REVIEWS_OF, [1, 2], trigger=REVIEWS), eager_loads=loads)
    assert [(f.kind, f.field, f.count, f.callsite) for f in findings] == [
        ("n_plus_one", "reviews", 2, LOOP),
        ("unused_eager_load", "tags", 2, LOOP),
        ("unused_eager_load", "tags", 1, OTHER_LOOP),
    ]


def test_no_queries_no_findings():
    assert detect_findings([]) == ()


VIEW_145 = CallSite("shop/naive.py", 145, "dashboard")
VIEW_151 = CallSite("shop/naive.py", 151, "dashboard")
ITEMS = Trigger("reverse_fk", "shop.Order", "items", "shop.OrderItem")
PRODUCT = Trigger("forward", "shop.OrderItem", "product", "shop.Product")
ITEMS_OF = (
    'SELECT "shop_orderitem"."id" FROM "shop_orderitem" WHERE "shop_orderitem"."order_id" = %s'
)
PRODUCT_BY_PK = 'SELECT "shop_product"."id" FROM "shop_product" WHERE "shop_product"."id" = %s'


def test_nested_loops_in_one_function_become_one_nested_path():
    # for order in orders: for item in order.items.all(): item.product
    queries = []
    for order, products in [(1, [10, 11]), (2, []), (3, [12])]:
        queries.append(query(ITEMS_OF, (order,), site=VIEW_145, trigger=ITEMS))
        queries += loop(PRODUCT_BY_PK, products, site=VIEW_151, trigger=PRODUCT)
    (finding,) = detect_findings(queries)
    assert (finding.model, finding.field, finding.count, finding.callsite) == (
        "shop.Order",
        "items__product",
        6,
        VIEW_145,
    )
    assert (
        finding.suggestion
        == "Add prefetch_related('items__product') to the queryset that loads Order."
    )


def test_loops_one_after_the_other_in_one_function_are_not_chained():
    queries = [
        *loop(ITEMS_OF, [1, 2, 3], site=VIEW_145, trigger=ITEMS),
        *loop(PRODUCT_BY_PK, [10, 11], site=VIEW_151, trigger=PRODUCT),
    ]
    findings = detect_findings(queries)
    assert [(f.field, f.count, f.callsite) for f in findings] == [
        ("items", 3, VIEW_145),
        ("product", 2, VIEW_151),
    ]


def test_pure_layers_import_no_django_click_rich_or_sqlparse():
    code = (
        "import sys, perfaudit.detect.findings, perfaudit.detect.fingerprint, "
        "perfaudit.detect.fixes; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'django', 'click', 'rich', 'sqlparse'}))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout == "[]\n"


SAVE_USER = 'UPDATE "auth_user" SET "last_login" = {} WHERE "auth_user"."id" = %s'
SAVED = Trigger("row_save", "auth.User", "")


def test_one_save_loop_is_one_group_whatever_sql_the_values_give():
    queries = [
        query(SAVE_USER.format("NULL"), (1,), trigger=SAVED),
        query(SAVE_USER.format("%s"), ("2026-01-01", 2), trigger=SAVED),
        query(SAVE_USER.format("NULL"), (3,), trigger=SAVED),
    ]
    (finding,) = detect_findings(queries)
    assert (finding.kind, finding.count, finding.model) == ("n_plus_one", 3, "auth.User")
    assert "bulk_update(" in finding.suggestion


STAFF = 'SELECT "auth_user"."id" FROM "auth_user" WHERE {}"auth_user"."is_staff" AND "id" = %s'


def test_a_hand_written_loop_over_booleans_is_one_group():
    queries = [
        query(STAFF.format(""), (1,), trigger=Trigger("queryset", "auth.User", "")),
        query(STAFF.format("NOT "), (2,), trigger=Trigger("queryset", "auth.User", "")),
    ]
    (finding,) = detect_findings(queries)
    assert finding.count == 2


def test_a_generic_fk_over_two_target_tables_is_one_finding():
    gfk = Trigger("generic_fk", "shop.Comment", "content_object")
    queries = [
        query('SELECT * FROM "shop_product" WHERE "id" = %s', (1,), trigger=gfk),
        query('SELECT * FROM "shop_tag" WHERE "id" = %s', (1,), trigger=gfk),
        query('SELECT * FROM "shop_product" WHERE "id" = %s', (2,), trigger=gfk),
    ]
    (finding,) = detect_findings(queries)
    assert (finding.count, finding.model, finding.field) == (3, "shop.Comment", "content_object")


def test_content_type_cache_fills_are_never_an_n_plus_one():
    cache = Trigger("content_type_cache", "contenttypes.ContentType", "")
    sql = 'SELECT * FROM "django_content_type" WHERE "id" = %s'
    assert detect_findings(loop(sql, [1, 2, 3], trigger=cache)) == ()


def test_a_read_and_a_count_of_one_relation_on_one_line_stay_apart():
    count = Trigger("related_count", "shop.Product", "reviews", "shop.Review")
    queries = [
        query(REVIEWS_OF, (1,), trigger=REVIEWS),
        query('SELECT COUNT(*) FROM "shop_review" WHERE "product_id" = %s', (1,), trigger=count),
    ]
    assert detect_findings(queries) == ()


def test_admin_list_display_gets_list_select_related():
    site = CallSite(
        "books/admin.py", 9, "BookAdmin.list_display", declaration="list_display 'author'"
    )
    (finding,) = detect_findings(loop(CUSTOMER_BY_PK, [1, 2], site=site, trigger=AUTHOR))
    assert finding.suggestion == (
        "Add list_select_related = ('author',) to BookAdmin (or select_related('author') in its "
        "get_queryset()): the change list reads it once per row."
    )


def test_a_signal_handler_names_itself_and_the_loop_that_saves():
    handler = CallSite("books/signals.py", 12, "count_reviews")
    saving = CallSite("books/views.py", 40, "rate_all")
    queries = [
        CapturedQuery(
            REVIEWS_OF,
            (n,),
            1.0,
            "default",
            handler,
            trigger=Trigger("queryset", "shop.Review", ""),
            signal="post_save of shop.Product",
            fired_by=saving,
        )
        for n in (1, 2)
    ]
    (finding,) = detect_findings(queries)
    assert finding.fired_by == saving
    assert finding.suggestion.startswith(
        "The post_save of shop.Product handler at books/signals.py:12 (count_reviews) queries "
        "once per saved row, and the rows are saved one at a time at books/views.py:40: save "
        "them in bulk (bulk_create()/bulk_update() send no signals)"
    )


def test_a_duplicate_is_placed_at_the_first_copy_with_a_project_line():
    # The admin fetches the object itself (no project line), then __str__ fetches it again.
    queries = [query(REVIEWS_OF, (7,), site=None), query(REVIEWS_OF, (7,)), query(REVIEWS_OF, (7,))]
    (finding,) = detect_findings(queries)
    assert (finding.kind, finding.count, finding.callsite) == ("duplicate", 3, LOOP)


def test_rows_sharing_their_parent_read_it_row_by_row_an_n_plus_one_not_a_duplicate():
    # babybuddy: every diaper change of one child read change.child, the same id each time.
    (finding,) = detect_findings(loop(CUSTOMER_BY_PK, [3, 3, 3], trigger=AUTHOR))
    assert (finding.kind, finding.count, finding.field) == ("n_plus_one", 3, "author")
    assert finding.suggestion == "Add select_related('author') to the queryset that loads Review."
