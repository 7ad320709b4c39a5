"""Record every query a block of code runs, with its call site and the ORM access behind it.

:func:`capture_queries` routes every query of the block to a :class:`QueryRecorder`, on every
database alias and every thread the block uses (see :mod:`perfaudit.capture.threads`).
For each query
:func:`~perfaudit.capture.frames.walk_stack` reads the Python stack once, innermost frame first: the
first frame of the audited project's own code is the call site (or the serializer field or
``list_display`` entry a library loop was rendering, see :mod:`perfaudit.capture.declarations`),
Django's template node or Jinja2's template frame gives the template line, the ORM frames give
the :class:`~perfaudit.records.Trigger`, and the request handler's frames tell whether the view
or the middleware/authentication issued the query.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from django.db.models import Model

from perfaudit.capture.compat import check_django_internals
from perfaudit.capture.declarations import declaration_site
from perfaudit.capture.frames import (
    DEFERRED,
    DESCRIPTOR,
    MANAGER,
    USER,
    frame_role,
    walk_stack,
)
from perfaudit.capture.threads import open_capture
from perfaudit.capture.triggers import (
    deferred_trigger,
    descriptor_trigger,
    generic_fk_trigger,
    manager_trigger,
    plain_trigger,
    queryset_trigger,
)
from perfaudit.capture.writes import write_trigger
from perfaudit.records import CallSite, CapturedQuery, Trigger

__all__ = ["MANAGER", "USER", "capture_queries", "frame_role", "relative_file", "root_prefix"]


def root_prefix(root: Path | None) -> str:
    """The audited project's directory (the current one by default) as a path prefix."""
    return str((root or Path.cwd()).resolve()) + os.sep


def relative_file(filename: str, root: str) -> str:
    """``filename`` relative to the :func:`root_prefix` ``root`` when inside it, else as is."""
    return filename[len(root) :] if filename.startswith(root) else filename


class QueryRecorder:
    """Describes each query routed to it and appends a :class:`CapturedQuery` to ``queries``."""

    def __init__(self, queries: list[CapturedQuery], root: Path | None) -> None:
        self.queries = queries
        self.root = root_prefix(root)
        # A loop issues its query from one line: build that line's CallSite once. Keyed by
        # the code's id, then the instruction offset (hashing a code object hashes its
        # bytecode, and f_lineno searches the line table); the value holds the code, keeping
        # its id its own. Sites inside a template are keyed apart.
        self.callsites: dict[int, tuple[CodeType, dict[int, CallSite]]] = {}
        self.template_sites: dict[tuple[object, ...], tuple[CodeType, CallSite]] = {}

    def record(
        self,
        frame: FrameType | None,
        sql: str,
        params: Any,
        many: bool,
        alias: str,
        duration_ms: float,
    ) -> None:
        (
            user_frame,
            template,
            declaration,
            trigger_frame,
            queryset_frame,
            operation,
            write_frame,
            gfk_frame,
            is_content_type_cache,
            is_prefetch,
            is_framework,
            signal,
            fired_by,
            statement,
        ) = walk_stack(frame)
        callsite = None
        if declaration is not None:
            callsite = declaration_site(declaration, self.root)
        if callsite is None:
            if template is None and user_frame is not None:
                callsite = self.callsite(user_frame)
            else:
                callsite = self.template_callsite(user_frame, template)
        if params is not None and type(params) is not tuple:
            params = tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params)
        if is_content_type_cache:
            # One query per content type for the life of the process: never a per-row read.
            trigger: Trigger | None = _CONTENT_TYPE_CACHE
        else:
            trigger = resolve_trigger(
                trigger_frame, queryset_frame, operation, write_frame, gfk_frame, is_prefetch
            )
        # What CapturedQuery(...) would set, without its frozen __init__: that sets each field
        # through object.__setattr__, by name (plain assignment is forbidden), a fifth of
        # capture's cost per query. The slots' own setters make the same object (fields,
        # equality, hash, repr); a test checks that they are still all of CapturedQuery's.
        query = _new(CapturedQuery)
        _set_sql(query, sql)
        _set_params(query, params)
        _set_duration_ms(query, duration_ms)
        _set_alias(query, alias)
        _set_callsite(query, callsite)
        _set_trigger(query, trigger)
        _set_is_framework(query, is_framework)
        _set_many(query, many)
        _set_signal(query, signal)
        _set_fired_by(query, None if fired_by is None else self.callsite(fired_by))
        _set_statement(query, statement)
        self.queries.append(query)

    def callsite(self, frame: FrameType) -> CallSite:
        """The CallSite of the line ``frame`` is running."""
        code = frame.f_code
        by_code = self.callsites.get(id(code))
        if by_code is None:
            by_code = self.callsites[id(code)] = (code, {})
        lasti = frame.f_lasti
        site = by_code[1].get(lasti)
        if site is None:
            site = by_code[1][lasti] = CallSite(
                file=relative_file(code.co_filename, self.root),
                line=frame.f_lineno,
                function=code.co_qualname,
            )
        return site

    def template_callsite(
        self, frame: FrameType | None, template: tuple[str, int | None] | None
    ) -> CallSite | None:
        """The CallSite of a query run while rendering ``template`` (or of no project line)."""
        if frame is None:
            if template is None:
                return None
            return CallSite("", 0, "", template=template[0], template_line=template[1])
        code = frame.f_code
        key = (id(code), frame.f_lasti, template)
        cached = self.template_sites.get(key)
        if cached is None:
            name, line = template if template is not None else (None, None)
            cached = self.template_sites[key] = (
                code,
                CallSite(
                    file=relative_file(code.co_filename, self.root),
                    line=frame.f_lineno,
                    function=code.co_qualname,
                    template=name,
                    template_line=line,
                ),
            )
        return cached[1]


_CONTENT_TYPE_CACHE = Trigger("content_type_cache", "contenttypes.ContentType", "")


def resolve_trigger(
    trigger_frame: tuple[str, FrameType] | None,
    queryset_frame: FrameType | None,
    operation: str,
    write_frame: tuple[str, FrameType] | None,
    gfk_frame: FrameType | None,
    is_prefetch: bool,
) -> Trigger | None:
    """The ORM access behind a query, from the frames its walk kept (innermost evidence first)."""
    trigger = None
    if trigger_frame is not None and not is_prefetch:
        role, frame = trigger_frame
        if role is DESCRIPTOR:  # the commonest: a forward FK read in a loop
            trigger = descriptor_trigger(frame.f_locals.get("self"))
        else:
            trigger = _trigger_from_frame(role, frame, queryset_frame)
    if trigger is None and write_frame is not None:
        trigger = write_trigger(*write_frame)
    if trigger is None and gfk_frame is not None and not is_prefetch:
        trigger = generic_fk_trigger(gfk_frame.f_locals.get("self"))
    if trigger is None and queryset_frame is not None:
        queryset = queryset_frame.f_locals.get("self")
        # A prefetch query carries the first instance in its hints, yet it is one query
        # for all rows, not a relation read row by row.
        if is_prefetch:
            trigger = plain_trigger(queryset)
        else:
            trigger = queryset_trigger(queryset, operation, queryset_frame)
    return trigger


def _trigger_from_frame(role: str, frame: FrameType, queryset_frame: FrameType | None) -> Any:
    owner = frame.f_locals.get("self")
    if role == DEFERRED:
        if isinstance(owner, Model):  # refresh_from_db(fields=[...])
            fields = frame.f_locals.get("fields") or ()
            return deferred_trigger(type(owner), next(iter(fields), ""))
        field = getattr(owner, "field", None)
        return None if field is None else deferred_trigger(field.model, field.name)
    operation = frame.f_locals.get("name", frame.f_code.co_name)
    return manager_trigger(owner, str(operation), queryset_frame)


_new = object.__new__
# CapturedQuery's slot setters, in field order.
CAPTURED_FIELDS = (
    "sql", "params", "duration_ms", "alias", "callsite", "trigger", "is_framework", "many",
    "signal", "fired_by", "statement",
)  # fmt: skip
(
    _set_sql,
    _set_params,
    _set_duration_ms,
    _set_alias,
    _set_callsite,
    _set_trigger,
    _set_is_framework,
    _set_many,
    _set_signal,
    _set_fired_by,
    _set_statement,
) = (getattr(CapturedQuery, name).__set__ for name in CAPTURED_FIELDS)


@contextmanager
def capture_queries(root: Path | None = None) -> Iterator[list[CapturedQuery]]:
    """Record the queries run on every database alias inside the block, in order.

    Queries from other threads count when the block's code started them (threads, executors,
    ``sync_to_async`` with either thread sensitivity): see :mod:`perfaudit.capture.threads`.
    ``root`` is the audited project's directory: call-site files inside it are made relative.
    """
    check_django_internals()  # once per process: a renamed Django frame fails loudly here
    queries: list[CapturedQuery] = []
    with open_capture(QueryRecorder(queries, root)):
        yield queries
