"""The ``ignore`` rules of the configuration: their syntax, parsed into frozen rules that match.

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

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from perfaudit.errors import ConfigError
from perfaudit.records import FINDING_KINDS, Finding

RULE_KEYS = ("relation", "request", "path", "callsite", "kind")


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


def parse_ignore_rules(lines: Iterable[str], *, key: str = "ignore") -> tuple[IgnoreRule, ...]:
    """Parse the ``ignore`` lines; ConfigError naming ``key`` and the rule on a bad one."""
    rules = []
    for number, line in enumerate(lines, 1):
        rules.append(parse_ignore_rule(line, key=f"{key}: rule {number}"))
    return tuple(rules)


def parse_ignore_rule(line: str, *, key: str = "ignore") -> IgnoreRule:
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
    if kind is not None and kind not in FINDING_KINDS:
        raise bad(f"unknown finding kind {kind!r}; choose from {', '.join(FINDING_KINDS)}.")
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
