"""A second yardstick: a plain, correct single-pass tokenizer, the way one would write it.

One master regex walks the statement once; every token is normalized as it comes (literals and
placeholders to ``?``, words lower-cased, quoted identifiers kept as written, comments, nested
block comments included, dropped), and lists are collapsed on the token list. No text-level
tricks: it is correct by construction and the speed perfaudit's fingerprint must beat (2x).
"""

from __future__ import annotations

import re

from benchmarks.reference_fingerprint import _collapse_lists

_MASTER = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<line>--[^\n]*)
    | (?P<block>/\*)
    | (?P<str>[eE]'(?:[^'\\]|\\.|'')*'?|(?:[nNbBxX]|[uU]&)?'(?:[^']|'')*'?)
    | (?P<qident>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?)
    | (?P<dollar>\$(?P<tag>[A-Za-z_][A-Za-z_0-9]*|)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<param>%\([^)]*\)s|%s|\$\d+|\?\d*|(?<!:):(?:[A-Za-z_]\w*|\d+)|@[A-Za-z_]\w*)
    | (?P<num>0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<word>[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9$\x80-\U0010ffff]*)
    | (?P<op>::|<>|!=|<=|>=|\|\||->>|->|\#>>|\#>|\#-|@>|<@|@@|&&|<<|>>|!?~\*?|%%|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_SIGN_WORDS = frozenset(
    {
        "select", "where", "and", "or", "not", "on", "when", "then", "else", "case", "in",
        "values", "between", "like", "is", "limit", "offset", "by", "set", "return", "returning",
        "having", "as", "escape", "interval", "distinct", "all", "any", "some", "array",
    }
)  # fmt: skip
_NO_SPACE_BEFORE = frozenset({",", ")", "]", ".", "::", "["})
_NO_SPACE_AFTER = frozenset({"(", "[", ".", "::"})


def tokenizer_fingerprint(sql: str) -> str:
    """Normalize ``sql`` in one tokenizing pass plus a token-level list collapse."""
    words: list[str] = []
    pos, end = 0, len(sql)
    while pos < end:
        match = _MASTER.match(sql, pos)
        assert match is not None  # "." matches any character
        kind, text, pos = match.lastgroup, match.group(), match.end()
        if kind in ("space", "line"):
            continue
        if kind == "block":
            depth = 1
            while depth and pos < end:
                closing, opening = sql.find("*/", pos), sql.find("/*", pos)
                if closing < 0:
                    pos = end
                elif 0 <= opening < closing:
                    depth, pos = depth + 1, opening + 2
                else:
                    depth, pos = depth - 1, closing + 2
            continue
        previous = words[-1] if words else ""
        if kind == "qident":
            if previous == "savepoint":
                words.append("?")
            elif text[0] == "`" and '"' not in text and text.endswith("`"):
                words.append('"' + text[1:-1].replace("``", "`") + '"')
            else:
                words.append(text)
        elif kind == "word":
            word = text.lower()
            is_value = word in ("true", "false") or (word == "null" and previous == "=")
            words.append("?" if is_value or previous == "savepoint" else word)
        elif kind == "num":
            if previous == "-" and (len(words) == 1 or _is_sign(words[-2])):
                words[-1] = "?"
            else:
                words.append("?")
        elif kind == "op":
            words.append("%" if text == "%%" else text)
        else:
            words.append("?")
    return _join(_collapse_or(_collapse_lists(words)))


def _is_sign(previous: str) -> bool:
    if previous in ("?", ")", "]") or previous[0] in '"`':
        return False
    if previous[0].isalpha() or previous[0] == "_":
        return previous in _SIGN_WORDS
    return True


def _collapse_or(words: list[str]) -> list[str]:
    """``a = ? or a = ? or ...`` to one comparison (a column compared to a value, or a group)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        out.append(words[i])
        i += 1
        term = _term_before(out)
        if term is None:
            continue
        size = len(term)
        repeats = 0
        while words[i : i + 1] == ["or"] and words[i + 1 : i + 1 + size] == term:
            i += 1 + size
            repeats += 1
        if repeats:
            out += ["or", "..."]
    return out


def _term_before(out: list[str]) -> list[str] | None:
    if len(out) >= 3 and out[-2:] == ["=", "?"] and out[-3][0] == '"':
        start = len(out) - 3
        while start >= 2 and out[start - 1] == "." and out[start - 2][0] == '"':
            start -= 2
        return out[start:]
    return None


def _join(words: list[str]) -> str:
    parts: list[str] = []
    for word in words:
        if parts and word not in _NO_SPACE_BEFORE and parts[-1] not in _NO_SPACE_AFTER:
            parts.append(" ")
        parts.append(word)
    return "".join(parts)
