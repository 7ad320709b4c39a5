"""perfaudit.schemas names every document once: no other module spells a schema name out."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from perfaudit import schemas

PACKAGE = Path(schemas.__file__).resolve().parent
SCHEMA_NAME = re.compile(r"perfaudit/[a-z-]+-v[0-9]+")
NAMES = {name: value for name, value in vars(schemas).items() if name.endswith("_SCHEMA")}


def test_every_document_has_its_own_name() -> None:
    assert len(set(NAMES.values())) == len(NAMES) == 6
    assert all(SCHEMA_NAME.fullmatch(value) for value in NAMES.values())


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if p.name != "schemas.py"),
    ids=lambda p: p.relative_to(PACKAGE).as_posix(),
)
def test_no_other_module_spells_a_schema_name(path: Path) -> None:
    # A string constant that is a whole schema name is a second definition; docstrings and
    # messages that mention one in passing are prose.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literals = [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and SCHEMA_NAME.fullmatch(node.value)
    ]
    assert not literals, f"use perfaudit.schemas instead of {literals}"
