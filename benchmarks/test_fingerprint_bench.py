"""perfaudit's fingerprint against a sqlparse-based normalizer on 20,000 Django statements.

Run with ``nox -s bench`` or ``pytest benchmarks/test_fingerprint_bench.py -m benchmark``; set
DATABASE_URL to compile the corpus in PostgreSQL's dialect instead of SQLite's. The sqlparse
run takes tens of seconds, so it is timed once; the speed ratio and the grouping verdict land
in the benchmark's ``extra_info``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.db import connection

from benchmarks.reference_fingerprint import partition, sqlparse_fingerprint
from benchmarks.reference_tokenizer import tokenizer_fingerprint
from benchmarks.sql_corpus import build_corpus
from perfaudit.detect.fingerprint import fingerprint_sql

pytestmark = pytest.mark.benchmark

CORPUS_SIZE = 20_000
GOAL = 10.0  # the issue asks for at least 10x sqlparse's speed
TOKENIZER_GOAL = 2.0  # and at least 2x a correct single-pass tokenizer's, uncached


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return build_corpus(CORPUS_SIZE, seed=0)


def fingerprint_all(statements: list[str], normalize: Callable[[str], str]) -> list[str]:
    return [normalize(sql) for sql in statements]


def fastest_of(
    rounds: int, statements: list[str], normalize: Callable[[str], str] = fingerprint_sql
) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fingerprint_all(statements, normalize)
        best = min(best, time.perf_counter() - start)
    return best


def test_fingerprint_20k(benchmark, corpus):
    benchmark.group = f"fingerprint {CORPUS_SIZE} statements ({connection.vendor})"
    prints = benchmark.pedantic(
        fingerprint_all, args=(corpus, fingerprint_sql), rounds=5, iterations=1, warmup_rounds=1
    )
    benchmark.extra_info["shapes"] = len(set(prints))
    assert len(prints) == CORPUS_SIZE


def test_sqlparse_normalizer_20k(benchmark, corpus):
    benchmark.group = f"fingerprint {CORPUS_SIZE} statements ({connection.vendor})"
    theirs = benchmark.pedantic(
        fingerprint_all, args=(corpus, sqlparse_fingerprint), rounds=1, iterations=1
    )
    ours = fingerprint_all(corpus, fingerprint_sql)
    ratio = benchmark.stats.stats.min / fastest_of(5, corpus)
    is_same_grouping = partition(ours) == partition(theirs)
    benchmark.extra_info.update(
        ratio=round(ratio, 1), same_grouping=is_same_grouping, shapes=len(set(ours))
    )
    assert is_same_grouping
    assert ratio >= GOAL, f"fingerprint is only {ratio:.1f}x faster than sqlparse"


def test_single_pass_tokenizer_20k(benchmark, corpus):
    """Side by side in one run: rounds alternate, so both see the same machine."""
    benchmark.group = f"fingerprint {CORPUS_SIZE} statements ({connection.vendor})"
    theirs = benchmark.pedantic(
        fingerprint_all, args=(corpus, tokenizer_fingerprint), rounds=3, iterations=1
    )
    ours_s, theirs_s = float("inf"), float("inf")
    for _ in range(5):  # the fastest of five alternating rounds each: load hits both alike
        ours_s = min(ours_s, fastest_of(1, corpus))
        theirs_s = min(theirs_s, fastest_of(1, corpus, tokenizer_fingerprint))
    ratio = theirs_s / ours_s
    ours = fingerprint_all(corpus, fingerprint_sql)
    is_same_grouping = partition(ours) == partition(theirs)
    benchmark.extra_info.update(
        ratio=round(ratio, 2),
        ours_ms=round(ours_s * 1000, 1),
        tokenizer_ms=round(theirs_s * 1000, 1),
        same_grouping=is_same_grouping,
    )
    print(
        f"\nfingerprint {ours_s * 1000:.0f} ms vs single-pass tokenizer {theirs_s * 1000:.0f} ms "
        f"on {CORPUS_SIZE} statements: {ratio:.2f}x (goal >= {TOKENIZER_GOAL}x)"
    )
    assert is_same_grouping
    assert ratio >= TOKENIZER_GOAL, f"fingerprint is only {ratio:.2f}x the tokenizer's speed"
