"""Run a whole scan: boot the project on test databases, replay the requests, collect audits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from perfaudit.boot.caches import private_caches
from perfaudit.boot.project import configure_django, test_databases
from perfaudit.config.scan import ScanConfig
from perfaudit.records import FINDING_KINDS, RequestAudit, RequestSpec, SkippedRoute
from perfaudit.replay.audit import check_path, fill_url, plan_with_skipped, replay
from perfaudit.replay.requests_file import RequestTemplate, format_requests, load_requests_file
from perfaudit.suppress.scan import ScanSuppression, read_scan_baseline, suppress_scan

EMPTY_DATABASE = (
    "Nothing seeded the test database: it is empty after migrations, so list and detail views "
    "have no rows to show. Pass --setup MOD:FUNC (a callable that creates rows and returns the "
    "values a requests file uses) or --fixture FILE, or set setup/fixtures in the config."
)


@dataclass(frozen=True)
class ScanResult:
    """What a scan found: one audit per replayed request, and what it ran against."""

    settings: str
    vendor: str  # the default database's (``alias``): queries on every alias are audited
    alias: str
    django_version: str
    audits: tuple[RequestAudit, ...]  # findings: the ones left after suppression
    show_params: bool = False
    skipped: tuple[SkippedRoute, ...] = ()
    notes: tuple[str, ...] = ()
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

    The requests file is read and ``--url`` paths are resolved before any database is created
    (those with ``{name}`` placeholders once the setup callable has returned their values).
    Raises ConfigError (bad usage) or ProjectError (the project failed to boot); a request that
    fails (raised, 5xx, wrong status, login not seen) is recorded in its audit instead.
    """
    # A corrupt baseline is bad usage: refuse it before any database exists.
    baseline = read_scan_baseline(config.baseline, update=config.update_baseline)
    templates: tuple[RequestTemplate, ...] = ()
    if config.requests:
        templates = load_requests_file(config.root / config.requests, config.requests)
    configure_django(config.settings, config.pythonpath)
    import django
    from django.db import DEFAULT_DB_ALIAS

    # Resolved once, here: fail fast on an unknown URL, before any database exists. A URL with
    # {name} placeholders waits for the setup callable's values; it is resolved once filled.
    urls = tuple(
        RequestSpec(u, "GET", u, config.user, view=None if "{" in u or "}" in u else check_path(u))
        for u in config.urls
    )
    with (
        private_caches(),  # the project's caches are never written, as its databases are not
        test_databases(setup=config.setup, fixtures=config.fixtures, scale=config.scale) as booted,
    ):
        notes = () if config.setup or config.fixtures or _has_rows() else (EMPTY_DATABASE,)
        urls = tuple(s if s.view is not None else fill_url(s, booted.setup_values) for s in urls)
        where = f"requests file {config.requests!r}"
        extra = format_requests(
            templates, booted.setup_values, default_user=config.user, where=where
        )
        is_discovery = not (urls or extra or config.scenarios)
        admin_user = None
        if is_discovery and config.include_admin:
            from perfaudit.replay.login import admin_username

            admin_user = admin_username()
        specs, skipped = plan_with_skipped(
            replace(config, urls=()), booted.setup_values, urls + extra, admin_user
        )
        if on_plan is not None:
            on_plan(specs)
        audits = replay(
            specs,
            threshold=config.threshold,
            root=config.root,
            on_request=on_request,
            eager_loads=config.eager_loads,
            login_hook=config.login,
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
        alias=DEFAULT_DB_ALIAS,
        django_version=django.get_version(),
        audits=audits,
        show_params=config.show_params,
        skipped=skipped,
        notes=notes,
        suppression=suppression,
    )


def _has_rows() -> bool:
    """Whether any model of the project's own apps (not Django's, not installed packages) has a
    row; data migrations count as seeding."""
    import sysconfig
    from pathlib import Path

    import django
    from django.apps import apps
    from django.db import DatabaseError

    paths = sysconfig.get_paths()
    installed = {paths["purelib"], paths["platlib"], str(Path(django.__file__).parent)}
    foreign = tuple(str(Path(p).resolve()) for p in installed)
    for config in apps.get_app_configs():
        if str(Path(config.path).resolve()).startswith(foreign):
            continue
        for model in config.get_models():
            try:
                if model._base_manager.exists():
                    return True
            except DatabaseError:
                continue
    return False


def gated_kinds(result: ScanResult, fail_on: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds that fail the scan: --fail-on's; with --baseline and no --fail-on, every kind."""
    if not fail_on and result.suppression.baseline is not None:
        return FINDING_KINDS
    return fail_on


def scan_exit_code(result: ScanResult, fail_on: tuple[str, ...]) -> int:
    """3 when a request failed (it wins: the audit is incomplete), 1 when a gated finding exists.

    Suppressed findings (ignore rules, inline comments, the baseline) never fail the scan.
    """
    if result.has_errors:
        return 3
    return 1 if result.count_findings(gated_kinds(result, fail_on)) else 0


def gate_message(result: ScanResult, fail_on: tuple[str, ...]) -> str:
    """Why :func:`scan_exit_code` is not 0, as one sentence."""
    failed = [a.name for a in result.audits if a.error is not None]
    if failed:
        return f"{len(failed)} request(s) failed in the audited project: {', '.join(failed)}."
    kinds = gated_kinds(result, fail_on)
    count = result.count_findings(kinds)
    if result.suppression.baseline is not None:
        of_kind = f" of kind {', '.join(fail_on)}" if fail_on else ""
        return (
            f"{count} new finding(s){of_kind} not in the baseline "
            f"{result.suppression.baseline!r}: failing."
        )
    return f"{count} finding(s) of kind {', '.join(fail_on)} (--fail-on): failing."
