"""Point a query run inside library code at the project declaration that asked for it.

A DRF serializer reads ``review.author`` for its declared ``author = AuthorSerializer()``
field, and the admin's change list reads ``book.publisher`` for ``list_display =
("title", "publisher")``: the Python frame of the read is DRF's or Django's, and the first
project frame is far away (the view, or none at all). The frame of the library loop holds the
field being rendered; this module turns it into a :class:`~perfaudit.records.CallSite` at the
line of the class body that declared it.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import textwrap
from types import FrameType
from typing import Any

from perfaudit.capture.frames import ADMIN_COUNT, ADMIN_LIST, SERIALIZER, is_library_file
from perfaudit.records import ADMIN_COUNT_DECLARATION, LIBRARY_ADMIN_COUNT_DECLARATION, CallSite

__all__ = ["declaration_site"]

# (class, attribute) -> (file, line); classes live as long as the process.
_lines: dict[tuple[type, str], tuple[type, str, int] | None] = {}


def declaration_site(declaration: tuple[str, FrameType], root: str) -> CallSite | None:
    """The CallSite of the serializer field or ``list_display`` entry being rendered."""
    role, frame = declaration
    owner = frame.f_locals.get("self")
    if role == SERIALIZER:
        field = frame.f_locals.get("field")
        name = getattr(field, "field_name", None)
        if owner is None or not name:
            return None
        cls, attribute, what = type(owner), str(name), f"serializer field '{name}'"
        found = declaring_line(cls, attribute) or declaring_line(cls, "fields")
    elif role == ADMIN_LIST:
        model_admin = getattr(frame.f_locals.get("cl"), "model_admin", None)
        entry = frame.f_locals.get("field_name")
        if model_admin is None or entry is None:
            return None
        name = entry if isinstance(entry, str) else getattr(entry, "__name__", repr(entry))
        cls, attribute, what = type(model_admin), "list_display", f"list_display '{name}'"
        found = declaring_line(cls, attribute)
    elif role == ADMIN_COUNT:  # ChangeList.get_results: the paginator's and the total's COUNT
        model_admin = getattr(owner, "model_admin", None)
        if model_admin is None:
            return None
        cls, attribute, what = type(model_admin), "show_full_result_count", ADMIN_COUNT_DECLARATION
        # The project's own ModelAdmin classes only: Django's ModelAdmin declares it too.
        project = [k for k in cls.__mro__ if not k.__module__.startswith("django.")]
        found = next(((k, *f) for k in project if (f := _line_in(k, attribute))), None)
        found = found or _with_class(cls, class_line(cls))
    else:
        return None
    if found is None:
        return None
    declarer, file, line = found
    if is_library_file(file):
        file = _importable_path(file)
        if what == ADMIN_COUNT_DECLARATION:
            what = LIBRARY_ADMIN_COUNT_DECLARATION
    elif file.startswith(root):
        file = file[len(root) :]
    return CallSite(
        file=file,
        line=line,
        # The class whose body holds the line: a subclass's field is its base's declaration.
        function=f"{declarer.__qualname__}.{attribute}",
        declaration=what,
    )


def declaring_line(cls: type, attribute: str) -> tuple[type, str, int] | None:
    """(class, file, line) where ``attribute`` is assigned or defined: in the body of ``cls``
    or of the base that declares it.

    ``fields`` is also looked for in the nested ``Meta`` (a ModelSerializer's implicit fields).
    """
    key = (cls, attribute)
    if key not in _lines:
        _lines[key] = next(
            ((klass, *found) for klass in cls.__mro__ if (found := _line_in(klass, attribute))),
            None,
        )
    return _lines[key]


def _with_class(cls: type, found: tuple[str, int] | None) -> tuple[type, str, int] | None:
    return None if found is None else (cls, *found)


def _importable_path(file: str) -> str:
    """A file outside the project as its import path shows it (``django/contrib/auth/admin.py``):
    no absolute path, which would name the machine and its virtualenv, goes into a report."""
    entries = sorted((p for p in sys.path if p), key=len, reverse=True)
    for entry in entries:
        prefix = os.path.join(os.path.abspath(entry), "")
        if file.startswith(prefix):
            return file[len(prefix) :]
    return os.path.basename(file)


def class_line(cls: type) -> tuple[str, int] | None:
    """(file, line) of the ``class`` statement of ``cls``, when its source can be read."""
    try:
        file = inspect.getsourcefile(cls)
        lines, start = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return None
    # getsourcelines starts at the first decorator (@admin.register(...)).
    offset = next((i for i, text in enumerate(lines) if text.lstrip().startswith("class ")), 0)
    return None if file is None else (file, start + offset)


def _line_in(klass: type, attribute: str) -> tuple[str, int] | None:
    try:
        lines, start = inspect.getsourcelines(klass)
        file = inspect.getsourcefile(klass)
    except (OSError, TypeError):  # built in, or defined where no source is
        return None
    if file is None:
        return None
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return None
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node in _bodies(body, attribute == "fields"):
        if _defines(node, attribute):
            return file, start + node.lineno - 1
    return None


def _bodies(body: list[ast.stmt], with_meta: bool) -> list[ast.stmt]:
    nodes = list(body)
    if with_meta:
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name == "Meta":
                nodes.extend(node.body)
    return nodes


def _defines(node: Any, attribute: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == attribute
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return bool(node.name == attribute)
    return False
