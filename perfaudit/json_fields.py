"""Typed, located access to a decoded JSON object: a wrong value names its key and its place.

``report.requests[3].query_count should be an integer`` tells a user what is wrong with a file
far better than a KeyError, and the typed getters keep mypy honest about what comes out.
"""

from __future__ import annotations

from perfaudit.errors import ConfigError

MAX_INT = 2**53  # the largest integer a float (a chart's coordinate) holds exactly


class JsonObject:
    """A JSON object being read, remembering where it sits for error messages."""

    def __init__(self, data: object, where: str, source: str) -> None:
        if not isinstance(data, dict):
            raise invalid_report(source, where, "an object")
        self.data: dict[str, object] = data
        self.where = where
        self.source = source

    def _get(self, key: str, optional: bool) -> object:
        value = self.data.get(key)
        if value is None and not optional:
            raise invalid_report(self.source, f"{self.where}.{key}", "present")
        return value

    def _wrong(self, key: str, expected: str) -> ConfigError:
        return invalid_report(self.source, f"{self.where}.{key}", expected)

    def text(self, key: str) -> str:
        value = self._get(key, False)
        if not isinstance(value, str):
            raise self._wrong(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def integer(self, key: str) -> int:
        value = self._get(key, False)
        # bool is an int in Python, and a JSON true is never a count. Every integer of a
        # report (counts, statuses, scales, lines) is >= 0, and a float must hold it for the
        # charts' scales: a negative or huge one would fail there, far from its key.
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INT:
            raise self._wrong(key, f"an integer from 0 to {MAX_INT}")
        return value

    def positive(self, key: str) -> int:
        """An integer of at least 1 (a data scale: the charts take its logarithm)."""
        value = self.integer(key)
        if value < 1:
            raise self._wrong(key, "a positive integer")
        return value

    def opt_integer(self, key: str) -> int | None:
        return None if self.data.get(key) is None else self.integer(key)

    def number(self, key: str) -> float:
        value = self._get(key, False)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self._wrong(key, "a number")
        # Times and ratios: never negative, and finite so that a chart can scale them.
        if not 0 <= value <= MAX_INT:
            raise self._wrong(key, f"a number from 0 to {MAX_INT}")
        return float(value)

    def opt_number(self, key: str) -> float | None:
        return None if self.data.get(key) is None else self.number(key)

    def opt_bool(self, key: str) -> bool | None:
        value = self._get(key, True)
        if value is not None and not isinstance(value, bool):
            raise self._wrong(key, "true, false or null")
        return value

    def child(self, key: str) -> JsonObject:
        return JsonObject(self.data.get(key), f"{self.where}.{key}", self.source)

    def opt_child(self, key: str) -> JsonObject | None:
        return None if self.data.get(key) is None else self.child(key)

    def children(self, key: str) -> list[JsonObject]:
        items = self.data.get(key, [])
        if not isinstance(items, list):
            raise invalid_report(self.source, f"{self.where}.{key}", "a list")
        return [
            JsonObject(item, f"{self.where}.{key}[{i}]", self.source)
            for i, item in enumerate(items)
        ]

    def texts(self, key: str) -> tuple[str, ...]:
        items = self.data.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise invalid_report(self.source, f"{self.where}.{key}", "a list of strings")
        return tuple(items)


def printable(where: str) -> str:
    """A JSON path as one printable line: a key may hold a newline or other control
    characters, which are written as escapes (``scenarios.\\n.scales``)."""
    return where if where.isprintable() else where.encode("unicode_escape").decode("ascii")


def invalid_report(source: str, where: str, expected: str) -> ConfigError:
    """The error for a report whose ``where`` is not ``expected`` (exit 2)."""
    return ConfigError(
        f"{source} is not a valid perfaudit report: {printable(where)} should be {expected}; "
        "regenerate it with `perfaudit scan`, `perfaudit bench` or `pytest --perfaudit-report`."
    )
