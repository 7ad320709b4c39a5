"""What makes queries one loop: the key detect groups a request's queries by.

Pure: no Django import; works on :mod:`perfaudit.records` dataclasses only.
"""

from __future__ import annotations

import re

from perfaudit.detect.fingerprint import statement_verb
from perfaudit.records import CapturedQuery

__all__ = ["NEVER_PER_ROW", "shape_key"]

# A relation read or written row by row is one loop whatever SQL each row gets: the ORM
# varies it with the values (NULL vs a placeholder, a boolean column vs NOT it, list lengths).
_BY_RELATION = frozenset(
    {"forward", "reverse_one_to_one", "reverse_fk", "m2m", "related_count", "related_exists",
     "related_filter", "related_first", "related_aggregate", "generic_fk", "deferred",
     "row_save", "row_delete", "m2m_write", "related_write"}
)  # fmt: skip
_WRITES = frozenset({"row_save", "row_delete", "m2m_write", "related_write"})
# Bounded by the number of models, not rows: Django caches each ContentType once.
NEVER_PER_ROW = frozenset({"content_type_cache"})
_NEGATED_COLUMN = re.compile(r'\bnot (?=")')
_NULL_TEST = re.compile(r"\bis (?:not )?null\b")


def shape_key(query: CapturedQuery, shape: str) -> tuple[object, ...]:
    """What groups a query with the others of its loop.

    By relation (and the QuerySet method, and the statement verb for reads) when the ORM
    access is known; else by the fingerprint with value-dependent spellings folded together.
    """
    trigger = query.trigger
    if trigger is not None and trigger.kind in _BY_RELATION:
        verb = "" if trigger.kind in _WRITES else statement_verb(shape)
        return ("relation", trigger.kind, trigger.model, trigger.field, trigger.operation, verb)
    if "not " in shape or " null" in shape:
        shape = _NULL_TEST.sub("= ?", _NEGATED_COLUMN.sub("", shape))
    return ("sql", shape)
