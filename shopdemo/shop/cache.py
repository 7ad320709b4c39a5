"""The page cache of the optimized views: rendered JSON bytes under generation-versioned keys.

Every cached page belongs to one or more namespaces (``catalog``, ``product:<id>``, ``products``,
``orders:<user id>``, ``orders``, ``dashboard``). Each namespace has a *generation*, a random
token stored in the cache, and a page's key is derived from the generations of its namespaces.
Invalidation replaces generations (see :mod:`shopdemo.shop.invalidation`, which does it in
``transaction.on_commit``); pages stored under an old generation are never read again and
expire with their TTL.

The order of operations is what makes this safe under concurrency: a request reads the
generations *before* it reads the database, so a writer that commits in between (and then
bumps) leaves the request storing its old data under a key nobody will ask for again.

The cache may fail at any time (Redis down, slow, or restarted): every cache call is guarded,
a failure serves the request from the database, and bumps that could not be written stay owed
(:mod:`shopdemo.shop.generations`): this process does not trust their pages until they are.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Hashable, Iterable, Sequence

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest
from django.utils.http import urlencode

from shopdemo.shop.cache_health import guarded
from shopdemo.shop.generations import (
    bump_generations,
    is_dummy,
    new_token,
    page_cache,
    read_generations,
)

CATALOG = "catalog"
PRODUCTS = "products"
ORDERS = "orders"
DASHBOARD = "dashboard"

DEFAULT_PAGE_TTL = 300
# Longer than any dashboard computation; a crashed holder blocks nobody beyond this.
LOCK_TTL = 30
LOCK_WAIT = 5.0
LOCK_POLL = 0.02
Build = Callable[[], bytes]


def product_namespace(pk: int) -> str:
    return f"product:{pk}"


def orders_namespace(user_id: int) -> str:
    return f"orders:{user_id}"


def page_ttl() -> int:
    """Seconds a page lives in the cache: ``settings.SHOPDEMO_CACHE_TTL`` (default 300)."""
    return int(getattr(settings, "SHOPDEMO_CACHE_TTL", DEFAULT_PAGE_TTL))


def page_key(view: str, parts: Sequence[str], generations: Sequence[str]) -> str:
    """The key of one rendered page: its view, its request parts and its namespaces' tokens."""
    digest = hashlib.sha256("\x1f".join([*parts, "\x1e", *generations]).encode()).hexdigest()
    return f"shop:page:{view}:{digest[:40]}"


class GenerationBump:
    """An ``on_commit`` callback that bumps namespaces; merges the bumps of one transaction.

    It also carries ``lookups``, a memo the invalidation receivers fill while the bump is the
    open one of its transaction level (see :func:`shopdemo.shop.invalidation.parent_namespaces`):
    kept here, it lives exactly as long as the namespaces it feeds, and a savepoint rollback
    that drops the bump drops the memo with it.
    """

    def __init__(self, namespaces: Iterable[str]) -> None:
        self.namespaces = set(namespaces)
        self.has_run = False
        self.lookups: dict[Hashable, frozenset[str]] = {}

    def __call__(self) -> None:
        self.has_run = True
        bump_generations(self.namespaces)

    def __repr__(self) -> str:
        return f"GenerationBump({sorted(self.namespaces)!r})"


def pending_bumps(using: str) -> list[GenerationBump]:
    # run_on_commit is where Django keeps a transaction's callbacks (savepoint rollbacks prune
    # it, a rollback empties it), so it tells exactly which bumps are still to come.
    # Entries are (savepoint ids, callback, robust); the stubs know only the first two.
    callbacks = [entry[1] for entry in connections[using].run_on_commit]
    return [f for f in callbacks if isinstance(f, GenerationBump) and not f.has_run]


def open_bump(using: str = DEFAULT_DB_ALIAS) -> GenerationBump | None:
    """The bump that takes this transaction level's next namespaces, if one is registered.

    Only the last callback qualifies, and only at the current savepoint level: one callback can
    carry the bumps of that level, and rolls back with all of them.
    """
    connection = connections[using]
    if not (connection.in_atomic_block and connection.run_on_commit):
        return None
    sids, last = connection.run_on_commit[-1][:2]
    if (
        isinstance(last, GenerationBump)
        and not last.has_run
        and sids == set(connection.savepoint_ids)
    ):
        return last
    return None


def bump_on_commit(namespaces: Iterable[str], using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump ``namespaces`` once the current transaction commits (now, in autocommit mode)."""
    wanted = set(namespaces)
    bump = open_bump(using)
    if bump is not None:
        bump.namespaces |= wanted
        return
    transaction.on_commit(GenerationBump(wanted), using=using)


def transaction_bump(using: str = DEFAULT_DB_ALIAS) -> GenerationBump | None:
    """The open bump of the current transaction level, registered now if there is none yet.

    None in autocommit mode, where every statement commits on its own and nothing is pending.
    A bump registered here is empty until the write that asked for it merges its namespaces.
    """
    if not connections[using].in_atomic_block:
        return None
    bump = open_bump(using)
    if bump is None:
        bump = GenerationBump(())
        transaction.on_commit(bump, using=using)
    return bump


def has_uncommitted_writes(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this thread's transaction wrote shop data it has not committed yet.

    Such a transaction must not read the cache (it would miss its own writes) nor fill it
    (it would publish rows that may still roll back).
    """
    # An empty bump is a memo registered by a lookup whose write has not merged in yet.
    return any(bump.namespaces for bump in pending_bumps(using))


def store(key: str, body: bytes, ttl: int) -> None:
    cache = page_cache()
    guarded(lambda: cache.set(key, body, ttl), None)


def load(key: str) -> bytes | None:
    cache = page_cache()
    body = guarded(lambda: cache.get(key), None)
    return body if isinstance(body, bytes) else None


def build_single_flight(key: str, build: Build, ttl: int) -> bytes:
    """Build a missing page in one request at a time; the others wait for its result.

    A waiter never fails: when the holder does not deliver in time, or the lock cannot be
    read (the cache is failing), it builds the page itself.
    """
    cache = page_cache()
    lock_key = f"{key}:lock"
    token = new_token()
    if guarded(lambda: cache.add(lock_key, token, LOCK_TTL), None):
        try:
            return build_and_store(key, build, ttl)
        finally:
            if guarded(lambda: cache.get(lock_key), None) == token:
                guarded(lambda: cache.delete(lock_key), None)
    deadline = time.monotonic() + LOCK_WAIT
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL)
        cached = load(key)
        if cached is not None:
            return cached
        if guarded(lambda: cache.get(lock_key), None) is None:
            # The holder is done (or the cache stopped answering): one last look, then build.
            cached = load(key)
            if cached is not None:
                return cached
            break
    return build_and_store(key, build, ttl)


def build_and_store(key: str, build: Build, ttl: int) -> bytes:
    body = build()
    store(key, body, ttl)
    return body


def cached_body(
    view: str,
    namespaces: Sequence[str],
    parts: Sequence[str],
    build: Build,
    *,
    is_single_flight: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> bytes:
    """The page from the cache, or ``build()`` (stored for :func:`page_ttl` seconds).

    ``build`` raises for responses that must not be cached (404, 400): nothing is stored then.
    """
    if has_uncommitted_writes(using) or is_dummy():
        return build()
    # Generations first, database second: see the module docstring.
    generations = read_generations(namespaces)
    if generations is None:
        return build()
    key = page_key(view, parts, generations)
    cached = load(key)
    if cached is not None:
        return cached
    if is_single_flight:
        return build_single_flight(key, build, page_ttl())
    return build_and_store(key, build, page_ttl())


# One function per cached view: which namespaces its pages belong to and what tells pages apart.


def request_parts(request: HttpRequest) -> list[str]:
    # The pagination links repeat every query parameter, so all of them belong in the key.
    query = sorted((name, value) for name, values in request.GET.lists() for value in values)
    return [request.path, urlencode(query)]


def product_list_page(request: HttpRequest, build: Build) -> bytes:
    """A product list page; any catalog change (product, category, tag, review) replaces it."""
    return cached_body("product-list", [CATALOG], request_parts(request), build)


def product_detail_page(pk: int, build: Build) -> bytes:
    """A product page; changes to that product, or to categories, tags and users, replace it."""
    return cached_body("product-detail", [product_namespace(pk), PRODUCTS], [str(pk)], build)


def order_list_page(request: HttpRequest, user_id: int, build: Build) -> bytes:
    """One of a customer's order list pages."""
    parts = [str(user_id), *request_parts(request)]
    return cached_body("order-list", [orders_namespace(user_id), ORDERS], parts, build)


def order_detail_page(user_id: int, pk: int, build: Build) -> bytes:
    """One of a customer's orders (another customer's never reaches the cache: it is a 404)."""
    parts = [str(user_id), str(pk)]
    return cached_body("order-detail", [orders_namespace(user_id), ORDERS], parts, build)


def dashboard_page(build: Build) -> bytes:
    """The staff dashboard, recomputed by one request at a time when it is missing."""
    return cached_body("dashboard", [DASHBOARD], [], build, is_single_flight=True)
