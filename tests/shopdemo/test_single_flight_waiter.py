"""A single-flight waiter whose holder fails builds the page itself (issue 14.12).

The test of this name used to let the holder fail first and only then make a second call, which
found no lock and became a holder in turn (that test remains, as what it checks: a failed holder
releases the lock): the waiter's path never ran, and a waiter that raised instead of building
went unnoticed. Here the second request arrives while the first holds the
lock, and the first fails only once the second is waiting.
"""

from __future__ import annotations

import threading

from shopdemo.shop import cache


def dashboard_lock_key() -> str:
    generations = cache.read_generations([cache.DASHBOARD])
    assert generations is not None
    return f"{cache.page_key('dashboard', [], generations)}:lock"


def test_a_waiter_builds_itself_when_the_holder_fails() -> None:
    lock_key = dashboard_lock_key()
    holding, fail_now = threading.Event(), threading.Event()
    holder_errors: list[str] = []
    waiter_bodies: list[bytes] = []
    lock_when_the_waiter_built: list[object] = []

    def failing_build() -> bytes:
        holding.set()
        fail_now.wait(30)
        raise RuntimeError("database went away")

    def holder() -> None:
        try:
            cache.dashboard_page(failing_build)
        except RuntimeError as exc:
            holder_errors.append(str(exc))

    def waiter_build() -> bytes:
        lock_when_the_waiter_built.append(cache.page_cache().get(lock_key))
        return b'{"totals":{}}'

    def waiter() -> None:
        waiter_bodies.append(cache.dashboard_page(waiter_build))

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(30)
    assert cache.page_cache().get(lock_key) is not None  # the holder has the lock
    second = threading.Thread(target=waiter)
    second.start()
    # The waiter polls while the holder works: it neither builds nor returns meanwhile.
    second.join(timeout=10 * cache.LOCK_POLL)
    assert second.is_alive() and waiter_bodies == []
    fail_now.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert holder_errors == ["database went away"]
    assert waiter_bodies == [b'{"totals":{}}']
    # It built as a waiter, after the holder let the lock go, not as a second holder.
    assert lock_when_the_waiter_built == [None]
    assert cache.dashboard_page(lambda: b"never built") == b'{"totals":{}}'  # and stored it
