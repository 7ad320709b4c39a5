"""Normalize SQL into a fingerprint: the shape of a query without its values.

Two executions of the same ORM code give the same fingerprint whatever their parameters, so
detect can group a request's queries by shape. The normalizer is one regex-driven pass over the
text (no parser): literals and placeholders become ``?``, IN, VALUES and ARRAY[...] lists of
any length collapse (cast items such as ``%s::varchar(10)`` included), an OR chain of one
repeated comparison collapses, comments (nested block comments too) vanish, whitespace becomes
single spaces and unquoted words are lower-cased. Quoted identifiers are left exactly as
written, because SQL treats them as case-sensitive and their text is the name.

Pure: no Django import, so the module is usable (and testable) without settings.
"""

from __future__ import annotations

import re

__all__ = ["fingerprint_sql", "first_table", "statement_verb"]

# A run of plain quoted identifiers ("t"."a", "t"."b", ...: Django's column lists) is one
# token, since nothing in it can change. Order matters: longer and more specific alternatives
# come first, so E'..' wins over the word "e" and "::" over a ":name" placeholder. Every
# alternative is anchored at a token start because finditer resumes exactly where the previous
# token ended.
_TOKEN = re.compile(
    r"""
    \s*  # leading whitespace belongs to the token: half as many matches to loop over
    (?:
      (?P<ident>"[A-Za-z_0-9$]*"(?:\."[A-Za-z_0-9$]*")*
        (?:,\ "[A-Za-z_0-9$]*"(?:\."[A-Za-z_0-9$]*")*)*(?!"))
    | (?P<inlist>[Ii][Nn]\ \((?:%s|\?)(?:,\ (?:%s|\?))*\))  # Django's IN (%s, %s): one token
    | (?P<estr>[eE]'(?:[^'\\]|\\.|'')*'?)
    | (?P<str>(?:[nNbBxX]|[uU]&)?'(?:[^']|'')*'?)
    | (?P<word>[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9$\x80-\U0010ffff]*)
    | (?P<punct>[,()=*;])
    | (?P<params>%s(?:,\ %s)+)
    | (?P<param>%\((?:[^)]*)\)s|%s|\$\d+|\?\d*|(?<!:):(?:[A-Za-z_][A-Za-z_0-9]*|\d+)
        |@[A-Za-z_][A-Za-z_0-9]*)
    | (?P<num>0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<qident>"(?:[^"]|"")*"(?:\."(?:[^"]|"")*")*|"(?:[^"]|"")*|`(?:[^`]|``)*`?)
    | (?P<dollar>\$(?P<tag>[A-Za-z_][A-Za-z_0-9]*|)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<op>::|<>|!=|<=|>=|\|\||->>|->|\#>>|\#>|\#-|@>|<@|@@|&&|<<|>>|!?~\*?|%%|[^\sA-Za-z_0-9])
    )
    """,
    re.VERBOSE | re.DOTALL,
)

# After these words a "-" can only be a sign, never a subtraction (SELECT -1, LIMIT -1, ...).
_SIGN_CONTEXT_WORDS = frozenset(
    {
        "select", "where", "and", "or", "not", "on", "when", "then", "else", "case", "in",
        "values", "between", "like", "is", "limit", "offset", "by", "set", "return", "returning",
        "having", "as", "escape", "interval", "distinct", "all", "any", "some", "array",
    }
)  # fmt: skip
# Tokens after which a "-" is a binary minus: the end of a value or of an expression.
_VALUE_END = frozenset({"?", ")", "]"})
_BOOLEANS = frozenset({"true", "false"})

# Canonical spacing is applied to the space-joined tokens with plain str.replace (C speed).
_SPACING = (
    (" , ", ", "),
    ("( ", "("),
    (" )", ")"),
    (" . ", "."),
    (" [ ", "["),
    ("[ ", "["),
    (" ]", "]"),
    (" :: ", "::"),
)
# An item of a list: a value, maybe cast (?::varchar(?), ?::integer[]).
_ITEM = r"(?:\?|null|default)(?:::[a-z_][a-z_0-9]*(?: \(\?(?:, \?)*\))?(?:\[\])?)?"
_ROW = rf"\({_ITEM}(?:, {_ITEM})*\)"
_IN_LIST = re.compile(rf"\bin \((?:{_ITEM}(?:, {_ITEM})*|{_ROW}(?:, {_ROW})*)\)")
_VALUES_LIST = re.compile(rf"\bvalues {_ROW}(?:, {_ROW})*")
_ARRAY_LIST = re.compile(rf"\barray\[(?:{_ITEM}(?:, {_ITEM})*)?\]")
# The same comparison ORed with itself: "id" = ? or "id" = ? ... (or parenthesized groups).
_OR_CHAIN = re.compile(r'(\([^()]*\)|"[^"]*"(?:\."[^"]*")* = \?)(?: or \1)+')
# Outside literals and identifiers, where a block comment may open (for nested comments).
_OUTSIDE = re.compile(
    r"""[eE]'(?:[^'\\]|\\.|'')*'?|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|--[^\n]*"""
    r"""|\$(?P<tag>[A-Za-z_][A-Za-z_0-9]*|)\$.*?(?:\$(?P=tag)\$|\Z)|/\*""",
    re.DOTALL,
)
_MARKS = "\x00\x01\x02\x03\ue000\ue001"
_TABLE = re.compile(
    r"\b(?:from|into|update|join) "
    r"((?:\"(?:[^\"]|\"\")*\"|[a-z_][a-z_0-9$]*)(?:\.(?:\"(?:[^\"]|\"\")*\"|[a-z_][a-z_0-9$]*))?)"
)


def fingerprint_sql(sql: str) -> str:
    """Return the shape of ``sql``: equal for queries that differ only in their values.

    >>> fingerprint_sql('SELECT "a"."id" FROM "a" WHERE "a"."id" IN (%s, %s)  -- x')
    'select "a"."id" from "a" where "a"."id" in (...)'
    """
    if "/*" in sql and sql.count("/*") > 1:
        sql = _strip_block_comments(sql)  # PostgreSQL nests them; the token regex cannot
    out: list[str] = []
    append = out.append
    kept: list[str] = []  # identifiers whose text the spacing rules below could touch
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind == "ident":
            # Savepoint names are generated per call (s140123_x7).
            append("?" if out and out[-1] == "savepoint" else match.group(kind))
        elif kind == "word":
            word = match.group(kind).lower()
            if word in _BOOLEANS or (word == "null" and out and out[-1] == "="):
                word = "?"  # SET "x" = NULL is SET "x" = %s with another value
            elif out and out[-1] == "savepoint":
                word = "?"  # savepoint names are generated per call (s140123_x7)
            append(word)
        elif kind == "punct":
            append(match.group(kind))
        elif kind == "comment":
            continue
        elif kind == "inlist":
            append("in (...)")
        elif kind == "params":
            append("?" + ", ?" * match.group(kind).count(", "))
        elif kind == "qident":
            text = match.group(kind)
            if out and out[-1] == "savepoint":
                append("?")
                continue
            if text[0] == "`" and '"' not in text and text.endswith("`"):
                text = '"' + text[1:-1].replace("``", "`") + '"'  # `name` (MySQL), spelled as SQL
            kept.append(text)
            append("")  # a slot, filled in after the text-level rules
        elif kind == "num":
            if out and out[-1] == "-" and (len(out) == 1 or _is_sign_context(out[-2])):
                out[-1] = "?"  # a negative number is one literal
            else:
                append("?")
        elif kind == "op":
            op = match.group(kind)
            # "%%" is how a literal "%" is written when the driver interpolates parameters.
            append("%" if op == "%%" else op)
        else:  # str, estr, dollar, param
            append("?")
    mark = ""
    if kept:
        mark = next((m for m in _MARKS if m not in sql), "")
        slots = iter(range(len(kept)))
        out = [f"{mark}{next(slots)}{mark}" if token == "" else token for token in out]
    text = " ".join(out)
    for old, new in _SPACING:
        if old in text:
            text = text.replace(old, new)
    if "in (" in text:
        text = _IN_LIST.sub("in (...)", text)
    if "values (" in text:
        text = _VALUES_LIST.sub("values (...)", text)
    if "array[" in text:
        text = _ARRAY_LIST.sub("array[...]", text)
    if " or " in text:
        text = _OR_CHAIN.sub(r"\1 or ...", text)
    if kept:
        for index, identifier in enumerate(kept):
            text = text.replace(f"{mark}{index}{mark}", identifier, 1)
    return text


def _strip_block_comments(sql: str) -> str:
    """``sql`` without its block comments, nested ones included, literals left alone."""
    out: list[str] = []
    pos, end = 0, len(sql)
    while True:
        match = _OUTSIDE.search(sql, pos)
        if match is None:
            out.append(sql[pos:])
            return "".join(out)
        if match.group() != "/*":
            out.append(sql[pos : match.end()])
            pos = match.end()
            continue
        out.append(sql[pos : match.start()] + " ")
        depth, pos = 1, match.end()
        while depth and pos < end:
            closing, opening = sql.find("*/", pos), sql.find("/*", pos)
            if closing < 0:
                pos = end
            elif 0 <= opening < closing:
                depth, pos = depth + 1, opening + 2
            else:
                depth, pos = depth - 1, closing + 2


def _is_sign_context(previous: str) -> bool:
    """Whether a "-" after ``previous`` starts a negative number rather than subtracting."""
    if previous in _VALUE_END or previous[0] in '"`':
        return False
    if previous[0].isalpha() or previous[0] == "_":
        return previous in _SIGN_CONTEXT_WORDS
    return True  # an operator, "(" or ","


def first_table(fingerprint: str) -> str | None:
    """The first table a fingerprinted statement reads or writes, without quotes.

    Subqueries in FROM are skipped (``from (select ...)``), so this is the first *named* table.
    """
    match = _TABLE.search(fingerprint)
    if match is None:
        return None
    return ".".join(_unquote(part) for part in _split_dotted(match.group(1)))


def statement_verb(fingerprint: str) -> str:
    """The statement's first word (``select``, ``insert``, ``savepoint``, ...)."""
    head, _, _ = fingerprint.partition(" ")
    return head.lstrip("(")


def _split_dotted(name: str) -> list[str]:
    if '"' not in name:
        return name.split(".")
    return [part for part in re.findall(r'"(?:[^"]|"")*"|[^."]+', name)]


def _unquote(part: str) -> str:
    if len(part) >= 2 and part[0] == '"' and part[-1] == '"':
        return part[1:-1].replace('""', '"')
    return part
