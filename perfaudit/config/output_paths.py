"""Check that the files a command will write can be written, before the command runs.

A scan or a bench can take minutes; learning only afterwards that ``--json`` names a directory,
or that ``--junit`` points into a read-only place, throws that work away with a traceback.
Each check opens the file the way the writer will (creating it, then removing it again if it
was not there), so permissions, read-only filesystems and special files all answer truthfully,
root or not. No Django import.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from perfaudit.errors import ConfigError


def check_writable(outputs: Iterable[tuple[str, str | Path | None]]) -> None:
    """ConfigError naming the first ``(flag, path)`` that cannot be written (``-``: stdout)."""
    for flag, path in outputs:
        if path is not None and str(path) != "-":
            _check_one(flag, Path(path))


def _check_one(flag: str, path: Path) -> None:
    if path.is_dir():
        raise ConfigError(f"{flag}: {str(path)!r} is a directory; give a file name.")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor != path.parent:  # the writer will create the missing directories
        if not ancestor.is_dir():
            raise ConfigError(
                f"{flag}: {str(path)!r} cannot be written: {str(ancestor)!r} is a file."
            )
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise ConfigError(
                f"{flag}: {str(path)!r} cannot be written: no permission to create directories "
                f"in {str(ancestor)!r}."
            )
        return
    existed = path.exists()
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{flag}: {str(path)!r} cannot be written: {exc.strerror or exc}."
        ) from None
    if not existed:
        path.unlink()
