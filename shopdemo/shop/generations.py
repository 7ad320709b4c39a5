"""Namespace generations in the page cache: reading them, bumping them, paying what is owed.

A page's key is derived from the generations of its namespaces (see :mod:`shopdemo.shop.cache`),
so a page is only as fresh as the generations it was read under. Through any cache outage:

* A bump is owed (:func:`shopdemo.shop.cache_health.owe`) from the moment it starts until the
  cache has taken it. Owed bumps survive failures and are written, all of them, by the next
  bump or read once the back-off is over.
* While a namespace is owed, this process does not trust its generations: a read that finds
  one owed, before or after asking the cache, serves the page from the database.
* Only a call that was made and failed starts the back-off; a bump during the back-off is
  owed without a call, so a process that writes continuously still leaves the back-off.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache

from shopdemo.shop.cache_health import (
    debts,
    guarded,
    is_backing_off,
    logger,
    mark_failure,
    mark_success,
    owe,
    owes,
    settle,
)

# Generations outlive pages: losing one only costs misses (its replacement is a new token).
GENERATION_TTL = 24 * 3600


def cache_alias() -> str:
    return str(getattr(settings, "SHOPDEMO_CACHE_ALIAS", "default"))


def page_cache() -> BaseCache:
    return caches[cache_alias()]


def is_dummy() -> bool:
    # DummyCache stores nothing on purpose (caching switched off): not a failure to report.
    return isinstance(page_cache(), DummyCache)


def generation_key(namespace: str) -> str:
    return f"shop:gen:{namespace}"


def new_token() -> str:
    # Random rather than a counter: a counter evicted from Redis restarts at 1 and revives the
    # pages stored under its earlier values; a fresh random token matches none of them.
    return secrets.token_hex(8)


def strict(cache: BaseCache) -> Any:
    """The cache's own calls, or django-redis's client, which raises where the cache would not.

    With IGNORE_EXCEPTIONS, django-redis answers a failed ``get_many`` with ``{}``: only a
    second round trip (and a second timeout on a hung server) would tell. Its client raises.
    """
    client = getattr(cache, "client", None)
    return client if hasattr(client, "get_many") and hasattr(client, "set_many") else cache


def write_generations(namespaces: Iterable[str]) -> bool:
    """Give each namespace a new token; True only if the cache took every one."""
    tokens = {generation_key(ns): new_token() for ns in namespaces}
    cache = page_cache()
    backend = strict(cache)
    if not guarded(lambda: backend.set_many(tokens, GENERATION_TTL) or True, False):
        return False
    if backend is not cache:
        return True  # the client raises on failure
    # A backend that may hide a failure: read the tokens back. Another writer's newer token
    # is as good as ours, so any value confirms the bump.
    stored: dict[str, Any] = guarded(lambda: cache.get_many(list(tokens)), {})
    return all(stored.get(key) is not None for key in tokens)


def flush_pending(fresh: Iterable[str] = ()) -> bool:
    """Write every owed bump (unless backing off); True when none is left owed.

    ``fresh`` names the bumps the caller has just owed: the others were delayed by a failure.
    """
    alias = cache_alias()
    owed = debts(alias)
    if not owed:
        return True
    if is_backing_off(alias):
        return False
    if not write_generations(owed):
        mark_failure(alias, "invalidate")
        return False
    settle(alias, owed)
    delayed = len(set(owed) - set(fresh))
    if delayed:
        logger.warning("Cache %r: %d delayed invalidations applied.", alias, delayed)
    mark_success(alias)
    return True


def bump_generations(namespaces: Iterable[str]) -> bool:
    """Invalidate every page of ``namespaces`` now; on failure keep them owed for a retry."""
    wanted = set(namespaces)
    if not wanted or is_dummy():
        return True
    # Owed before the call: a reader of this process that reads the generations while the
    # write is on its way (or after it failed) finds the debt and goes to the database.
    owe(cache_alias(), wanted)
    return flush_pending(fresh=wanted)


def read_generations(namespaces: Sequence[str]) -> list[str] | None:
    """The current token of each namespace (creating missing ones), or None not to trust them.

    None when the cache fails or backs off, and while a bump of one of ``namespaces`` is owed.
    """
    alias = cache_alias()
    # Debts of any namespace are paid first: a read is how a process that stopped writing
    # still delivers them. (A bump on its way is written twice then: harmless, and rare.)
    if is_backing_off(alias) or not flush_pending():
        return None
    tokens = fetch_generations(alias, namespaces)
    # A bump owed now began before, or failed during, this read: the tokens read may be the
    # ones it replaces.
    if tokens is None or owes(alias, namespaces):
        return None
    mark_success(alias)
    return tokens


def fetch_generations(alias: str, namespaces: Sequence[str]) -> list[str] | None:
    """Ask the cache for the tokens, adding missing ones; None (and a failure) if it fails."""
    cache = caches[alias]
    keys = [generation_key(ns) for ns in namespaces]
    # One round trip decides: a cache that does not answer it costs one timeout, not two.
    answer: dict[str, Any] | None = guarded(lambda: strict(cache).get_many(keys), None)
    if answer is None:
        mark_failure(alias, "read generations")
        return None
    found = dict(answer)
    for key in keys:
        if found.get(key) is not None:
            continue
        token = new_token()
        # add() answers True or False; None (django-redis ignoring an error) or an exception
        # means the cache did not answer.
        added = guarded(lambda: cache.add(key, token, GENERATION_TTL), None)  # noqa: B023
        if added is None:
            mark_failure(alias, "read generations")
            return None
        found[key] = token if added else guarded(lambda: cache.get(key), None)  # noqa: B023
        if found[key] is None:
            mark_failure(alias, "read generations")
            return None
    return [str(found[key]) for key in keys]
