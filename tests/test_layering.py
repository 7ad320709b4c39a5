"""The layering of perfaudit, checked on the source: the subpackages follow the pipeline and
import only from their own stage or an earlier one; only the CLI imports click, only the CLI and
the console package import rich; library code never prints or exits; the pytest side alone
needs pytest; and the tool knows nothing of the demo shipped beside it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "perfaudit"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
# The size rule covers the demo too, its generated migrations aside.
SIZED = MODULES + sorted(
    p for p in (PACKAGE.parent / "shopdemo").rglob("*.py") if "migrations" not in p.parts
)


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# The pipeline, earliest stage first (README, "Architecture"). A module may import from its own
# stage and from earlier ones, never from a later one: the data flow has one direction. A
# module's stage is the longest prefix of its name listed here.
STAGES = (
    (
        "perfaudit",
        "perfaudit.errors",
        "perfaudit.records",
        "perfaudit.json_input",
        "perfaudit.schemas",
    ),
    ("perfaudit.json_fields", "perfaudit.wording"),
    ("perfaudit.config",),
    ("perfaudit.boot",),
    ("perfaudit.capture",),
    ("perfaudit.detect",),
    ("perfaudit.suppress",),
    ("perfaudit.replay",),
    ("perfaudit.scan",),
    ("perfaudit.suite.audit",),
    ("perfaudit.bench",),
    ("perfaudit.report",),
    ("perfaudit.console",),
    ("perfaudit.commands",),
    ("perfaudit.suite",),
    ("perfaudit.pytest_plugin",),
    ("perfaudit.cli", "perfaudit.__main__"),
)
RANK = {name: rank for rank, names in enumerate(STAGES) for name in names}


def stage_of(module: str) -> int:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in RANK:
            return RANK[prefix]
    raise AssertionError(f"{module} belongs to no stage; add it to STAGES")


def perfaudit_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Every perfaudit module a module imports, lazily or for type hints too, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("perfaudit")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "perfaudit":
                # `from perfaudit import x` names a submodule unless x is the version.
                found += [
                    (node.lineno, f"perfaudit.{a.name}" if a.name != "__version__" else "perfaudit")
                    for a in node.names
                ]
            elif node.module.startswith("perfaudit."):
                found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_module_imports_from_a_later_stage(path: Path) -> None:
    name = module_name(path)
    own = stage_of(name)
    later = [
        f"line {line} imports {target}"
        for line, target in perfaudit_imports(ast.parse(path.read_text(encoding="utf-8")))
        if stage_of(target) > own
    ]
    assert not later, f"{name} (stage {own}) reaches into a later stage: {'; '.join(later)}"


@pytest.mark.parametrize("path", SIZED, ids=module_name)
def test_modules_stay_small(path: Path) -> None:
    # STYLE.md: one job per module, at most 300 lines; split before it grows past that.
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 300, f"{module_name(path)} has {lines} lines; split it by job"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_the_tool_knows_nothing_of_its_demo(path: Path) -> None:
    text = path.read_text(encoding="utf-8").lower()
    assert "shopdemo" not in text, f"{module_name(path)} mentions shopdemo"


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


def defined_names(tree: ast.Module) -> set[str]:
    """The functions, classes and constants a module defines at its top level."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_the_shared_wording_is_defined_once(path: Path) -> None:
    """perfaudit.wording's names (labels, SQL layout, finding identity) live there alone: a
    second pretty_sql or KIND_LABELS lets the terminal and the reports drift apart, and a
    second finding_key that means something else misleads its callers."""
    wording = PACKAGE / "wording.py"
    if path == wording:
        return
    shared = {n for n in defined_names(ast.parse(wording.read_text())) if not n.startswith("_")}
    again = defined_names(ast.parse(path.read_text(encoding="utf-8"))) & shared
    assert not again, f"{module_name(path)} defines {sorted(again)} again; use perfaudit.wording"


# The pytest side of the package: only these may import pytest, a test extra that
# `pip install -e .` (the README's first command) does not install.
PYTEST_SIDE = {"perfaudit.pytest_plugin", "perfaudit.suite.options", "perfaudit.suite.hooks"}

BLOCK_PYTEST = """
import importlib, importlib.abc, sys

class NoPytest(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pytest", "_pytest", "pytest_django", "xdist"):
            raise ImportError(f"{name} is a test extra")
        return None

for name in [n for n in sys.modules if n.split(".")[0] in ("pytest", "_pytest")]:
    del sys.modules[name]
sys.meta_path.insert(0, NoPytest())
for name in sys.argv[1:]:
    importlib.import_module(name)
"""


def test_the_cli_side_imports_without_the_test_extras() -> None:
    # `perfaudit scan` on a fresh `pip install -e .` died importing pytest through the report
    # modules; every module but the pytest side must import without it.
    import subprocess
    import sys

    names = [
        module_name(p)
        for p in MODULES
        if module_name(p) not in PYTEST_SIDE and not p.name.startswith("__main__")
    ]
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_PYTEST, *names],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_readme_architecture_names_every_part_of_the_tree() -> None:
    # The README's diagram is how a newcomer learns the layout: a new subpackage or top-level
    # module must appear in it, and a name that no longer exists must leave it.
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How perfaudit is built", 1)[1].split("\n## ", 1)[0]
    diagram = section.split("```", 2)[1]
    parts = {p.name + "/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    parts |= {p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    words = set(re.findall(r"[a-z_]+", diagram))
    parts |= {
        f"{m.parent.name}/{m.stem}"
        for m in PACKAGE.glob("*/*.py")
        if m.stem != "__init__" and m.stem not in words
    }
    missing = sorted(p for p in parts if p not in diagram)
    assert not missing, f"README's architecture diagram leaves out {missing}"
    named = set(re.findall(r"^  ([a-z_]+/|[a-z_]+\.py)", diagram, re.M))
    named |= set(re.findall(r"\b([a-z_]+\.py)\b", diagram))
    gone = sorted(n for n in named if n not in parts)
    assert not gone, f"README's architecture diagram names {gone}, which perfaudit no longer has"
    stages = [s.rstrip("/") for s in re.findall(r"`([a-z_]+)`", section.split("```")[0])]
    for name in ("config", "boot", "replay", "capture", "detect", "suppress", "report", "console"):
        assert name in stages, f"README's architecture paragraph does not explain {name}"
