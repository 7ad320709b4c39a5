"""The layering rules of STYLE.md, checked on the source: only the CLI imports click, only the
CLI and the console package import rich, and library code never prints or exits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "perfaudit"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_click_and_rich_stay_at_the_edges(path: Path) -> None:
    name = module_name(path)
    roots = imported_roots(ast.parse(path.read_text(encoding="utf-8")))
    if name != "perfaudit.cli":
        assert "click" not in roots, f"{name} imports click; only perfaudit.cli may"
    if name != "perfaudit.cli" and not name.startswith("perfaudit.console"):
        assert "rich" not in roots, f"{name} imports rich; only the cli and console may"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_library_code_never_prints_or_exits(path: Path) -> None:
    name = module_name(path)
    if name in {"perfaudit.cli", "perfaudit.__main__"}:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id != "print", f"{name}:{node.lineno} prints"
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                assert (func.value.id, func.attr) != ("sys", "exit"), f"{name}:{node.lineno} exits"
