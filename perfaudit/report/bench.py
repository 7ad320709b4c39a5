"""The ``perfaudit/bench-v1`` JSON document of a bench run and its gates (docs/report-schema.md).

The bench's terminal table is rendered from this document too, so a saved report and a live
run print the same way. Timings are rounded to microseconds; keys are sorted when written.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS

from perfaudit import __version__
from perfaudit.bench.complexity import Growth
from perfaudit.bench.gates import GateReport
from perfaudit.bench.runner import BenchResult, ScaleRun, ScenarioRun, TwinRun
from perfaudit.report.scan import finding_dict
from perfaudit.schemas import BENCH_SCHEMA


def bench_report(result: BenchResult, gates: GateReport) -> dict[str, Any]:
    """The bench-v1 document of a run judged by ``gates``."""
    scenarios = [_scenario_dict(run, gates) for run in result.scenarios]
    return {
        "schema": BENCH_SCHEMA,
        "perfaudit_version": __version__,
        "django_version": result.django_version,
        "database": {"vendor": result.vendor, "alias": DEFAULT_DB_ALIAS},
        "settings": result.settings,
        "scales": list(result.scales),
        "rounds": result.rounds,
        "caches": result.caches,
        "scenarios": scenarios,
        "gates": {
            "max_queries": gates.max_queries,
            "baseline": gates.baseline,
            "failures": list(gates.failure_lines),
            "improvements": list(gates.improvement_lines),
        },
        "summary": {
            "scenarios": len(scenarios),
            "failed": sum(1 for s in scenarios if s["verdict"] != "ok"),
            "responses_equal": all(s["responses_equal"] is not False for s in scenarios),
        },
    }


def _scenario_dict(run: ScenarioRun, gates: GateReport) -> dict[str, Any]:
    scenario = run.scenario
    verdict = gates.verdict(scenario.name)
    results = [_scale_dict(s) for s in run.scales]
    return {
        "name": scenario.name,
        "method": scenario.method,
        "path": scenario.path,
        "naive_path": scenario.naive_path,
        "user": scenario.user,
        "max_queries": scenario.max_queries,
        "results": results,
        "complexity": {
            "optimized": growth_dict(run.optimized_growth),
            "naive": None if run.naive_growth is None else growth_dict(run.naive_growth),
        },
        "responses_equal": run.responses_equal,
        "failures": list(verdict.failures),
        "improvements": list(verdict.improvements),
        "verdict": "ok" if verdict.is_ok else "failed",
    }


def _scale_dict(run: ScaleRun) -> dict[str, Any]:
    comparison = run.comparison
    return {
        "scale": run.scale,
        "optimized": twin_dict(run.optimized),
        "naive": None if run.naive is None else twin_dict(run.naive),
        "responses_equal": None if comparison is None else comparison.is_equal,
        "diff": None if comparison is None else comparison.diff,
        "query_ratio": _round(run.query_ratio, 2),
        "time_ratio": _round(run.time_ratio, 2),
    }


def twin_dict(twin: TwinRun) -> dict[str, Any]:
    audit, timing = twin.audit, twin.timing
    timing_dict: dict[str, Any] = {
        "min_ms": round(timing.min_ms, 3),
        "median_ms": round(timing.median_ms, 3),
        "iqr_ms": round(timing.iqr_ms, 3),
        "rounds": timing.rounds,
    }
    if twin.is_timed_from_capture:  # optional: absent from every report before it existed
        timing_dict["from_captured_run"] = True
    return {
        "status": audit.status,
        "query_count": audit.query_count,
        "view_query_count": audit.view_query_count,
        "framework_query_count": twin.framework_query_count,
        "timing": timing_dict,
        "findings": [finding_dict(f) for f in audit.findings],
    }


def growth_dict(growth: Growth) -> dict[str, Any]:
    return {
        "growth": growth.growth,
        "intercept": round(growth.intercept, 3),
        "slope": round(growth.slope, 4),
        "label": growth.label,
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
