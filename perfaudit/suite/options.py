"""Read the ``--perfaudit*`` options and ini values into one :class:`SuiteOptions`, checked.

A bad value stops the run before any test with a one-line ``pytest.UsageError`` naming the
option, as pytest does for its own options.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from perfaudit.config.files import read_config_file
from perfaudit.config.ignore import IgnoreRule, parse_ignore_rules
from perfaudit.config.scan import ScanOptions, load_scan_config
from perfaudit.config.values import parse_fail_on
from perfaudit.errors import ConfigError
from perfaudit.records import DEFAULT_THRESHOLD, MIN_THRESHOLD
from perfaudit.suite.audit import SuiteSettings
from perfaudit.suppress.suite import load_baseline_keys

DEFAULT_GATED = ("n_plus_one", "duplicate")  # what a baseline gates when --fail-on is not given


@dataclass(frozen=True)
class SuiteOptions:
    """Everything the suite plugin needs, validated."""

    settings: SuiteSettings
    report_path: Path | None = None
    baseline_path: Path | None = None
    update_baseline: bool = False


def read_suite_options(config: pytest.Config) -> SuiteOptions | None:
    """The options of this run; None when neither --perfaudit nor a report is asked for."""
    option = config.getoption
    is_enabled = bool(option("perfaudit") or config.getini("perfaudit"))
    report = option("perfaudit_report")
    fail_on_text = option("perfaudit_fail_on") or str(config.getini("perfaudit_fail_on"))
    # A path on the command line is the shell's (the invocation directory), the ini's is the
    # rootdir's, as pytest resolves its own paths.
    baseline = option("perfaudit_baseline") or None
    ini_baseline = str(config.getini("perfaudit_baseline"))
    if baseline is None and ini_baseline:
        baseline = str(config.rootpath / ini_baseline)
    update = bool(option("perfaudit_update_baseline"))
    threshold = option("perfaudit_threshold")
    gating = [
        name
        for name, value in (
            ("--perfaudit-fail-on", fail_on_text),
            ("--perfaudit-baseline", baseline),
            ("--perfaudit-update-baseline", update),
            ("--perfaudit-threshold", threshold is not None),
        )
        if value
    ]
    if gating and not is_enabled:
        raise pytest.UsageError(
            f"{gating[0]} needs --perfaudit (or perfaudit = true in the ini file)."
        )
    if not is_enabled and report is None:
        return None
    if update and baseline is None:
        raise pytest.UsageError("--perfaudit-update-baseline needs --perfaudit-baseline FILE.")
    if threshold is not None and threshold < MIN_THRESHOLD:
        raise pytest.UsageError(
            f"--perfaudit-threshold: must be at least {MIN_THRESHOLD}, got {threshold}."
        )
    root = config.rootpath
    try:
        fail_on = parse_fail_on(fail_on_text, "--perfaudit-fail-on") if fail_on_text else ()
        baseline_path = None if baseline is None else config.invocation_params.dir / baseline
        ignore = read_ignore_rules(config) if is_enabled else ()
        keys = None
        if baseline_path is not None:
            keys = load_baseline_keys(baseline_path, may_be_missing=update)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    report_path = None if report is None else config.invocation_params.dir / report
    if report_path is not None and report_path.is_dir():
        raise pytest.UsageError(f"--perfaudit-report: {report!r} is a directory; name a file.")
    if baseline_path is not None and not fail_on:
        fail_on = DEFAULT_GATED
    settings = SuiteSettings(
        root=root,
        threshold=threshold or DEFAULT_THRESHOLD,
        fail_on=fail_on,
        baseline=keys,
        is_enabled=is_enabled,
        is_creating_baseline=update and baseline_path is not None and keys is None,
        ignore=ignore,
        test_files=(*config.getini("python_files"), "conftest.py"),
    )
    return SuiteOptions(settings, report_path, baseline_path, update)


def read_ignore_rules(config: pytest.Config) -> tuple[IgnoreRule, ...]:
    """Scan's ``ignore`` rules (the rootdir's setup.cfg [perfaudit] or pyproject.toml
    [tool.perfaudit]), then the ini file's ``perfaudit_ignore`` lines."""
    # The rules belong to the project the file's `settings` names; naming it keeps them
    # (and a file without `settings` describes whatever project pytest-django configured).
    _, raw = read_config_file(config.rootpath)
    named = raw.get("settings")
    settings = named if isinstance(named, str) and named.strip() else "pytest.settings"
    from_file = load_scan_config(config.rootpath, ScanOptions(settings=settings.strip()), {}).ignore
    lines = [str(line) for line in config.getini("perfaudit_ignore")]
    return from_file + parse_ignore_rules(lines, key="perfaudit_ignore")
