"""Find N+1 patterns, duplicate queries and unused eager loads in one request's queries.

Queries are grouped by shape (:func:`perfaudit.detect.fingerprint.fingerprint_sql`) per call site:

* ``n_plus_one``: one shape from one call site, at least ``threshold`` times, with at least two
  different sets of values. Attributed to the relation that triggered it, with the fix for
  that kind of access. Relations read through each other, on one line (``review.author.user``)
  or in nested loops of one function, become one finding with a nested path (``author__user``).
* ``duplicate``: the very same SQL with the very same parameters, at least twice, among the
  queries no N+1 finding already covers (a query is never reported as both).
* ``unused_eager_load``: a select_related/prefetch_related path whose objects nobody read.

Queries tagged ``is_framework`` (middleware, authentication) are grouped apart from the view's
own: a session lookup that happens to share a loop's shape must not inflate the loop's count.

Pure: no Django import; works on :mod:`perfaudit.records` dataclasses only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from perfaudit.detect.fingerprint import first_table
from perfaudit.detect.fixes import (
    JOINABLE,
    RELATIONS,
    suggest_fix,
    suggest_removal,
    suggest_reuse,
)
from perfaudit.detect.grouping import (
    NEVER_PER_ROW,
    RELATION_READS,
    group_duplicates,
    sql_shape,
)
from perfaudit.detect.grouping import Group as _Group
from perfaudit.detect.grouping import group_shapes as _group_shapes
from perfaudit.errors import ConfigError
from perfaudit.records import (
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    CapturedQuery,
    EagerLoad,
    Finding,
    Trigger,
)

__all__ = ["detect_findings"]


def detect_findings(
    queries: Sequence[CapturedQuery],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    eager_loads: Sequence[EagerLoad] = (),
) -> tuple[Finding, ...]:
    """Return the findings of one request, ordered by the first query each one covers.

    ``threshold`` is the smallest number of executions that makes an N+1 (at least
    :data:`~perfaudit.records.MIN_THRESHOLD`). Unused eager loads come last, in the order of
    ``eager_loads``.
    """
    if threshold < MIN_THRESHOLD:
        raise ConfigError(
            f"The N+1 threshold must be at least {MIN_THRESHOLD}, got {threshold!r}; "
            "one query per row needs two rows to show."
        )
    shapes: dict[str, str] = {}  # a loop sends the same SQL text many times: fingerprint once
    prints = []
    for query in queries:
        shape = shapes.get(query.sql)
        if shape is None:
            shape = shapes[query.sql] = sql_shape(query.sql)
        prints.append(shape)
    loops = [g for g in _group_shapes(queries, prints) if _is_n_plus_one(g, threshold, queries)]
    covered = {i for g in loops for i in g.indexes}
    ranked: list[tuple[int, Finding]] = []
    for chain in _chain_relations(loops, queries):
        ranked.append((chain[0].indexes[0], _n_plus_one_finding(chain, queries)))
    for indexes in group_duplicates(queries, prints, covered):
        ranked.append((indexes[0], _duplicate_finding(indexes, queries, prints[indexes[0]])))
    ranked.sort(key=lambda pair: pair[0])
    return tuple(f for _, f in ranked) + _unused_eager_load_findings(eager_loads)


def _is_n_plus_one(group: _Group, threshold: int, queries: Sequence[CapturedQuery]) -> bool:
    if len(group.indexes) < threshold:
        return False
    trigger = group.trigger(queries)
    # The same values every time is a duplicate, not a per-row query; but a forward relation
    # is cached on the row that read it, so each repeat is another row (rows that share
    # their parent): select_related() removes them all.
    if len(group.executions) < 2 and (trigger is None or trigger.kind not in JOINABLE):
        return False
    if group.callsite is None and (trigger is None or trigger.kind not in RELATION_READS):
        # No project line, template or declaration ran them: same-shape queries from
        # different library code (a JWT user lookup, then get_object()) are not one loop,
        # and a library's own writes (django-taggit creating tags) are not the project's.
        return False
    return trigger is None or trigger.kind not in NEVER_PER_ROW


def _chain_relations(loops: list[_Group], queries: Sequence[CapturedQuery]) -> list[list[_Group]]:
    """Link relation N+1s read through each other into chains.

    ``review.author.user`` in a loop gives an N+1 on Review.author (target Customer) and one on
    Customer.user from the same line; they become the chain [author, user]. Nested loops in one
    function (``for item in order.items.all(): item.product``) chain too, when the inner
    group's queries run between the outer group's: two loops one after the other do not.
    Each group gets at most one parent and one child, the earliest candidate, so the result
    is deterministic.
    """
    triggers = [g.trigger(queries) for g in loops]
    parent: dict[int, int] = {}
    child: dict[int, int] = {}
    for a, (ga, ta) in enumerate(zip(loops, triggers, strict=True)):
        if ta is None or ta.kind not in RELATIONS or not ta.target:
            continue
        for b, (gb, tb) in enumerate(zip(loops, triggers, strict=True)):
            if (
                b == a
                or b in parent
                or tb is None
                or tb.kind not in RELATIONS
                or tb.model != ta.target
                or not _is_nested(ga, gb)
                or (gb.is_framework, gb.alias) != (ga.is_framework, ga.alias)
                or b in _ancestors(a, parent)
            ):
                continue
            parent[b], child[a] = a, b
            break
    chains = []
    for a in range(len(loops)):
        if a in parent:
            continue
        chain = [loops[a]]
        while a in child:
            a = child[a]
            chain.append(loops[a])
        chains.append(chain)
    return chains


def _is_nested(outer: _Group, inner: _Group) -> bool:
    """Whether ``inner`` reads a relation of the rows that ``outer`` loaded one by one."""
    if inner.callsite == outer.callsite:
        return True
    a, b = outer.callsite, inner.callsite
    if a is None or b is None:
        return False
    # Nested serializers declare their fields in different classes, maybe different files.
    is_declared = a.declaration is not None and b.declaration is not None
    if not is_declared and (a.file, a.function, a.template) != (b.file, b.function, b.template):
        return False
    return outer.indexes[0] < inner.indexes[0] < outer.indexes[-1]


def _ancestors(index: int, parent: dict[int, int]) -> set[int]:
    seen = {index}
    while index in parent:
        index = parent[index]
        seen.add(index)
    return seen


def _n_plus_one_finding(chain: list[_Group], queries: Sequence[CapturedQuery]) -> Finding:
    root = chain[0]
    sample = queries[root.indexes[0]]
    trigger = root.trigger(queries)
    model, field_name = _attribution(trigger)
    if len(chain) > 1 and trigger is not None:
        links = [g.trigger(queries) for g in chain]
        field_name = "__".join(t.field for t in links if t is not None)
        is_joinable = all(t is not None and t.kind in JOINABLE for t in links)
        # The whole path in one eager load: fixed the way its first link would be.
        chained = replace(trigger, kind="forward" if is_joinable else "reverse_fk")
        suggestion = suggest_fix(
            replace(chained, field=field_name), root.fingerprint, callsite=root.callsite
        )
    else:
        suggestion = suggest_fix(
            trigger,
            root.fingerprint,
            callsite=root.callsite,
            signal=sample.signal,
            fired_by=sample.fired_by,
        )
    return Finding(
        kind="n_plus_one",
        fingerprint=root.fingerprint,
        count=sum(len(g.indexes) for g in chain),
        table=first_table(root.fingerprint),
        model=model,
        field=field_name,
        suggestion=suggestion,
        callsite=root.callsite,
        sample_sql=sample.sql,
        fired_by=sample.fired_by,
    )


def _attribution(trigger: Trigger | None) -> tuple[str | None, str | None]:
    """The finding's (model, field) from a trigger; None where the trigger does not say."""
    if trigger is None:
        return None, None
    return trigger.model or None, trigger.field or None


def _duplicate_finding(indexes: list[int], queries: Sequence[CapturedQuery], shape: str) -> Finding:
    sample = queries[indexes[0]]
    model, field_name = _attribution(sample.trigger)
    # Distinct project lines, first seen first (equal CallSites from one line are one).
    sites = list(dict.fromkeys(s for i in indexes if (s := queries[i].callsite) is not None))
    # The admin's own fetch of an object has no project line; the copies after it may have.
    callsite = sites[0] if sites else None
    return Finding(
        kind="duplicate",
        fingerprint=shape,
        count=len(indexes),
        table=first_table(shape),
        model=model,
        field=field_name,
        suggestion=suggest_reuse(len(indexes), callsite, sites),
        callsite=callsite,
        sample_sql=sample.sql,
    )


def _unused_eager_load_findings(eager_loads: Sequence[EagerLoad]) -> tuple[Finding, ...]:
    # One queryset evaluated in a loop yields one EagerLoad per evaluation: report it once, and
    # not at all if any evaluation read the related objects.
    groups: dict[tuple[object, ...], list[EagerLoad]] = {}
    for load in eager_loads:
        groups.setdefault((load.model, load.path, load.kind, load.callsite), []).append(load)
    findings = []
    for loads in groups.values():
        if any(load.was_read for load in loads):
            continue
        load = loads[0]
        findings.append(
            Finding(
                kind="unused_eager_load",
                fingerprint="",
                count=len(loads),
                table=None,
                model=load.model,
                field=load.path,
                suggestion=suggest_removal(load),
                callsite=load.callsite,
                sample_sql="",
                is_best_effort=True,
            )
        )
    return tuple(findings)
