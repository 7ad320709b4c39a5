"""Route the queries of every thread a captured block uses to the capture that owns them.

Django keeps one connection object per thread (``connections`` stores them in an asgiref
``Local``), and ``execute_wrapper`` wraps one connection object. A request that fans out to
threads (``threading.Thread``, a ``ThreadPoolExecutor``, ``sync_to_async`` with either thread
sensitivity, the async test client's executor) runs its queries on connection objects that the
request's own thread never sees. So, while at least one capture is open, the
:data:`~django.db.connections` handler's thread-local store is watched: every connection object
any thread takes from it is given one dispatcher wrapper, and when the last capture closes the
store is put back and every dispatcher removed. Nothing stays installed outside a block.

A query belongs to the captures in its context (a ``ContextVar``, which asgiref copies into
its worker threads and back, and asyncio into tasks). A thread that carries no capture in its
context (a plain thread or executor worker: neither copies context) belongs to the captures
open on one thread, when only one thread has captures open; with captures open on several
threads at once such a query cannot be attributed and is not recorded.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from types import FrameType
from typing import Any, Protocol

import django
from django.db import connections
from django.db.backends.utils import CursorWrapper

from perfaudit.errors import PerfAuditError

__all__ = ["Sink", "open_capture"]


class Sink(Protocol):
    """What a capture offers the dispatcher: one call per finished query."""

    def record(
        self,
        frame: FrameType | None,
        sql: str,
        params: Any,
        many: bool,
        alias: str,
        duration_ms: float,
    ) -> None: ...


_in_context: ContextVar[tuple[Sink, ...]] = ContextVar("perfaudit_captures", default=())

# The one Django function that calls execute wrappers; CursorWrapper.execute() and
# executemany() are its only callers. None if a Django release renames it.
_CALLS_WRAPPERS = getattr(getattr(CursorWrapper, "_execute_with_wrappers", None), "__code__", None)


class _WatchedStore(threading.local):
    """Stands in for ``connections._connections``: hands each connection to ``adopt`` first.

    A ``threading.local`` itself (Django's store is per thread too), so once a thread's
    connection has been adopted it is found here by a plain attribute lookup, and
    ``__getattr__`` runs only on a thread's first use of an alias.
    """

    def __init__(self, inner: Any, adopt: Callable[[Any], None]) -> None:
        # Runs again, with the same arguments, in every thread that touches the store.
        super().__setattr__("_inner", inner)
        super().__setattr__("_adopt", adopt)

    def __getattr__(self, alias: str) -> Any:
        connection = getattr(self._inner, alias)
        self._adopt(connection)
        super().__setattr__(alias, connection)
        return connection

    def __setattr__(self, alias: str, connection: Any) -> None:
        # A thread's first use creates its connection and stores it here.
        setattr(self._inner, alias, connection)
        self._adopt(connection)
        super().__setattr__(alias, connection)

    def __delattr__(self, alias: str) -> None:
        delattr(self._inner, alias)
        if alias in self.__dict__:
            super().__delattr__(alias)


class _Hub:
    """The one dispatcher of the process while captures are open."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: list[tuple[Sink, int]] = []  # (capture, thread ident that opened it)
        self.store: Any = None
        self.adopted: dict[int, Any] = {}  # id(connection) -> connection (kept alive)
        # One bound method, installed on every connection: found again by identity.
        self.wrapper = self.dispatch

    def enter(self, sink: Sink) -> None:
        with self.lock:
            if not self.open:
                store = getattr(connections, "_connections", None)
                if store is None or not hasattr(type(store), "__getattr__"):
                    raise PerfAuditError(
                        f"perfaudit cannot capture queries on Django {django.get_version()}: "
                        "django.db.connections has no thread-local store (_connections) to "
                        "watch; use a Django version perfaudit supports (see setup.cfg)."
                    )
                self.store = store
                connections._connections = _WatchedStore(store, self.adopt)  # type: ignore[attr-defined]
            self.open.append((sink, threading.get_ident()))
        for alias in connections:
            self.adopt(connections[alias])  # this thread's, even if it was taken before

    def exit(self, sink: Sink) -> None:
        with self.lock:
            self.open = [(s, t) for s, t in self.open if s is not sink]
            if self.open:
                return
            connections._connections = self.store  # type: ignore[attr-defined]
            self.store = None
            adopted, self.adopted = self.adopted, {}
        for connection in adopted.values():
            wrappers = connection.execute_wrappers
            while self.wrapper in wrappers:
                wrappers.remove(self.wrapper)

    def adopt(self, connection: Any) -> None:
        if self.adopted.get(id(connection)) is connection:
            return
        with self.lock:
            if not self.open or self.adopted.get(id(connection)) is connection:
                return
            self.adopted[id(connection)] = connection
            connection.execute_wrappers.append(self.wrapper)

    def owners(self) -> tuple[Sink, ...]:
        open_now = self.open
        in_context = _in_context.get()
        if len(open_now) == 1 and in_context and in_context[-1] is open_now[0][0]:
            return in_context[-1:]  # the usual case: one capture, and this is its context
        owners = tuple(s for s in in_context if any(s is o for o, _ in open_now))
        if owners or not open_now:
            return owners
        if len({thread for _, thread in open_now}) == 1:
            return tuple(s for s, _ in open_now)
        return ()

    def dispatch(
        self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        # Runs for every query of the process while a capture is open: the usual case (one
        # capture, this is its context, perfaudit's wrapper is the connection's first and
        # Django's frame above it was checked once) is tested and served inline.
        open_now = self.open
        in_context = _in_context.get()
        if len(open_now) == 1 and in_context and in_context[-1] is open_now[0][0]:
            sink = in_context[-1]
            start = _clock()
            try:
                return execute(sql, params, many, context)
            finally:
                duration_ms = (_clock() - start) * 1000
                connection = context["connection"]
                frame: FrameType | None
                if _first_wrapper_checked and connection.execute_wrappers[0] is self.wrapper:
                    frame = _getframe(3)  # see _caller_of_cursor()
                else:
                    frame = _caller_of_cursor(connection.execute_wrappers.index(self.wrapper))
                sink.record(frame, sql, params, many, connection.alias, duration_ms)
        owners = self.owners()
        if not owners:
            return execute(sql, params, many, context)
        start = _clock()
        try:
            return execute(sql, params, many, context)
        finally:
            duration_ms = (_clock() - start) * 1000
            connection = context["connection"]
            frame = _caller_of_cursor(connection.execute_wrappers.index(self.wrapper))
            alias = connection.alias
            for owner in owners:
                owner.record(frame, sql, params, many, alias, duration_ms)


def _caller_of_cursor(position: int) -> FrameType | None:
    """The frame that called the cursor's execute()/executemany(), seen from dispatch().

    Above dispatch() are the frames of the wrappers installed before it (one each), then
    Django's ``_execute_with_wrappers`` and the ``CursorWrapper`` method that called it: none
    of them is the query's. ``sys._getframe(n)`` gives a frame without creating frame objects
    for the ones it skips, which walking ``f_back`` would.
    """
    global _first_wrapper_checked
    get_frame = sys._getframe
    if position == 0 and _first_wrapper_checked:
        return get_frame(4)
    try:
        first = get_frame(position + 2)  # 0 is this function, 1 dispatch()
        if first.f_code is _CALLS_WRAPPERS:
            # The first wrapper is called by Django's function, whatever the query: once
            # seen, the frame in between is not looked at again.
            _first_wrapper_checked = _first_wrapper_checked or position == 0
            return get_frame(position + 4)
    except ValueError:  # fewer frames than wrappers: some wrapper is not a Python function
        return get_frame(2)
    # A wrapper that runs in more than one frame: look for Django's function.
    frame: FrameType | None = first
    while frame is not None and frame.f_code is not _CALLS_WRAPPERS:
        frame = frame.f_back
    if frame is None or frame.f_back is None:
        return get_frame(2)  # not found: the whole stack, as it is
    return frame.f_back.f_back


_clock = time.perf_counter
_getframe = sys._getframe
_first_wrapper_checked = False


_HUB = _Hub()


class open_capture:
    """Route queries to ``sink`` from every thread inside the ``with`` block."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.token: Any = None

    def __enter__(self) -> None:
        _HUB.enter(self.sink)
        self.token = _in_context.set((*_in_context.get(), self.sink))

    def __exit__(self, *exc: object) -> None:
        # A block exited in another context than it entered (an odd async test) cannot reset.
        with suppress(ValueError):
            _in_context.reset(self.token)
        _HUB.exit(self.sink)
