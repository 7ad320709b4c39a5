"""Compare the response bodies of two twins, pagination links aside, as a compact JSON diff.

Twins must answer with the same JSON. Pagination links are the one allowed difference: they
are opaque URLs (a page number in one twin, a cursor in the other), so only whether a link is
present is compared, not its value. Pure: no Django.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

LINK_KEYS = frozenset({"next", "previous"})
MAX_DIFF_LINES = 5
_LINK = "<link>"
_MISSING = object()


@dataclass(frozen=True)
class BodyComparison:
    """The verdict on two responses: equal, or the first differences as compact lines."""

    is_equal: bool
    differences: tuple[str, ...] = ()
    more: int = 0  # differences found beyond the ones listed

    @property
    def diff(self) -> str | None:
        """The differences as one compact text, or None when the bodies are equal."""
        if self.is_equal:
            return None
        lines = list(self.differences)
        if self.more:
            lines.append(f"... and {self.more} more")
        return "; ".join(lines)


def compare_responses(
    naive: tuple[int, bytes], optimized: tuple[int, bytes], *, limit: int = MAX_DIFF_LINES
) -> BodyComparison:
    """Compare (status, body) of the naive twin with the optimized one."""
    (naive_status, naive_body), (optimized_status, optimized_body) = naive, optimized
    differences: list[str] = []
    if naive_status != optimized_status:
        differences.append(f"status: {naive_status} != {optimized_status}")
    left, right = _parse(naive_body), _parse(optimized_body)
    if left is _MISSING or right is _MISSING:
        if naive_body != optimized_body:
            differences.append(f"body: {_clip(naive_body)} != {_clip(optimized_body)}")
    else:
        differences.extend(diff_json(_mask_links(left), _mask_links(right)))
    return BodyComparison(
        is_equal=not differences,
        differences=tuple(differences[:limit]),
        more=max(0, len(differences) - limit),
    )


def diff_json(left: Any, right: Any, path: str = "$") -> Iterator[str]:
    """One line per difference between two JSON values, depth first, in key order."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            child = f"{path}.{key}"
            if key not in right:
                yield f"{child}: only in naive ({_show(left[key])})"
            elif key not in left:
                yield f"{child}: only in optimized ({_show(right[key])})"
            else:
                yield from diff_json(left[key], right[key], child)
    elif isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            yield f"{path}: {len(left)} items != {len(right)} items"
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            yield from diff_json(a, b, f"{path}[{index}]")
    elif type(left) is not type(right) or left != right:
        yield f"{path}: {_show(left)} != {_show(right)}"


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return _MISSING


def _mask_links(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: (_LINK if key in LINK_KEYS and isinstance(item, str) else _mask_links(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask_links(item) for item in value]
    return value


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _clip(text.encode())


def _clip(body: bytes, width: int = 60) -> str:
    text = body.decode("utf-8", errors="replace")
    return text if len(text) <= width else text[: width - 3] + "..."
