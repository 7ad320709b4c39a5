"""Name the per-row write behind a query: a save(), a delete(), a related manager's add().

A loop that saves or links rows one at a time runs one statement per row; the frame of the
Django method doing the write tells which model or relation it is, so the fix can name
``bulk_create``/``bulk_update``/``QuerySet.update()`` or the through model's ``bulk_create``.
"""

from __future__ import annotations

from types import FrameType

from django.db.models import Model

from perfaudit.capture.frames import DELETE, SAVE
from perfaudit.capture.relations import label, relation_name
from perfaudit.records import Trigger

__all__ = ["write_trigger"]


def write_trigger(role: str, frame: FrameType) -> Trigger | None:
    """The Trigger of a write whose Django frame (``role``, ``frame``) is on the stack."""
    owner = frame.f_locals.get("self")
    if role == SAVE:
        return Trigger("row_save", label(owner), "") if isinstance(owner, Model) else None
    if role == DELETE:
        return Trigger("row_delete", label(owner), "") if isinstance(owner, Model) else None
    instance = getattr(owner, "instance", None)
    if not isinstance(instance, Model):
        return None
    operation = frame.f_code.co_name
    target = getattr(owner, "model", None)
    through = getattr(owner, "through", None)
    if through is not None:
        name = relation_name(
            type(instance), target, through=through, reverse=bool(getattr(owner, "reverse", 0))
        )
        return Trigger(
            "m2m_write",
            label(instance),
            name,
            label(target),
            operation=operation,
            remote=label(through),
        )
    fk = getattr(owner, "field", None)
    if fk is None:
        return None
    name = fk.remote_field.get_accessor_name() or ""
    return Trigger(
        "related_write", label(instance), name, label(target), operation=operation, remote=fk.name
    )
