"""Proof by scaling: fit a view's query count against the size of the data it ran on.

A view at the query floor issues the same number of queries whatever the data size; a view
with an N+1 issues more as rows are added, until a page size caps it. :func:`fit_growth`
classifies a series of (size, count) points as ``constant`` or ``growing`` and, when growing,
gives the slope per row of data ("2 + 3 per row") over the part of the series that grows.
Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

CONSTANT = "constant"
GROWING = "growing"


@dataclass(frozen=True)
class Growth:
    """How a query count depends on the data size.

    Any count that is not the same at every size is ``growing``: a view at the query floor
    does not depend on the data at all.
    """

    growth: str  # CONSTANT | GROWING
    intercept: float
    slope: float  # queries per row of data (per unit of scale)
    label: str  # "2", "2 + 3 per row", "2 + 0.33 per row, capped at 62"
    cap: int | None = None  # the count the series levels off at, when it stops growing

    @property
    def is_growing(self) -> bool:
        return self.growth == GROWING


def fit_growth(points: Sequence[tuple[int, int]]) -> Growth:
    """Classify query counts measured at several data sizes.

    ``points`` are (size, query count) pairs; sizes must be distinct. One point, or equal
    counts at every size, is constant. Otherwise the count grows: the slope and intercept are a
    least-squares line through the points up to where the series stops rising (a paginated view
    with an N+1 grows until the page is full, then stays flat: that flat tail is the cap).
    """
    if not points:
        raise ValueError("fit_growth needs at least one (size, count) point.")
    ordered = sorted(points)
    sizes = [size for size, _ in ordered]
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"fit_growth needs distinct sizes, got {sizes!r}.")
    counts = [count for _, count in ordered]
    if len(set(counts)) == 1:
        return Growth(CONSTANT, float(counts[0]), 0.0, str(counts[0]))
    if any(later < earlier for earlier, later in pairwise(counts)):
        # Up and down with the data (say, one query per line of whichever order is shown):
        # not constant, but no line fits it either.
        label = f"{min(counts)} to {max(counts)}, varies with the data"
        return Growth(GROWING, float(counts[0]), 0.0, label)
    rising = _rising_prefix(ordered)
    slope, intercept = _least_squares(rising)
    cap = counts[-1] if len(rising) < len(ordered) and counts[-1] == max(counts) else None
    label = f"{_number(intercept)} {'+' if slope >= 0 else '-'} {_number(abs(slope))} per row"
    if cap is not None:
        label += f", capped at {cap}"
    return Growth(GROWING, intercept, slope, label, cap)


def _rising_prefix(ordered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The points up to and including the first one after which the count stops changing."""
    end = len(ordered)
    while end > 2 and ordered[end - 1][1] == ordered[end - 2][1]:
        end -= 1
    return ordered[:end]


def _least_squares(points: Sequence[tuple[int, int]]) -> tuple[float, float]:
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope, mean_y - slope * mean_x


def _number(value: float) -> str:
    """Whole numbers and numbers from 10 up as integers, others to two digits: "3", "0.33"."""
    rounded = round(value)
    if abs(value - rounded) < 1e-6 or abs(value) >= 10:
        return str(int(rounded))
    return f"{value:.2g}"
