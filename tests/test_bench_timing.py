"""Bench timing statistics match pytest-benchmark's for the same samples."""

from __future__ import annotations

import pytest
from pytest_benchmark.stats import Stats

from perfaudit.bench.timing import summarize


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
def test_min_median_iqr_as_pytest_benchmark(n: int) -> None:
    samples = [((i * 7919) % 13) + i / 10 for i in range(n)]
    stats = Stats()
    for sample in samples:
        stats.update(sample)
    timing = summarize(samples)
    assert timing.rounds == n
    assert timing.min_ms == stats.min
    assert timing.median_ms == pytest.approx(stats.median)
    assert timing.iqr_ms == pytest.approx(stats.iqr)


def test_no_samples_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        summarize([])
