"""The committed baseline (``perfaudit/baseline-v1``): read, validate, ratchet down, write.

A baseline holds, per scenario and scale, the optimized twin's view query count and its
findings, plus whether the twins' responses were equal. It is keyed by scale, never by
database: the optimized views issue the same queries on SQLite and PostgreSQL, so one file
gates both. Findings are stored as vendor-neutral kind-and-relation strings ("n_plus_one
shop.Product.category"), not as SQL fingerprints, which differ between backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfaudit.errors import ConfigError
from perfaudit.records import Finding
from perfaudit.schemas import BENCH_BASELINE_SCHEMA
from perfaudit.suppress.baseline_file import baseline_document, corrupt_baseline, read_baseline_json


@dataclass(frozen=True)
class BaselineEntry:
    """What the optimized twin of a scenario did at one scale."""

    view_query_count: int
    findings: tuple[str, ...] = ()  # sorted kind_and_relation() strings


@dataclass(frozen=True)
class BaselineScenario:
    scales: Mapping[int, BaselineEntry]
    responses_equal: bool | None = None


@dataclass(frozen=True)
class Baseline:
    scenarios: Mapping[str, BaselineScenario]


def kind_and_relation(finding: Finding) -> str:
    """``n_plus_one shop.Product.category``: kind and relation, the same on every backend.

    Deliberately coarser than :func:`perfaudit.wording.finding_key` (which tells findings
    apart by SQL fingerprint and call site): the fingerprint differs between SQLite and
    PostgreSQL, and one committed file gates both. Two findings on the same relation from two
    call sites are therefore one baseline entry.
    """
    where = ".".join(p for p in (finding.model or finding.table, finding.field) if p)
    return f"{finding.kind} {where or '?'}"


def kinds_and_relations(findings: Iterable[Finding]) -> tuple[str, ...]:
    """The baseline's ``findings`` list: distinct :func:`kind_and_relation` strings, sorted."""
    return tuple(sorted({kind_and_relation(f) for f in findings}))


def load_baseline(path: Path) -> Baseline:
    """Read and validate the baseline at ``path``; ConfigError (exit 2) when it is unusable."""
    return parse_baseline(read_baseline_json(path), str(path))


def ratchet_keys(kept: Iterable[str], current: Iterable[str]) -> tuple[str, ...]:
    """The ratchet rule of every baseline: an entry's findings only go down.

    What the baseline accepted and this run still has stays; what is gone (fixed) drops out;
    what is new is *not* added, so it keeps failing until fixed (to accept one on purpose,
    edit the file). Entries the baseline does not have yet are added whole by the callers.
    """
    return tuple(sorted(set(kept) & set(current)))


def new_and_gone(kept: Iterable[str], current: Iterable[str]) -> tuple[list[str], list[str]]:
    """(keys of ``current`` the baseline lacks, keys of the baseline ``current`` lacks), sorted."""
    old, now = set(kept), set(current)
    return sorted(now - old), sorted(old - now)


def parse_baseline(data: object, source: str) -> Baseline:
    """Validate a decoded baseline document."""

    def invalid(where: str, expected: str) -> ConfigError:
        return corrupt_baseline(source, where, expected)

    raw_scenarios = baseline_document(data, BENCH_BASELINE_SCHEMA, source).get("scenarios")
    if not isinstance(raw_scenarios, dict):
        raise invalid("scenarios", "an object")
    scenarios: dict[str, BaselineScenario] = {}
    for name, raw in raw_scenarios.items():
        where = f"scenarios.{name}"
        if not isinstance(raw, dict) or not isinstance(raw.get("scales"), dict):
            raise invalid(f"{where}.scales", "an object")
        equal = raw.get("responses_equal")
        if equal is not None and not isinstance(equal, bool):
            raise invalid(f"{where}.responses_equal", "true, false or null")
        scales: dict[int, BaselineEntry] = {}
        for scale, entry in raw["scales"].items():
            # ASCII digits only: "²".isdigit() is true and int("²") raises.
            if not (isinstance(scale, str) and re.fullmatch(r"[0-9]{1,15}", scale)):
                raise invalid(f"{where}.scales key {scale!r}", "a positive integer")
            if not isinstance(entry, dict):
                raise invalid(f"{where}.scales.{scale}", "an object")
            count = entry.get("view_query_count")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise invalid(f"{where}.scales.{scale}.view_query_count", "a count")
            findings = entry.get("findings", [])
            if not isinstance(findings, list) or not all(isinstance(f, str) for f in findings):
                raise invalid(f"{where}.scales.{scale}.findings", "a list of strings")
            scales[int(scale)] = BaselineEntry(count, tuple(sorted(findings)))
        scenarios[name] = BaselineScenario(scales, equal)
    return Baseline(scenarios)


def check_coverage(
    baseline: Baseline, names: Iterable[str], scales: Iterable[int], source: str
) -> None:
    """ConfigError unless the baseline has an entry for every scenario and scale to be run."""
    for name in names:
        entry = baseline.scenarios.get(name)
        if entry is None:
            raise ConfigError(
                f"Baseline {source!r} has no scenario {name!r}; add it with --update-baseline."
            )
        missing = [s for s in scales if s not in entry.scales]
        if missing:
            known = ", ".join(str(s) for s in sorted(entry.scales)) or "none"
            raise ConfigError(
                f"Baseline {source!r} has no scale {missing[0]} for scenario {name!r} (it has "
                f"{known}); run with the baseline's --scales or add it with --update-baseline."
            )


def baseline_dict(baseline: Baseline) -> dict[str, Any]:
    """The baseline-v1 document."""
    return {
        "schema": BENCH_BASELINE_SCHEMA,
        "scenarios": {
            name: {
                "responses_equal": scenario.responses_equal,
                "scales": {
                    str(scale): {
                        "view_query_count": e.view_query_count,
                        "findings": list(e.findings),
                    }
                    for scale, e in sorted(scenario.scales.items())
                },
            }
            for name, scenario in sorted(baseline.scenarios.items())
        },
    }


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write the baseline with sorted keys so that its diffs review well."""
    text = json.dumps(baseline_dict(baseline), indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
