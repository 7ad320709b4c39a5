"""``perfaudit bench``: baseline in, run, gates, report and baseline out, then the terminal.

:func:`run_bench_command` makes every decision (which baseline to read, what fails, what gets
written) and prints nothing; :func:`bench_command` adds the configuration, the output checks,
the progress bar and what is printed after the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from perfaudit.bench.gates import GateReport, evaluate_gates, ratchet_baseline
from perfaudit.bench.runner import BenchStep, count_steps, run_bench
from perfaudit.commands.ci import emit_ci_outputs
from perfaudit.commands.outputs import OutputFlags, default_report_path, display_path
from perfaudit.config.bench import BenchConfig, BenchOptions, load_bench_config
from perfaudit.config.output_paths import check_writable
from perfaudit.console.bench import bench_progress, render_bench
from perfaudit.console.terminal import Echo, Terminal
from perfaudit.report.bench import bench_report
from perfaudit.report.scan import write_json
from perfaudit.suppress.baseline import Baseline, check_coverage, load_baseline, write_baseline


def bench_command(options: BenchOptions, flags: OutputFlags, echo: Echo) -> int:
    """Bench the scenarios of the configuration of the current directory; the exit code.

    Every output file is checked before the first database is created.
    """
    json_path = options.json_path or str(default_report_path("bench"))
    config = load_bench_config(Path.cwd(), replace(options, json_path=json_path), os.environ)
    baseline = config.baseline if config.update_baseline else None
    check_writable(
        [("--json", config.json_path), ("--junit", flags.junit), ("--baseline", baseline)]
    )
    terminal = Terminal.open(echo)
    with bench_progress(terminal.console, count_steps(config)) as on_step:
        outcome = run_bench_command(config, on_step=on_step)
    render_bench(outcome.report, terminal.console)
    if config.json_path:
        terminal.console.print(f"JSON report written to {display_path(Path(config.json_path))}")
    emit_ci_outputs(outcome.report, terminal, github=flags.github, junit=flags.junit)
    if outcome.baseline_written:
        terminal.console.print(f"Baseline written to {outcome.baseline_written}")
    for line in outcome.gates.failure_lines:
        terminal.echo(f"perfaudit: FAILED {line}", err=True)
    return outcome.exit_code


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
