"""SQL building blocks of the optimized queries: JSON arrays, counts and sums as subqueries."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Aggregate,
    DecimalField,
    F,
    Func,
    IntegerField,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce

# Wide enough for a whole shop's revenue: SQLite's decimal converter rejects wider values.
MONEY = DecimalField(max_digits=20, decimal_places=2)


def annotation(obj: object, name: str) -> Any:
    """An annotated value of a model instance (django-stubs cannot see annotations)."""
    return getattr(obj, name)


def scalar_count(queryset: QuerySet[Any]) -> Subquery:
    """``(SELECT COUNT(*) ...)`` for use as an expression; zero on no rows, never NULL."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def grouped_sum(queryset: QuerySet[Any], group: str, expression: Any, output: Any) -> Coalesce:
    """A correlated ``SUM`` over ``queryset`` grouped by ``group``, zero when no row matches."""
    summed = queryset.order_by().values(group).annotate(s=Sum(expression)).values("s")
    return Coalesce(Subquery(summed, output_field=output), Value(0), output_field=output)


class JsonArray(Func):
    """A JSON array of the expressions: ``JSON_BUILD_ARRAY`` on PostgreSQL, ``JSON_ARRAY`` on
    SQLite. Nested JSON values (arrays from :class:`JsonArrayAgg`) stay JSON, not strings."""

    function = "JSON_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSON_BUILD_ARRAY", **extra)


class JsonArrayAgg(Aggregate):
    """A group's values as a JSON array, in no particular order: ``JSON_AGG`` on PostgreSQL,
    ``JSON_GROUP_ARRAY`` on SQLite.

    Cast the outermost JSON value to text (``Cast(..., TextField())``): psycopg decodes
    PostgreSQL's ``json`` type itself, without ``parse_float=Decimal``, SQLite returns text.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSON_AGG", **extra)


__all__ = ["MONEY", "JsonArray", "JsonArrayAgg", "annotation", "grouped_sum", "scalar_count"]
