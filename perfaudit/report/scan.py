"""The ``perfaudit/scan-v1`` JSON report of a scan, and the finding and call-site dicts that the
bench and pytest documents (:mod:`perfaudit.report.bench`, :mod:`perfaudit.report.suite`) reuse,
so that a finding has one JSON shape in every report.

Every scan renderer reads this document (see docs/report-schema.md). Keys are sorted when
written, there are no timestamps, and query parameters, and the values written into SQL text,
appear only when ``show_params`` is set. No Django import: loading the pytest plugin reaches
this module, and loading the plugin never imports Django.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfaudit import __version__
from perfaudit.records import FINDING_KINDS, CallSite, CapturedQuery, Finding, RequestAudit
from perfaudit.report.redact import redact_literals
from perfaudit.schemas import SCAN_SCHEMA
from perfaudit.suppress.rules import SuppressedFinding

if TYPE_CHECKING:  # perfaudit.scan boots projects and imports Django
    from perfaudit.scan import ScanResult


def scan_report(result: ScanResult) -> dict[str, Any]:
    """The scan-v1 document of a scan."""
    audits = result.audits
    suppression = result.suppression
    per_request = suppression.suppressed or tuple(() for _ in audits)
    baseline = None
    if suppression.baseline is not None:
        baseline = {
            "file": suppression.baseline,
            "fixed": list(suppression.baseline_fixed),
            "updated": suppression.updated is not None,
        }
    return {
        "schema": SCAN_SCHEMA,
        "perfaudit_version": __version__,
        "django_version": result.django_version,
        "database": {"vendor": result.vendor, "alias": result.alias},
        "settings": result.settings,
        "requests": [
            {
                **request_dict(a, show_params=result.show_params),
                "suppressed": [suppressed_dict(s) for s in suppressed],
            }
            for a, suppressed in zip(audits, per_request, strict=True)
        ],
        "baseline": baseline,
        "skipped": [{"route": s.route, "reason": s.reason} for s in result.skipped],
        "notes": list(result.notes),
        "summary": {
            "requests": len(audits),
            "queries": sum(a.query_count for a in audits),
            "findings": {k: result.count_findings((k,)) for k in FINDING_KINDS},
            "errors": sum(1 for a in audits if a.error is not None),
            "skipped": len(result.skipped),
            "suppressed": suppression.suppressed_count,
            "stale_rules": list(suppression.stale_rules),
        },
    }


def request_dict(audit: RequestAudit, *, show_params: bool = False) -> dict[str, Any]:
    """One replayed request; with ``show_params``, its queries and their parameters too."""
    data: dict[str, Any] = {
        "name": audit.name,
        "method": audit.method,
        "path": audit.path,
        "user": audit.user,
        "status": audit.status,
        "error": audit.error,
        "failure": audit.failure,
        "expect": audit.expect,
        "route": audit.route,
        "redirect": audit.redirect,
        "query_count": audit.query_count,
        "view_query_count": audit.view_query_count,
        "duration_ms": round(audit.duration_ms, 3),
        "sql_ms": round(audit.sql_ms, 3),
        "findings": [finding_dict(f, show_params=show_params) for f in audit.findings],
    }
    if show_params:
        data["queries"] = [query_dict(q) for q in audit.queries]
    return data


def finding_dict(finding: Finding, *, show_params: bool = False) -> dict[str, Any]:
    """One finding; its ``sample_sql`` keeps the values written into the SQL text only with
    ``show_params`` (every renderer reads this dict, so they are redacted once, here)."""
    return {
        "kind": finding.kind,
        "fingerprint": finding.fingerprint,
        "count": finding.count,
        "table": finding.table,
        "model": finding.model,
        "field": finding.field,
        "suggestion": finding.suggestion,
        "callsite": callsite_dict(finding.callsite),
        "sample_sql": finding.sample_sql if show_params else redact_literals(finding.sample_sql),
        "is_best_effort": finding.is_best_effort,
    }


def suppressed_dict(item: SuppressedFinding) -> dict[str, Any]:
    """A suppressed finding: the finding's fields and the rule that matched it."""
    return {
        **finding_dict(item.finding),
        "suppression": {"rule": item.suppression.rule, "source": item.suppression.source},
    }


def callsite_dict(callsite: CallSite | None) -> dict[str, Any] | None:
    if callsite is None:
        return None
    return {
        "file": callsite.file,
        "line": callsite.line,
        "function": callsite.function,
        "template": callsite.template,
        "template_line": callsite.template_line,
    }


def query_dict(query: CapturedQuery) -> dict[str, Any]:
    return {
        "sql": query.sql,
        "params": None if query.params is None else [_jsonable(p) for p in query.params],
        "duration_ms": round(query.duration_ms, 3),
        "alias": query.alias,
        "is_framework": query.is_framework,
        "callsite": callsite_dict(query.callsite),
    }


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)  # dates, decimals, UUIDs, bytes: their text is what a reader needs


def render_json(report: dict[str, Any]) -> str:
    """The report as text: sorted keys, two-space indent, a final newline."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(report: dict[str, Any], path: str | Path) -> Path:
    """Write the report to ``path``, creating its directory."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_json(report), encoding="utf-8")
    return target
