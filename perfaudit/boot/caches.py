"""Give a scan or a bench run caches of its own, and leave nothing in the project's caches.

Like the test databases, the caches must be this run's alone: a shared Redis serves the
project's live processes under the same key prefix, and what the run cached from its
throwaway data would be served to them (and what they cached would come back here as a stale,
query-free response). For the duration of the block every configured cache is replaced:

* a backend that can delete by pattern (django-redis) keeps its server under a key prefix
  unique to this run, and every key under that prefix is deleted at the end;
* any other backend (local memory, files, database, memcached, Django's own Redis backend)
  cannot delete only this run's keys, and its ``clear()`` would empty the project's store, so it
  becomes a local-memory cache private to this process, gone with it;
* a DummyCache stays what it is.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

_LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
# What a local-memory stand-in keeps of the project's configuration: how keys are built and
# how long they live, so the views cache and expire as they do in production.
_KEPT = ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION")


def private_cache_config(config: dict[str, Any], token: str, alias: str) -> dict[str, Any]:
    """The configuration that replaces ``config`` (one ``CACHES`` entry) for a run."""
    from django.core.cache.backends.dummy import DummyCache

    backend = _backend_class(config.get("BACKEND", ""))
    if backend is not None and issubclass(backend, DummyCache):
        return dict(config)
    if backend is not None and hasattr(backend, "delete_pattern"):
        return {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX') or ''}:{token}"}
    kept = {key: config[key] for key in _KEPT if key in config}
    return {**kept, "BACKEND": _LOCMEM, "LOCATION": f"{token}-{alias}"}


@contextmanager
def private_caches() -> Iterator[str]:
    """Run the block with every cache private to it (see the module docstring); yield the
    run's token, which every private key prefix and location contains."""
    from django.conf import settings
    from django.core.cache import caches
    from django.test import override_settings

    token = f"perfaudit_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    private = {
        alias: private_cache_config(dict(config), token, alias)
        for alias, config in settings.CACHES.items()
    }
    # override_settings makes Django drop its cache objects in every thread (setting_changed),
    # so nothing built with the project's configuration is used inside the block.
    with override_settings(CACHES=private):
        try:
            yield token
        finally:
            for alias in private:
                _empty(caches[alias])


def _empty(cache: Any) -> None:
    """Delete what the run stored: by pattern under its own prefix, or the private store."""
    delete_pattern = getattr(cache, "delete_pattern", None)
    with suppress(Exception):  # a server gone mid-run: nothing more to do, keys expire
        if delete_pattern is not None:
            delete_pattern("*")  # under this run's KEY_PREFIX only
        else:
            cache.clear()  # local memory (or a dummy): this process's own


def _backend_class(path: str) -> type | None:
    from django.utils.module_loading import import_string

    try:
        backend = import_string(path)
    except ImportError:
        return None
    return backend if isinstance(backend, type) else None
