"""Run the bench: every scenario's naive and optimized twins, at every scale, for several rounds.

For each scale the project gets a fresh test database seeded by the setup callable with that
scale (:func:`perfaudit.boot.project.test_databases`). Each twin is then replayed once under capture
(:func:`perfaudit.replay.audit.audit_request`: queries, findings and body), warmed up, and timed for
``rounds`` requests without capture, whose stack walks would otherwise be timed too; timing
stops early once ``max_time`` seconds are spent on a twin (the rounds taken are reported).
A captured request that alone took ``max_time`` or longer is not sent again: its own duration
is the one sample (capture's cost included), and the twin says so (``is_timed_from_capture``).
The counted request is the first one on the fresh data, so a cache cannot hide an N+1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from perfaudit.bench.complexity import Growth, fit_growth
from perfaudit.bench.equality import BodyComparison, compare_responses
from perfaudit.bench.timing import summarize
from perfaudit.boot.caches import private_caches
from perfaudit.boot.project import configure_django, test_databases
from perfaudit.config.bench import BenchConfig
from perfaudit.config.scenarios import Scenario
from perfaudit.errors import ConfigError, ProjectError
from perfaudit.records import RequestAudit, Timing
from perfaudit.replay.audit import RequestSpec, audit_request, client_for, plan_requests


@dataclass(frozen=True)
class TwinRun:
    """One twin measured at one scale: its captured request and its timings."""

    audit: RequestAudit
    timing: Timing
    # The captured request's duration is the only sample: it used up the time budget alone.
    is_timed_from_capture: bool = False

    @property
    def framework_query_count(self) -> int:
        return self.audit.query_count - self.audit.view_query_count


@dataclass(frozen=True)
class ScaleRun:
    """Both twins of a scenario at one scale; ``naive`` is None without a naive twin."""

    scale: int
    optimized: TwinRun
    naive: TwinRun | None = None
    comparison: BodyComparison | None = None

    @property
    def query_ratio(self) -> float | None:
        """Naive view queries over optimized view queries (None when undefined)."""
        if self.naive is None or not self.optimized.audit.view_query_count:
            return None
        return self.naive.audit.view_query_count / self.optimized.audit.view_query_count

    @property
    def time_ratio(self) -> float | None:
        """Naive median time over optimized median time."""
        if self.naive is None or self.optimized.timing.median_ms <= 0:
            return None
        return self.naive.timing.median_ms / self.optimized.timing.median_ms


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario across every scale, with how each twin's query count scales."""

    scenario: Scenario
    scales: tuple[ScaleRun, ...]
    optimized_growth: Growth
    naive_growth: Growth | None = None

    @property
    def responses_equal(self) -> bool | None:
        """Whether the twins answered alike at every scale compared (None: none was)."""
        verdicts = [s.comparison.is_equal for s in self.scales if s.comparison is not None]
        return all(verdicts) if verdicts else None


@dataclass(frozen=True)
class BenchResult:
    """A whole bench run and what it ran against."""

    settings: str
    vendor: str
    django_version: str
    scales: tuple[int, ...]
    rounds: int
    scenarios: tuple[ScenarioRun, ...]
    caches: str = "private"  # "off" under --no-cache


@dataclass(frozen=True)
class BenchStep:
    """Progress report: one twin of one scenario at one scale is about to be measured."""

    scenario: str
    twin: str  # "naive" | "optimized"
    scale: int

    @property
    def name(self) -> str:
        """What a progress bar shows."""
        return f"{self.scenario} [{self.twin}] at scale {self.scale}"


def count_steps(config: BenchConfig) -> int:
    """How many twin measurements a run makes (for a progress bar)."""
    twins = sum(2 if s.naive_path else 1 for s in config.scenarios)
    return twins * len(config.scales)


def run_bench(
    config: BenchConfig, *, on_step: Callable[[BenchStep], None] | None = None
) -> BenchResult:
    """Boot the project once per scale, measure every scenario's twins, fit their growth.

    Raises ConfigError (bad scenario paths or users) or ProjectError (boot failure, a view
    that raised: a benchmark of a crash means nothing).
    """
    configure_django(config.project.settings, config.project.pythonpath)
    import django

    # plan_requests reads the scenarios from the project configuration: give it the selection.
    project = replace(config.project, scenarios=config.scenarios, urls=(), user=None)
    by_scale: list[dict[str, ScaleRun]] = []
    vendor = settings = ""
    for scale in config.scales:
        with (
            # A fresh, private cache per scale (no stale bodies), or none at all.
            no_caches() if config.no_cache else private_caches(),
            test_databases(setup=project.setup, fixtures=project.fixtures, scale=scale) as booted,
        ):
            vendor, settings = booted.vendor, booted.settings
            specs = {s.name: s for s in plan_requests(project, booted.setup_values)}
            runner = _TwinRunner(config, scale, on_step)
            by_scale.append({s.name: runner.measure_scenario(s, specs) for s in config.scenarios})
    scenarios = tuple(
        _scenario_run(scenario, tuple(runs[scenario.name] for runs in by_scale))
        for scenario in config.scenarios
    )
    return BenchResult(
        settings=settings,
        vendor=vendor,
        django_version=django.get_version(),
        scales=config.scales,
        rounds=config.rounds,
        scenarios=scenarios,
        caches="off" if config.no_cache else "private",
    )


class _TwinRunner:
    """Measures twins at one scale, one logged-in client per user."""

    def __init__(
        self, config: BenchConfig, scale: int, on_step: Callable[[BenchStep], None] | None
    ) -> None:
        self.config = config
        self.scale = scale
        self.on_step = on_step
        self.clients: dict[str | None, Any] = {}

    def measure_scenario(self, scenario: Scenario, specs: dict[str, RequestSpec]) -> ScaleRun:
        naive = None
        if scenario.naive_path is not None:
            naive = self.measure(specs[f"{scenario.name}[naive]"], scenario.name, "naive")
        optimized = self.measure(specs[scenario.name], scenario.name, "optimized")
        comparison = None
        if naive is not None:
            comparison = compare_responses(
                (naive.audit.status, naive.audit.body),
                (optimized.audit.status, optimized.audit.body),
            )
        return ScaleRun(self.scale, optimized, naive, comparison)

    def measure(self, spec: RequestSpec, scenario: str, twin: str) -> TwinRun:
        if self.on_step is not None:
            self.on_step(BenchStep(scenario, twin, self.scale))
        client = self.clients.get(spec.user)
        if client is None:
            client = self.clients[spec.user] = client_for(spec.user)
        project = self.config.project
        audit = audit_request(client, spec, threshold=project.threshold, root=project.root)
        if audit.error is not None:
            raise ProjectError(
                f"Scenario {scenario!r} ({twin}, {spec.method} {spec.path}) at scale "
                f"{self.scale} raised {audit.error}; fix the view or the scenario."
            )
        max_ms = self.config.max_time * 1000
        if audit.duration_ms >= max_ms:
            # A timed round would send it again (seconds, at a large scale) for one sample
            # that the budget stops at anyway; this one is as good, capture's cost aside.
            timing = summarize([audit.duration_ms])
            return TwinRun(audit=audit, timing=timing, is_timed_from_capture=True)
        # The captured request warmed caches up too; the warm-up rounds finish the job.
        for _ in range(self.config.warmup):
            client.generic(spec.method, spec.path)
        samples: list[float] = []
        while len(samples) < self.config.rounds and (not samples or sum(samples) < max_ms):
            start = time.perf_counter()
            client.generic(spec.method, spec.path)
            samples.append((time.perf_counter() - start) * 1000)
        return TwinRun(audit=audit, timing=summarize(samples))


def _scenario_run(scenario: Scenario, runs: tuple[ScaleRun, ...]) -> ScenarioRun:
    optimized = fit_growth([(r.scale, r.optimized.audit.view_query_count) for r in runs])
    naive = None
    if scenario.naive_path is not None:
        naive = fit_growth(
            [(r.scale, r.naive.audit.view_query_count) for r in runs if r.naive is not None]
        )
    return ScenarioRun(scenario, runs, optimized, naive)


@contextmanager
def no_caches() -> Iterator[None]:
    """Replace every configured cache with Django's DummyCache for the block (``--no-cache``).

    With the project's caches the optimized twin's timed rounds are mostly cache hits, which
    says how fast the cache is; without them every round renders, which says how fast the
    view is. The first, audited request renders in both modes, so query counts do not change.
    """
    from django.conf import settings
    from django.test import override_settings

    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache":
        # Sessions would vanish with the cache: logged-in scenarios would run anonymous.
        raise ConfigError(
            "--no-cache: SESSION_ENGINE keeps sessions in the cache only, so logged-in "
            "scenarios would lose their session; use cached_db sessions or run with caches."
        )
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    with override_settings(CACHES={alias: dict(dummy) for alias in settings.CACHES}):
        yield
