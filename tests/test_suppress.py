"""perfaudit.suppress.rules: ignore rules, matching, inline comments, stale rules (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfaudit.config.ignore import IgnoreRule, parse_ignore_rule, parse_ignore_rules
from perfaudit.errors import ConfigError
from perfaudit.records import FINDING_KINDS, CallSite, Finding
from perfaudit.suppress.rules import (
    InlineComments,
    RequestFindings,
    Suppression,
    apply_suppressions,
)


def finding(
    kind: str = "n_plus_one",
    model: str | None = "shop.Product",
    field: str | None = "category",
    file: str = "shop/views.py",
    line: int = 12,
    template: str | None = None,
    template_line: int | None = None,
    table: str | None = "shop_category",
) -> Finding:
    return Finding(
        kind=kind,
        fingerprint="select ...",
        count=3,
        table=table,
        model=model,
        field=field,
        suggestion="select_related('category')",
        callsite=CallSite(file, line, "product_list", template, template_line),
        sample_sql="SELECT ...",
    )


def test_a_rule_keeps_what_was_written() -> None:
    rule = parse_ignore_rule("  relation=shop.Product.category   kind=n_plus_one ")
    assert rule == IgnoreRule(
        text="relation=shop.Product.category kind=n_plus_one",
        relation="shop.Product.category",
        kind="n_plus_one",
    )
    assert parse_ignore_rule("callsite=shop/*.py:42") == IgnoreRule(
        text="callsite=shop/*.py:42", callsite_file="shop/*.py", callsite_line=42
    )
    assert parse_ignore_rule("callsite=shop/*.py").callsite_line is None
    assert parse_ignore_rule("kind=duplicate   # the cache warms twice").text == "kind=duplicate"


# (rule, finding, request, path, matches)
MATCHES = [
    ("relation=shop.Product.category", finding(), "r", "/", True),
    ("relation=shop.Product.tags", finding(), "r", "/", False),
    ("relation=shop.Product.*", finding(), "r", "/", True),
    ("relation=shop.*.category", finding(), "r", "/", True),
    ("relation=shop.Product", finding(field="tags"), "r", "/", True),
    ("relation=shop.Product", finding(model="shop.Order"), "r", "/", False),
    ("relation=Shop.Product.category", finding(), "r", "/", False),  # case-sensitive
    ("relation=shop.Product.category", finding(model=None, table="shop_x"), "r", "/", False),
    ("request=product_*", finding(), "product_list[naive]", "/", True),
    ("request=product_*", finding(), "order_list", "/", False),
    ("request=tests/test_views.py::*", finding(), "tests/test_views.py::test_list", "", True),
    ("path=/api/naive/*", finding(), "r", "/api/naive/products/?page=2", True),
    ("path=/api/naive/*", finding(), "r", "/api/products/", False),
    ("callsite=shop/views.py", finding(), "r", "/", True),
    ("callsite=shop/views.py:12", finding(), "r", "/", True),
    ("callsite=shop/views.py:13", finding(), "r", "/", False),
    ("callsite=shop/*", finding(file="shop/api/views.py"), "r", "/", True),
    ("callsite=*/views.py", finding(file="shop/api/views.py"), "r", "/", True),
    ("callsite=other/*.py", finding(), "r", "/", False),
    ("callsite=shop/list.html:3", finding(template="shop/list.html", template_line=3), "r", "/",
     True),
    ("callsite=shop/list.html:4", finding(template="shop/list.html", template_line=3), "r", "/",
     False),
    ("kind=n_plus_one", finding(), "r", "/", True),
    ("kind=duplicate", finding(), "r", "/", False),
    ("kind=duplicate relation=shop.Product.category", finding(kind="duplicate"), "r", "/", True),
    ("kind=duplicate relation=shop.Product.category", finding(), "r", "/", False),
    ("request=a* path=/x/* callsite=shop/*.py:12 kind=n_plus_one relation=shop.Product.*",
     finding(), "abc", "/x/1/", True),
    ("request=a* path=/x/* callsite=shop/*.py:12 kind=n_plus_one relation=shop.Product.*",
     finding(), "abc", "/y/1/", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "found", "request_name", "path", "expected"),
    MATCHES,
    ids=[f"{i}-{'match' if m[4] else 'miss'}-{m[0][:40]}" for i, m in enumerate(MATCHES)],
)
def test_rule_matching(
    text: str, found: Finding, request_name: str, path: str, expected: bool
) -> None:
    rule = parse_ignore_rule(text)
    assert rule.matches(found, request_name, path) is expected


def test_a_finding_without_call_site_never_matches_a_callsite_rule() -> None:
    bare = Finding("duplicate", "select 1", 2, None, None, None, "", None, "")
    assert not parse_ignore_rule("callsite=*").matches(bare, "r")
    assert parse_ignore_rule("kind=duplicate").matches(bare, "r")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("relation shop.Product.category",
         "'relation' should be NAME=GLOB with NAME one of relation, request, path, callsite, "
         "kind."),
        ("model=shop.Product",
         "'model=shop.Product' should be NAME=GLOB with NAME one of relation, request, path, "
         "callsite, kind."),
        ("kind=", "kind= needs a value."),
        ("kind=n_plus_one kind=duplicate", "kind= is given twice."),
        ("kind=slow", "unknown finding kind 'slow'; choose from n_plus_one, duplicate, "
                      "unused_eager_load."),
        ("relation=Product", "relation 'Product' should be app.Model.field or app.Model."),
        ("relation=a.b.c.d", "relation 'a.b.c.d' should be app.Model.field or app.Model."),
        ("path=api/*", "path 'api/*' should start with '/'."),
        ("callsite=views.py:x1", "callsite 'views.py:x1' should be FILE_GLOB or FILE_GLOB:LINE."),
        ("callsite=:12", "callsite ':12' should be FILE_GLOB or FILE_GLOB:LINE."),
        ("callsite=views.py:0", "callsite 'views.py:0' should be FILE_GLOB or FILE_GLOB:LINE."),
    ],
    ids=["no-equals", "unknown-key", "empty", "twice", "bad-kind", "short-relation",
         "long-relation", "relative-path", "bad-line", "no-file", "line-zero"],
)  # fmt: skip
def test_bad_rules_name_the_key_and_the_rule(line: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_ignore_rules(["kind=duplicate", line], key="setup.cfg [perfaudit]: ignore")
    text = " ".join(line.split())
    assert str(raised.value) == f"setup.cfg [perfaudit]: ignore: rule 2 {text!r}: {message}"


def test_inline_comments(tmp_path: Path) -> None:
    lines = [
        "names = [b.author for b in books]  # perfaudit: ignore[n_plus_one]",
        "tags = [b.tags.all() for b in books]  # perfaudit: ignore[duplicate]",
        "x = load()  #perfaudit:ignore",
        "y = load()  # perfaudit: ignore[ duplicate , n_plus_one ]",
        "z = load()  # perfaudit: ignore[]",
        "w = load()  # perfaudit: ignored",
        "v = load()  # noqa",
    ]
    (tmp_path / "views.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    inline = InlineComments(tmp_path)

    def why(line: int, kind: str = "n_plus_one") -> str | None:
        found = inline.suppression(finding(kind=kind, file="views.py", line=line))
        return None if found is None else found.rule

    assert why(1) == "views.py:1: perfaudit: ignore[n_plus_one]"
    assert why(1, "duplicate") is None  # a specific kind covers that kind only
    assert why(2) is None
    assert why(2, "duplicate") == "views.py:2: perfaudit: ignore[duplicate]"
    assert [why(3, k) for k in FINDING_KINDS] == ["views.py:3: perfaudit:ignore"] * 3
    assert (
        why(4) == why(4, "duplicate") == "views.py:4: perfaudit: ignore[ duplicate , n_plus_one ]"
    )
    assert why(4, "unused_eager_load") is None
    assert why(5) is None  # an empty list covers no kind
    assert why(6) is None and why(7) is None
    assert why(8) is None and why(0) is None  # past the end, or no line
    assert inline.suppression(finding(file="missing.py", line=1)) is None


def test_inline_comments_read_each_file_once(tmp_path: Path) -> None:
    path = tmp_path / "views.py"
    path.write_text("a = 1  # perfaudit: ignore\n", encoding="utf-8")
    inline = InlineComments(tmp_path)
    assert inline.suppression(finding(file="views.py", line=1)) is not None
    path.unlink()
    assert inline.suppression(finding(file="views.py", line=1)) is not None  # cached
    absolute = tmp_path / "other.py"
    absolute.write_text("b = 2  # perfaudit: ignore\n", encoding="utf-8")
    assert inline.suppression(finding(file=str(absolute), line=1)) is not None


def test_apply_suppressions_reports_rule_source_and_stale_rules(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "views.py").write_text(
        "\n" * 11 + "rows = [p.category for p in qs]  # perfaudit: ignore[n_plus_one]\n",
        encoding="utf-8",
    )
    rules = parse_ignore_rules(
        ["relation=shop.Order.customer", "kind=duplicate path=/x/", "relation=shop.Order.*"]
    )
    order = finding(model="shop.Order", field="customer", file="shop/orders.py")
    dup = finding(kind="duplicate", file="shop/orders.py")
    product = finding()  # shop/views.py:12 carries the comment
    outcome = apply_suppressions(
        [
            RequestFindings("orders", (order, dup), "/orders/"),
            RequestFindings("products", (product,), "/products/"),
        ],
        rules,
        InlineComments(tmp_path),
    )
    orders, products = outcome.requests
    assert orders.kept == (dup,)
    assert [(s.finding, s.suppression) for s in orders.suppressed] == [
        (order, Suppression("relation=shop.Order.customer", "config"))  # the first rule wins
    ]
    assert products.kept == ()
    assert products.suppressed[0].suppression == Suppression(
        "shop/views.py:12: perfaudit: ignore[n_plus_one]", "inline"
    )
    assert outcome.suppressed_count == 2
    assert [r.text for r in outcome.stale_rules] == [
        "kind=duplicate path=/x/",
        "relation=shop.Order.*",  # shadowed by the first rule: it matched nothing itself
    ]


def test_without_rules_or_comments_nothing_is_suppressed() -> None:
    outcome = apply_suppressions([RequestFindings("r", (finding(),))], ())
    assert outcome.requests[0].kept == (finding(),)
    assert outcome.suppressed_count == 0 and outcome.stale_rules == ()
