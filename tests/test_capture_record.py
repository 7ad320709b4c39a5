"""The recorder builds each CapturedQuery without the dataclass's __init__ (it is the hot path):
the object must be the one CapturedQuery(...) would build, field for field."""

from __future__ import annotations

import dataclasses

import pytest

from perfaudit.capture.recorder import CAPTURED_FIELDS, capture_queries
from perfaudit.records import CapturedQuery
from shopdemo.shop.models import Product, Review

pytestmark = pytest.mark.django_db
FIELDS = [f.name for f in dataclasses.fields(CapturedQuery)]


def test_a_captured_query_is_what_the_constructor_builds(shop) -> None:
    review = Review.objects.order_by("id").first()
    with capture_queries() as queries:
        review.author  # noqa: B018
        list(Product.objects.filter(pk__in=[1, 2]))
    assert len(queries) == 2
    for query in queries:
        assert not hasattr(query, "__dict__")  # slots: one object a query, for the GC
        rebuilt = CapturedQuery(**{name: getattr(query, name) for name in FIELDS})
        assert query == rebuilt
        assert hash(query) == hash(rebuilt)
        assert repr(query) == repr(rebuilt)
        with pytest.raises(dataclasses.FrozenInstanceError):
            query.sql = "changed"  # type: ignore[misc]
    assert queries[0].trigger is not None and queries[0].callsite is not None
    assert list(CAPTURED_FIELDS) == FIELDS  # the recorder sets every field, in order
    assert queries[1].params is not None and len(queries[1].params) == 2
