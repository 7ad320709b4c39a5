"""Typed values, from the perfaudit section or a flag; every error names where the value came from.

The section is read as written: setup.cfg gives strings (lists spread over lines), pyproject.toml
gives TOML types. :class:`SectionValues` turns either into the type a key needs; the parsers
below it serve the flags of scan and bench too, so a value means the same wherever it is given.
No Django import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from perfaudit.config.ignore import IgnoreRule, parse_ignore_rules
from perfaudit.errors import ConfigError
from perfaudit.records import FINDING_KINDS

DEFAULT_SCALES = (10, 100, 1000)


def ascii_integer(text: str) -> int | None:
    """``text`` as a non-negative integer when it is ASCII digits (at most 18), else None.

    Not ``str.isdigit()``: it accepts "²" and "①", which ``int()`` then rejects with a
    traceback; and not unbounded, since ``int()`` refuses more than 4300 digits.
    """
    text = text.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def parse_fail_on(text: str, key: str = "--fail-on") -> tuple[str, ...]:
    """``"n_plus_one,duplicate"`` into a tuple of finding kinds, each checked."""
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    for kind in kinds:
        if kind not in FINDING_KINDS:
            raise ConfigError(
                f"{key}: unknown finding kind {kind!r}; choose from {', '.join(FINDING_KINDS)}."
            )
    return kinds


def parse_scales(value: object, key: str) -> tuple[int, ...]:
    """Data sizes, from the ``--scales`` flag or the file's ``scales``: distinct, increasing.

    ``"10,100,1000"`` (commas or spaces; setup.cfg may spread it over lines) or, from
    pyproject.toml, a list such as ``[10, 100, 1000]``. The sizes are sorted whatever order
    they are written in: the report's growth fit and its columns read them smallest first. A
    size given twice is an error, not silently merged, as it is most likely a typo for another
    size. ``key`` names the source in the one-line error (``--scales`` or
    ``setup.cfg [perfaudit]: scales``).
    """
    if isinstance(value, list):
        items: list[object] = list(value)
    else:
        items = [*str(value).replace(",", " ").split()]
    if not items:
        raise ConfigError(
            f"{key}: no size given; expected positive integers separated by commas, "
            "such as 10,100,1000."
        )
    sizes: list[int] = []
    for item in items:
        word = str(item) if isinstance(item, int) and not isinstance(item, bool) else item
        # ASCII digits only: str.isdigit() also accepts "²", which int() then rejects.
        if not isinstance(word, str) or not re.fullmatch(r"[0-9]+", word) or int(word) < 1:
            raise ConfigError(f"{key}: {item!r} is not a positive integer (got {value!r}).")
        if int(word) in sizes:
            raise ConfigError(f"{key}: {value!r} names the size {int(word)} twice.")
        sizes.append(int(word))
    return tuple(sorted(sizes))


class SectionValues:
    """Typed access to the raw perfaudit section; every error names the source and the key."""

    def __init__(self, source: str, raw: Mapping[str, object]) -> None:
        self.source = source
        self.raw = raw

    def error(self, key: str, expected: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key}: expected {expected}, got {self.raw[key]!r}.")

    def text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "a non-empty string")
        return value.strip()

    def lines(self, key: str) -> tuple[str, ...]:
        """A multi-line string (setup.cfg) or a list of strings (pyproject.toml)."""
        value = self.raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            items = value.splitlines()
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = value
        else:
            raise self.error(key, "a string or a list of strings")
        # setup.cfg allows comment lines inside a multi-line value.
        return tuple(i.strip() for i in items if i.strip() and not i.strip().startswith("#"))

    def words(self, key: str) -> tuple[str, ...]:
        return tuple(w for line in self.lines(key) for w in line.replace(",", " ").split())

    def integer(self, key: str, default: int) -> int:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            raise self.error(key, "an integer")
        if isinstance(value, int):
            return value
        number = ascii_integer(value) if isinstance(value, str) else None
        if number is None:
            raise self.error(key, "an integer")
        return number

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in ("true", "yes", "on", "1"):
            return True
        if word in ("false", "no", "off", "0"):
            return False
        raise self.error(key, "true or false")

    def scales(self) -> tuple[int, ...]:
        value = self.raw.get("scales")
        return DEFAULT_SCALES if value is None else parse_scales(value, f"{self.source}: scales")

    def fail_on(self) -> tuple[str, ...]:
        words = self.words("fail_on")
        return parse_fail_on(",".join(words), f"{self.source}: fail_on") if words else ()

    def ignore_rules(self) -> tuple[IgnoreRule, ...]:
        return parse_ignore_rules(self.lines("ignore"), key=f"{self.source}: ignore")
