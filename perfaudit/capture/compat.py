"""Check, once per process, that the Django internals capture recognises frames by still exist.

:mod:`perfaudit.capture.recorder` tells the view from the middleware, and a descriptor access from a
queryset, by the file and function name of Django's own frames (``core/handlers/base.py``,
``_get_response``). A Django release that renames or moves one of them would not break
capture loudly: it would quietly attribute queries to the wrong place. This module reads the
frame table of :mod:`perfaudit.capture.frames` and looks each function up in the installed Django's
source, so such a release fails at the first capture with a sentence naming the Django version
and what is missing.
"""

from __future__ import annotations

import functools
import os
import re

from perfaudit.errors import UnsupportedDjango

# A def at any indentation; a regex rather than ast: it reads query.py in a millisecond.
_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)


def required_functions() -> tuple[tuple[str, str], ...]:
    """The ``(file under django/, function name)`` pairs capture classifies frames by."""
    from perfaudit.capture import frames

    pairs = set(frames._DJANGO_ROLES)
    pairs |= {("db/models/query.py", name) for name in frames._QUERYSET_METHODS}
    return tuple(sorted(pairs))


def check_django_internals() -> None:
    """Raise UnsupportedDjango unless every function capture relies on is in this Django."""
    import django

    missing = _missing(os.path.dirname(django.__file__), required_functions())
    if missing:
        file, name = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise UnsupportedDjango(
            f"perfaudit cannot capture queries on Django {django.get_version()}: it relies on "
            f"{name}() in django/{file}, which this Django does not define{more}; install a "
            "Django version perfaudit supports (5.2, 6.0 or 6.1) or a newer perfaudit."
        )


@functools.cache
def _missing(django_dir: str, pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The pairs whose function is not defined in that file (each file read once a process)."""
    defined: dict[str, set[str]] = {}
    absent = []
    for file, name in pairs:
        if file not in defined:
            defined[file] = _function_names(os.path.join(django_dir, *file.split("/")))
        if name not in defined[file]:
            absent.append((file, name))
    return tuple(absent)


def _function_names(path: str) -> set[str]:
    """Every function and method defined in ``path``, nested ones included: a frame's
    ``co_name`` is the bare name, as for ``manager_method``, built inside a factory."""
    try:
        with open(path, encoding="utf-8") as handle:
            return set(_DEF.findall(handle.read()))
    except (OSError, ValueError):
        return set()  # a moved or unreadable file: every function of it counts as missing
