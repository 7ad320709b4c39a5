"""Plan the requests of a scan and replay each one under capture.

A request comes from ``--url`` flags and the requests file (:mod:`perfaudit.replay.requests_file`),
else from the configured scenarios (each with its naive twin first), else from the URLconf
(:mod:`perfaudit.replay.discovery`). Each is sent through Django's test client, logged in as its
user (:mod:`perfaudit.replay.login`); its queries go to
:func:`perfaudit.detect.findings.detect_findings`, and its response decides whether it failed
(a raise, a 5xx, a status other than ``expect``, a login the view did not see).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from perfaudit.capture.frames import is_library_file
from perfaudit.capture.recorder import capture_queries, relative_file, root_prefix
from perfaudit.config.scan import ScanConfig
from perfaudit.config.scenarios import Scenario
from perfaudit.detect.findings import detect_findings
from perfaudit.errors import ConfigError
from perfaudit.records import DEFAULT_THRESHOLD, RequestAudit, RequestSpec, SkippedRoute
from perfaudit.replay.login import Login, log_in, login_problem

__all__ = ["RequestSpec", "audit_request", "client_for", "plan_requests", "replay"]


def plan_requests(
    config: ScanConfig,
    values: Mapping[str, object],
    extra: Sequence[RequestSpec] = (),
) -> tuple[RequestSpec, ...]:
    """The requests a scan replays: ``--url`` paths and ``extra`` (the requests file), else the
    scenarios (paths, as ``--url`` ones, filled from the setup callable's ``values``), else the
    discovered routes.

    Given paths are resolved here, once, and must match a route; discovered ones are not.
    """
    return plan_with_skipped(config, values, extra)[0]


def plan_with_skipped(
    config: ScanConfig,
    values: Mapping[str, object],
    extra: Sequence[RequestSpec] = (),
    admin_user: str | None = None,
) -> tuple[tuple[RequestSpec, ...], tuple[SkippedRoute, ...]]:
    """:func:`plan_requests`, with the routes discovery did not replay and why."""
    if config.urls or extra:
        urls = [fill_url(RequestSpec(url, "GET", url, config.user), values) for url in config.urls]
        given = urls + list(extra)
    elif config.scenarios:
        given = [s for scenario in config.scenarios for s in _twins(scenario, values, config)]
    else:
        from perfaudit.replay.discovery import discover

        return discover(user=config.user, include_admin=config.include_admin, admin_user=admin_user)
    return tuple(
        spec if spec.view is not None else replace(spec, view=check_path(spec.path))
        for spec in given
    ), ()


def _twins(
    scenario: Scenario, values: Mapping[str, object], config: ScanConfig
) -> Iterator[RequestSpec]:
    user = config.user or scenario.user
    if scenario.naive_path is not None:
        naive = _format_path(scenario, scenario.naive_path, values)
        yield RequestSpec(
            f"{scenario.name}[naive]", scenario.method, naive, user, expect=scenario.expect
        )
    path = _format_path(scenario, scenario.path, values)
    yield RequestSpec(scenario.name, scenario.method, path, user, expect=scenario.expect)


def _format_path(scenario: Scenario, path: str, values: Mapping[str, object]) -> str:
    try:
        return path.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        known = ", ".join(sorted(values)) or "nothing"
        raise ConfigError(
            f"scenarios: {scenario.name!r} path {path!r} needs {exc}; the setup callable "
            f"returned {known}."
        ) from None


def fill_url(spec: RequestSpec, values: Mapping[str, object]) -> RequestSpec:
    """A ``--url`` request with its ``{name}`` placeholders filled from the setup callable's
    ``values``, as scenario paths are; its name stays the URL as given (ids may change)."""
    try:
        return replace(spec, path=spec.path.format_map(values))
    except KeyError as exc:
        known = ", ".join(sorted(values)) or "nothing"
        raise ConfigError(
            f"--url {spec.path!r}: placeholder {exc} is missing; the setup callable (--setup) "
            f"returned {known}."
        ) from None
    except (IndexError, AttributeError, ValueError, TypeError) as exc:
        raise ConfigError(f"--url {spec.path!r}: cannot be formatted: {exc}.") from None


def check_path(path: str) -> Any:
    """The view ``path`` resolves to in the project's URLconf; ConfigError if none.

    Percent-escapes are decoded first, as Django decodes PATH_INFO before it resolves.
    """
    from django.urls import Resolver404, resolve

    try:
        return resolve(unquote(urlsplit(path).path)).func
    except Resolver404:
        raise ConfigError(f"URL {path!r} matches no route of the project's URLconf.") from None


def replay(
    specs: Sequence[RequestSpec],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    root: Path | None = None,
    on_request: Callable[[RequestSpec], None] | None = None,
    eager_loads: bool = False,
    login_hook: str | None = None,
) -> tuple[RequestAudit, ...]:
    """Send each request, capture its queries and detect their findings; a failure is kept.

    One client per user, logged in once; its cookies are reset to the logged-in ones before
    each request, so that a response's cookies (a logout, a new session) never leak into the
    next request. ``eager_loads`` also watches select_related/prefetch_related (slower).
    """
    sessions: dict[str | None, tuple[Any, Login | None, SimpleCookie]] = {}
    audits = []
    for spec in specs:
        if on_request is not None:
            on_request(spec)
        if spec.user not in sessions:
            client, login = session_for(spec.user, login_hook)
            sessions[spec.user] = (client, login, _copy_cookies(client.cookies))
        client, login, cookies = sessions[spec.user]
        client.cookies = _copy_cookies(cookies)
        audits.append(
            audit_request(
                client, spec, threshold=threshold, root=root, eager_loads=eager_loads, login=login
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
    login: Login | None = None,
) -> RequestAudit:
    """Replay one request under capture (and eager-load tracking when ``eager_loads``).

    A streamed response is consumed under capture too: its queries run while it streams.
    """
    error = failure = response = None
    body = b""
    tracking: Any = nullcontext()
    if eager_loads:
        from perfaudit.detect.eager import track_eager_loads

        tracking = track_eager_loads(root)
    # Credentials first, outside capture: minting a token may read or write its table.
    headers = {**(login.headers_for(spec.view) if login is not None else {}), **dict(spec.headers)}
    start = time.perf_counter()
    with capture_queries(root) as queries, tracking as tracker:
        try:
            response = _send(client, spec, headers)
            streaming = getattr(response, "streaming", False)
            body = b"".join(response.streaming_content) if streaming else response.content
            status = response.status_code
        except Exception as exc:  # the audited view raised: report it, keep scanning
            status, error, failure = 500, raised_text(exc, root), "raised"
    duration_ms = (time.perf_counter() - start) * 1000
    redirect = None
    if response is not None and failure is None:
        failure, error = _judge(spec, response, login)
        if 300 <= status < 400:
            redirect = response.get("Location")
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
        failure=failure,
        expect=spec.expect,
        route=spec.route,
        redirect=redirect,
    )


def _send(client: Any, spec: RequestSpec, headers: dict[str, str]) -> Any:
    extra: dict[str, Any] = {}
    if spec.cookies:
        # Per request: the client's own cookies (the session) plus the request's.
        jar = _copy_cookies(client.cookies)
        for name, value in spec.cookies:
            jar[name] = value
        extra["HTTP_COOKIE"] = "; ".join(f"{m.key}={m.coded_value}" for m in jar.values())
    if spec.content_type is not None:
        extra.update(data=spec.data, content_type=spec.content_type)
    return client.generic(spec.method, spec.path, headers=headers, **extra)


def _judge(spec: RequestSpec, response: Any, login: Login | None) -> tuple[str | None, str | None]:
    """(failure kind, message) of a response, or (None, None) when it is what was asked for."""
    status = response.status_code
    problem = login_problem(login, response, spec.expect, is_discovered=spec.route is not None)
    if problem is not None:
        return "not_logged_in", problem
    if spec.expect is not None and status != spec.expect:
        return "unexpected_status", f"expected status {spec.expect}, got {status}"
    if status >= 500 and spec.expect != status:
        return "server_error", f"answered {status}: a server error response"
    return None, None


def _copy_cookies(cookies: SimpleCookie) -> SimpleCookie:
    copy = SimpleCookie()
    for name, morsel in cookies.items():
        copy[name] = morsel.value
        copy[name].update(morsel)
    return copy


def session_for(username: str | None, hook: str | None = None) -> tuple[Any, Login | None]:
    """A Django test client and its login, logged in as ``username`` unless it is None."""
    from django.test import Client

    client = Client(raise_request_exception=True)
    if username is None:
        return client, None
    return client, log_in(client, username, hook)


def client_for(username: str | None, hook: str | None = None) -> Any:
    """A Django test client, logged in as ``username`` unless it is None."""
    return session_for(username, hook)[0]


_PERFAUDIT = str(Path(__file__).resolve().parent.parent)


def raised_text(exc: BaseException, root: Path | None) -> str:
    """``Type: message (file.py:12)``, one line however long the message: its first line, cut
    at 200 characters, and the project's innermost line in the traceback (else the raise)."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > 200 or len(lines) > 1:
        message = message[:200].rstrip() + " [...]"
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if not is_library_file(f.filename) and _PERFAUDIT not in f.filename]
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if not frames:
        return text
    where = (own or frames)[-1]
    return f"{text} ({relative_file(where.filename, root_prefix(root))}:{where.lineno})"
