"""Discover the requests a project answers from its URLconf, parameters filled from its data.

Every route is walked once, its view read from the pattern (never resolved again): the methods
the view accepts, and for each route parameter a value from the test database, taken from the
view's model (DRF ``queryset``/``serializer_class``, generic views' ``model``/``queryset``, the
admin's model) and its field matching the keyword (``pk``, ``id``, a lookup field, ``<field>``),
else from a model that has a field of that name. GET routes are replayed; every other route is
returned as a :class:`SkippedRoute` with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from perfaudit.records import RequestSpec, SkippedRoute
from perfaudit.replay.view_info import find_values, view_methods
from perfaudit.wording import plural

ADMIN_REASON = "perfaudit replays the admin's index, each model's changelist and one change page"
SAFE = "!$&'()*+,;=/~:@"  # what Django's reverse() leaves unquoted


@dataclass(frozen=True)
class _Route:
    """One URLPattern with its prefixes: a format string, its parameters and converters."""

    display: str
    template: str
    params: tuple[str, ...]
    converters: dict[str, Any]
    view: Any
    name: str | None
    in_admin: bool


def discover(
    *, user: str | None, include_admin: bool, admin_user: str | None = None
) -> tuple[tuple[RequestSpec, ...], tuple[SkippedRoute, ...]]:
    """The GET requests of every route that can be replayed, and every route that cannot."""
    from django.conf import settings
    from django.urls import get_resolver

    # MEDIA_URL defaults to "/": only a real prefix marks file-serving routes.
    static = tuple(
        prefix
        for key in ("STATIC_URL", "MEDIA_URL")
        if (prefix := str(getattr(settings, key, None) or "").lstrip("/"))
    )
    specs: list[RequestSpec] = []
    skipped: list[SkippedRoute] = []
    seen: set[str] = set()
    admin_skipped: list[str] = []
    suffixed: list[str] = []
    elsewhere: dict[str, object | None] = {}
    start = _Route("", "", (), {}, None, None, False)
    for item in _walk(get_resolver().url_patterns, start, include_admin):
        if isinstance(item, SkippedRoute):
            skipped.append(item)
            continue
        if static and item.template.startswith(static):
            skipped.append(SkippedRoute(item.display, "serves static or media files"))
            continue
        if item.in_admin and not _is_replayed_admin_view(item):
            admin_skipped.append(item.display)
            continue
        if "format" in item.params:  # DRF's format suffixes: the same view again
            suffixed.append(item.display)
            continue
        outcome = _plan(item, user=admin_user if item.in_admin else user, elsewhere=elsewhere)
        if isinstance(outcome, SkippedRoute):
            skipped.append(outcome)
        elif outcome.path not in seen:
            seen.add(outcome.path)
            specs.append(outcome)
    if admin_skipped:  # add/delete/history/login...: one line, not thirty
        prefix = os.path.commonpath(admin_skipped).rstrip("/") + "/"
        count = len(admin_skipped)
        skipped.append(SkippedRoute(f"{prefix}…", f"{count} other admin routes: {ADMIN_REASON}"))
    if suffixed:  # one line for DRF's .json/.api twins of every route
        prefix = os.path.commonpath(suffixed).rstrip("/") + "/"
        reason = f"{plural(len(suffixed), 'format-suffix variant')} of routes replayed without one"
        skipped.insert(0, SkippedRoute(f"{prefix}…(?P<format>…)", reason))
    return tuple(specs), tuple(skipped)


def _walk(
    patterns: Sequence[Any], prefix: _Route, include_admin: bool
) -> Iterator[_Route | SkippedRoute]:
    from django.urls import URLPattern, URLResolver
    from django.utils.regex_helper import normalize

    for pattern in patterns:
        piece = str(pattern.pattern).removeprefix("^").removesuffix("$")
        try:
            forms = normalize(pattern.pattern.regex.pattern)
        except ValueError:  # a regex reverse() cannot build either ("Non-reversible ...")
            forms = []
        if not forms:
            reason = "a regular expression no path can be built from"
            yield SkippedRoute(f"/{prefix.display}{piece}", reason)
            continue
        text, params = forms[0]
        route = _Route(
            display=prefix.display + piece,
            template=prefix.template + text,
            params=prefix.params + tuple(params),
            converters={**prefix.converters, **getattr(pattern.pattern, "converters", {})},
            view=None,
            name=None,
            in_admin=prefix.in_admin,
        )
        if isinstance(pattern, URLResolver):
            # The admin site is included under the ``admin`` namespace wherever it is mounted.
            is_admin = pattern.namespace == "admin"
            if is_admin and not include_admin:
                yield SkippedRoute(f"/{route.display}", "the admin site: pass --include-admin")
                continue
            inner = _Route(route.display, route.template, route.params, route.converters, None,
                           None, prefix.in_admin or is_admin)  # fmt: skip
            yield from _walk(pattern.url_patterns, inner, include_admin)
        elif isinstance(pattern, URLPattern):
            yield _Route(
                f"/{route.display}", route.template, route.params, route.converters,
                pattern.callback, pattern.name, route.in_admin,
            )  # fmt: skip


def _plan(
    route: _Route, *, user: str | None, elsewhere: dict[str, object | None]
) -> RequestSpec | SkippedRoute:
    methods = view_methods(route.view)
    if methods is not None and "GET" not in methods:
        return SkippedRoute(
            route.display,
            f"accepts only {', '.join(methods)}: replay it from a requests file (--requests)",
        )
    unnamed = [p for p in route.params if p.startswith("_")]
    if unnamed:
        return SkippedRoute(route.display, "an unnamed regex group: no keyword to fill")
    values = find_values(route.view, route.params, elsewhere)
    if isinstance(values, str):
        return SkippedRoute(route.display, values)
    text = {}
    for param, value in values.items():
        converter = route.converters.get(param)
        try:
            text[param] = str(converter.to_url(value) if converter is not None else value)
        except ValueError:  # a converter that refuses the value (as reverse() would)
            return SkippedRoute(route.display, f"the <{param}> converter refuses {value!r}")
    path = "/" + quote(route.template % text, safe=SAFE)
    return RequestSpec(path, "GET", path, user, route=route.display, view=route.view)


def _is_replayed_admin_view(route: _Route) -> bool:
    """The admin index, a changelist, or a change page (their views' names say which)."""
    function = getattr(route.view, "__name__", "")
    if getattr(route.view, "model_admin", None) is not None:
        return function in ("changelist_view", "change_view")
    return function == "index" and not route.params
