"""Suppression: ``ignore`` rules from the configuration and ``# perfaudit: ignore`` comments.

Pure apart from reading the audited project's source files for inline comments (each file once,
through :class:`InlineComments`). No Django, no click, no rich. A "request" is a plain string:
``scan`` passes the request name, the pytest plugin may pass a test node id.

Rule syntax, one rule per line of the ``ignore`` key; every condition given must match::

    relation=shop.Product.category     kind=n_plus_one
    request=legacy_*                   path=/api/v1/*
    callsite=shop/legacy/*.py:42       callsite=shop/serializers.py

Values are shell-style globs (``fnmatch``, case-sensitive; ``*`` crosses ``/``). ``relation``
is ``app.Model.field``; with two parts (``shop.Product``) it covers every field of the model.
``callsite`` is ``FILE_GLOB[:LINE]``, matched against the call site's file (relative to the
project root) or its template name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from perfaudit.errors import ConfigError
from perfaudit.records import Finding

RULE_KEYS = ("relation", "request", "path", "callsite", "kind")
# `# perfaudit: ignore` or `# perfaudit: ignore[n_plus_one, duplicate]` anywhere in a line.
INLINE_RE = re.compile(r"#\s*perfaudit:\s*ignore\b(?:\[([^\]]*)\])?")


@dataclass(frozen=True)
class IgnoreRule:
    """One ``ignore`` line: every condition that is not None must match."""

    text: str  # the rule as written, normalised to single spaces
    relation: str | None = None
    request: str | None = None
    path: str | None = None
    callsite_file: str | None = None
    callsite_line: int | None = None
    kind: str | None = None

    def matches(self, finding: Finding, request: str, path: str = "") -> bool:
        """Whether ``finding``, seen in ``request`` (a name or node id) at ``path``, is covered."""
        if self.kind is not None and finding.kind != self.kind:
            return False
        if self.request is not None and not fnmatchcase(request, self.request):
            return False
        if self.path is not None and not fnmatchcase(path, self.path):
            return False
        if self.relation is not None and not _relation_matches(self.relation, finding):
            return False
        return self.callsite_file is None or self._callsite_matches(finding)

    def _callsite_matches(self, finding: Finding) -> bool:
        site = finding.callsite
        if site is None or self.callsite_file is None:
            return False
        places = [(site.file, site.line), (site.template, site.template_line)]
        return any(
            name is not None
            and fnmatchcase(name, self.callsite_file)
            and (self.callsite_line is None or line == self.callsite_line)
            for name, line in places
        )


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


def parse_ignore_rules(
    lines: Iterable[str], *, key: str = "ignore", kinds: Sequence[str] = ()
) -> tuple[IgnoreRule, ...]:
    """Parse the ``ignore`` lines; ConfigError naming ``key`` and the rule on a bad one.

    ``kinds`` lists the valid finding kinds (empty: any kind is accepted).
    """
    rules = []
    for number, line in enumerate(lines, 1):
        rules.append(parse_ignore_rule(line, key=f"{key}: rule {number}", kinds=kinds))
    return tuple(rules)


def parse_ignore_rule(line: str, *, key: str = "ignore", kinds: Sequence[str] = ()) -> IgnoreRule:
    """One rule: ``name=glob`` conditions separated by spaces (see the module docstring)."""
    words = line.split()
    # setup.cfg keeps "# why" after a value: a word starting with # ends the rule.
    comment = next((i for i, w in enumerate(words) if w.startswith("#")), len(words))
    words = words[:comment]
    text = " ".join(words)

    def bad(reason: str) -> ConfigError:
        return ConfigError(f"{key} {text!r}: {reason}")

    values: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or name not in RULE_KEYS:
            raise bad(f"{word!r} should be NAME=GLOB with NAME one of {', '.join(RULE_KEYS)}.")
        if not value:
            raise bad(f"{name}= needs a value.")
        if name in values:
            raise bad(f"{name}= is given twice.")
        values[name] = value
    if not values:
        raise bad("a rule needs at least one condition.")
    kind = values.get("kind")
    if kind is not None and kinds and kind not in kinds:
        raise bad(f"unknown finding kind {kind!r}; choose from {', '.join(kinds)}.")
    relation = values.get("relation")
    if relation is not None and not 2 <= len(relation.split(".")) <= 3:
        raise bad(f"relation {relation!r} should be app.Model.field or app.Model.")
    path = values.get("path")
    if path is not None and not path.startswith(("/", "*")):
        raise bad(f"path {path!r} should start with '/'.")
    callsite_file, callsite_line = values.get("callsite"), None
    if callsite_file is not None:
        head, sep, tail = callsite_file.rpartition(":")
        if sep and (not head or not tail.isdigit() or int(tail) < 1):
            raise bad(f"callsite {callsite_file!r} should be FILE_GLOB or FILE_GLOB:LINE.")
        if sep:
            callsite_file, callsite_line = head, int(tail)
    return IgnoreRule(
        text=text,
        relation=relation,
        request=values.get("request"),
        path=path,
        callsite_file=callsite_file,
        callsite_line=callsite_line,
        kind=kind,
    )


def _relation_matches(pattern: str, finding: Finding) -> bool:
    owner = finding.model or finding.table
    if owner is None:
        return False
    if pattern.count(".") == 1:  # app.Model: any field of the model
        return fnmatchcase(owner, pattern)
    return fnmatchcase(f"{owner}.{finding.field or ''}", pattern)


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
