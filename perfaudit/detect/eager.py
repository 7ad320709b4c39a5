"""Best-effort detection of eager loads whose related objects a request never reads.

:func:`track_eager_loads` installs a profile hook on the current thread only
(``sys.setprofile``), for the duration of a ``with`` block, chaining any profiler already
there. The hook ignores every call except those of a few Django functions, recognised by the
identity of their code object:

* ``QuerySet.select_related`` and ``QuerySet.prefetch_related``: the model, the requested paths
  and the user code line that asked for them;
* the ``__get__`` of the related descriptors (``review.author``, ``user.customer``,
  ``product.reviews``, ``product.tags``): a relation read, wherever it is read;
* ``prefetch_related_objects``: while it runs, the reads are Django's own, not the view's.

When the block ends, each path whose relation (or a nested segment of it) was never read
becomes an :class:`~perfaudit.records.EagerLoad` with ``was_read=False``. Nothing is patched:
other threads never see the hook. What it cannot see it does not report: querysets built before
the block (module or class attributes), ``Prefetch(to_attr=...)`` targets, generic relations.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.query import prefetch_related_objects

from perfaudit.capture.recorder import MANAGER, USER, frame_role, relative_file, root_prefix
from perfaudit.capture.relations import label
from perfaudit.records import CallSite, EagerLoad

__all__ = ["EagerLoadTracker", "track_eager_loads"]

_DESCRIPTORS = (
    ForwardManyToOneDescriptor,  # and ForwardOneToOneDescriptor, which inherits __get__
    ReverseOneToOneDescriptor,
    ReverseManyToOneDescriptor,  # and ManyToManyDescriptor
)
_READ, _PREFETCH_RUN, _ROW = "read", "prefetch_run", "row"
_PREFETCH_RUN_CODE = prefetch_related_objects.__code__
# Keyed by id(): hashing a code object hashes its bytecode. These functions live as long as
# Django is imported, so their ids are never reused.
_WATCHED: dict[int, str] = {
    **{id(cls.__get__.__code__): _READ for cls in _DESCRIPTORS},
    id(QuerySet.select_related.__code__): "select_related",
    id(QuerySet.prefetch_related.__code__): "prefetch_related",
    id(_PREFETCH_RUN_CODE): _PREFETCH_RUN,
    id(vars(Model)["from_db"].__func__.__code__): _ROW,  # every row loaded as a model instance
}


@dataclass(frozen=True)
class _Request:
    """One select_related/prefetch_related path as asked for, resolved to its descriptors."""

    model: str
    path: str
    kind: str
    callsite: CallSite
    descriptors: tuple[object, ...]  # one per segment that could be resolved
    owners: tuple[type[Model], ...]  # the model each segment is read from


class EagerLoadTracker:
    """The profile hook's state for one block: the eager loads asked for, the relations read."""

    def __init__(self, root: Path | None = None, previous: Callable[..., Any] | None = None):
        self.root = root_prefix(root)
        self.previous = previous
        self.requests: list[_Request] = []
        self.read: set[int] = set()  # id() of descriptors; they live as long as their model
        self.loaded: set[type[Model]] = set()  # models with at least one row loaded
        self.prefetch_depth = 0

    def profile(self, frame: FrameType, event: str, arg: object) -> None:
        """The ``sys.setprofile`` callback: one dict lookup per call, then at most one handler.

        It runs on every call and return of the thread, C functions included: the common case
        (a call of nothing watched) must cost as little as possible.
        """
        if self.previous is not None:
            self.previous(frame, event, arg)
        if event == "call":
            watched = _WATCHED.get(id(frame.f_code))
            if watched is not None:
                # An error in a profile function unsets it and raises in the audited view:
                # a missed finding is better than a view that fails only under perfaudit.
                with suppress(Exception):
                    self._on_call(frame, watched)
        elif event == "return" and self.prefetch_depth and frame.f_code is _PREFETCH_RUN_CODE:
            self.prefetch_depth -= 1

    def _on_call(self, frame: FrameType, watched: str) -> None:
        if watched == _READ:
            if not self.prefetch_depth:
                self._read(frame)
        elif watched == _ROW:
            self.loaded.add(frame.f_locals["cls"])
        elif watched == _PREFETCH_RUN:
            self.prefetch_depth += 1
        else:
            lookups = frame.f_locals.get("fields" if watched == "select_related" else "lookups")
            self._ask(frame, watched, lookups or ())

    def _read(self, frame: FrameType) -> None:
        local = frame.f_locals
        if local.get("instance") is not None:  # None: the class attribute, not a read
            self.read.add(id(local.get("self")))

    def _ask(self, frame: FrameType, kind: str, lookups: Any) -> None:
        queryset = frame.f_locals.get("self")
        callsite = self._callsite(frame.f_back)
        if callsite is None or not isinstance(queryset, QuerySet):
            return
        for lookup in lookups:
            path, is_last_visible = _lookup_path(lookup)
            if not path:
                continue
            descriptors = resolve_path(queryset.model, path)
            if not is_last_visible:
                # Prefetch(to_attr=...) stores a plain list: its reads are invisible.
                descriptors = descriptors[: len(path.split("__")) - 1]
            if descriptors:
                owners = (queryset.model, *(_target(d) for d in descriptors[:-1]))
                self.requests.append(
                    _Request(label(queryset.model), path, kind, callsite, descriptors, owners)
                )

    def _callsite(self, frame: FrameType | None) -> CallSite | None:
        """The user code line that called select_related (through a manager or not).

        None when Django or a library called it on the user's behalf: the fix would not be
        the user's to make at that line.
        """
        while frame is not None and frame_role(frame.f_code) == MANAGER:
            frame = frame.f_back
        if frame is None or frame_role(frame.f_code) != USER:
            return None
        filename = relative_file(frame.f_code.co_filename, self.root)
        return CallSite(filename, frame.f_lineno, frame.f_code.co_qualname)

    def eager_loads(self) -> tuple[EagerLoad, ...]:
        """Every path asked for in the block, in order, each with its verdict."""
        return tuple(self._verdict(request) for request in self.requests)

    def _verdict(self, request: _Request) -> EagerLoad:
        segments = request.path.split("__")
        unread = next(
            (i for i, d in enumerate(request.descriptors) if id(d) not in self.read), None
        )
        if unread is not None and not self._has_rows(request.owners[unread]):
            # No row to read the relation from (an empty result, values()): nothing says the
            # eager load is useless when rows come back.
            unread = None
        return EagerLoad(
            model=request.model,
            path=request.path,
            kind=request.kind,
            callsite=request.callsite,
            was_read=unread is None,
            kept_path="__".join(segments[:unread]) if unread else "",
        )

    def _has_rows(self, model: type[Model]) -> bool:
        return any(issubclass(loaded, model) for loaded in self.loaded)


def _lookup_path(lookup: object) -> tuple[str, bool]:
    """(path, whether reads of its last segment are visible) of a lookup; ``""`` to skip."""
    if isinstance(lookup, Prefetch):
        return lookup.prefetch_through, lookup.to_attr is None
    if isinstance(lookup, str):
        return lookup, True
    return "", False  # select_related(None) clears: nothing is loaded


def resolve_path(model: Any, path: str) -> tuple[object, ...]:
    """The related descriptor of each segment of ``path`` from ``model``, as far as known.

    Stops at the first segment that is not a plain relation (a generic relation, a typo that
    Django will reject): what follows cannot be judged.
    """
    descriptors: list[object] = []
    for name in path.split("__"):
        descriptor = next((vars(k)[name] for k in model.__mro__ if name in vars(k)), None)
        model = _target(descriptor)
        if model is None:
            break
        descriptors.append(descriptor)
    return tuple(descriptors)


def _target(descriptor: object) -> Any:
    """The model a related descriptor leads to, None for anything else."""
    if isinstance(descriptor, ForwardManyToOneDescriptor):
        return descriptor.field.related_model
    if isinstance(descriptor, ReverseOneToOneDescriptor):
        return descriptor.related.related_model
    if isinstance(descriptor, ManyToManyDescriptor):
        rel = descriptor.rel
        return rel.related_model if descriptor.reverse else rel.model
    if isinstance(descriptor, ReverseManyToOneDescriptor):
        return descriptor.rel.related_model
    return None


@contextmanager
def track_eager_loads(root: Path | None = None) -> Iterator[EagerLoadTracker]:
    """Watch this thread's eager loads and relation reads inside the block.

    ``root`` makes call-site files relative, as in
    :func:`perfaudit.capture.recorder.capture_queries`.
    A profiler already installed keeps receiving every event; it is restored on exit.
    """
    previous = sys.getprofile()
    tracker = EagerLoadTracker(root, previous)
    if previous is not None and not callable(previous):
        # A C profiler (cProfile) cannot be chained or restored from Python: leave it alone
        # and report nothing rather than break it.
        yield tracker
        return
    sys.setprofile(tracker.profile)
    try:
        yield tracker
    finally:
        sys.setprofile(previous)
