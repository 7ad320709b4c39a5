"""Timing statistics of bench rounds: min, median and interquartile range, in milliseconds.

Quartiles follow pytest-benchmark's convention (Wikipedia's "method 2" for an even number of
rounds, "method 3" for an odd one) so bench figures read like the benchmarks/ suites. Pure.
The :class:`~perfaudit.records.Timing` it returns is the one bench-v1 reports read back.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from perfaudit.records import Timing


def summarize(samples_ms: Sequence[float]) -> Timing:
    """min, median and IQR of ``samples_ms`` (at least one sample)."""
    if not samples_ms:
        raise ValueError("summarize needs at least one timing sample.")
    data = sorted(samples_ms)
    q1, q3 = quartiles(data)
    return Timing(
        min_ms=data[0], median_ms=statistics.median(data), iqr_ms=q3 - q1, rounds=len(data)
    )


def quartiles(data: Sequence[float]) -> tuple[float, float]:
    """First and third quartiles of sorted ``data``."""
    n = len(data)
    if n == 1:
        return data[0], data[0]
    if n % 2 == 0:
        # Method 2: the medians of the lower and upper halves.
        return statistics.median(data[: n // 2]), statistics.median(data[n // 2 :])
    # Method 3: weighted between the two samples around each quarter position.
    quarter, rest = divmod(n, 4)
    if rest == 1:
        q1 = 0.25 * data[quarter - 1] + 0.75 * data[quarter]
        q3 = 0.75 * data[3 * quarter] + 0.25 * data[3 * quarter + 1]
    else:
        q1 = 0.75 * data[quarter] + 0.25 * data[quarter + 1]
        q3 = 0.25 * data[3 * quarter + 1] + 0.75 * data[3 * quarter + 2]
    return q1, q3
