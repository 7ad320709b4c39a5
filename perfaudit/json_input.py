"""Read a JSON file a user hands to perfaudit (a report, a baseline) without ever raising past it.

Any file can arrive here: another encoding, a binary, a document nested thousands deep, numbers
too large for a float. Every way of failing becomes one :class:`ConfigError` sentence naming the
file, so the CLI prints one line and exits 2 instead of a traceback. No Django import.
"""

from __future__ import annotations

import codecs
import json
import math
from pathlib import Path

from perfaudit.errors import ConfigError

# Reports and baselines are a few levels deep; anything far deeper is not one of them, and
# the renderers (json.dumps of a diff, for one) must not run out of stack on it.
MAX_DEPTH = 32
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class _NotFinite(ValueError):
    """A number JSON cannot hold (NaN, Infinity, 1e999): no renderer can scale it."""


def _reject_constant(name: str) -> float:
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def read_json(path: str | Path, what: str, label: str, remedy: str) -> object:
    """The decoded JSON document at ``path``.

    ``what`` says what the file is (``"the report"``), ``label`` names it as a sentence's subject
    (``"r.json"``, ``"Baseline 'b.json'"``) and ``remedy`` ends the messages (``"pass a file
    written by `perfaudit scan --json`"``). Raises ConfigError for a file that
    cannot be read, is not UTF-8, is not JSON, holds a non-finite number or is nested deeper
    than :data:`MAX_DEPTH`.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read {what} {str(path)!r}: {exc.strerror or exc}.") from None
    if raw.startswith(_UTF16_BOMS):
        raise ConfigError(
            f"{label} is not UTF-8 text (it starts with a UTF-16 byte order mark); {remedy}."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{label} is not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x}); {remedy}."
        ) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{label} is not JSON ({exc.msg} at line {exc.lineno}); {remedy}."
        ) from None
    except _NotFinite as exc:
        raise ConfigError(f"{label} holds the number {exc}, which JSON cannot; {remedy}.") from None
    except RecursionError:
        raise ConfigError(
            f"{label} is nested too deeply to be JSON perfaudit wrote; {remedy}."
        ) from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise ConfigError(
            f"{label} cannot be decoded ({exc}); {remedy}.".replace("\n", " ")
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise ConfigError(
            f"{label} is nested more than {MAX_DEPTH} levels deep, which no perfaudit file is; "
            f"{remedy}."
        )
    return data


def _depth(data: object) -> int:
    """How deeply lists and objects nest in ``data``, without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
            stack.extend(
                (child, depth) for child in (node.values() if isinstance(node, dict) else node)
            )
    return deepest
