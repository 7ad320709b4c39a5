"""Run a whole scan: boot the project on test databases, replay the requests, collect audits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from perfaudit.boot import configure_django, test_databases
from perfaudit.config import FINDING_KINDS, ScanConfig
from perfaudit.records import RequestAudit
from perfaudit.replay import RequestSpec, plan_requests, replay
from perfaudit.scan_baseline import ScanSuppression, read_scan_baseline, suppress_scan


@dataclass(frozen=True)
class ScanResult:
    """What a scan found: one audit per replayed request, and what it ran against."""

    settings: str
    vendor: str
    alias: str
    django_version: str
    audits: tuple[RequestAudit, ...]  # findings: the ones left after suppression
    show_params: bool = False
    suppression: ScanSuppression = field(default_factory=ScanSuppression)

    @property
    def has_errors(self) -> bool:
        return any(a.error is not None for a in self.audits)

    def count_findings(self, kinds: tuple[str, ...]) -> int:
        return sum(1 for a in self.audits for f in a.findings if f.kind in kinds)


def run_scan(
    config: ScanConfig,
    *,
    on_plan: Callable[[tuple[RequestSpec, ...]], None] | None = None,
    on_request: Callable[[RequestSpec], None] | None = None,
) -> ScanResult:
    """Boot the configured project, replay its requests and return the audits.

    ``--url`` paths are checked against the URLconf before any database is created. Raises
    ConfigError (bad usage) or ProjectError (the project failed to boot); a view that raises
    is recorded in its audit instead.
    """
    # A corrupt baseline is bad usage: refuse it before any database exists.
    baseline = read_scan_baseline(config.baseline, update=config.update_baseline)
    configure_django(config.settings, config.pythonpath)
    import django

    if config.urls:
        plan_requests(config, {})  # fail fast on an unknown URL: no database yet
    with test_databases(setup=config.setup, fixtures=config.fixtures, scale=config.scale) as booted:
        specs = plan_requests(config, booted.setup_values)
        if on_plan is not None:
            on_plan(specs)
        audits = replay(
            specs,
            threshold=config.threshold,
            root=config.root,
            on_request=on_request,
            eager_loads=config.eager_loads,
        )
    audits, suppression = suppress_scan(
        audits,
        config.ignore,
        config.root,
        baseline=baseline,
        baseline_path=config.baseline,
        update_baseline=config.update_baseline,
    )
    return ScanResult(
        settings=config.settings,
        vendor=booted.vendor,
        alias="default",
        django_version=django.get_version(),
        audits=audits,
        show_params=config.show_params,
        suppression=suppression,
    )


def gated_kinds(result: ScanResult, fail_on: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds that fail the scan: --fail-on's; with --baseline and no --fail-on, every kind."""
    if not fail_on and result.suppression.baseline is not None:
        return FINDING_KINDS
    return fail_on


def scan_exit_code(result: ScanResult, fail_on: tuple[str, ...]) -> int:
    """3 when a view raised (it wins: the audit is incomplete), 1 when a gated finding exists.

    Suppressed findings (ignore rules, inline comments, the baseline) never fail the scan.
    """
    if result.has_errors:
        return 3
    return 1 if result.count_findings(gated_kinds(result, fail_on)) else 0


def gate_message(result: ScanResult, fail_on: tuple[str, ...]) -> str:
    """Why :func:`scan_exit_code` is not 0, as one sentence."""
    failed = [a.name for a in result.audits if a.error is not None]
    if failed:
        return f"{len(failed)} request(s) raised in the audited project: {', '.join(failed)}."
    kinds = gated_kinds(result, fail_on)
    count = result.count_findings(kinds)
    if result.suppression.baseline is not None:
        of_kind = f" of kind {', '.join(fail_on)}" if fail_on else ""
        return (
            f"{count} new finding(s){of_kind} not in the baseline "
            f"{result.suppression.baseline!r}: failing."
        )
    return f"{count} finding(s) of kind {', '.join(fail_on)} (--fail-on): failing."
