"""Twin responses compared, pagination links aside, with a compact JSON diff."""

from __future__ import annotations

import json

import pytest

from perfaudit.bench.equality import compare_responses


def body(**data) -> bytes:
    return json.dumps(data, sort_keys=True).encode()


def test_equal_bodies_are_equal() -> None:
    result = compare_responses((200, body(a=1)), (200, body(a=1)))
    assert (result.is_equal, result.diff) == (True, None)


def test_pagination_links_differ_only_in_value() -> None:
    naive = body(next="/api/naive/orders/?page=2", previous=None, results=[1])
    optimized = body(next="/api/orders/?cursor=abc", previous=None, results=[1])
    assert compare_responses((200, naive), (200, optimized)).is_equal


def test_a_missing_link_is_a_difference() -> None:
    naive = body(next="/api/naive/orders/?page=2", results=[])
    optimized = body(next=None, results=[])
    assert compare_responses((200, naive), (200, optimized)).diff == '$.next: "<link>" != null'


@pytest.mark.parametrize(
    ("naive", "optimized", "diff"),
    [
        (body(count=10), body(count=12), "$.count: 10 != 12"),
        (body(r=[{"n": "a"}]), body(r=[{"n": "b"}]), '$.r[0].n: "a" != "b"'),
        (body(r=[1, 2]), body(r=[1]), "$.r: 2 items != 1 items"),
        (body(a=1, b=2), body(a=1), "$.b: only in naive (2)"),
        (body(a=1), body(a=1, c=[3]), "$.c: only in optimized ([3])"),
        (body(x=1), body(x=1.0), "$.x: 1 != 1.0"),
        (body(x="1.50"), body(x=1.5), '$.x: "1.50" != 1.5'),
        (b"<html>", b"<html>!", "body: <html> != <html>!"),
    ],
    ids=["number", "nested", "length", "only-naive", "only-optimized", "int-vs-float",
         "string-vs-number", "not-json"],
)  # fmt: skip
def test_differences_are_listed_compactly(naive, optimized, diff) -> None:
    result = compare_responses((200, naive), (200, optimized))
    assert (result.is_equal, result.diff) == (False, diff)


def test_status_difference_comes_first() -> None:
    result = compare_responses((200, body(a=1)), (404, body(a=2)))
    assert result.diff == "status: 200 != 404; $.a: 1 != 2"


def test_long_diffs_are_cut_with_a_count() -> None:
    naive = body(r=list(range(10)))
    optimized = body(r=[x + 1 for x in range(10)])
    result = compare_responses((200, naive), (200, optimized), limit=2)
    assert result.diff == "$.r[0]: 0 != 1; $.r[1]: 1 != 2; ... and 8 more"
    assert result.more == 8


def test_long_values_are_clipped() -> None:
    result = compare_responses((200, body(t="x" * 100)), (200, body(t="y")))
    assert result.diff == '$.t: "' + "x" * 56 + '... != "y"'
