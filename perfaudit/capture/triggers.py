"""Name the ORM access behind a query from the objects found on capture's stack frames.

Each function takes the ``self`` of one Django ORM frame (a related descriptor, a related
manager, a queryset) and returns the :class:`~perfaudit.records.Trigger` it stands for, or
``None`` when the object is not one it knows.
"""

from __future__ import annotations

from dataclasses import replace
from types import FrameType
from typing import Any

from django.db.models import F, Model, QuerySet
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)

from perfaudit.capture.relations import label, m2m_relations, query_name, relation_name
from perfaudit.capture.taggit import is_tag_model, taggit_trigger
from perfaudit.records import Trigger

_descriptor_triggers: dict[int, tuple[Any, Trigger | None]] = {}


def descriptor_trigger(descriptor: Any) -> Trigger | None:
    """A forward FK/one-to-one read (``review.author``) or a reverse one (``user.customer``)."""
    # Descriptors live as long as their model class: one Trigger each, made on first use.
    cached = _descriptor_triggers.get(id(descriptor))
    if cached is not None and cached[0] is descriptor:
        return cached[1]
    trigger = _descriptor_trigger(descriptor)
    _descriptor_triggers[id(descriptor)] = (descriptor, trigger)
    return trigger


def _descriptor_trigger(descriptor: Any) -> Trigger | None:
    if isinstance(descriptor, ForwardManyToOneDescriptor):
        field = descriptor.field
        return Trigger("forward", label(field.model), field.name, label(field.related_model))
    if isinstance(descriptor, ReverseOneToOneDescriptor):
        related = descriptor.related
        return Trigger(
            "reverse_one_to_one",
            label(related.model),
            related.get_accessor_name() or "",
            label(related.related_model),
        )
    return None


def deferred_trigger(model: Any, field_name: str) -> Trigger:
    """A deferred field loaded on first access (``only()``/``defer()``)."""
    return Trigger("deferred", label(model), field_name)


def manager_trigger(
    manager: Any, operation: str, queryset_frame: FrameType | None = None
) -> Trigger | None:
    """A related manager's ``count()``, ``exists()`` or another method run per instance."""
    instance = getattr(manager, "instance", None)
    if not isinstance(instance, Model):
        return None
    target = getattr(manager, "model", None)
    fk = getattr(manager, "field", None)
    through = getattr(manager, "through", None)
    if through is not None:
        name = relation_name(
            type(instance), target, through=through, reverse=bool(getattr(manager, "reverse", 0))
        )
        base, remote = "m2m", str(getattr(manager, "query_field_name", ""))
    elif fk is not None and getattr(fk, "many_to_one", False):
        name, remote = fk.remote_field.get_accessor_name() or "", fk.name
        base = "reverse_fk"
    else:
        return None
    # Iteration happens outside the manager frame; other methods re-query per row.
    kind = _KIND_BY_OPERATION.get(operation)
    if kind is None:
        kind = base if operation in ("all", "iterator") else "related_filter"
    trigger = Trigger(kind, label(instance), name, label(target), remote=remote)
    return _refined(trigger, operation, type(instance), queryset_frame)


_KIND_BY_OPERATION = {
    "count": "related_count",
    "exists": "related_exists",
    "first": "related_first",
    "last": "related_first",
    "latest": "related_first",
    "earliest": "related_first",
    "aggregate": "related_aggregate",
}


def _refined(
    trigger: Trigger, operation: str, owner: type[Model], queryset_frame: FrameType | None
) -> Trigger:
    """Add what the fix needs: the operation, the aggregates, the owner's Meta.ordering."""
    if trigger.kind != "related_aggregate":  # the same every row of a loop: build it once
        key = (trigger, trigger.remote, operation, owner)
        refined = _refined_triggers.get(key)
        if refined is None:
            refined = _refined_triggers[key] = _refine(trigger, operation, owner, None)
        return refined
    return _refine(trigger, operation, owner, queryset_frame)


_refined_triggers: dict[tuple[object, ...], Trigger] = {}


def _refine(
    trigger: Trigger, operation: str, owner: type[Model], queryset_frame: FrameType | None
) -> Trigger:
    aggregates: tuple[str, ...] = ()
    lookup = query_name(owner, trigger.field)
    if queryset_frame is not None:
        expressions = queryset_frame.f_locals.get("kwargs") or {}
        aggregates = tuple(
            _aggregate_text(alias, expression, lookup) for alias, expression in expressions.items()
        )
    ordering = tuple(str(o) for o in owner._meta.ordering or () if isinstance(o, str))
    lookup = "" if lookup == trigger.field else lookup
    return replace(
        trigger, operation=operation, aggregates=aggregates, ordering=ordering, lookup=lookup
    )


def _aggregate_text(alias: str, expression: Any, relation: str) -> str:
    """``total=Sum('items__price')``: the aggregate written from the owner's side."""
    sources = getattr(expression, "source_expressions", None) or []
    names = [str(getattr(s, "name", "")) for s in sources if isinstance(s, F)]
    function = type(expression).__name__
    if len(names) != 1:
        return f"{alias}={function}(...)"
    return f"{alias}={function}('{relation}__{names[0]}')"


def generic_fk_trigger(field: Any) -> Trigger | None:
    """A GenericForeignKey read (``comment.content_object``): one relation, any target."""
    model = getattr(field, "model", None)
    name = getattr(field, "name", None)
    if model is None or not name:
        return None
    return Trigger("generic_fk", label(model), str(name))


def plain_trigger(queryset: Any, operation: str = "") -> Trigger | None:
    """A query of ``queryset``'s model that no relation access explains."""
    if not isinstance(queryset, QuerySet):
        return None
    lookup = _single_exact_lookup(queryset)
    key = (queryset.model, operation, lookup)
    trigger = _plain_triggers.get(key)
    if trigger is None:
        trigger = _plain_triggers[key] = Trigger(
            "queryset", label(queryset.model), "", operation=operation, remote=lookup
        )
    return trigger


_plain_triggers: dict[tuple[object, str, str], Trigger] = {}


def _single_exact_lookup(queryset: QuerySet[Any]) -> str:
    """``"pk"`` or the field name when the query is one ``field=value`` of its model, else "".

    That is what a per-row ``get(id=...)``/``filter(slug=...)`` loop runs, and what the fix
    names: ``in_bulk(...)`` or ``filter(slug__in=...)``.
    """
    children = queryset.query.where.children
    if len(children) != 1 or getattr(children[0], "lookup_name", None) != "exact":
        return ""
    target = getattr(getattr(children[0], "lhs", None), "target", None)
    if target is None or getattr(target, "model", None) is not queryset.model:
        return ""
    return "pk" if target.primary_key else str(target.attname)


def queryset_trigger(
    queryset: Any, operation: str = "", frame: FrameType | None = None
) -> Trigger | None:
    """A queryset being evaluated: a related manager's (its hints hold the instance) or not.

    ``operation`` is the QuerySet method that ran it (``first``, ``exists``, ...), ``frame``
    the innermost queryset frame (where aggregate()'s expressions are).
    """
    if not isinstance(queryset, QuerySet):
        return None
    model = queryset.model
    hints = getattr(queryset, "_hints", None)
    instance = hints.get("instance") if hints else None
    if not isinstance(instance, Model):
        if is_tag_model(model) and (tags := taggit_trigger(queryset, operation)) is not None:
            return tags  # obj.tags.all() of django-taggit: a plain filter, not a manager's
        return plain_trigger(queryset, operation)
    query = queryset.query
    fk = None
    for known in getattr(queryset, "_known_related_objects", {}):
        if getattr(known, "model", None) is model:
            fk = known
            break
    # A related manager starts from the model's default manager (its own filters and order,
    # a soft-delete manager's "deleted IS NULL") and adds one filter, the join to the
    # instance; anything more was the caller's. A slice (``.all()[:3]``) is no more: a
    # prefetched queryset serves it from its cache.
    base_filters, base_order = _manager_baseline(model)
    is_plain = len(query.where.children) <= base_filters + 1 and tuple(query.order_by) == base_order
    # A relation to the queried model itself (FK or M2M to 'self') is told by the manager's
    # filter: which through/FK column holds the instance.
    lhs = _filtered_column(query, base_filters) if isinstance(instance, model) else ""
    owner = type(instance)
    # A loop evaluates the same relation's queryset once per row: resolve it once. The key
    # holds id(fk), not the field (whose hash is computed, not stored); the cached value
    # holds the field itself, which keeps that id its own.
    key = (owner, model, id(fk), tuple(query.alias_map), is_plain, lhs, operation)
    cached = _queryset_triggers.get(key)
    if cached is None:
        cached = _queryset_triggers[key] = (
            fk,
            _operation_trigger(owner, model, fk, query, is_plain, lhs, operation),
        )
    trigger = cached[1]
    if trigger is None:
        return plain_trigger(queryset, operation)
    if trigger.kind == "related_aggregate":  # the expressions differ call by call
        return _refine(trigger, operation, owner, frame)
    return trigger


_queryset_triggers: dict[tuple[object, ...], tuple[object, Trigger | None]] = {}


def _operation_trigger(
    owner: type[Model], model: Any, fk: Any, query: Any, is_plain: bool, lhs: str, operation: str
) -> Trigger | None:
    """The relation's Trigger for ``operation``, refined unless aggregate() (see above)."""
    trigger = _related_trigger(owner, model, fk, query, is_plain, lhs)
    if trigger is None:
        return None
    kind = _KIND_BY_OPERATION.get(operation)
    if kind is not None:
        trigger = replace(trigger, kind=kind)
    if trigger.kind == "related_aggregate":
        return trigger
    return _refined(trigger, operation, owner, None)


def _filtered_column(query: Any, position: int) -> str:
    """The column the WHERE condition at ``position`` compares (the manager's join to its
    owner, after the default manager's own conditions)."""
    children = query.where.children
    condition = children[position] if len(children) > position else None
    target = getattr(getattr(condition, "lhs", None), "target", None)
    return str(getattr(target, "column", "") or "")


_baselines: dict[type[Model], tuple[int, tuple[Any, ...]]] = {}


def _manager_baseline(model: type[Model]) -> tuple[int, tuple[Any, ...]]:
    """How many WHERE conditions, and which ORDER BY, ``model``'s default manager adds by
    itself; worked out once per model (building its queryset runs no query)."""
    baseline = _baselines.get(model)
    if baseline is None:
        try:
            query = model._default_manager.get_queryset().query
            baseline = (len(query.where.children), tuple(query.order_by))
        except Exception:  # a manager that needs a request or a tenant: assume none
            baseline = (0, ())
        _baselines[model] = baseline
    return baseline


def _related_trigger(
    owner: type[Model], model: Any, fk: Any, query: Any, is_plain: bool, lhs: str
) -> Trigger | None:
    if fk is not None:
        name, base, remote = fk.remote_field.get_accessor_name() or "", "reverse_fk", fk.name
    else:
        tables = {join.table_name for join in query.alias_map.values()}
        found = [r for r in m2m_relations(owner, model) if r[1]._meta.db_table in tables]
        if len(found) > 1 and lhs:  # both sides of an M2M to 'self' share the through table
            found = [r for r in found if r[3] == lhs] or found
        if not found:
            return None
        name, base, remote = found[0][0], "m2m", found[0][2]
    kind = base if is_plain else "related_filter"
    return Trigger(kind, label(owner), name, label(model), remote=remote)
