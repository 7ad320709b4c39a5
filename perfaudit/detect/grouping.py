"""What makes queries one loop: the key detect groups a request's queries by, and the groups.

:func:`group_shapes` gathers a request's queries by :func:`shape_key` and call site (the
candidates for an N+1), :func:`group_duplicates` by SQL and values. Both run over every query
of every request and every test: each key part is worked out once per distinct object.

Pure: no Django import; works on :mod:`perfaudit.records` dataclasses only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfaudit.detect.fingerprint import fingerprint_sql, first_table, statement_verb
from perfaudit.records import CallSite, CapturedQuery, Trigger

__all__ = [
    "BY_RELATION",
    "NEVER_PER_ROW",
    "RELATION_READS",
    "Group",
    "group_duplicates",
    "group_shapes",
    "is_data_statement",
    "params_key",
    "shape_key",
    "sql_shape",
]

# A relation read or written row by row is one loop whatever SQL each row gets: the ORM
# varies it with the values (NULL vs a placeholder, a boolean column vs NOT it, list lengths).
BY_RELATION = frozenset(
    {"forward", "reverse_one_to_one", "reverse_fk", "m2m", "related_count", "related_exists",
     "related_filter", "related_first", "related_aggregate", "generic_fk", "deferred",
     "row_save", "row_delete", "m2m_write", "related_write"}
)  # fmt: skip
_WRITES = frozenset({"row_save", "row_delete", "m2m_write", "related_write"})
RELATION_READS = BY_RELATION - _WRITES
# Bounded by the number of models, not rows: Django caches each ContentType once.
NEVER_PER_ROW = frozenset({"content_type_cache"})
_NEGATED_COLUMN = re.compile(r'\bnot (?=")')
_NULL_TEST = re.compile(r"\bis (?:not )?null\b")


def shape_key(query: CapturedQuery, shape: str) -> tuple[object, ...]:
    """What groups a query with the others of its loop.

    By relation (and the QuerySet method, and the statement verb for reads) when the ORM
    access is known; else by the fingerprint with value-dependent spellings folded together.
    """
    trigger = query.trigger
    if trigger is not None and trigger.kind in BY_RELATION:
        verb = statement_verb(shape)
        # One save() or delete() sends several statements (an INSERT then an UPDATE, a
        # cascade's DELETE per table): a write loop repeats one statement on one table.
        table = first_table(shape) if trigger.kind in _WRITES else None
        return (
            "relation",
            trigger.kind,
            trigger.model,
            trigger.field,
            trigger.operation,
            verb,
            table,
        )
    if "not " in shape or " null" in shape:
        shape = _folded(shape)
    return ("sql", shape)


@functools.lru_cache(maxsize=1024)
def _folded(shape: str) -> str:
    """``shape`` with ``NOT "column"`` and ``IS [NOT] NULL`` folded: once per shape."""
    return _NULL_TEST.sub("= ?", _NEGATED_COLUMN.sub("", shape))


# Transaction control repeats by design (one savepoint per atomic block): not a query problem.
TRANSACTION_VERBS = frozenset({"savepoint", "release", "rollback", "commit", "begin", "start"})


@dataclass
class Group:
    """Queries of one shape from one call site (mutable while grouping)."""

    fingerprint: str
    callsite: CallSite | None
    is_framework: bool
    alias: str
    indexes: list[int] = field(default_factory=list)
    # Distinct (sql, params), up to two: whether they differ is all that is asked of them.
    executions: set[tuple[str, str]] = field(default_factory=set)

    def trigger(self, queries: Sequence[CapturedQuery]) -> Trigger | None:
        return next((queries[i].trigger for i in self.indexes if queries[i].trigger), None)


def sql_shape(sql: str) -> str:
    """fingerprint_sql(sql), worked out once per SQL text for the process, not per request.

    The same views send the same SQL in every request and every test; a text too long to
    be worth keeping (a bulk INSERT's) is fingerprinted each time instead.
    """
    if len(sql) > _CACHED_SQL_CHARS:
        return fingerprint_sql(sql)
    return _cached_fingerprint(sql)


_CACHED_SQL_CHARS = 8192
_cached_fingerprint = functools.lru_cache(maxsize=4096)(fingerprint_sql)


def params_key(query: CapturedQuery) -> str:
    """The key of a query's values: equal for the same values, different otherwise."""
    # repr, not hash: params may hold lists (PostgreSQL arrays), and 1 == True == 1.0 would
    # make different values look equal.
    return repr(query.params)


def is_data_statement(fingerprint: str) -> bool:
    """Whether a statement reads or writes data (transaction control does not)."""
    return statement_verb(fingerprint) not in TRANSACTION_VERBS


def group_shapes(queries: Sequence[CapturedQuery], prints: Sequence[str]) -> list[Group]:
    """The data statements in groups of one shape_key and call site, first seen first."""
    groups: dict[tuple[object, ...], Group] = {}
    # A loop's queries share their Trigger and CallSite objects and, through ``prints``, their
    # shape string: a query whose objects were seen before joins that group by their ids
    # alone (the queries and ``prints`` keep them alive). Otherwise the group's key is worked
    # out, and equal call sites share a number (hashing a CallSite hashes its six fields).
    # A loop's queries also come one after the other: a query with the previous one's
    # objects is in the previous one's group, without building its ids.
    by_ids: dict[tuple[object, ...], Group | None] = {}
    numbers: dict[CallSite | None, int] = {}
    group: Group | None = None
    last_shape: object = _UNSEEN
    last_callsite: object = _UNSEEN
    last_trigger: object = _UNSEEN
    last_framework: object = _UNSEEN
    last_alias: object = _UNSEEN
    for index, query in enumerate(queries):
        shape = prints[index]
        callsite, trigger = query.callsite, query.trigger
        if not (
            shape is last_shape
            and callsite is last_callsite
            and trigger is last_trigger
            and query.is_framework is last_framework
            and query.alias is last_alias
        ):
            last_shape, last_callsite, last_trigger = shape, callsite, trigger
            last_framework, last_alias = query.is_framework, query.alias
            ids = (id(shape), id(callsite), id(trigger), query.is_framework, query.alias)
            group = by_ids.get(ids, _UNSEEN)
            if group is _UNSEEN:
                group = None
                if is_data_statement(shape):
                    site = numbers.setdefault(callsite, len(numbers))
                    key = (query.is_framework, query.alias, shape_key(query, shape), site)
                    group = groups.get(key)
                    if group is None:
                        group = groups[key] = Group(
                            shape, callsite, query.is_framework, query.alias
                        )
                by_ids[ids] = group
        if group is None:  # transaction control
            continue
        group.indexes.append(index)
        if len(group.executions) < 2:  # a loop's params: two repr() calls, not one a row
            group.executions.add((query.sql, params_key(query)))
    return list(groups.values())  # dicts keep insertion order: first occurrence first


_UNSEEN = Group("", None, False, "")


def group_duplicates(
    queries: Sequence[CapturedQuery], prints: Sequence[str], covered: set[int]
) -> list[list[int]]:
    """Indexes of the same SQL with the same values, run twice or more, outside ``covered``."""
    groups: dict[tuple[object, ...], list[int]] = {}
    is_data: dict[str, bool] = {}
    for index, query in enumerate(queries):
        if index in covered:
            continue
        shape = prints[index]
        data = is_data.get(shape)
        if data is None:
            data = is_data[shape] = is_data_statement(shape)
        if data:
            key = (query.is_framework, query.alias, query.sql, params_key(query))
            groups.setdefault(key, []).append(index)
    return [indexes for indexes in groups.values() if len(indexes) >= 2]
