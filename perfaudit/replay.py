"""Plan the requests of a scan and replay each one under capture.

A request comes from ``--url`` flags, else from the configured scenarios (each with its naive
twin first), else from the URLconf's parameterless routes. Each is sent through Django's test
client, logged in as its user; its queries go to :func:`perfaudit.detect.detect_findings`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from perfaudit.capture import capture_queries
from perfaudit.config import ScanConfig, Scenario
from perfaudit.detect import detect_findings
from perfaudit.errors import ConfigError
from perfaudit.records import RequestAudit

ADMIN_PREFIXES = ("admin/",)


@dataclass(frozen=True)
class RequestSpec:
    """One request to replay."""

    name: str
    method: str
    path: str
    user: str | None = None


def plan_requests(config: ScanConfig, values: Mapping[str, object]) -> tuple[RequestSpec, ...]:
    """The requests a scan replays, paths filled from the setup callable's ``values``."""
    if config.urls:
        specs = tuple(RequestSpec(url, "GET", url, config.user) for url in config.urls)
    elif config.scenarios:
        specs = tuple(s for scenario in config.scenarios for s in _twins(scenario, values, config))
    else:
        specs = tuple(
            RequestSpec(path, "GET", path, config.user)
            for path in discover_paths(include_admin=config.include_admin)
        )
    for spec in specs:
        check_path(spec.path)
    return specs


def _twins(
    scenario: Scenario, values: Mapping[str, object], config: ScanConfig
) -> Iterator[RequestSpec]:
    user = config.user or scenario.user
    if scenario.naive_path is not None:
        naive = _format_path(scenario, scenario.naive_path, values)
        yield RequestSpec(f"{scenario.name}[naive]", scenario.method, naive, user)
    yield RequestSpec(
        scenario.name, scenario.method, _format_path(scenario, scenario.path, values), user
    )


def _format_path(scenario: Scenario, path: str, values: Mapping[str, object]) -> str:
    try:
        return path.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        known = ", ".join(sorted(values)) or "nothing"
        raise ConfigError(
            f"scenarios: {scenario.name!r} path {path!r} needs {exc}; the setup callable "
            f"returned {known}."
        ) from None


def check_path(path: str) -> None:
    """ConfigError unless ``path`` resolves in the project's URLconf."""
    from django.urls import Resolver404, resolve

    try:
        resolve(urlsplit(path).path)
    except Resolver404:
        raise ConfigError(f"URL {path!r} matches no route of the project's URLconf.") from None


def discover_paths(*, include_admin: bool = False) -> tuple[str, ...]:
    """The URLconf's routes that take no parameter, in URLconf order (admin/static skipped)."""
    from django.conf import settings
    from django.urls import get_resolver

    # MEDIA_URL defaults to "/": only a real prefix marks file-serving routes.
    static = tuple(
        prefix
        for key in ("STATIC_URL", "MEDIA_URL")
        if (prefix := str(getattr(settings, key, None) or "").lstrip("/"))
    )
    found: list[str] = []
    for route in _walk(get_resolver().url_patterns, "", include_admin):
        is_skipped = route.startswith(static) or (
            not include_admin and route.startswith(ADMIN_PREFIXES)
        )
        if not is_skipped and f"/{route}" not in found:
            found.append(f"/{route}")
    return tuple(found)


def _walk(patterns: Sequence[Any], prefix: str, include_admin: bool) -> Iterator[str]:
    from django.urls import URLPattern, URLResolver
    from django.utils.regex_helper import normalize

    for pattern in patterns:
        forms = normalize(pattern.pattern.regex.pattern)
        # One form without parameters: the route can be requested as is.
        if len(forms) != 1 or forms[0][1]:
            continue
        route = prefix + forms[0][0]
        if isinstance(pattern, URLResolver):
            # The admin site is included under the ``admin`` namespace wherever it is mounted.
            if include_admin or pattern.namespace != "admin":
                yield from _walk(pattern.url_patterns, route, include_admin)
        elif isinstance(pattern, URLPattern):
            yield route


def replay(
    specs: Sequence[RequestSpec],
    *,
    threshold: int = 2,
    root: Path | None = None,
    on_request: Callable[[RequestSpec], None] | None = None,
    eager_loads: bool = False,
) -> tuple[RequestAudit, ...]:
    """Send each request, capture its queries and detect their findings; a view raising is kept.

    ``eager_loads`` also watches select_related/prefetch_related (slower; see perfaudit.eager).
    """
    clients: dict[str | None, Any] = {}
    audits = []
    for spec in specs:
        if on_request is not None:
            on_request(spec)
        if spec.user not in clients:
            clients[spec.user] = client_for(spec.user)
        audits.append(
            audit_request(
                clients[spec.user], spec, threshold=threshold, root=root, eager_loads=eager_loads
            )
        )
    return tuple(audits)


def audit_request(
    client: Any,
    spec: RequestSpec,
    *,
    threshold: int,
    root: Path | None,
    eager_loads: bool = False,
) -> RequestAudit:
    """Replay one request under capture (and eager-load tracking when ``eager_loads``)."""
    error = None
    body = b""
    tracking: Any = nullcontext()
    if eager_loads:
        from perfaudit.eager import track_eager_loads

        tracking = track_eager_loads(root)
    start = time.perf_counter()
    with capture_queries(root) as queries, tracking as tracker:
        try:
            response = client.generic(spec.method, spec.path)
            status, body = response.status_code, response.content
        except Exception as exc:  # the audited view raised: report it, keep scanning
            status, error = 500, f"{type(exc).__name__}: {exc}"
    duration_ms = (time.perf_counter() - start) * 1000
    captured = tuple(queries)
    return RequestAudit(
        name=spec.name,
        method=spec.method,
        path=spec.path,
        status=status,
        duration_ms=duration_ms,
        queries=captured,
        findings=detect_findings(
            captured,
            threshold=threshold,
            eager_loads=tracker.eager_loads() if tracker is not None else (),
        ),
        error=error,
        user=spec.user,
        body=body,
    )


def client_for(username: str | None) -> Any:
    """A Django test client, logged in as ``username`` unless it is None."""
    from django.test import Client

    client = Client(raise_request_exception=True)
    if username is None:
        return client
    from django.contrib.auth import get_user_model

    model = get_user_model()
    try:
        user = model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        raise ConfigError(
            f"User {username!r} does not exist in the test database; create it in the setup "
            "callable or a fixture, or pass another --user."
        ) from None
    client.force_login(user)
    return client
