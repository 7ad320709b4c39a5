"""The baseline of ``pytest --perfaudit`` (``perfaudit/pytest-baseline-v1``): known findings.

A legacy suite records the findings it has today; from then on only a finding the file does
not hold fails a test. Each finding is keyed by what survives an unrelated edit and a move to
another machine: the test's node id (relative to the rootdir), the kind, the relation
(``app.Model.field``, else the model or the table) and the call site's file and function,
never its line number nor the SQL fingerprint (which differs between database backends)::

    tests/test_shop.py::test_list | n_plus_one | shop.Product.category | shop/views.py:product_list

``--perfaudit-update-baseline`` creates the file, then only ratchets it down: fixed findings
leave it, new ones are never added (they fail until fixed, or until an ignore rule says so).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from perfaudit.records import Finding
from perfaudit.schemas import SUITE_BASELINE_SCHEMA
from perfaudit.suppress.baseline_file import baseline_document, corrupt_baseline, read_baseline_json
from perfaudit.wording import relation_text

UPDATE_FLAG = "--perfaudit-update-baseline"
SEPARATOR = " | "


def baseline_key(nodeid: str, finding: Finding) -> str:
    """The finding's line in the baseline (see the module docstring)."""
    site = finding.callsite
    where = "?"
    if site is not None:
        where = f"{portable_file(site.file)}:{site.function}" if site.file else "?"
        if site.template:
            where += f" ({site.template})"
    relation = relation_text(finding) or "?"
    return SEPARATOR.join((nodeid, finding.kind, relation, where))


def portable_file(file: str) -> str:
    """A call-site file as the same text on every machine: relative paths stay, absolute
    ones (outside the project root) keep their last two parts."""
    path = PurePosixPath(file.replace(os.sep, "/"))
    return str(path) if not path.is_absolute() else "/".join(path.parts[-2:])


def load_baseline_keys(path: Path, *, may_be_missing: bool) -> frozenset[str] | None:
    """The keys held by the baseline at ``path``; None when it is missing and may be."""
    if may_be_missing and not path.exists():
        return None
    source = str(path)
    data = read_baseline_json(path, update_flag=UPDATE_FLAG)
    document = baseline_document(data, SUITE_BASELINE_SCHEMA, source, update_flag=UPDATE_FLAG)
    keys = document.get("findings")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise corrupt_baseline(source, "findings", "a list of strings", update_flag=UPDATE_FLAG)
    return frozenset(keys)


def ratchet(old: frozenset[str] | None, current: Iterable[str]) -> list[str]:
    """The keys to write: every current one for a new file, else the old ones still found."""
    found = set(current)
    return sorted(found if old is None else found & old)


def write_baseline_keys(keys: Iterable[str], path: Path) -> None:
    """Write the baseline, one sorted key a line, through a temporary file (never half-written)."""
    document = {"schema": SUITE_BASELINE_SCHEMA, "findings": sorted(keys)}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)
