"""Bad query parameters and unknown /api/ paths: 400 or 404 JSON bodies from both twins, no 500."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def shown(raw: str) -> str:
    return repr(raw) if len(raw) <= 40 else f"'11111111111111111111'... ({len(raw)} characters)"


LIST_ENDPOINTS = [
    (None, "products/"),
    ("customer-1", "orders/"),
]


def json_error(response) -> str:  # type: ignore[no-untyped-def]
    assert response["Content-Type"] == "application/json", response.content
    body = json.loads(response.content)
    assert set(body) == {"error"}
    return str(body["error"])


@pytest.mark.parametrize("twin", ["", "naive/"], ids=["optimized", "naive"])
@pytest.mark.parametrize(("username", "path"), LIST_ENDPOINTS, ids=["products", "orders"])
@pytest.mark.parametrize(
    "raw",
    # Superscripts and circled digits pass str.isdigit() but int() refuses them; Arabic-Indic
    # digits int() would take; 5,000 ASCII digits pass isdigit() and exceed int()'s limit.
    ["²", "①", "٣", "1²", "\u0661\u0660", "1" * 5000, "\x00", "1\x00", " 1", "1\n"],
    ids=["superscript", "circled", "arabic-indic", "mixed", "arabic-ten", "5000-digits",
         "nul", "digit-nul", "space", "newline"],
)  # fmt: skip
def test_a_page_that_is_not_ascii_digits_is_a_400(  # type: ignore[no-untyped-def]
    shop, client_as, twin, username, path, raw
) -> None:
    response = client_as(username).get(f"/api/{twin}{path}", {"page": raw})
    assert response.status_code == 400, response.content
    assert json_error(response) == f"page must be a positive integer, got {shown(raw)}."


@pytest.mark.parametrize("twin", ["", "naive/"], ids=["optimized", "naive"])
@pytest.mark.parametrize(
    "raw", ["²", "①", "٣", "7²", "\x00", "1" * 5000], ids=["superscript", "circled",
    "arabic-indic", "mixed", "nul", "5000-digits"]
)  # fmt: skip
def test_a_category_that_is_not_ascii_digits_is_a_400(shop, client_as, twin, raw) -> None:  # type: ignore[no-untyped-def]
    response = client_as(None).get(f"/api/{twin}products/", {"category": raw})
    assert response.status_code == 400, response.content
    assert json_error(response) == f"category must be a category id, got {shown(raw)}."


@pytest.mark.parametrize("twin", ["", "naive/"], ids=["optimized", "naive"])
@pytest.mark.parametrize("raw", ["\x00", "oak\x00", "\x00" * 3], ids=["nul", "oak-nul", "nuls"])
def test_a_search_with_a_nul_character_is_a_400(shop, client_as, twin, raw) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL refuses NUL in text parameters (a 500 before); SQLite gets the same answer."""
    response = client_as(None).get(f"/api/{twin}products/", {"q": raw})
    assert response.status_code == 400, response.content
    assert json_error(response) == "q must not contain NUL characters."


@pytest.mark.parametrize(
    "path",
    [
        "/api/products/-1/",
        "/api/naive/products/-1/",
        "/api/orders/abc/",
        "/api/nothing-here/",
        "/api/",
        "/api/naive/",
        "/api/products/1/extra/",
        "/api/%C3%A9/",
    ],
)
def test_every_unmatched_api_path_is_a_json_404(client_as, path) -> None:  # type: ignore[no-untyped-def]
    response = client_as(None).get(path)
    assert response.status_code == 404, response.content
    assert json_error(response) == f"No API endpoint at {response.wsgi_request.path!r}."


def test_a_missing_slash_is_still_redirected(client_as) -> None:  # type: ignore[no-untyped-def]
    response = client_as(None).get("/api/products")
    assert (response.status_code, response["Location"]) == (301, "/api/products/")


def test_an_unmatched_path_outside_the_api_keeps_djangos_404(client_as) -> None:  # type: ignore[no-untyped-def]
    response = client_as(None).get("/not-the-api/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
