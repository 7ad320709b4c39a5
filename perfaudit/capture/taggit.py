"""Name the relation behind a django-taggit ``obj.tags.all()`` read row by row.

taggit's manager is not one of Django's related managers: ``obj.tags.all()`` is a plain
``Tag.objects.filter(...)`` built from the object (``tagged_items__object_id`` and its content
type, or the through model's ``content_object``), evaluated with no frame of taggit's on the
stack. The owner is read back from that filter, and the field from the owner's
``TaggableManager`` whose through model the filter crosses, so the fix is the one taggit
documents: ``prefetch_related('tags')``.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db.models import Model

from perfaudit.capture.relations import label
from perfaudit.records import Trigger

__all__ = ["is_tag_model", "taggit_trigger"]

_is_tag: dict[type[Model], bool] = {}


def is_tag_model(model: type[Model]) -> bool:
    """Whether ``model`` is a taggit tag (a ``TagBase``); False when taggit is not loaded."""
    known = _is_tag.get(model)
    if known is None:
        models = sys.modules.get("taggit.models")
        known = _is_tag[model] = models is not None and issubclass(model, models.TagBase)
    return known


def taggit_trigger(queryset: Any, operation: str) -> Trigger | None:
    """The ``m2m`` Trigger of ``owner.tags`` for a tag queryset built by taggit's manager."""
    owner, through = _owner_and_through(queryset.query.where.children)
    if owner is None or through is None:
        return None
    for field in owner._meta.get_fields():
        remote = getattr(field, "remote_field", None)
        if type(field).__name__ == "TaggableManager" and getattr(remote, "through", 0) is through:
            return Trigger(
                "m2m", label(owner), str(field.name), label(queryset.model), operation=operation
            )
    return None


def _owner_and_through(conditions: Any) -> tuple[type[Model] | None, type[Model] | None]:
    """The tagged object's model and the through model, from the filter taggit built."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    through = None
    content_type: dict[str, str] = {}
    owner = None
    for condition in conditions:
        target = getattr(getattr(condition, "lhs", None), "target", None)
        if target is None:
            continue
        if target.model is ContentType and target.name in ("app_label", "model"):
            content_type[target.name] = str(condition.rhs)
        elif target.name in ("object_id", "content_object"):
            through = target.model
            if target.name == "content_object":  # a through model with a plain foreign key
                owner = target.related_model
    if owner is None and len(content_type) == 2:
        try:
            owner = apps.get_model(content_type["app_label"], content_type["model"])
        except LookupError:
            return None, None
    return owner, through
