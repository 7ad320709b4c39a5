"""Which attribute of a model reaches another: the names a trigger gives its relation.

Model metadata only, no frames: an M2M relation is known from the owner side by its through
model (both sides of an M2M to 'self' share it, so the declared field tells them apart), and a
model is named ``"app_label.Model"``. Names are cached: models live as long as the process.
"""

from __future__ import annotations

from typing import Any

from django.db.models import ForeignObjectRel, Model

__all__ = ["label", "m2m_relations", "query_name", "relation_name"]


def label(model: Any) -> str:
    """``"app_label.Model"`` of a model class or instance, ``""`` for anything else."""
    meta = getattr(model, "_meta", None)
    return "" if meta is None else str(meta.label)


def m2m_relations(owner: type[Model], target: Any) -> list[tuple[str, Any, str, str]]:
    """Each M2M relation from ``owner`` to ``target``.

    As (attribute name, through model, the target's lookup back to owner, the through column
    holding the owner's key).
    """
    relations = []
    for field in owner._meta.get_fields():
        relation: Any = field
        if not (relation.many_to_many and relation.related_model is target):
            continue
        if relation.auto_created:  # the reverse side: a ManyToManyRel
            forward = relation.field
            column = _through_column(relation.through, forward.m2m_reverse_field_name())
            relations.append(
                (str(relation.get_accessor_name()), relation.through, forward.name, column)
            )
        else:
            through = relation.remote_field.through
            column = _through_column(through, relation.m2m_field_name())
            relations.append((str(relation.name), through, relation.related_query_name(), column))
    return relations


def _through_column(through: Any, field_name: str) -> str:
    try:
        return str(through._meta.get_field(field_name).column)
    except Exception:  # an unusual through model: the name alone decides nothing then
        return ""


def relation_name(owner: type[Model], target: Any, *, through: Any, reverse: bool = False) -> str:
    """The attribute of ``owner`` that reaches ``target`` through the M2M table ``through``."""
    key = (owner, target, through, reverse)
    if key not in _relation_names:
        _relation_names[key] = _relation_name(owner, target, through, reverse)
    return _relation_names[key]


_relation_names: dict[tuple[object, ...], str] = {}


def _relation_name(owner: type[Model], target: Any, through: Any, reverse: bool) -> str:
    found = [r for r in m2m_relations(owner, target) if r[1] is through]
    if len(found) > 1:  # M2M to 'self': the forward field is declared, the reverse side is not
        declared = _declared_name(owner, through)
        found = [r for r in found if (r[0] == declared) != reverse] or found
    return found[0][0] if found else ""


def _declared_name(owner: type[Model], through: Any) -> str:
    for field in owner._meta.local_many_to_many:
        if field.remote_field.through is through:
            return str(field.name)
    return ""


def query_name(owner: type[Model], accessor: str) -> str:
    """The name ``owner``'s lookups use for its relation ``accessor``: ``bookinstance`` for a
    reverse foreign key's ``bookinstance_set`` (what Count(), Sum() and filter() take)."""
    key = (owner, accessor)
    name = _query_names.get(key)
    if name is None:
        name = accessor
        for field in owner._meta.get_fields():
            if isinstance(field, ForeignObjectRel) and field.get_accessor_name() == accessor:
                name = str(field.name)
                break
        _query_names[key] = name
    return name


_query_names: dict[tuple[object, str], str] = {}
