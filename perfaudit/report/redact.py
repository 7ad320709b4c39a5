"""Blank out the values written into SQL text, for reports made without ``--show-params``.

Django passes a queryset's values as parameters, which reports leave out; but ``.extra()``, raw
SQL and ``cursor.execute`` with an inline string or number put them in the statement itself,
where an e-mail address or a token would reach a report's ``sample_sql``. Literals become
``?``, as in the fingerprint, while the statement keeps its case, spacing and placeholders,
so it still reads as the SQL that ran. Pure: no Django import.
"""

from __future__ import annotations

from perfaudit.detect.fingerprint import (
    _TOKEN,  # one tokenizer for SQL, shared with the fingerprint
)

_LITERALS = frozenset({"str", "estr", "dollar", "num"})


def redact_literals(sql: str) -> str:
    """``sql`` with every string, dollar-quoted and numeric literal replaced by ``?``.

    >>> redact_literals("SELECT * FROM t WHERE email = 'a@b.c' AND id > 41 LIMIT %s")
    'SELECT * FROM t WHERE email = ? AND id > ? LIMIT %s'
    """
    parts: list[str] = []
    end = 0
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind in _LITERALS:
            start, stop = match.span(kind)
            parts.append(sql[end:start])
            parts.append("?")
            end = stop
    parts.append(sql[end:])
    return "".join(parts)
