"""Suppression for ``perfaudit scan``: ignore rules, inline comments, then the scan baseline.

The scan baseline (``perfaudit/scan-baseline-v1``) lists, per request name, the findings a
project has accepted for now. Its keys and its ratchet are bench's
(:func:`~perfaudit.suppress.baseline.kind_and_relation`,
:func:`~perfaudit.suppress.baseline.ratchet_keys`) plus
where the finding comes from: ``"n_plus_one shop.Product.category at shop/views.py in
product_list"``. No line numbers and no SQL: the key survives edits elsewhere in the file and
is the same on SQLite and PostgreSQL, on every machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any

from perfaudit.config.ignore import IgnoreRule
from perfaudit.records import Finding, RequestAudit
from perfaudit.schemas import SCAN_BASELINE_SCHEMA
from perfaudit.suppress.baseline import kind_and_relation, new_and_gone, ratchet_keys
from perfaudit.suppress.baseline_file import baseline_document, corrupt_baseline, read_baseline_json
from perfaudit.suppress.rules import (
    InlineComments,
    RequestFindings,
    SuppressedFinding,
    Suppression,
    apply_suppressions,
)


@dataclass(frozen=True)
class ScanBaseline:
    """Accepted finding keys per request name."""

    requests: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ScanSuppression:
    """What suppression did to a scan; ``suppressed`` is aligned with the scan's audits."""

    suppressed: tuple[tuple[SuppressedFinding, ...], ...] = ()
    stale_rules: tuple[str, ...] = ()
    baseline: str | None = None  # the --baseline FILE as given
    baseline_fixed: tuple[str, ...] = ()  # "request: key" accepted by the baseline, now gone
    updated: ScanBaseline | None = None  # the ratcheted baseline to write (--update-baseline)

    @property
    def suppressed_count(self) -> int:
        return sum(len(s) for s in self.suppressed)


def baseline_key(finding: Finding) -> str:
    """The finding's stable name: kind, relation, and the call site's file and function."""
    site = finding.callsite
    if site is None:
        return f"{kind_and_relation(finding)} at ?"
    file = PurePath(site.file)
    # Relative to the project root normally; an absolute path would differ between machines.
    shown = file.name if file.is_absolute() else file.as_posix()
    return f"{kind_and_relation(finding)} at {shown} in {site.function}"


def load_scan_baseline(path: Path) -> ScanBaseline:
    """Read and validate a scan baseline; ConfigError (exit 2) when it is unusable."""
    source = str(path)
    document = baseline_document(read_baseline_json(path), SCAN_BASELINE_SCHEMA, source)
    raw = document.get("requests")
    if not isinstance(raw, dict):
        raise corrupt_baseline(source, "requests", "an object")
    requests: dict[str, tuple[str, ...]] = {}
    for name, keys in raw.items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise corrupt_baseline(source, f"requests.{name}", "a list of strings")
        requests[name] = tuple(sorted(set(keys)))
    return ScanBaseline(requests)


def read_scan_baseline(path: str | None, *, update: bool) -> ScanBaseline | None:
    """The baseline to gate on; with ``update`` a missing file is a new, empty baseline."""
    if path is None or (update and not Path(path).exists()):
        return None
    return load_scan_baseline(Path(path))


def write_scan_baseline(baseline: ScanBaseline, path: str | Path) -> None:
    """Write with sorted keys and one key per line, so that its diffs review well."""
    document: dict[str, Any] = {
        "schema": SCAN_BASELINE_SCHEMA,
        "requests": {name: list(keys) for name, keys in sorted(baseline.requests.items())},
    }
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def ratchet_scan_baseline(
    old: ScanBaseline | None, current: Mapping[str, tuple[str, ...]]
) -> ScanBaseline:
    """The baseline after a run: requests run keep only what is still found, new requests are
    added whole, requests not run this time are kept as they were."""
    requests = dict(old.requests) if old is not None else {}
    for name, keys in current.items():
        kept = requests.get(name)
        requests[name] = tuple(sorted(set(keys))) if kept is None else ratchet_keys(kept, keys)
    return ScanBaseline(requests)


def suppress_scan(
    audits: Sequence[RequestAudit],
    rules: Sequence[IgnoreRule],
    root: Path,
    *,
    baseline: ScanBaseline | None = None,
    baseline_path: str | None = None,
    update_baseline: bool = False,
) -> tuple[tuple[RequestAudit, ...], ScanSuppression]:
    """The audits with only their unsuppressed findings, and what was suppressed and why.

    Order: config rules, inline comments, then the baseline (the one read, or with
    ``update_baseline`` the ratcheted one about to be written, so that this run's report is
    what the next run against the new file will say).
    """
    outcome = apply_suppressions(
        [RequestFindings(a.name, a.findings, a.path) for a in audits], rules, InlineComments(root)
    )
    current: dict[str, tuple[str, ...]] = {}
    for audit, item in zip(audits, outcome.requests, strict=True):
        if audit.error is not None:
            continue  # a view that raised found less than it would have: nothing is "fixed"
        current[item.request] = tuple(
            sorted({*current.get(item.request, ()), *map(baseline_key, item.kept)})
        )
    updated = ratchet_scan_baseline(baseline, current) if update_baseline else None
    accepting = updated or baseline
    kept_audits = []
    suppressed = []
    for audit, item in zip(audits, outcome.requests, strict=True):
        accepted = set(accepting.requests.get(item.request, ())) if accepting else set()
        kept = [f for f in item.kept if baseline_key(f) not in accepted]
        by_baseline = [
            SuppressedFinding(f, Suppression(baseline_key(f), "baseline"))
            for f in item.kept
            if baseline_key(f) in accepted
        ]
        kept_audits.append(replace(audit, findings=tuple(kept)))
        suppressed.append((*item.suppressed, *by_baseline))
    fixed: list[str] = []
    if baseline is not None:
        for name, keys in sorted(current.items()):
            gone = new_and_gone(baseline.requests.get(name, ()), keys)[1]
            fixed.extend(f"{name}: {key}" for key in gone)
    return tuple(kept_audits), ScanSuppression(
        suppressed=tuple(suppressed),
        stale_rules=tuple(r.text for r in outcome.stale_rules),
        baseline=baseline_path,
        baseline_fixed=tuple(fixed),
        updated=updated,
    )


def save_updated_baseline(suppression: ScanSuppression) -> str | None:
    """Write the ratcheted baseline of an ``--update-baseline`` run; its path, else None."""
    if suppression.updated is None or suppression.baseline is None:
        return None
    write_scan_baseline(suppression.updated, suppression.baseline)
    return suppression.baseline
