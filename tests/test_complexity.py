"""Proof by scaling: query counts fitted against data size, on synthetic series."""

from __future__ import annotations

import pytest

from perfaudit.bench.complexity import CONSTANT, GROWING, fit_growth


@pytest.mark.parametrize(
    ("points", "growth", "label"),
    [
        ([(10, 2), (100, 2), (1000, 2)], CONSTANT, "2"),
        ([(10, 0)], CONSTANT, "0"),
        ([(10, 32), (100, 302), (1000, 3002)], GROWING, "2 + 3 per row"),
        ([(1, 5), (2, 6), (4, 8)], GROWING, "4 + 1 per row"),
        ([(10, 5), (100, 50)], GROWING, "0 + 0.5 per row"),
        ([(10, 32), (100, 62), (1000, 62)], GROWING, "29 + 0.33 per row, capped at 62"),
        ([(10, 101), (100, 790), (1000, 7777)], GROWING, "19 + 7.8 per row"),
        ([(10, 5), (100, 6), (1000, 5)], GROWING, "5 to 6, varies with the data"),
        ([(1000, 3002), (10, 32), (100, 302)], GROWING, "2 + 3 per row"),
    ],
    ids=["constant", "one-point", "linear", "small-linear", "fraction", "capped-by-page",
         "dashboard-like", "up-and-down", "unordered"],
)  # fmt: skip
def test_fit_growth_classifies_and_labels(points, growth, label) -> None:
    fitted = fit_growth(points)
    assert (fitted.growth, fitted.label) == (growth, label)
    assert fitted.is_growing == (growth == GROWING)


def test_linear_series_gives_exact_slope_and_intercept() -> None:
    fitted = fit_growth([(10, 32), (100, 302), (1000, 3002)])
    assert fitted.slope == pytest.approx(3.0)
    assert fitted.intercept == pytest.approx(2.0)
    assert fitted.cap is None


def test_cap_is_the_level_the_series_stops_at() -> None:
    assert fit_growth([(10, 32), (100, 62), (1000, 62), (10000, 62)]).cap == 62


@pytest.mark.parametrize(
    ("points", "message"),
    [([], "at least one"), ([(10, 1), (10, 2)], "distinct sizes")],
    ids=["empty", "same-size"],
)
def test_bad_series_raise(points, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit_growth(points)
