"""The words and numbers every report renderer uses, so Markdown, HTML and CI output agree."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable

import sqlparse

from perfaudit.records import CallSite, Finding

KIND_LABELS = {
    "n_plus_one": "N+1",
    "duplicate": "duplicate",
    "unused_eager_load": "unused eager load",
}
CODE_LIKE = re.compile(r"^[\w.]+\(.*\)$")  # select_related('author'), annotate(Count('x'))
NO_VALUE = "\u2013"  # an en dash: "nothing to show"


def kind_label(kind: str) -> str:
    """``n_plus_one`` -> ``N+1``; unknown kinds (a newer report) are shown as they are."""
    return KIND_LABELS.get(kind, kind)


def is_code(suggestion: str) -> bool:
    """Whether a suggestion is a call to paste (shown as code) rather than a sentence."""
    return bool(CODE_LIKE.match(suggestion))


def relation_text(finding: Finding) -> str | None:
    """``shop.Product.category``, or the model or table alone when that is all there is."""
    if finding.model and finding.field:
        return f"{finding.model}.{finding.field}"
    return finding.model or finding.table


def callsite_text(site: CallSite | None) -> str:
    """``file.py:58 in func``, with the template and its line when a template ran the query."""
    if site is None:
        return "unknown call site"
    if not site.template:
        return f"{site.file}:{site.line} in {site.function}"
    template = f"template {site.template}" + (
        f":{site.template_line}" if site.template_line is not None else ""
    )
    if not site.file:  # a template rendered by library code only (a generic view's)
        return template
    return f"{site.file}:{site.line} in {site.function} ({template})"


def finding_title(finding: Finding) -> str:
    """One line naming a finding: ``N+1 on shop.Product.category (20 queries)``."""
    relation = relation_text(finding)
    title = kind_label(finding.kind) + (f" on {relation}" if relation else "")
    if finding.kind == "unused_eager_load":
        return title
    return f"{title} ({finding.count} queries)"


def finding_key(finding: Finding) -> tuple[str, ...]:
    """What makes two findings "the same problem" across scales or across two reports.

    The line number is left out on purpose: an edit above the call site moves it, and a moved
    finding is not a fixed one plus a new one. The baseline keys findings more coarsely, by
    :func:`perfaudit.suppress.baseline.kind_and_relation`, because fingerprints differ between
    backends.
    """
    site = finding.callsite
    return (
        finding.kind,
        finding.model or "",
        finding.field or "",
        finding.table or "",
        finding.fingerprint,
        site.file if site else "",
        site.function if site else "",
    )


def unique_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One finding per :func:`finding_key`, first seen first, keeping the largest count."""
    chosen: dict[tuple[str, ...], Finding] = {}
    for finding in findings:
        key = finding_key(finding)
        if key not in chosen or finding.count > chosen[key].count:
            chosen[key] = finding
    return tuple(chosen.values())


def scales_seen(found: Iterable[tuple[int, Finding]], finding: Finding) -> str:
    """``at scale 10 (4), 100 (22)``: where the same problem showed up, with its count."""
    key = finding_key(finding)
    return "at scale " + ", ".join(f"{s} ({f.count})" for s, f in found if finding_key(f) == key)


def count_by_kind(findings: Iterable[Finding]) -> str:
    """``2 N+1, 1 duplicate``; an empty string when there is nothing."""
    counts = Counter(finding.kind for finding in findings)  # first seen first
    return ", ".join(f"{n} {kind_label(kind)}" for kind, n in counts.items())


def suppressed_note(count: int) -> str:
    """``" (2 suppressed)"`` after a request's findings, or nothing."""
    return f" ({count} suppressed)" if count else ""


def format_ms(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.1f} ms"


def format_ratio(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.1f}\u00d7"  # the multiplication sign


def format_change(before: float | None, after: float | None, digits: int | None = None) -> str:
    """``43 → 23`` (or ``18.4 → 11.0`` with ``digits=1``); a missing side shows as a dash."""

    def show(value: float | None) -> str:
        if value is None:
            return NO_VALUE
        return f"{value:g}" if digits is None else f"{value:.{digits}f}"

    return f"{show(before)} \u2192 {show(after)}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


# A scan finds one shape in many requests, and each renderer shows it: sqlparse lays out each
# distinct text once (it takes milliseconds), not once per finding and renderer.
@functools.lru_cache(maxsize=512)
def pretty_sql(sql: str) -> str:
    """SQL laid out one clause a line, keywords upper-cased, for a human to read.

    The terminal, Markdown and HTML all use this one layout. A column list wraps once it
    passes 72 characters rather than taking a line per column: Django selects every column of
    a model, and a ten-column ``shop_product`` SELECT takes 4 lines this way instead of 10
    before its FROM and WHERE, the part a finding is about.
    """
    return str(
        sqlparse.format(sql.strip(), reindent=True, keyword_case="upper", wrap_after=72)
    ).strip()


def not_audited(status: int, expect: int | None, redirect: str | None) -> str | None:
    """Why a request that did not fail still audited no page (a redirect or a 4xx that no
    requests file asked for), or None."""
    if expect is not None or not 300 <= status < 500:
        return None
    return f"answered {status}" + (f", redirecting to {redirect}" if redirect else "")


def is_named(name: str, method: str, path: str) -> bool:
    """Whether a request's name says more than its target: a discovered route is named by
    its path, a requests-file entry without a name by ``METHOD path``."""
    return name not in (path, f"{method} {path}")
