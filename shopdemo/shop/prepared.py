"""Querysets compiled to SQL once per process, then run with new values.

Django builds and compiles a queryset anew on every evaluation. For the order list's keyset
page that work (cloning, resolving the filters, compiling the correlated subquery) cost about
0.65 ms of a 2.3 ms view, measured deep in a 105k-order listing on PostgreSQL, where the query
itself took 0.4 ms. A :class:`Prepared` query compiles its queryset once per database with
sample values, finds where those values landed among the statement's parameters, and from then
on only swaps the parameters.

The samples are chosen so that no constant of the query can equal them, and compiling checks
it: every sample must land in the parameters, no parameter may match two samples, and a
second compilation with other samples must differ exactly in those parameters. Values
are adapted for the database by the model field they are compared with, exactly as Django's
lookups adapt them. A test compiles the same queryset afresh for random values and compares
statement and parameters with what :meth:`Prepared.sql` returns.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Field, Model, QuerySet

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Statement:
    """A compiled statement: its SQL, its parameters, and which of them take which value."""

    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (parameter index, value name)


def shift(sample: Any) -> Any:
    """Another sample of the same type (integers and datetimes: what the shop's queries take)."""
    if isinstance(sample, dt.datetime):
        return sample + dt.timedelta(days=1, microseconds=1)
    if isinstance(sample, int) and not isinstance(sample, bool):
        return sample - 1
    raise ImproperlyConfigured(f"Prepared: no second sample for {sample!r}.")


class Prepared(Generic[M]):
    """``build(**values)`` compiled once per database alias, run with new ``values``.

    ``fields`` names, for each value, the model field it is compared with (its adapter);
    ``samples`` gives each value an unlikely sample to compile with. ``build`` must put every
    value into the statement as a parameter and must not branch on the values: the same
    statement has to serve every value.
    """

    def __init__(
        self,
        model: type[M],
        build: Callable[..., QuerySet[M]],
        fields: Mapping[str, Field[Any, Any]],
        samples: Mapping[str, Any],
    ) -> None:
        if set(fields) != set(samples):
            raise ImproperlyConfigured("Prepared: fields and samples must name the same values.")
        self.model = model
        self.build = build
        self.fields = dict(fields)
        self.samples = dict(samples)
        self._statements: dict[str, Statement] = {}
        self._lock = threading.Lock()

    def adapt(self, name: str, value: Any, using: str) -> Any:
        return self.fields[name].get_db_prep_value(value, connections[using])

    def compile(self, using: str) -> Statement:
        """Compile with the samples, and again with other samples to prove the slots.

        A parameter is a slot when it equals the adapted sample of exactly one value. The
        second compilation, with every sample shifted, must give the same SQL, the shifted
        values in the slots and the same constants elsewhere: a constant that happened to
        equal a sample would keep its value there and is refused.
        """
        sql, params = self.build(**self.samples).query.get_compiler(using).as_sql()
        adapted = {name: self.adapt(name, value, using) for name, value in self.samples.items()}
        slots: list[tuple[int, str]] = []
        for index, param in enumerate(params):
            names = [
                name
                for name, sample in adapted.items()
                if type(param) is type(sample) and param == sample
            ]
            if len(names) > 1:
                raise ImproperlyConfigured(f"Prepared: samples {names} adapt to the same value.")
            slots.extend((index, name) for name in names)
        missing = set(self.samples) - {name for _, name in slots}
        if missing:
            raise ImproperlyConfigured(f"Prepared: {sorted(missing)} are not query parameters.")
        statement = Statement(sql=sql, params=tuple(params), slots=tuple(slots))
        shifted = {name: shift(value) for name, value in self.samples.items()}
        if self.build(**shifted).query.get_compiler(using).as_sql() != (
            statement.sql,
            self.fill(statement, shifted, using),
        ):
            raise ImproperlyConfigured(
                "Prepared: the statement changes with the values, or a constant of the query "
                f"equals a sample; choose other samples than {self.samples!r}."
            )
        return statement

    def fill(self, statement: Statement, values: Mapping[str, Any], using: str) -> tuple[Any, ...]:
        params = list(statement.params)
        for index, name in statement.slots:
            params[index] = self.adapt(name, values[name], using)
        return tuple(params)

    def statement(self, using: str) -> Statement:
        statement = self._statements.get(using)
        if statement is None:
            with self._lock:
                statement = self._statements.get(using) or self.compile(using)
                self._statements[using] = statement
        return statement

    def sql(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> tuple[str, tuple[Any, ...]]:
        """The statement and its parameters for ``values``, without building a queryset."""
        statement = self.statement(using)
        return statement.sql, self.fill(statement, values, using)

    def in_range(self, values: Mapping[str, Any], using: str) -> bool:
        """Whether every integer value fits its column, as Django's lookups check.

        Django turns ``pk=10**20`` into an empty result without asking the database (its
        lookups raise ``EmptyResultSet``); passed on as a parameter, SQLite raises
        ``OverflowError`` instead.
        """
        ranges = connections[using].ops.integer_field_ranges
        for name, value in values.items():
            field = getattr(self.fields[name], "target_field", self.fields[name])
            bounds = ranges.get(field.get_internal_type())
            if bounds is not None and isinstance(value, int):
                low, high = bounds
                if not low <= value <= high:
                    return False
        return True

    def run(self, using: str | None = None, **values: Any) -> list[M]:
        """The rows for ``values``, as model instances with the queryset's annotations.

        ``using`` defaults to the database the routers pick for reading the model, as a
        queryset's would.
        """
        using = using or router.db_for_read(self.model)
        if not self.in_range(values, using):
            return []
        sql, params = self.sql(using, **values)
        return list(self.model._default_manager.db_manager(using).raw(sql, params))


__all__ = ["Prepared", "Statement"]
