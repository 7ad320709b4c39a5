"""The keys the terminal tables read from a saved report, checked before `report` draws one.

:mod:`perfaudit.report.read` validates what the Markdown, HTML and CI renderers read, and lets
older reports leave optional keys out. The terminal tables (:mod:`perfaudit.console.scan`,
:mod:`perfaudit.console.bench`) index the document directly, as a live run wrote it: every key
they read must be there (``null`` where the schema allows it), or a hand-edited file would end
in a KeyError instead of one line naming the key. No Django import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perfaudit.json_fields import MAX_INT, invalid_report

# A spec is a type name ("str", "int", "num", "bool"; "?" in front allows null), a dict of
# key -> spec (an object with those keys present), a one-item list (a list of that spec) or
# ("map", spec): an object of any keys whose values follow spec.
Spec = Any

_CALLSITE: Spec = {
    "file": "str",
    "line": "int",
    "function": "str",
    "template": "?str",
    "template_line": "?int",
}
_FINDING: Spec = {
    "kind": "str",
    "count": "int",
    "model": "?str",
    "field": "?str",
    "table": "?str",
    "suggestion": "str",
    "fingerprint": "str",
    "callsite": ("?", _CALLSITE),
}
_HEAD: Spec = {"settings": "str", "database": {"vendor": "str"}}
SCAN_TABLE: Spec = {
    **_HEAD,
    "requests": [
        {
            "name": "str",
            "method": "str",
            "path": "str",
            "status": "int",
            "error": "?str",
            "query_count": "int",
            "view_query_count": "int",
            "duration_ms": "num",
            "sql_ms": "num",
            "findings": [_FINDING],
        }
    ],
    "summary": {
        "requests": "int",
        "queries": "int",
        "errors": "int",
        "findings": ("map", "int"),
    },
}
_TWIN: Spec = {"view_query_count": "int", "timing": {"median_ms": "num"}}
_GROWTH: Spec = {"growth": "str", "label": "str"}
BENCH_TABLE: Spec = {
    **_HEAD,
    "rounds": "int",
    "scales": ["int"],
    "scenarios": [
        {
            "name": "str",
            "verdict": "str",
            "complexity": {"naive": ("?", _GROWTH), "optimized": _GROWTH},
            "results": [
                {
                    "scale": "int",
                    "naive": ("?", _TWIN),
                    "optimized": _TWIN,
                    "query_ratio": "?num",
                    "time_ratio": "?num",
                    "responses_equal": "?bool",
                }
            ],
        }
    ],
    "gates": {
        "improvements": ["str"],
        "failures": ["str"],
        "max_queries": "?int",
        "baseline": "?str",
    },
    "summary": {"scenarios": "int", "failed": "int"},
}


def check_table_keys(document: Mapping[str, Any], is_scan: bool, source: str) -> None:
    """ConfigError naming the first key the terminal table would miss or misread."""
    _check(document, SCAN_TABLE if is_scan else BENCH_TABLE, "report", source)


def _check(value: object, spec: Spec, where: str, source: str) -> None:
    if isinstance(spec, tuple) and spec[0] == "?":
        if value is not None:
            _check(value, spec[1], where, source)
        return
    if isinstance(spec, tuple):  # ("map", spec)
        if not isinstance(value, dict):
            raise invalid_report(source, where, "an object")
        for key, item in value.items():
            _check(item, spec[1], f"{where}.{key}", source)
        return
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise invalid_report(source, where, "an object")
        for key, item_spec in spec.items():
            if key not in value:
                raise invalid_report(source, f"{where}.{key}", "present")
            _check(value[key], item_spec, f"{where}.{key}", source)
        return
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise invalid_report(source, where, "a list")
        for index, item in enumerate(value):
            _check(item, spec[0], f"{where}[{index}]", source)
        return
    _check_scalar(value, spec, where, source)


def _check_scalar(value: object, spec: str, where: str, source: str) -> None:
    nullable = spec.startswith("?")
    if nullable:
        if value is None:
            return
        spec = spec[1:]
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec == "str" and isinstance(value, str):
        return
    if spec == "bool" and isinstance(value, bool):
        return
    if spec == "int" and is_number and isinstance(value, int) and 0 <= value <= MAX_INT:
        return
    if spec == "num" and is_number and 0 <= value <= MAX_INT:  # type: ignore[operator]
        return
    expected = {
        "str": "a string",
        "bool": "true or false",
        "int": f"an integer from 0 to {MAX_INT}",
        "num": f"a number from 0 to {MAX_INT}",
    }[spec]
    raise invalid_report(source, where, expected + (" or null" if nullable else ""))
