"""Route parameters that no view model names are searched for once per discovery, not per route;
a view's model read from what it declares, and said when it cannot be told."""

from __future__ import annotations

import pytest
from rest_framework import viewsets

from perfaudit.replay.view_info import find_values
from shopdemo.shop.models import Category


def plain_view(request, category_id):  # type: ignore[no-untyped-def]
    raise AssertionError("discovery never calls the view")


@pytest.mark.django_db
def test_a_parameter_found_elsewhere_is_searched_once_per_discovery(
    django_assert_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    first = Category.objects.create(name="Books", slug="books")
    Category.objects.create(name="Games", slug="games")
    elsewhere: dict[str, object | None] = {}
    with django_assert_num_queries(1):
        values = [find_values(plain_view, ("category_id",), elsewhere) for _ in range(5)]
    assert values == [{"category_id": first.pk}] * 5
    assert elsewhere == {"category_id": first.pk}


@pytest.mark.django_db
def test_a_missing_parameter_is_remembered_as_missing(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    elsewhere: dict[str, object | None] = {}
    with CaptureQueriesContext(connection) as first:  # Category.pk and Product.category_id
        reasons = [find_values(plain_view, ("category_id",), elsewhere)]
    assert len(first) == 2
    with django_assert_num_queries(0):
        reasons += [find_values(plain_view, ("category_id",), elsewhere) for _ in range(2)]
    assert (
        reasons
        == [
            "no value for <category_id>: no field or model of that name has a row in the test "
            "database"
        ]
        * 3
    )


@pytest.mark.django_db
def test_without_a_memo_each_call_searches_again(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    Category.objects.create(name="Books", slug="books")
    with django_assert_num_queries(2):
        find_values(plain_view, ("category_id",))
        find_values(plain_view, ("category_id",))


class EmptyDeclaredViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The common DRF shape: ``.none()`` for the router, the real queryset built per request."""

    queryset = Category.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Category.objects.filter(products__isnull=False)


class NoModelViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Neither a queryset nor a serializer class: both are built per request."""

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Category.objects.all()

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        raise AssertionError("discovery never calls the view")


@pytest.mark.django_db
def test_a_queryset_declared_empty_is_filled_from_the_models_rows() -> None:
    books = Category.objects.create(name="Books", slug="books")
    detail = EmptyDeclaredViewSet.as_view({"get": "retrieve"})
    assert find_values(detail, ("pk",)) == {"pk": books.pk}


@pytest.mark.django_db
def test_a_view_with_no_queryset_model_or_serializer_says_so() -> None:
    Category.objects.create(name="Books", slug="books")
    detail = NoModelViewSet.as_view({"get": "retrieve"})
    assert find_values(detail, ("pk",)) == (
        "cannot tell the model of tests.test_discovery_values.NoModelViewSet: it declares no "
        "queryset, model or serializer_class; replay it with --url or from a requests file "
        "(--requests)"
    )
    # A parameter some model names is still filled from that model.
    found = find_values(detail, ("category_id",))
    assert found == {"category_id": Category.objects.get().pk}


def named_view(request, name, slug):  # type: ignore[no-untyped-def]
    raise AssertionError("discovery never calls the view")


@pytest.mark.django_db
def test_a_parameter_several_models_have_rows_for_is_not_guessed() -> None:
    # babybuddy: <slug> of a Child's report pages was filled with a Tag's slug (the first model
    # with a slug field), and the six pages answered 500.
    Category.objects.create(name="Books", slug="books")
    reason = find_values(named_view, ("name", "slug"))
    assert isinstance(reason, str)
    assert reason.startswith("no value for <name>: a field of ")
    assert "(auth.Permission, " in reason and ", shop.Category" in reason
    assert reason.endswith(
        ": cannot tell which; replay it with --url or from a requests file (--requests)"
    )
    # One model with rows of that field: its value.
    assert find_values(plain_view, ("slug",)) == {"slug": "books"}


def renew(request, pk):  # type: ignore[no-untyped-def]
    raise AssertionError("discovery never calls the view")


@pytest.mark.django_db
def test_a_function_views_pk_says_whose_cannot_be_told() -> None:
    # MDN's locallibrary: /catalog/book/<uuid:pk>/renew/ said "no field or model of that name
    # has a row", though every model has rows with a pk.
    Category.objects.create(name="Books", slug="books")
    assert find_values(renew, ("pk",)) == (
        "no value for <pk>: the view names no model, so whose pk cannot be told; replay it "
        "with --url or from a requests file (--requests)"
    )
