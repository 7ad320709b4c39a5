"""perfaudit.detect.fingerprint: exact shapes, same- and different-shape tables, sqlparse parity."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfaudit.detect.fingerprint import fingerprint_sql, first_table, statement_verb

EXACT = [
    pytest.param(
        'SELECT "shop_product"."id" FROM "shop_product" WHERE "shop_product"."id" = %s',
        'select "shop_product"."id" from "shop_product" where "shop_product"."id" = ?',
        id="django-placeholder",
    ),
    pytest.param(
        "SELECT a FROM t WHERE b = ? AND c = $1 AND d = :name AND e = %(e)s",
        "select a from t where b = ? and c = ? and d = ? and e = ?",
        id="placeholder-styles",
    ),
    pytest.param(
        "select a from t where b = 'x' and c = 12.5e3 and d = 0xFF",
        "select a from t where b = ? and c = ? and d = ?",
        id="literals",
    ),
    pytest.param(
        "SELECT * FROM t WHERE id IN (1, 2, 3)", "select * from t where id in (...)", id="in-list"
    ),
    pytest.param(
        "SELECT * FROM t WHERE id NOT IN (%s)",
        "select * from t where id not in (...)",
        id="not-in-one",
    ),
    pytest.param(
        "SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))",
        "select * from t where (a, b) in (...)",
        id="in-row-values",
    ),
    pytest.param(
        "SELECT * FROM t WHERE id IN (SELECT u.id FROM u WHERE u.x = 1)",
        "select * from t where id in (select u.id from u where u.x = ?)",
        id="in-subquery-kept",
    ),
    pytest.param(
        'INSERT INTO "t" ("a", "b") VALUES (%s, %s), (%s, %s), (%s, DEFAULT)',
        'insert into "t" ("a", "b") values (...)',
        id="values-rows",
    ),
    pytest.param(
        "SELECT a -- trailing\nFROM /* block\n comment */ t", "select a from t", id="comments"
    ),
    pytest.param("  SELECT\n\ta ,b\r\n  FROM   t  ", "select a, b from t", id="whitespace"),
    pytest.param(
        'SeLeCt "MixedCase", Lower FROM T',
        'select "MixedCase", lower from t',
        id="case-folds-but-quoted-kept",
    ),
    pytest.param(
        'SELECT "we""ird" FROM `my``table`',
        'select "we""ird" from "my`table"',
        id="quoted-identifiers",
    ),
    pytest.param(
        "SELECT * FROM t WHERE a = 'it''s' AND b = 'x'",
        "select * from t where a = ? and b = ?",
        id="doubled-quote",
    ),
    pytest.param(
        "SELECT * FROM t WHERE a = E'it\\'s' AND b = e'\\\\' AND c = 1",
        "select * from t where a = ? and b = ? and c = ?",
        id="e-string-backslash",
    ),
    pytest.param(
        "SELECT * FROM t WHERE a LIKE %s ESCAPE '\\' AND b = 1",
        "select * from t where a like ? escape ? and b = ?",
        id="standard-backslash",
    ),
    pytest.param(
        "SELECT $$it's$$, $fn$ a $$ b $fn$, c FROM t", "select ?, ?, c from t", id="dollar-quoting"
    ),
    pytest.param(
        "SELECT * FROM t WHERE a = -5 AND b > -0.5 AND c IN (-1, 2) LIMIT -1",
        "select * from t where a = ? and b > ? and c in (...) limit ?",
        id="negative-numbers",
    ),
    pytest.param(
        "SELECT a - 1, a-1, (a) - 2, f(x) - 3 FROM t",
        "select a - ?, a - ?, (a) - ?, f (x) - ? from t",
        id="subtraction-kept",
    ),
    pytest.param(
        "SELECT '2026-01-01'::date, %s::jsonb, (%s)::integer[] FROM t",
        "select ?::date, ?::jsonb, (?)::integer[] from t",
        id="casts",
    ),
    pytest.param('SAVEPOINT "s140_x12"', "savepoint ?", id="savepoint"),
    pytest.param('RELEASE SAVEPOINT "s140_x12"', "release savepoint ?", id="release-savepoint"),
    pytest.param("ROLLBACK TO SAVEPOINT s9_x1", "rollback to savepoint ?", id="rollback-savepoint"),
    pytest.param(
        "SELECT * FROM t WHERE a = TRUE AND b IS NULL",
        "select * from t where a = ? and b is null",
        id="booleans-not-null",
    ),
    pytest.param(
        'SELECT "a" FROM "t" WHERE "a" @> %s AND "b" ->> %s = %s AND "c" ? %s',
        'select "a" from "t" where "a" @> ? and "b" ->> ? = ? and "c" ? ?',
        id="postgres-json-operators",
    ),
    pytest.param(
        "SELECT * FROM t WHERE a LIKE '50%%' AND b = 1 %% 2",
        "select * from t where a like ? and b = ? % ?",
        id="escaped-percent",
    ),
    pytest.param("SELECT 'unterminated", "select ?", id="unterminated-string"),
    pytest.param(
        'SELECT "a , b", "x in (?, ?)", "( c )" FROM "t . u"',
        'select "a , b", "x in (?, ?)", "( c )" from "t . u"',
        id="identifier-text-untouched",
    ),
    pytest.param(
        'SELECT "t"."a" FROM "t" WHERE "t"."b" IN (%s::varchar(10), %s::varchar(10))',
        'select "t"."a" from "t" where "t"."b" in (...)',
        id="in-cast-items",
    ),
    pytest.param(
        'SELECT * FROM "t" WHERE "id" = ANY(ARRAY[%s::integer, %s::integer])',
        'select * from "t" where "id" = any (array[...])',
        id="array-list",
    ),
    pytest.param(
        'SELECT * FROM "t" WHERE ("t"."id" = %s OR "t"."id" = %s OR "t"."id" = %s)',
        'select * from "t" where ("t"."id" = ? or ...)',
        id="or-chain",
    ),
    pytest.param(
        "SELECT a /* outer /* inner */ still outer */ FROM t",
        "select a from t",
        id="nested-block-comment",
    ),
    pytest.param(
        "SELECT '/*' AS a FROM t /* c */ WHERE b = '*/'",
        "select ? as a from t where b = ?",
        id="comment-marks-in-strings",
    ),
    pytest.param(
        "SELECT a FROM t WHERE b = ?1 AND c = @p1 AND d = :1",
        "select a from t where b = ? and c = ? and d = ?",
        id="numbered-placeholders",
    ),
    pytest.param(
        'UPDATE "u" SET "last_login" = NULL WHERE "u"."id" = %s',
        'update "u" set "last_login" = ? where "u"."id" = ?',
        id="set-null",
    ),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("sql", "expected"), EXACT)
def test_fingerprint_exact(sql, expected):
    assert fingerprint_sql(sql) == expected


SAME = [
    pytest.param(
        "SELECT * FROM t WHERE id IN (%s)",
        "SELECT * FROM t WHERE id IN (%s, %s, %s, %s)",
        id="in-list-length",
    ),
    pytest.param(
        "SELECT * FROM t WHERE id IN (1)",
        "select * from t where id in (%s, %s)",
        id="in-literals-vs-placeholders",
    ),
    pytest.param(
        "INSERT INTO t (a) VALUES (1)",
        "INSERT INTO t (a) VALUES (2), (3), (4)",
        id="values-row-count",
    ),
    pytest.param(
        "SELECT * FROM t WHERE a = 'x'", "SELECT * FROM t WHERE a = 'it''s long'", id="strings"
    ),
    pytest.param("SELECT * FROM t WHERE a = 5", "SELECT * FROM t WHERE a = -5", id="sign"),
    pytest.param(
        "SELECT * FROM t LIMIT 21 OFFSET 40",
        "SELECT * FROM t LIMIT 5 OFFSET 0",
        id="limit-offset",
    ),
    pytest.param('SAVEPOINT "s1_x1"', 'SAVEPOINT "s99999_x7"', id="savepoint-names"),
    pytest.param("select a from t", "SELECT  a\nFROM t -- why", id="case-space-comment"),
    pytest.param(
        "SELECT * FROM t WHERE a = %s", "SELECT * FROM t WHERE a = 'x'", id="placeholder-vs-literal"
    ),
    pytest.param(
        'SELECT * FROM "t" WHERE "t"."b" IN (%s::varchar(10))',
        'SELECT * FROM "t" WHERE "t"."b" IN (%s::varchar(10), %s::varchar(10), %s::varchar(10))',
        id="in-cast-list-length",
    ),
    pytest.param(
        'SELECT * FROM "t" WHERE "t"."b" IN (%s::numeric(12, 2), %s::numeric(12, 2))',
        'SELECT * FROM "t" WHERE "t"."b" IN (%s::numeric(12, 2))',
        id="in-cast-with-scale",
    ),
    pytest.param(
        "SELECT * FROM t WHERE id = ANY(ARRAY[1, 2])",
        "SELECT * FROM t WHERE id = ANY(ARRAY[%s, %s, %s, %s])",
        id="array-length",
    ),
    pytest.param(
        'SELECT * FROM "t" WHERE ("t"."id" = %s OR "t"."id" = %s)',
        'SELECT * FROM "t" WHERE ("t"."id" = %s OR "t"."id" = %s OR "t"."id" = %s)',
        id="or-chain-length",
    ),
    pytest.param(
        'UPDATE "u" SET "last_login" = NULL WHERE "id" = %s',
        'UPDATE "u" SET "last_login" = %s WHERE "id" = %s',
        id="set-null-vs-value",
    ),
]

DIFFERENT = [
    pytest.param("SELECT a FROM t", "SELECT b FROM t", id="column"),
    pytest.param("SELECT a FROM t", "SELECT a FROM u", id="table"),
    pytest.param("SELECT * FROM t WHERE a = 1", "SELECT * FROM t WHERE a > 1", id="operator"),
    pytest.param("SELECT * FROM t WHERE a = 1", "SELECT * FROM t WHERE a IS NULL", id="null"),
    pytest.param('SELECT "A" FROM t', 'SELECT "a" FROM t', id="quoted-case"),
    pytest.param(
        "SELECT * FROM t WHERE a IN (1, 2)", "SELECT * FROM t WHERE a = ANY(%s)", id="in-vs-any"
    ),
    pytest.param("SELECT a - 1 FROM t", "SELECT a, -1 FROM t", id="minus-vs-sign"),
    pytest.param(
        "SELECT * FROM t WHERE a IN (SELECT b FROM u)",
        "SELECT * FROM t WHERE a IN (1)",
        id="subquery-vs-list",
    ),
    pytest.param("SELECT * FROM t LIMIT 1", "SELECT * FROM t LIMIT 1 OFFSET 1", id="offset"),
    pytest.param("SELECT 'a' AS x FROM t", 'SELECT "a" AS x FROM t', id="string-vs-identifier"),
    pytest.param('SELECT "a , b" FROM t', 'SELECT "a, b" FROM t', id="identifier-spacing"),
    pytest.param('SELECT "x in (?, ?)" FROM t', 'SELECT "x in (?)" FROM t', id="identifier-in"),
    pytest.param(
        'SELECT * FROM "t" WHERE ("t"."id" = %s OR "t"."pk" = %s)',
        'SELECT * FROM "t" WHERE ("t"."id" = %s OR "t"."id" = %s)',
        id="or-of-different-columns",
    ),
]


@pytest.mark.parametrize(("left", "right"), SAME)
def test_same_shape_same_fingerprint(left, right):
    assert fingerprint_sql(left) == fingerprint_sql(right)


@pytest.mark.parametrize(("left", "right"), DIFFERENT)
def test_different_shapes_different_fingerprints(left, right):
    assert fingerprint_sql(left) != fingerprint_sql(right)


TEMPLATE = 'SELECT "t"."a" FROM "t" WHERE "t"."b" = {} AND "t"."c" IN ({}) ORDER BY 1 LIMIT {}'


def _literal(value: int | str) -> str:
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


@given(
    st.one_of(st.integers(), st.text()),
    st.lists(st.one_of(st.integers(), st.text()), min_size=1, max_size=30),
    st.integers(min_value=0),
)
def test_any_values_give_one_fingerprint(value, items, limit):
    sql = TEMPLATE.format(_literal(value), ", ".join(_literal(i) for i in items), limit)
    assert fingerprint_sql(sql) == fingerprint_sql(TEMPLATE.format("%s", "%s", 21))


TABLES = [
    pytest.param(
        'select "a"."id" from "shop_product" inner join "b" on (?)', "shop_product", id="select"
    ),
    pytest.param('select count (*) from (select ? from "t") subquery', "t", id="from-subquery"),
    pytest.param('insert into "shop_tag" ("name") values (...)', "shop_tag", id="insert"),
    pytest.param('update "shop_order" set "status" = ?', "shop_order", id="update"),
    pytest.param('delete from "shop_review" where ?', "shop_review", id="delete"),
    pytest.param('select ? from "public"."t"', "public.t", id="schema"),
    pytest.param("select ?", None, id="no-table"),
    pytest.param("savepoint ?", None, id="savepoint"),
]


@pytest.mark.parametrize(("fingerprint", "table"), TABLES)
def test_first_table(fingerprint, table):
    assert first_table(fingerprint) == table


@pytest.mark.parametrize(
    ("fingerprint", "verb"),
    [
        ("select ? from t", "select"),
        ("(select ?) union (select ?)", "select"),
        ("savepoint ?", "savepoint"),
    ],
)
def test_statement_verb(fingerprint, verb):
    assert statement_verb(fingerprint) == verb


def test_groups_django_sql_exactly_like_sqlparse():
    from benchmarks.reference_fingerprint import partition, sqlparse_fingerprint
    from benchmarks.sql_corpus import build_corpus

    corpus = build_corpus(1000, seed=3)
    ours = partition([fingerprint_sql(sql) for sql in corpus])
    theirs = partition([sqlparse_fingerprint(sql) for sql in corpus])
    assert ours == theirs
    # The corpus must really vary: many shapes, and shapes that hold many different statements.
    assert len(ours) > 40
    assert max(len(group) for group in ours) > 20


@given(st.text())
def test_any_text_gives_a_fingerprint_without_raising(text):
    assert isinstance(fingerprint_sql(text), str)


# Outside quotes (where an unterminated string or identifier keeps its raw tail), whitespace
# around a statement never changes its fingerprint, and a fingerprint never has any at its ends.
@given(st.text().filter(lambda text: not set(text) & set("'\"$`[")))
def test_surrounding_whitespace_never_changes_the_fingerprint(text):
    fingerprint = fingerprint_sql(text)
    assert fingerprint_sql(" \n" + text + "\n\t ") == fingerprint
    assert fingerprint == fingerprint.strip(" \t\r\n")


# SQL's own punctuation is what a text-level rule could rewrite inside an identifier.
IDENTIFIER_TEXT = st.one_of(
    st.text(st.sampled_from(list(" ,().[]:?%s-*/'\nINORin")), max_size=20),
    st.text(st.characters(exclude_characters='"'), max_size=20),
)
IDENTIFIER_SQL = [
    'SELECT "{0}" FROM "t" WHERE "{0}" IN (%s, %s)',
    'SELECT "t"."{0}", 1 FROM "t" WHERE "t"."{0}" = %s OR "t"."{0}" = %s',
    'INSERT INTO "{0}" ("{0}") VALUES (%s), (%s) /* a /* nested */ note */',
    'UPDATE "{0}" SET "{0}" = NULL WHERE "{0}" = ANY(ARRAY[%s, %s])',
    'SELECT "{0}" -- a note\nFROM "a /* b */"."{0}"',
]


@given(st.lists(IDENTIFIER_TEXT, min_size=1, max_size=3), st.sampled_from(IDENTIFIER_SQL))
def test_text_inside_quoted_identifiers_is_never_changed(names, template):
    sql = " UNION ALL ".join(template.format(name) for name in names)
    fingerprint = fingerprint_sql(sql)
    found = re.findall(r'"[^"]*"', fingerprint)
    # Every identifier the fingerprint holds is one of the statement's, letter for letter,
    # and every identifier outside a comment is still there.
    assert set(found) <= {f'"{name}"' for name in names} | {'"t"', '"a /* b */"'}, fingerprint
    assert {f'"{name}"' for name in names} <= set(found), fingerprint


@given(st.from_regex(r"[A-Za-z_][A-Za-z_0-9]{0,15}", fullmatch=True))
def test_unquoted_identifiers_are_only_case_folded(name):
    sql = f'SELECT {name}, "t"."{name}" FROM t WHERE {name} IN (%s, %s)'
    fingerprint = fingerprint_sql(sql)
    assert f'"t"."{name}"' in fingerprint
    if name.lower() not in ("true", "false", "null"):
        assert fingerprint.startswith(f"select {name.lower()}, ")
