"""The bench flags merged with the ``[perfaudit]`` configuration into one frozen BenchConfig.

Scenarios, scales, the settings and the setup callable come from the same loader as scan's
(:func:`perfaudit.config.scan.load_scan_config`), and ``--scales`` is read as the file's
``scales`` is (:func:`perfaudit.config.values.parse_scales`); this module adds what only bench
has: a scenario filter, rounds, the query budget and the baseline. No Django import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from perfaudit.config.scan import ScanConfig, ScanOptions, load_scan_config
from perfaudit.config.scenarios import Scenario
from perfaudit.config.values import parse_scales
from perfaudit.errors import ConfigError

DEFAULT_ROUNDS = 5
WARMUP_ROUNDS = 1
# Seconds of timed rounds per twin and scale after which bench stops early (after at least
# one round), as pytest-benchmark's max_time does: a naive view that takes seconds at the
# largest scale proves its point in one round and would otherwise dominate a CI run.
MAX_TIME = 2.0


@dataclass(frozen=True)
class BenchOptions:
    """The bench flags as given on the command line; ``None`` or empty means "not given"."""

    settings: str | None = None
    pythonpath: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    scales: str | None = None  # "10,100,1000"
    rounds: int | None = None
    max_queries: int | None = None
    baseline: str | None = None
    update_baseline: bool = False
    json_path: str | None = None
    no_cache: bool = False


@dataclass(frozen=True)
class BenchConfig:
    """Everything a bench run needs, validated."""

    project: ScanConfig  # settings, pythonpath, setup, fixtures, threshold, root
    scenarios: tuple[Scenario, ...]
    scales: tuple[int, ...]
    rounds: int = DEFAULT_ROUNDS
    warmup: int = WARMUP_ROUNDS
    max_time: float = MAX_TIME
    max_queries: int | None = None
    baseline: Path | None = None
    update_baseline: bool = False
    json_path: str | None = None
    # Every cache replaced by Django's DummyCache: times the views' work, not cache hits.
    no_cache: bool = False


def load_bench_config(
    root: Path, options: BenchOptions, environ: Mapping[str, str] | None = None
) -> BenchConfig:
    """Merge the file configuration of ``root``, the environment and ``options``; validate."""
    project = load_scan_config(
        root, ScanOptions(settings=options.settings, pythonpath=options.pythonpath), environ
    )
    if not project.scenarios:
        raise ConfigError(
            f"bench needs scenarios and {project.source} declares none; add a `scenarios` key "
            "(NAME METHOD PATH [naive=PATH] [user=USERNAME] [max_queries=N], one a line)."
        )
    scenarios = select_scenarios(project.scenarios, options.scenarios)
    scales = project.scales if options.scales is None else parse_scales(options.scales, "--scales")
    rounds = DEFAULT_ROUNDS if options.rounds is None else options.rounds
    if rounds < 1:
        raise ConfigError(f"--rounds: must be at least 1, got {rounds}.")
    if options.max_queries is not None and options.max_queries < 0:
        raise ConfigError(f"--max-queries: must be 0 or more, got {options.max_queries}.")
    if options.update_baseline and options.baseline is None:
        raise ConfigError("--update-baseline needs --baseline FILE to know which file to write.")
    return BenchConfig(
        project=project,
        scenarios=scenarios,
        scales=scales,
        rounds=rounds,
        max_queries=options.max_queries,
        baseline=None if options.baseline is None else Path(options.baseline),
        update_baseline=options.update_baseline,
        json_path=options.json_path,
        no_cache=options.no_cache,
    )


def select_scenarios(
    configured: tuple[Scenario, ...], names: tuple[str, ...]
) -> tuple[Scenario, ...]:
    """The scenarios named by ``--scenario`` (all when none is named), in configuration order."""
    known = {s.name for s in configured}
    for name in names:
        if name not in known:
            raise ConfigError(
                f"--scenario: unknown scenario {name!r}; configured: {', '.join(sorted(known))}."
            )
    return tuple(s for s in configured if not names or s.name in names)
