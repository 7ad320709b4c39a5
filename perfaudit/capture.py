"""Record every query a block of code runs, with its call site and the ORM access behind it.

:func:`capture_queries` installs ``connection.execute_wrapper`` on every database alias for the
duration of a ``with`` block. For each query it walks the Python stack once, innermost frame
first: the first frame of the audited project's own code is the call site, Django's template
frames give the template line, the ORM frames (related descriptors, related managers, deferred
attributes) give the :class:`~perfaudit.records.Trigger`, and the request handler's frames tell
whether the view or the middleware/authentication issued the query.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import django
from django.db import connections
from django.db.models import Model

import perfaudit
from perfaudit.compat import check_django_internals
from perfaudit.records import CallSite, CapturedQuery
from perfaudit.triggers import (
    deferred_trigger,
    descriptor_trigger,
    manager_trigger,
    plain_trigger,
    queryset_trigger,
)

_DJANGO = os.path.dirname(django.__file__) + os.sep
_PERFAUDIT = os.path.dirname(perfaudit.__file__) + os.sep
_LIBRARY_DIRS = tuple(
    {
        os.path.realpath(p) + os.sep
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_paths().get(key))
    }
    | {p + os.sep for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
)

# Frame roles, decided once per code object.
USER, LIBRARY, STOP = "user", "library", "stop"
DESCRIPTOR, MANAGER, QUERYSET, DEFERRED, PREFETCH = "desc", "mgr", "qs", "deferred", "prefetch"
NODE, GET_RESPONSE, HANDLER, AUTH = "node", "get_response", "handler", "auth"

_DJANGO_ROLES: dict[tuple[str, str], str] = {
    ("db/models/fields/related_descriptors.py", "__get__"): DESCRIPTOR,
    ("db/models/fields/related_descriptors.py", "count"): MANAGER,
    ("db/models/fields/related_descriptors.py", "exists"): MANAGER,
    ("db/models/manager.py", "manager_method"): MANAGER,
    ("db/models/query_utils.py", "__get__"): DEFERRED,
    ("db/models/base.py", "refresh_from_db"): DEFERRED,
    ("db/models/query.py", "prefetch_related_objects"): PREFETCH,
    ("template/base.py", "render_annotated"): NODE,
    ("core/handlers/base.py", "_get_response"): GET_RESPONSE,
    ("core/handlers/base.py", "get_response"): HANDLER,
    ("contrib/auth/__init__.py", "get_user"): AUTH,
    ("contrib/auth/middleware.py", "get_user"): AUTH,
}
_QUERYSET_METHODS = frozenset(
    {"_fetch_all", "count", "exists", "aggregate", "get", "first", "last", "contains", "in_bulk"}
)
# Children of BaseHandler._get_response that are not the view being called.
_NOT_THE_VIEW = frozenset(
    {"process_view", "resolve_request", "make_view_atomic", "process_exception_by_middleware",
     "check_response", "process_template_response"}
)  # fmt: skip
# Keyed by id(): hashing a code object hashes its bytecode, on every frame of every query.
_roles: dict[int, tuple[CodeType, str]] = {}


def frame_role(code: CodeType) -> str:
    """What a frame running ``code`` tells capture; cached per code object."""
    entry = _roles.get(id(code))
    if entry is None or entry[0] is not code:
        entry = _roles[id(code)] = (code, _classify(code.co_filename, code.co_name))
    return entry[1]


def _classify(filename: str, name: str) -> str:
    if filename.startswith(_PERFAUDIT):
        return STOP
    if filename.startswith(_DJANGO):
        relative = filename[len(_DJANGO) :].replace(os.sep, "/")
        role = _DJANGO_ROLES.get((relative, name))
        if role is not None:
            return role
        if relative == "db/models/query.py" and name in _QUERYSET_METHODS:
            return QUERYSET
        if relative.startswith("contrib/sessions/"):
            return AUTH
        return LIBRARY
    if filename.startswith("<") or filename.startswith(_LIBRARY_DIRS):
        return LIBRARY
    return USER


def root_prefix(root: Path | None) -> str:
    """The audited project's directory (the current one by default) as a path prefix."""
    return str((root or Path.cwd()).resolve()) + os.sep


def relative_file(filename: str, root: str) -> str:
    """``filename`` relative to the :func:`root_prefix` ``root`` when inside it, else as is."""
    return filename[len(root) :] if filename.startswith(root) else filename


class QueryRecorder:
    """The ``execute_wrapper`` callable: times each query and records a :class:`CapturedQuery`."""

    def __init__(self, alias: str, queries: list[CapturedQuery], root: Path | None) -> None:
        self.alias = alias
        self.queries = queries
        self.root = root_prefix(root)
        # A loop issues its query from one line: build that line's CallSite once.
        self.callsites: dict[tuple[object, ...], CallSite] = {}

    def __call__(
        self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            duration_ms = (time.perf_counter() - start) * 1000
            self.queries.append(self.describe(sql, params, many, duration_ms))

    def describe(self, sql: str, params: Any, many: bool, duration_ms: float) -> CapturedQuery:
        frame: FrameType | None = sys._getframe(2)
        callsite_frame: FrameType | None = None
        node: Any = None
        trigger_frame: tuple[str, FrameType] | None = None
        queryset_frame: FrameType | None = None
        is_prefetch = is_auth = in_request = in_view = False
        child: FrameType | None = None
        roles = _roles
        while frame is not None:
            code = frame.f_code
            entry = roles.get(id(code))
            role = entry[1] if entry is not None and entry[0] is code else frame_role(code)
            # Most frames are Django's or a library's: the cheapest test first.
            if role is LIBRARY:
                pass
            elif role is USER:
                if callsite_frame is None:
                    callsite_frame = frame
            elif role is STOP:
                break
            elif role == QUERYSET:
                queryset_frame = queryset_frame or frame
            elif role in (DESCRIPTOR, MANAGER, DEFERRED):
                trigger_frame = trigger_frame or (role, frame)
            elif role == NODE:
                node = node or frame.f_locals.get("self")
            elif role == PREFETCH:
                is_prefetch = True
            elif role == AUTH:
                is_auth = True
            elif role in (GET_RESPONSE, HANDLER):
                # The request's handler: the frames above it are middleware and the caller's.
                in_request = True
                in_view = role == GET_RESPONSE and (
                    child is not None and child.f_code.co_name not in _NOT_THE_VIEW
                )
                if in_view or role == HANDLER:
                    break
            child = frame
            frame = frame.f_back
        trigger = None
        if trigger_frame is not None and not is_prefetch:
            trigger = _trigger_from_frame(*trigger_frame)
        if trigger is None and queryset_frame is not None:
            queryset = queryset_frame.f_locals.get("self")
            # A prefetch query carries the first instance in its hints, yet it is one query
            # for all rows, not a relation read row by row.
            trigger = plain_trigger(queryset) if is_prefetch else queryset_trigger(queryset)
        return CapturedQuery(
            sql=sql,
            params=_freeze_params(params),
            duration_ms=duration_ms,
            alias=self.alias,
            callsite=self.callsite(callsite_frame, node),
            trigger=trigger,
            is_framework=is_auth or (in_request and not in_view),
            many=many,
        )

    def callsite(self, frame: FrameType | None, node: Any) -> CallSite | None:
        template: str | None = None
        template_line: int | None = None
        if node is not None and getattr(node, "origin", None) is not None:
            template = node.origin.template_name or node.origin.name
            token = getattr(node, "token", None)
            template_line = getattr(token, "lineno", None)
        if frame is None:
            if template is None:
                return None
            return CallSite("", 0, "", template=str(template), template_line=template_line)
        key = (frame.f_code, frame.f_lineno, template, template_line)
        callsite = self.callsites.get(key)
        if callsite is None:
            callsite = self.callsites[key] = CallSite(
                file=relative_file(frame.f_code.co_filename, self.root),
                line=frame.f_lineno,
                function=frame.f_code.co_qualname,
                template=None if template is None else str(template),
                template_line=template_line,
            )
        return callsite


def _trigger_from_frame(role: str, frame: FrameType) -> Any:
    owner = frame.f_locals.get("self")
    if role == DESCRIPTOR:
        return descriptor_trigger(owner)
    if role == DEFERRED:
        if isinstance(owner, Model):  # refresh_from_db(fields=[...])
            fields = frame.f_locals.get("fields") or ()
            return deferred_trigger(type(owner), next(iter(fields), ""))
        field = getattr(owner, "field", None)
        return None if field is None else deferred_trigger(field.model, field.name)
    operation = frame.f_locals.get("name", frame.f_code.co_name)
    return manager_trigger(owner, str(operation))


def _freeze_params(params: Any) -> tuple[object, ...] | None:
    if params is None:
        return None
    if isinstance(params, dict):
        return tuple(sorted(params.items()))
    return tuple(params)


@contextmanager
def capture_queries(root: Path | None = None) -> Iterator[list[CapturedQuery]]:
    """Record the queries run on every database alias inside the block, in order.

    ``root`` is the audited project's directory: call-site files inside it are made relative.
    """
    check_django_internals()  # once per process: a renamed Django frame fails loudly here
    queries: list[CapturedQuery] = []
    with ExitStack() as stack:
        for alias in connections:
            recorder = QueryRecorder(alias, queries, root)
            stack.enter_context(connections[alias].execute_wrapper(recorder))
        yield queries
