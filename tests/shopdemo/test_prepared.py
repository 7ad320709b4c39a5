"""Prepared order queries: the reused statement is the one Django would compile for the values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopdemo.shop.models import Order
from shopdemo.shop.prepared import Prepared
from shopdemo.shop.queries.orders import (
    first_order_page,
    keyset_order_page,
    one_order,
    order_values,
)

pytestmark = pytest.mark.django_db

ids = st.integers(min_value=1, max_value=2**62)
moments = st.datetimes(
    min_value=dt.datetime(1970, 1, 2),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from([dt.UTC, ZoneInfo("Europe/Amsterdam"), ZoneInfo("Asia/Kolkata")]),
)
PREPARED = {
    "first page": first_order_page(20),
    "forward": keyset_order_page(20, is_backward=False),
    "backward": keyset_order_page(20, is_backward=True),
    "one order": one_order(),
}


def fresh(prepared: Prepared[Order], **values: object) -> tuple[str, tuple[object, ...]]:
    sql, params = prepared.build(**values).query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    return sql, tuple(params)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from(sorted(PREPARED)), user_id=ids, pk=ids, created_at=moments)
def test_the_reused_statement_equals_a_fresh_compilation(name, user_id, pk, created_at) -> None:  # type: ignore[no-untyped-def]
    prepared = PREPARED[name]
    values = {"user_id": user_id, "pk": pk, "created_at": created_at}
    values = {key: value for key, value in values.items() if key in prepared.samples}
    assert prepared.sql(**values) == fresh(prepared, **values)


def test_every_value_fills_its_own_parameters() -> None:
    statement = keyset_order_page(20, is_backward=False).statement(DEFAULT_DB_ALIAS)
    # The customer once; the timestamp in the bound, the "<" and the tie; the id in the tie.
    assert sorted(name for _, name in statement.slots) == [
        "created_at", "created_at", "created_at", "pk", "user_id",
    ]  # fmt: skip


def test_a_sample_that_a_constant_of_the_query_equals_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="a constant of the query equals a sample"):
        # The constant 5 and the sample 5: the statement cannot tell them apart. Only a
        # sample's own parameters may be swapped, so a collision must stop compilation.
        Prepared(
            Order,
            lambda pk: Order.objects.filter(pk=pk).exclude(pk=5),
            order_values("pk"),
            {"pk": 5},
        ).statement(DEFAULT_DB_ALIAS)


def test_a_value_that_is_no_parameter_is_refused() -> None:
    prepared = Prepared(Order, lambda pk: Order.objects.all(), order_values("pk"), {"pk": -7})
    with pytest.raises(ImproperlyConfigured, match=r"\['pk'\] are not query parameters"):
        prepared.statement(DEFAULT_DB_ALIAS)


def test_fields_and_samples_must_name_the_same_values() -> None:
    with pytest.raises(ImproperlyConfigured, match="must name the same values"):
        Prepared(Order, lambda pk: Order.objects.all(), order_values("pk"), {})


def test_running_returns_the_rows_a_queryset_returns(shop) -> None:  # type: ignore[no-untyped-def]
    order = Order.objects.order_by("id").select_related("customer").first()
    assert order is not None
    user_id = order.customer.user_id
    rows = list(one_order().run(user_id=user_id, pk=order.pk))
    assert [row.pk for row in rows] == [order.pk]
    assert list(one_order().run(user_id=user_id + 10_000, pk=order.pk)) == []


def test_values_outside_the_columns_range_find_no_rows(shop, client_as) -> None:  # type: ignore[no-untyped-def]
    # Django answers pk=10**20 with no rows without asking the database; so must a prepared
    # statement (SQLite would raise OverflowError on the parameter: a 500).
    assert one_order().run(user_id=1, pk=10**20) == []
    assert first_order_page(20).run(user_id=-(10**20)) == []
    client = client_as("customer-1")
    for twin in ("", "naive/"):
        response = client.get(f"/api/{twin}orders/99999999999999999999/")
        assert response.status_code == 404, (twin, response.content)
