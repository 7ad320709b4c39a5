"""Find and read the perfaudit section of a project: ``setup.cfg [perfaudit]`` or
``pyproject.toml [tool.perfaudit]``, raw, with a label naming where it came from.

A project keeps its configuration in one of the two files, never both: two sections would
have to be merged by rules nobody could guess. No Django import.
"""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

from perfaudit.errors import ConfigError

# Keys the section may hold; bench reads the ones scan ignores (scales, max_queries per scenario).
KNOWN_KEYS = (
    "settings",
    "pythonpath",
    "setup",
    "fixtures",
    "scales",
    "scan_scale",
    "threshold",
    "scenarios",
    "fail_on",
    "eager_loads",
    "requests",
    "login",
    "ignore",
)
NO_FILE = "defaults"  # the label when neither file has a perfaudit section


def read_config_file(root: Path) -> tuple[str, dict[str, object]]:
    """The raw perfaudit section of ``root`` and a label naming it (``"setup.cfg [perfaudit]"``)."""
    found = [section for section in (_setup_cfg(root), _pyproject(root)) if section is not None]
    if len(found) > 1:
        raise ConfigError(
            "perfaudit is configured in both setup.cfg [perfaudit] and pyproject.toml "
            "[tool.perfaudit]; keep one of them."
        )
    return found[0] if found else (NO_FILE, {})


def check_known_keys(source: str, raw: dict[str, object]) -> None:
    """ConfigError naming the first key of the section that perfaudit does not know."""
    unknown = sorted(set(raw) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key {unknown[0]!r}; known keys are {', '.join(KNOWN_KEYS)}."
        )


def _setup_cfg(root: Path) -> tuple[str, dict[str, object]] | None:
    path = root / "setup.cfg"
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"{path.name} cannot be parsed: {exc}".splitlines()[0]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(_not_utf8("setup.cfg", exc)) from None
    if not parser.has_section("perfaudit"):
        return None
    return "setup.cfg [perfaudit]", dict(parser.items("perfaudit"))


def _pyproject(root: Path) -> tuple[str, dict[str, object]] | None:
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"pyproject.toml cannot be parsed: {exc}.") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(_not_utf8("pyproject.toml", exc)) from None
    table = data.get("tool", {}).get("perfaudit")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("pyproject.toml [tool.perfaudit] must be a table.")
    return "pyproject.toml [tool.perfaudit]", table


def _not_utf8(name: str, exc: UnicodeDecodeError) -> str:
    return (
        f"{name} is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}); "
        "save it as UTF-8."
    )
