"""Boot the audited Django project on a throwaway test database, and always destroy it.

:func:`configure_django` imports the settings module and runs ``django.setup()``.
:func:`test_databases` creates a test database per alias with Django's own machinery
(``connection.creation.create_test_db``: migrations included), runs the setup callable and
fixtures, and destroys every database it created on exit, on errors and on Ctrl-C alike. The
configured databases are never opened: only their test twins, under names unique to this process.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from perfaudit.boot.interrupts import held_interrupts
from perfaudit.errors import ConfigError, Interrupted, ProjectError


@dataclass(frozen=True)
class BootedProject:
    """A project running on its test databases, with what its setup callable returned."""

    settings: str
    vendor: str  # of the default database; queries on every alias are captured all the same
    setup_values: Mapping[str, object] = field(default_factory=dict)


def configure_django(settings_module: str, pythonpath: tuple[str, ...] = ()) -> None:
    """Import ``settings_module`` (``pythonpath`` first on sys.path) and set Django up.

    Raises ConfigError when the module does not exist and ProjectError when it fails to import
    or when Django's setup fails (a broken app, a bad setting).
    """
    for directory in (*reversed(pythonpath), os.getcwd()):
        path = os.path.abspath(directory)
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        module = importlib.import_module(settings_module)
    except ModuleNotFoundError as exc:
        if _is_missing(settings_module, exc):
            raise ConfigError(
                f"Settings module {settings_module!r} cannot be found (no module {exc.name!r}); "
                "pass --settings MODULE or --pythonpath DIR."
            ) from None
        raise ProjectError(_failed(f"Importing settings {settings_module!r}", exc)) from exc
    except Exception as exc:
        raise ProjectError(_failed(f"Importing settings {settings_module!r}", exc)) from exc
    if not getattr(module, "ROOT_URLCONF", None):
        # `--settings json` imports fine and Django even sets up on it; the first request
        # would then fail deep inside Django with an AttributeError.
        raise ConfigError(
            f"{settings_module!r} is not the settings module of a Django project: it sets no "
            "ROOT_URLCONF; pass --settings with the module your manage.py uses."
        )
    from django.conf import settings

    if settings.configured:  # a test runner set Django up already: only the same project works
        configured = _configured_module(settings)
        if configured != settings_module:
            raise ConfigError(
                f"Django is already configured with {configured!r} in this process; "
                f"run perfaudit in a new process to scan {settings_module!r}."
            )
        return
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    try:
        django.setup()
    except Exception as exc:
        raise ProjectError(_failed("django.setup()", exc)) from exc


def _configured_module(settings: Any) -> str | None:
    """The settings module behind ``settings``, through override_settings() layers."""
    from django.conf import UserSettingsHolder

    current = settings._wrapped
    while isinstance(current, UserSettingsHolder):
        current = current.default_settings
    return getattr(current, "SETTINGS_MODULE", None)


@contextmanager
def test_databases(
    *, setup: str | None = None, fixtures: tuple[str, ...] = (), scale: int = 100
) -> Iterator[BootedProject]:
    """Create, migrate and seed a test database per alias; destroy them all on the way out.

    Ctrl-C is held over each creation (``CREATE DATABASE``, the switch to it and its
    migrations) and over the teardown, so every database is either known and destroyed or
    never made. An interrupt becomes :class:`Interrupted`, whose message names what was
    destroyed, or what could not be.
    """
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.test.utils import setup_test_environment, teardown_test_environment

    created: list[tuple[Any, str]] = []
    saved_test_names: list[tuple[dict[str, Any], object]] = []
    has_environment = False
    interrupted = False
    try:
        try:
            setup_test_environment()
            has_environment = True
        except RuntimeError:
            pass  # a test runner (pytest-django) already set the test environment up
        for alias in connections:
            connection = connections[alias]
            test_settings = connection.settings_dict.setdefault("TEST", {})
            saved_test_names.append((test_settings, test_settings.get("NAME")))
            test_settings["NAME"] = _unique_test_name(connection)
            with held_interrupts():
                _create(alias, connection, created)
        values = _run_setup(setup, fixtures, scale)
        yield BootedProject(
            settings=str(_configured_module(settings)),
            vendor=connections[DEFAULT_DB_ALIAS].vendor,
            setup_values=values,
        )
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        with held_interrupts(deliver=False) as held:
            destroyed, failed = _destroy(created)
            for test_settings, name in saved_test_names:
                test_settings["NAME"] = name
            if has_environment:
                teardown_test_environment()
        if interrupted or held.received:
            raise Interrupted(interrupted_message(destroyed, failed)) from None
        if failed:
            raise ProjectError(f"{failed[0]}; drop it by hand.")


def _create(alias: str, connection: Any, created: list[tuple[Any, str]]) -> None:
    old_name = connection.settings_dict["NAME"]
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    except Exception as exc:
        raise ProjectError(_failed(f"Creating the test database for {alias!r}", exc)) from exc
    finally:
        # Django switches the connection to the new database right after creating it; a
        # failure after that point (in migrations) still leaves a database to destroy.
        if connection.settings_dict["NAME"] != old_name:
            created.append((connection, old_name))


def _destroy(created: list[tuple[Any, str]]) -> tuple[list[str], list[str]]:
    """Destroy every created database, newest first: the names destroyed, and one sentence
    per database that could not be."""
    destroyed: list[str] = []
    failed: list[str] = []
    for connection, old_name in reversed(created):
        name = _label(connection)
        try:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        except Exception as exc:
            failed.append(_failed(f"Destroying the test database {name}", exc).rstrip("."))
        else:
            destroyed.append(name)
    return destroyed, failed


def _label(connection: Any) -> str:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(name):
        return f"in memory for {connection.alias!r}"
    return repr(name)


def interrupted_message(destroyed: list[str], failed: list[str]) -> str:
    """What Ctrl-C left behind, as one true sentence."""
    if failed:
        left = "; ".join(failed)
        return f"interrupted; {left}: drop it by hand."
    if not destroyed:
        return "interrupted before any test database was created."
    if len(destroyed) == 1:
        return f"interrupted; the test database {destroyed[0]} was destroyed."
    return f"interrupted; the test databases {', '.join(destroyed)} were destroyed."


def _unique_test_name(connection: Any) -> str | None:
    """A test database name no other process uses: never the configured one, never a shared one.

    SQLite's default test database lives in memory, private to this process already.
    """
    test_name = connection.settings_dict["TEST"].get("NAME")
    suffix = f"perfaudit_{os.getpid()}"
    if connection.vendor == "sqlite":
        if not test_name or connection.creation.is_in_memory_db(test_name):
            return test_name  # type: ignore[no-any-return]
        return f"{test_name}.{suffix}"
    base = test_name or f"test_{connection.settings_dict['NAME']}"
    # PostgreSQL cuts identifiers at 63 bytes; keep the unique suffix whole.
    return f"{base[: 62 - len(suffix)]}_{suffix}"


def _run_setup(setup: str | None, fixtures: tuple[str, ...], scale: int) -> Mapping[str, object]:
    from django.core.management import call_command

    if fixtures:
        try:
            call_command("loaddata", *fixtures, verbosity=0)
        except Exception as exc:
            raise ProjectError(_failed(f"Loading fixtures {', '.join(fixtures)}", exc)) from exc
    if setup is None:
        return {}
    function = load_callable(setup)
    try:
        accepts_scale = "scale" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        accepts_scale = False
    try:
        values = function(scale=scale) if accepts_scale else function()
    except Exception as exc:
        if _is_interrupt_aftermath(exc):
            raise KeyboardInterrupt from exc
        raise ProjectError(_failed(f"The setup callable {setup!r}", exc)) from exc
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ProjectError(
            f"The setup callable {setup!r} returned {type(values).__name__}; "
            "it must return a mapping (or None)."
        )
    return dict(values)


def _is_interrupt_aftermath(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a Ctrl-C unwound the setup: a KeyboardInterrupt inside
    a query leaves the connection busy, and the rollback's own error replaces it."""
    seen: BaseException | None = exc.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__context__
    return False


def load_callable(spec: str) -> Any:
    """Import ``MODULE:FUNCTION``; ConfigError when either does not exist."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if _is_missing(module_name, exc):
            raise ConfigError(f"setup: module {module_name!r} cannot be found.") from None
        raise ProjectError(_failed(f"Importing {module_name!r}", exc)) from exc
    except Exception as exc:
        raise ProjectError(_failed(f"Importing {module_name!r}", exc)) from exc
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ConfigError(f"setup: {module_name!r} has no callable {attribute!r}.")
    return function


def _is_missing(module: str, exc: ModuleNotFoundError) -> bool:
    """Whether ``module`` itself (or its package) is missing, not a module it imports."""
    return bool(exc.name) and (module == exc.name or module.startswith(f"{exc.name}."))


def _failed(what: str, exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{what} failed: {type(exc).__name__}{': ' + message if message else ''}"
    return text if text.endswith((".", "!", "?")) else f"{text}."
