"""The cursor's time range is inclusive at both ends, exactly (issue 14.12).

The round-trip property test draws timestamps up to 9999-12-29, so neither end of the range
decode_cursor accepts was ever tried: ``micros <= MAX_MICROS`` could become ``<`` unnoticed,
and an order stamped at the last instant would get a next link that answers 400.
"""

from __future__ import annotations

import datetime as dt

import pytest

from shopdemo.shop.cursor import (
    EPOCH,
    MAX_MICROS,
    MIN_MICROS,
    Cursor,
    CursorError,
    decode_cursor,
    encode_cursor,
)

MICROSECOND = dt.timedelta(microseconds=1)
FIRST = EPOCH + MIN_MICROS * MICROSECOND
LAST = EPOCH + MAX_MICROS * MICROSECOND


def test_the_bounds_are_the_documented_instants() -> None:
    assert dt.datetime(1, 1, 2, tzinfo=dt.UTC) == FIRST
    assert dt.datetime(9999, 12, 30, tzinfo=dt.UTC) == LAST


@pytest.mark.parametrize("moment", [FIRST, LAST], ids=["first-instant", "last-instant"])
@pytest.mark.parametrize("is_backward", [False, True], ids=["forward", "backward"])
def test_cursors_at_either_bound_round_trip(moment: dt.datetime, is_backward: bool) -> None:
    cursor = Cursor(moment, 2**63 - 1, is_backward=is_backward)
    assert decode_cursor(encode_cursor(cursor)) == cursor


@pytest.mark.parametrize(
    "moment", [FIRST - MICROSECOND, LAST + MICROSECOND], ids=["before-first", "after-last"]
)
def test_one_microsecond_outside_is_refused(moment: dt.datetime) -> None:
    token = encode_cursor(Cursor(moment, 1))
    with pytest.raises(CursorError, match=r"^The cursor points outside the range of orders\.$"):
        decode_cursor(token)
