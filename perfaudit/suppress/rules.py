"""Suppression: ``ignore`` rules (:mod:`perfaudit.config.ignore`) and ``# perfaudit: ignore``
comments applied to a run's findings.

Pure apart from reading the audited project's source files for inline comments (each file once,
through :class:`InlineComments`). No Django, no click, no rich. A "request" is a plain string:
``scan`` passes the request name, the pytest plugin a test node id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfaudit.config.ignore import IgnoreRule
from perfaudit.records import Finding

# `# perfaudit: ignore` or `# perfaudit: ignore[n_plus_one, duplicate]` anywhere in a line.
INLINE_RE = re.compile(r"#\s*perfaudit:\s*ignore\b(?:\[([^\]]*)\])?")


@dataclass(frozen=True)
class Suppression:
    """Why a finding was suppressed: the rule's text and where the rule came from."""

    rule: str
    source: str  # "config" | "inline" | "baseline"


@dataclass(frozen=True)
class SuppressedFinding:
    """A finding that a rule, a comment or the baseline accepted; reported, never dropped."""

    finding: Finding
    suppression: Suppression


@dataclass(frozen=True)
class RequestFindings:
    """The findings of one request (or test) and the identity rules match against."""

    request: str
    findings: tuple[Finding, ...]
    path: str = ""


@dataclass(frozen=True)
class SuppressedRequest:
    """One :class:`RequestFindings` after suppression."""

    request: str
    path: str
    kept: tuple[Finding, ...]
    suppressed: tuple[SuppressedFinding, ...]


@dataclass(frozen=True)
class SuppressionOutcome:
    """Every request after suppression, in input order, and the rules that matched nothing."""

    requests: tuple[SuppressedRequest, ...]
    stale_rules: tuple[IgnoreRule, ...]

    @property
    def suppressed_count(self) -> int:
        return sum(len(r.suppressed) for r in self.requests)


class InlineComments:
    """``# perfaudit: ignore[...]`` comments of the project's files, each file read once.

    Call-site files are relative to ``root`` (absolute ones are read as they are). A file that
    is missing or unreadable has no comments.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, tuple[str, ...]] = {}

    def lines_of(self, file: str) -> tuple[str, ...]:
        if file not in self._files:
            try:
                text = (self.root / file).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._files[file] = tuple(text.splitlines())
        return self._files[file]

    def suppression(self, finding: Finding) -> Suppression | None:
        """The comment on the finding's call-site line, if it covers the finding's kind."""
        site = finding.callsite
        if site is None or site.line < 1:
            return None
        lines = self.lines_of(site.file)
        if site.line > len(lines):
            return None
        match = INLINE_RE.search(lines[site.line - 1])
        if match is None:
            return None
        listed = match.group(1)
        kinds = {k.strip() for k in (listed or "").split(",") if k.strip()}
        if listed is not None and finding.kind not in kinds:
            return None  # ignore[] lists kinds: only those; an empty list covers none
        comment = match.group(0).lstrip("#").strip()
        return Suppression(f"{site.file}:{site.line}: {comment}", "inline")


def apply_suppressions(
    requests: Sequence[RequestFindings],
    rules: Sequence[IgnoreRule],
    inline: InlineComments | None = None,
) -> SuppressionOutcome:
    """Split every request's findings into kept and suppressed; list the rules never matched.

    Config rules are tried first, in file order (the first that matches is the one reported),
    then the inline comment on the call-site line. Stale rules are the config rules that
    matched no finding of any request: pass every request of a run at once.
    """
    used: set[int] = set()
    out = []
    for item in requests:
        kept: list[Finding] = []
        suppressed: list[SuppressedFinding] = []
        for finding in item.findings:
            why = None
            for index, rule in enumerate(rules):
                if rule.matches(finding, item.request, item.path):
                    used.add(index)
                    why = Suppression(rule.text, "config")
                    break
            if why is None and inline is not None:
                why = inline.suppression(finding)
            if why is None:
                kept.append(finding)
            else:
                suppressed.append(SuppressedFinding(finding, why))
        out.append(SuppressedRequest(item.request, item.path, tuple(kept), tuple(suppressed)))
    stale = tuple(rule for index, rule in enumerate(rules) if index not in used)
    return SuppressionOutcome(tuple(out), stale)
