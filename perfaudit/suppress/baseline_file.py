"""What the three baseline files (bench's, scan's, pytest's) share: reading one and the errors
that say it cannot be used.

Each message names the file and ends with the remedy, the option that rewrites the file:
``--update-baseline`` for the CLI, ``--perfaudit-update-baseline`` under pytest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfaudit.errors import ConfigError
from perfaudit.json_fields import printable
from perfaudit.json_input import read_json

UPDATE_FLAG = "--update-baseline"


def _restore(update_flag: str) -> str:
    return f"restore it from version control or regenerate it with {update_flag}"


def read_baseline_json(path: Path, *, update_flag: str = UPDATE_FLAG) -> object:
    """The decoded JSON of the baseline at ``path``; ConfigError (exit 2) when the file is
    missing, unreadable, not UTF-8 JSON or not shaped like any perfaudit file."""
    if not path.exists():
        raise ConfigError(f"Baseline {str(path)!r} does not exist; create it with {update_flag}.")
    return read_json(path, "the baseline", f"Baseline {str(path)!r}", _restore(update_flag))


def baseline_document(
    data: object, schema: str, source: str, *, update_flag: str = UPDATE_FLAG
) -> dict[str, Any]:
    """``data`` as an object whose ``schema`` is ``schema``; ConfigError naming what it has
    instead (another perfaudit document's schema, or the JSON type that is not an object)."""
    if not isinstance(data, dict) or data.get("schema") != schema:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ConfigError(
            f"Baseline {source!r} has schema {found!r}, expected {schema!r}; "
            f"regenerate it with {update_flag}."
        )
    return data


def corrupt_baseline(
    source: str, where: str, expected: str, *, update_flag: str = UPDATE_FLAG
) -> ConfigError:
    """The error for a baseline whose ``where`` is not ``expected``."""
    return ConfigError(
        f"Baseline {source!r} is corrupt: {printable(where)} should be {expected}; "
        f"{_restore(update_flag)}."
    )
