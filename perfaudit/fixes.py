"""The fix perfaudit suggests for each finding, worded once for every renderer.

Each N+1 gets the remedy that is right for the ORM access behind it (a
:class:`~perfaudit.records.Trigger` kind): select_related for FK and one-to-one reads,
prefetch_related for many-valued relations, an annotation for per-row count()/exists(), a
Prefetch object when filter() bypasses a prefetch. Pure: no Django import.
"""

from __future__ import annotations

from perfaudit.fingerprint import statement_verb
from perfaudit.records import EagerLoad, Trigger

__all__ = [
    "JOINABLE",
    "PREFETCHABLE",
    "RELATIONS",
    "suggest_eager_load",
    "suggest_fix",
    "suggest_removal",
    "suggest_reuse",
]

JOINABLE = frozenset({"forward", "reverse_one_to_one"})  # fixed by select_related
PREFETCHABLE = frozenset({"m2m", "reverse_fk"})  # fixed by prefetch_related
RELATIONS = JOINABLE | PREFETCHABLE


def suggest_fix(trigger: Trigger | None, fingerprint: str) -> str:
    """The fix for an N+1 issued by ``trigger`` (None when the ORM frame was not seen)."""
    if trigger is None:
        return (
            "Load these rows with the queryset being looped over (select_related() or "
            "prefetch_related()), or in one query with filter(<field>__in=[...])."
        )
    kind, name, model = trigger.kind, trigger.field, trigger.model
    target = _short(trigger.target) if trigger.target else "the related model"
    if kind in JOINABLE:
        return suggest_eager_load("select_related", name, model)
    if kind in PREFETCHABLE:
        return suggest_eager_load("prefetch_related", name, model)
    if kind == "related_count":
        return (
            f"Count in the same query: annotate(Count('{name}')) on the {_short(model)} "
            f"queryset and read {name}__count instead of calling .{name}.count() per row."
        )
    if kind == "related_exists":
        return (
            f"Annotate in the same query: annotate(has_{name}=Exists({target}.objects.filter("
            f"<foreign key to {_short(model)}>=OuterRef('pk')))) instead of calling "
            f".{name}.exists() per row."
        )
    if kind == "related_filter":
        return (
            f"filter()/order_by() on .{name} runs a query per row even after "
            f"prefetch_related('{name}'): use prefetch_related(Prefetch('{name}', "
            f"queryset={target}.objects.<the same filter()/order_by()>)) and read the "
            "prefetched rows, or annotate the value you need."
        )
    if kind == "deferred":
        return (
            f"'{name}' is deferred and loaded row by row: drop it from defer() (or add it to "
            f"only()) on the {_short(model)} queryset."
        )
    return _per_row_query_fix(statement_verb(fingerprint), model)


def _per_row_query_fix(verb: str, model: str) -> str:
    rows = f"the {_short(model)} rows" if model else "the rows"
    if verb == "insert":
        return f"Insert {rows} in one statement with bulk_create() instead of one per row."
    if verb == "update":
        return f"Update {rows} in one statement with bulk_update() or queryset.update()."
    if verb == "delete":
        return f"Delete {rows} in one statement with a filtered queryset.delete()."
    return (
        f"Fetch {rows} in one query, filter(<field>__in=[...]), and look them up in a dict "
        "keyed by that field instead of querying once per row."
    )


def suggest_eager_load(method: str, path: str, model: str) -> str:
    """``select_related``/``prefetch_related`` of ``path`` on the queryset of ``model``."""
    return f"Add {method}('{path}') to the queryset that loads {_short(model)}."


def _short(model: str) -> str:
    """``shop.Review`` -> ``Review``."""
    return model.rpartition(".")[2]


def suggest_reuse(count: int) -> str:
    """The fix for a query repeated ``count`` times with the same parameters."""
    return (
        f"The same query with the same parameters runs {count} times: "
        "run it once and reuse the result (a variable, or cached_property on the object)."
    )


def suggest_removal(load: EagerLoad) -> str:
    """The fix for an eager load whose related objects nobody read."""
    if load.kept_path:
        return (
            f"Shorten {load.kind}('{load.path}') to {load.kind}('{load.kept_path}') on the "
            f"{_short(load.model)} queryset: the objects past '{load.kept_path}' were never "
            "read in this request (best effort)."
        )
    return (
        f"Remove {load.kind}('{load.path}') from the {_short(load.model)} queryset: "
        "its related objects were never read in this request (best effort)."
    )
