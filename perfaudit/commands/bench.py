"""``perfaudit bench`` without its terminal: baseline in, run, gates, report and baseline out.

The CLI supplies the configuration and a progress callback and prints what comes back; all
the decisions (which baseline to read, what fails, what gets written) are made here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from perfaudit.bench.gates import GateReport, evaluate_gates, ratchet_baseline
from perfaudit.bench.runner import BenchStep, run_bench
from perfaudit.config.bench import BenchConfig
from perfaudit.report.bench import bench_report
from perfaudit.report.scan import write_json
from perfaudit.suppress.baseline import Baseline, check_coverage, load_baseline, write_baseline


@dataclass(frozen=True)
class BenchOutcome:
    """What a bench command produced: the bench-v1 document and the gates' verdicts."""

    report: dict[str, Any]
    gates: GateReport
    baseline_written: str | None = None  # the baseline file updated by --update-baseline

    @property
    def exit_code(self) -> int:
        return self.gates.exit_code


def read_baseline(config: BenchConfig) -> Baseline | None:
    """The baseline to gate on, checked against the run before any database is created.

    With --update-baseline a missing file is a new baseline and a missing scenario or scale is
    about to be added; without it, both are errors (exit 2).
    """
    path = config.baseline
    if path is None or (config.update_baseline and not path.exists()):
        return None
    baseline = load_baseline(path)
    if not config.update_baseline:
        check_coverage(baseline, (s.name for s in config.scenarios), config.scales, str(path))
    return baseline


def run_bench_command(
    config: BenchConfig, *, on_step: Callable[[BenchStep], None] | None = None
) -> BenchOutcome:
    """Run the bench, judge it, write the JSON report and the ratcheted baseline if asked."""
    baseline = read_baseline(config)
    result = run_bench(config, on_step=on_step)
    source = None if config.baseline is None else str(config.baseline)
    gates = evaluate_gates(
        result, max_queries=config.max_queries, baseline=baseline, baseline_source=source
    )
    report = bench_report(result, gates)
    if config.json_path:
        write_json(report, config.json_path)
    written = None
    if config.update_baseline and config.baseline is not None:
        write_baseline(ratchet_baseline(baseline, result), config.baseline)
        written = str(config.baseline)
    return BenchOutcome(report, gates, written)
