"""How the page cache is doing, per cache alias: failures, back-off, invalidations owed.

The page cache must never fail a request. :func:`guarded` turns any cache exception into a
fallback value; a failed call starts a short back-off during which
:mod:`shopdemo.shop.generations` leaves the cache alone. Invalidations are *owed* here from
the moment a bump starts until the cache has taken it: while a namespace is owed, this process
does not trust its pages (it serves them from the database). A cache that stops or starts
answering is logged once, as a warning.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

# One logger for the page cache, whichever of its modules speaks.
logger = logging.getLogger("shopdemo.shop.cache")

# After a failed call the process serves from the database for this long before trying again,
# so a hung Redis costs one request a socket timeout, not every request. Only a call that was
# made and failed starts it: a write during the back-off is owed, not tried, and extends nothing.
RETRY_AFTER = 1.0

T = TypeVar("T")
Debts = dict[str, int]


@dataclass
class CacheHealth:
    """One cache alias in this process: invalidations owed, and the back-off.

    ``pending`` maps each owed namespace to the ticket of its latest bump: a retry that wrote
    a namespace settles it only if no newer bump of it arrived meanwhile (that bump may have
    committed after the retry wrote, and must be written again).
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: Debts = field(default_factory=dict)
    tickets: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    down_until: float = 0.0
    is_degraded: bool = False


HEALTH: dict[str, CacheHealth] = {}
HEALTH_LOCK = threading.Lock()


def health(alias: str) -> CacheHealth:
    """The state of cache ``alias`` in this process."""
    # Asked several times per cached request: a plain lookup (atomic) serves the known alias;
    # only a new one takes the lock and builds a state.
    state = HEALTH.get(alias)
    if state is None:
        with HEALTH_LOCK:
            state = HEALTH.setdefault(alias, CacheHealth())
    return state


def reset_health() -> None:
    """Forget failures and owed invalidations (tests that swap the cache backend call this)."""
    with HEALTH_LOCK:
        HEALTH.clear()


def owe(alias: str, namespaces: Iterable[str]) -> None:
    """Record bumps of ``namespaces`` as owed until :func:`settle` clears them."""
    state = health(alias)
    with state.lock:
        ticket = next(state.tickets)
        for namespace in namespaces:
            state.pending[namespace] = ticket


def debts(alias: str) -> Debts:
    """A copy of what is owed: namespace -> ticket of its latest bump."""
    state = health(alias)
    with state.lock:
        return dict(state.pending)


def owes(alias: str, namespaces: Iterable[str]) -> bool:
    """Whether a bump of any of ``namespaces`` is owed (so their pages cannot be trusted)."""
    pending = health(alias).pending
    # Membership tests on a dict are atomic; a bump owed just after this answer is the
    # caller's own race with a writer, the same as with a bump written just after.
    return any(namespace in pending for namespace in namespaces)


def settle(alias: str, written: Mapping[str, int]) -> None:
    """Clear the debts ``written`` paid, unless a newer bump of the namespace is owed."""
    state = health(alias)
    with state.lock:
        for namespace, ticket in written.items():
            if state.pending.get(namespace) == ticket:
                del state.pending[namespace]


def mark_failure(alias: str, action: str) -> None:
    state = health(alias)
    with state.lock:
        state.down_until = time.monotonic() + RETRY_AFTER
        if not state.is_degraded:
            state.is_degraded = True
            logger.warning(
                "Cache %r failed to %s; serving pages from the database until it answers.",
                alias,
                action,
            )


def mark_success(alias: str) -> None:
    state = health(alias)
    if state.is_degraded:
        with state.lock:
            state.is_degraded = False
        logger.warning("Cache %r answers again; pages are cached again.", alias)


def is_backing_off(alias: str) -> bool:
    return time.monotonic() < health(alias).down_until


def guarded(call: Callable[[], T], failed: T) -> T:
    """Run one cache call; an exception (backend without IGNORE_EXCEPTIONS) becomes ``failed``."""
    try:
        return call()
    except Exception:
        logger.debug("Cache call failed.", exc_info=True)
        return failed
