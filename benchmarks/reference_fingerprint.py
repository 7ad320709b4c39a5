"""The yardstick for perfaudit's fingerprint: the same normalization done with sqlparse.

This is how a normalizer is usually written on top of sqlparse: lex and group the statement,
walk the flattened tokens, replace literals and placeholders by ``?``, drop whitespace and
comments, lower-case words, then collapse IN, VALUES and ARRAY[...] lists at token level. It
exists only to be compared with :func:`perfaudit.detect.fingerprint.fingerprint_sql`, for speed and
for grouping.
"""

from __future__ import annotations

from collections import defaultdict

import sqlparse
from sqlparse import tokens as T

_ESCAPE_BACKSLASH = "ESCAPE '\\'"
_ESCAPE_BACKSLASH_FOR_SQLPARSE = "ESCAPE '#'"  # same shape, no backslash
_ITEMS = frozenset({"?", ",", "null", "default"})


def sqlparse_fingerprint(sql: str) -> str:
    """Normalize ``sql`` with sqlparse's lexer and grouping engine."""
    words: list[str] = []
    # sqlparse always reads \' as an escaped quote (MySQL style), so Django's SQLite
    # "LIKE %s ESCAPE '\'" would swallow the rest of the statement into one string literal;
    # doubling the backslash does not help, so swap in another one-character literal.
    sql = sql.replace(_ESCAPE_BACKSLASH, _ESCAPE_BACKSLASH_FOR_SQLPARSE)
    for statement in sqlparse.parse(sql):
        for token in statement.flatten():
            ttype = token.ttype
            if token.is_whitespace or ttype in T.Comment:
                continue
            if ttype in T.Literal.String.Symbol:  # a quoted identifier
                words.append("?" if words and words[-1] == "savepoint" else token.value)
            elif ttype in T.Literal or ttype in T.Name.Placeholder or _is_boolean(token):
                words.append("?")
            elif token.normalized == "NULL" and words and words[-1] == "=":
                words.append("?")  # SET "x" = NULL: a value like any other
            elif ttype in T.Keyword or ttype in T.Name:
                words.append(token.value.lower())
            else:
                words.append(token.value)
    return " ".join(_collapse_lists(words))


def _is_boolean(token: sqlparse.sql.Token) -> bool:
    return token.ttype in T.Keyword and token.normalized in ("TRUE", "FALSE")


def _collapse_lists(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        out.append(word)
        i += 1
        end = None
        if word == "in":
            end = _row_end(words, i)
            if end is None and i < len(words) and words[i] == "(":
                inner = _rows_end(words, i + 1)
                if inner is not None and inner < len(words) and words[inner] == ")":
                    end = inner + 1
        elif word == "values":
            end = _rows_end(words, i)
        elif word == "array" and i < len(words) and words[i] == "[":
            j = i + 1
            while j < len(words) and words[j] in _ITEMS:
                j += 1
            end = j + 1 if j < len(words) and words[j] == "]" else None
        if end is not None:
            out.append("(...)")
            i = end
    return out


def _row_end(words: list[str], i: int) -> int | None:
    """Index after ``( ? , ? ... )`` starting at ``i``, or None if no such row starts there."""
    if i >= len(words) or words[i] != "(":
        return None
    j = i + 1
    while j < len(words) and words[j] in _ITEMS:
        j += 1
    return j + 1 if j > i + 1 and j < len(words) and words[j] == ")" else None


def _rows_end(words: list[str], i: int) -> int | None:
    """Index after ``row , row , ...`` starting at ``i``."""
    end = _row_end(words, i)
    while end is not None and end < len(words) and words[end] == ",":
        following = _row_end(words, end + 1)
        if following is None:
            break
        end = following
    return end


def partition(keys: list[str]) -> set[frozenset[int]]:
    """The grouping ``keys`` make of their indexes: equal keys, one group."""
    groups: dict[str, set[int]] = defaultdict(set)
    for index, key in enumerate(keys):
        groups[key].add(index)
    return {frozenset(group) for group in groups.values()}
