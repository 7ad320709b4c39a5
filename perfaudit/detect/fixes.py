"""The fix perfaudit suggests for each finding, worded once for every renderer.

Each N+1 gets the remedy that is right for the ORM access behind it (a
:class:`~perfaudit.records.Trigger` kind): select_related for FK and one-to-one reads,
prefetch_related for many-valued relations, an annotation for per-row count()/exists(), a
Prefetch object when filter() bypasses a prefetch. Pure: no Django import.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfaudit.detect.fingerprint import statement_verb
from perfaudit.records import (
    ADMIN_COUNT_DECLARATION,
    LIBRARY_ADMIN_COUNT_DECLARATION,
    CallSite,
    EagerLoad,
    Trigger,
)

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


def suggest_fix(
    trigger: Trigger | None,
    fingerprint: str,
    *,
    callsite: CallSite | None = None,
    signal: str = "",
    fired_by: CallSite | None = None,
) -> str:
    """The fix for an N+1 issued by ``trigger`` (None when the ORM frame was not seen).

    ``callsite`` names an admin ``list_display`` or a serializer field when the query ran on
    their behalf; ``signal`` and ``fired_by`` say that a signal handler ran it for a write.
    """
    fix = _relation_fix(trigger, fingerprint, callsite)
    if signal and callsite is not None:
        where = f"{callsite.file}:{callsite.line} ({callsite.function})"
        loop = f" at {fired_by.file}:{fired_by.line}" if fired_by is not None else ""
        fix = (
            f"The {signal} handler at {where} queries once per saved row, and the rows are "
            f"saved one at a time{loop}: save them in bulk (bulk_create()/bulk_update() send "
            f"no signals) and do the handler's work once for the batch. {fix}"
        )
    return fix


def _relation_fix(trigger: Trigger | None, fingerprint: str, callsite: CallSite | None) -> str:
    if trigger is None:
        return (
            "Load these rows with the queryset being looped over (select_related() or "
            "prefetch_related()), or in one query with filter(<field>__in=[...])."
        )
    kind, name, model = trigger.kind, trigger.field, trigger.model
    declaration = callsite.declaration if callsite is not None else None
    if kind in RELATIONS and declaration and declaration.startswith("list_display"):
        return _admin_fix(kind, name, callsite.function if callsite else "")
    if kind in JOINABLE:
        return suggest_eager_load("select_related", name, model)
    if kind in PREFETCHABLE:
        return suggest_eager_load("prefetch_related", name, model)
    if kind == "generic_fk":
        return (
            f"Add prefetch_related('{name}') to the queryset that loads {_short(model)} (or "
            f"GenericPrefetch('{name}', [<one queryset per target model>]) to choose each "
            f"target's queryset) instead of reading .{name} row by row."
        )
    if kind in ("related_count", "related_aggregate"):
        return _aggregate_fix(trigger)
    if kind == "related_exists":
        return (
            f"Annotate in the same query: annotate(has_{name}=Exists({_target(trigger)}."
            f"objects.filter({trigger.remote or '<field>'}=OuterRef('pk')))) on the "
            f"{_short(model)} queryset (with the per-row filter() inside it, if any) instead "
            f"of calling .{name}.exists() per row."
        )
    if kind == "related_first":
        target = _target(trigger)
        return (
            f"Load the rows once: prefetch_related(Prefetch('{name}', queryset={target}"
            f".objects.order_by(<the order first()/latest() uses>), to_attr='{name}_ordered')) "
            f"and read obj.{name}_ordered[0], or annotate a Subquery({target}.objects.filter("
            f"{trigger.remote or '<field>'}=OuterRef('pk')).order_by(...).values(...)[:1]) "
            f"instead of calling .{name}.{trigger.operation or 'first'}() per row."
        )
    if kind == "related_filter":
        return (
            f"filter()/order_by() on .{name} runs a query per row even after "
            f"prefetch_related('{name}'): use prefetch_related(Prefetch('{name}', "
            f"queryset={_target(trigger)}.objects.<the same filter()/order_by()>)) and read "
            "the prefetched rows, or annotate the value you need."
        )
    if kind == "deferred":
        return (
            f"'{name}' is deferred and loaded row by row: drop it from defer() (or add it to "
            f"only()) on the {_short(model)} queryset."
        )
    if kind in ("row_save", "row_delete", "m2m_write", "related_write"):
        return _write_fix(trigger, statement_verb(fingerprint))
    return _per_row_query_fix(statement_verb(fingerprint), model, trigger.operation, trigger.remote)


def _target(trigger: Trigger) -> str:
    return _short(trigger.target) if trigger.target else "<RelatedModel>"


def _admin_fix(kind: str, name: str, admin: str) -> str:
    owner = admin.partition(".")[0] or "the ModelAdmin"
    if kind in JOINABLE:
        return (
            f"Add list_select_related = ('{name}',) to {owner} (or select_related('{name}') "
            "in its get_queryset()): the change list reads it once per row."
        )
    return (
        f"Override {owner}.get_queryset() to return "
        f"super().get_queryset(request).prefetch_related('{name}'): the change list reads it "
        "once per row."
    )


def _aggregate_fix(trigger: Trigger) -> str:
    # Lookups take the relation's query name ("bookinstance"), calls its accessor.
    name, accessor, model = trigger.lookup or trigger.field, trigger.field, _short(trigger.model)
    if trigger.kind == "related_count":
        expressions: tuple[str, ...] = (f"Count('{name}')",)
        calls, reads = f".{accessor}.count()", f"{name}__count"
    else:
        expressions = trigger.aggregates or (f"<Sum/Avg/Max>('{name}__<field>')",)
        calls, reads = f".{accessor}.aggregate()", "the annotated value"
    verb = "Count" if trigger.kind == "related_count" else "Aggregate"
    fix = (
        f"{verb} in the same query: annotate({', '.join(expressions)}) on the {model} "
        f"queryset and read {reads} instead of calling {calls} per row."
    )
    if trigger.ordering:
        order = ", ".join(f"'{o}'" for o in trigger.ordering)
        fix += (
            f" {model} has Meta.ordering = [{order}], which Django drops from a query with an "
            f"aggregate annotation: add .order_by({order}) to keep the order."
        )
    return fix


def _write_fix(trigger: Trigger, verb: str) -> str:
    model, name = _short(trigger.model), trigger.field
    if trigger.kind == "row_delete":
        return (
            f"Delete the {model} rows in one statement: "
            f"{model}.objects.filter(pk__in=[...]).delete()."
        )
    if trigger.kind == "m2m_write":
        through = f"{model}.{name}.through"
        return (
            f"Link all rows in one statement: {through}.objects.bulk_create([{through}(...), "
            f"...], ignore_conflicts=True) instead of .{name}.{trigger.operation or 'add'}() "
            "per row."
        )
    if trigger.kind == "related_write":
        return (
            f"Create the {_target(trigger)} rows in one statement with bulk_create() (setting "
            f"{trigger.remote or 'the foreign key'}) instead of .{name}."
            f"{trigger.operation or 'add'}() per row."
        )
    if verb == "insert":
        return (
            f"Create the {model} rows in one statement: {model}.objects.bulk_create([...]) "
            "instead of save() per row."
        )
    return (
        f"Update the {model} rows in one statement: {model}.objects.bulk_update(objs, "
        f"[<fields>]), or a filtered {model}.objects.update(...), instead of save() per row."
    )


def _per_row_query_fix(verb: str, model: str, operation: str = "", lookup: str = "") -> str:
    rows = f"the {_short(model)} rows" if model else "the rows"
    short = _short(model) if model else "<Model>"
    if verb == "insert":
        return f"Insert {rows} in one statement with bulk_create() instead of one per row."
    if verb == "update":
        return f"Update {rows} in one statement with bulk_update() or queryset.update()."
    if verb == "delete":
        return f"Delete {rows} in one statement with a filtered queryset.delete()."
    if operation == "exists" and lookup and not lookup.endswith("_id"):
        # filter(slug=value).exists() per value: which values exist is one query.
        return (
            f"Fetch the {lookup} values that exist in one query before the loop, set("
            f"{short}.objects.filter({lookup}__in=values).values_list('{lookup}', flat=True)), "
            "and test membership instead of calling .exists() per value."
        )
    if operation == "exists":
        return (
            f"Annotate the looped-over queryset with Exists({short}.objects.filter("
            "<field>=OuterRef('pk'))) and read the annotation instead of calling .exists() "
            "per row; when the loop is over values, not rows, fetch the ones that exist in one "
            "query, filter(<field>__in=values).values_list(<field>), and test membership."
        )
    if operation in ("first", "last", "latest", "earliest"):
        return (
            f"Annotate the looped-over queryset with Subquery({short}.objects.filter("
            "<field>=OuterRef('pk')).order_by(...).values(...)[:1]), or prefetch with "
            f"Prefetch(..., to_attr=...), instead of calling .{operation}() per row."
        )
    if operation in ("count", "aggregate"):
        return (
            f"Annotate the looped-over queryset with Count/Sum(...) over {rows} (or a "
            f"Subquery) instead of calling .{operation}() per row."
        )
    if lookup == "pk" and model and not operation:
        return (
            f"Fetch {rows} in one query before the loop, {short}.objects.in_bulk(pks) (a dict "
            "keyed by pk), and look each one up there instead of querying once per row."
        )
    if lookup and model and not operation:
        return (
            f"Fetch {rows} in one query before the loop, {short}.objects.filter("
            f"{lookup}__in=values), and look them up in a dict keyed by {lookup} instead of "
            "querying once per row."
        )
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


def suggest_reuse(count: int, callsite: CallSite | None, sites: Sequence[CallSite] = ()) -> str:
    """The fix for a query repeated ``count`` times with the same parameters, naming the
    distinct ``sites`` that sent it when there are several (the fix keeps one of them)."""
    declaration = callsite.declaration if callsite is not None else None
    if callsite is not None and declaration in (
        ADMIN_COUNT_DECLARATION,
        LIBRARY_ADMIN_COUNT_DECLARATION,
    ):
        admin = callsite.function.partition(".")[0]
        why = (
            "Django's admin change list counts the rows twice when no filter is applied (the "
            "page's count and the unfiltered total it shows beside the filters): "
        )
        if declaration == LIBRARY_ADMIN_COUNT_DECLARATION:
            return why + (
                f"{admin} is an installed library's, so unregister its model and register a "
                f"subclass of {admin} with show_full_result_count = False to skip the second "
                "COUNT."
            )
        return why + f"set show_full_result_count = False on {admin} to skip the second COUNT."
    where = ""
    if len(sites) > 1:
        shown = [_site_text(site) for site in sites[:3]]
        if len(sites) > 3:
            shown.append(f"{len(sites) - 3} more")
        where = f", from {len(sites)} lines: {', '.join(shown[:-1])} and {shown[-1]};"
    return (
        f"The same query with the same parameters runs {count} times{where or ':'} "
        "run it once and reuse the result (a variable, or cached_property on the object)."
    )


def _site_text(site: CallSite) -> str:
    if site.template:
        line = f":{site.template_line}" if site.template_line is not None else ""
        return f"template {site.template}{line}"
    return f"{site.file}:{site.line} ({site.function})"


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
