"""Name the ORM access behind a query from the objects found on capture's stack frames.

Each function takes the ``self`` of one Django ORM frame (a related descriptor, a related
manager, a queryset) and returns the :class:`~perfaudit.records.Trigger` it stands for, or
``None`` when the object is not one it knows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)

from perfaudit.records import Trigger

_descriptor_triggers: dict[int, tuple[Any, Trigger | None]] = {}


def label(model: Any) -> str:
    """``"app_label.Model"`` of a model class or instance, ``""`` for anything else."""
    meta = getattr(model, "_meta", None)
    return "" if meta is None else str(meta.label)


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


def manager_trigger(manager: Any, operation: str) -> Trigger | None:
    """A related manager's ``count()``, ``exists()`` or another method run per instance."""
    instance = getattr(manager, "instance", None)
    if not isinstance(instance, Model):
        return None
    target = getattr(manager, "model", None)
    fk = getattr(manager, "field", None)
    through = getattr(manager, "through", None)
    if through is not None:
        name = relation_name(type(instance), target, through=through)
        base = "m2m"
    elif fk is not None and getattr(fk, "many_to_one", False):
        name = fk.remote_field.get_accessor_name() or ""
        base = "reverse_fk"
    else:
        return None
    kind = {"count": "related_count", "exists": "related_exists"}.get(operation)
    if kind is None:
        # Iteration happens outside the manager frame; other methods re-query per row.
        kind = base if operation in ("all", "iterator") else "related_filter"
    return Trigger(kind, label(instance), name, label(target))


def plain_trigger(queryset: Any) -> Trigger | None:
    """A query of ``queryset``'s model that no relation access explains."""
    return (
        Trigger("queryset", label(queryset.model), "") if isinstance(queryset, QuerySet) else None
    )


def queryset_trigger(queryset: Any) -> Trigger | None:
    """A queryset being evaluated: a related manager's (its hints hold the instance) or not."""
    if not isinstance(queryset, QuerySet):
        return None
    model = queryset.model
    instance = getattr(queryset, "_hints", {}).get("instance")
    if not isinstance(instance, Model) or isinstance(instance, model):
        return plain_trigger(queryset)
    query = queryset.query
    known = getattr(queryset, "_known_related_objects", {})
    fk = next((f for f in known if getattr(f, "model", None) is model), None)
    # The manager adds one filter (the join to the instance); anything more was the caller's.
    is_plain = (
        len(query.where.children) <= 1
        and not query.order_by
        and query.low_mark == 0
        and query.high_mark is None
    )
    # A loop evaluates the same relation's queryset once per row: resolve it once.
    key = (type(instance), model, fk, tuple(query.alias_map), is_plain)
    if key not in _queryset_triggers:
        _queryset_triggers[key] = _related_trigger(type(instance), model, fk, query, is_plain)
    return _queryset_triggers[key] or plain_trigger(queryset)


_queryset_triggers: dict[tuple[object, ...], Trigger | None] = {}


def _related_trigger(
    owner: type[Model], model: Any, fk: Any, query: Any, is_plain: bool
) -> Trigger | None:
    if fk is not None:
        name, base = fk.remote_field.get_accessor_name() or "", "reverse_fk"
    else:
        tables = {join.table_name for join in query.alias_map.values()}
        names = [
            n for n, through in m2m_relations(owner, model) if through._meta.db_table in tables
        ]
        if not names:
            return None
        name, base = names[0], "m2m"
    return Trigger(base if is_plain else "related_filter", label(owner), name, label(model))


def m2m_relations(owner: type[Model], target: Any) -> list[tuple[str, Any]]:
    """(attribute name, through model) of each M2M relation from ``owner`` to ``target``."""
    relations = []
    for field in owner._meta.get_fields():
        relation: Any = field
        if not (relation.many_to_many and relation.related_model is target):
            continue
        if relation.auto_created:  # the reverse side: a ManyToManyRel
            relations.append((str(relation.get_accessor_name()), relation.through))
        else:
            relations.append((str(relation.name), relation.remote_field.through))
    return relations


def relation_name(owner: type[Model], target: Any, *, through: Any) -> str:
    """The attribute of ``owner`` that reaches ``target`` through the M2M table ``through``."""
    return next((name for name, t in m2m_relations(owner, target) if t is through), "")
