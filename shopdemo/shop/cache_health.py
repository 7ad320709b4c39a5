"""How the page cache is doing, per cache alias: failures, back-off, invalidations owed.

The page cache must never fail a request. :func:`guarded` turns any cache exception into a
fallback value; a failure starts a short back-off during which :mod:`shopdemo.shop.cache`
leaves the cache alone, and invalidations that could not be written wait here until it
answers again. A cache that stops or starts answering is logged once, as a warning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

# One logger for the page cache, whichever of its modules speaks.
logger = logging.getLogger("shopdemo.shop.cache")

# After a failure the process serves from the database for this long before trying again,
# so a hung Redis costs one request a socket timeout, not every request.
RETRY_AFTER = 1.0

T = TypeVar("T")


@dataclass
class CacheHealth:
    """One cache alias in this process: invalidations still owed, and the back-off."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: set[str] = field(default_factory=set)
    down_until: float = 0.0
    is_degraded: bool = False


HEALTH: dict[str, CacheHealth] = {}
HEALTH_LOCK = threading.Lock()


def health(alias: str) -> CacheHealth:
    """The state of cache ``alias`` in this process."""
    # Asked several times per cached request: a plain lookup (atomic) serves the known alias;
    # only a new one takes the lock and builds a state (a lock and a set each).
    state = HEALTH.get(alias)
    if state is None:
        with HEALTH_LOCK:
            state = HEALTH.setdefault(alias, CacheHealth())
    return state


def reset_health() -> None:
    """Forget failures and owed invalidations (tests that swap the cache backend call this)."""
    with HEALTH_LOCK:
        HEALTH.clear()


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
