"""The ``scenarios`` key: one request a line, with an optional naive twin, a user, a query
budget and the status it must answer. scan replays them; bench measures their twins.

    product_list  GET  /api/products/  naive=/api/naive/products/  max_queries=3
    order_detail  GET  /api/orders/{order}/  user=alice  expect=200

No Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from perfaudit.config.values import ascii_integer
from perfaudit.errors import ConfigError

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
SCENARIO_OPTIONS = ("naive", "user", "max_queries", "expect")


@dataclass(frozen=True)
class Scenario:
    """One request to replay; ``naive_path`` names its naive twin when it has one."""

    name: str
    method: str
    path: str
    naive_path: str | None = None
    user: str | None = None
    max_queries: int | None = None
    expect: int | None = None  # the status both twins must answer (scan)


def parse_scenarios(lines: Iterable[str], key: str = "scenarios") -> tuple[Scenario, ...]:
    """Every line a scenario; ConfigError when two of them share a name."""
    scenarios = tuple(parse_scenario(line, key) for line in lines)
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{key}: scenario name {name!r} is used twice.")
    return scenarios


def parse_scenario(line: str, key: str = "scenarios") -> Scenario:
    """``NAME METHOD PATH [naive=PATH] [user=USERNAME] [max_queries=N] [expect=STATUS]`` into a
    Scenario."""
    words = line.split()
    if len(words) < 3:
        raise ConfigError(f"{key}: {line.strip()!r} needs at least NAME METHOD PATH.")
    name, method, path, *rest = words
    if method.upper() not in HTTP_METHODS:
        raise ConfigError(f"{key}: scenario {name!r} has unknown method {method!r}.")
    options: dict[str, str] = {}
    for word in rest:
        option, sep, value = word.partition("=")
        if not sep or option not in SCENARIO_OPTIONS or not value:
            raise ConfigError(
                f"{key}: scenario {name!r} has {word!r}; expected one of "
                f"{', '.join(o + '=...' for o in SCENARIO_OPTIONS)}."
            )
        options[option] = value
    for option_path in (path, options.get("naive")):
        if option_path is not None and not option_path.startswith("/"):
            raise ConfigError(f"{key}: scenario {name!r} path {option_path!r} must start with '/'.")
    max_queries = options.get("max_queries")
    budget = None if max_queries is None else ascii_integer(max_queries)
    if max_queries is not None and budget is None:
        raise ConfigError(f"{key}: scenario {name!r} max_queries must be an integer.")
    expect = options.get("expect")
    if expect is not None and not re.fullmatch(r"[1-5][0-9][0-9]", expect):
        raise ConfigError(f"{key}: scenario {name!r} expect must be an HTTP status (100-599).")
    return Scenario(
        name=name,
        method=method.upper(),
        path=path,
        naive_path=options.get("naive"),
        user=options.get("user"),
        max_queries=budget,
        expect=int(expect) if expect is not None else None,
    )
