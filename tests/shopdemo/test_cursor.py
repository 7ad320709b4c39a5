"""Keyset cursors: exact round trips, strict parsing, and no 500 for any token a client sends."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shopdemo.shop.cursor import Cursor, CursorError, decode_cursor, encode_cursor

AWARE = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 29), timezones=st.just(dt.UTC)
)
CURSORS = st.builds(
    Cursor, created_at=AWARE, pk=st.integers(1, 2**63 - 1), is_backward=st.booleans()
)
SAMPLE = Cursor(dt.datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=dt.UTC), 42, is_backward=False)


@given(CURSORS)
def test_round_trip_is_exact(cursor: Cursor) -> None:
    token = encode_cursor(cursor)
    assert decode_cursor(token) == cursor
    assert token.isascii() and "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_other_time_zones_decode_to_the_same_instant() -> None:
    amsterdam = SAMPLE.created_at.astimezone(dt.timezone(dt.timedelta(hours=1)))
    decoded = decode_cursor(encode_cursor(Cursor(amsterdam, 42)))
    assert decoded.created_at == SAMPLE.created_at
    assert decoded.created_at.tzinfo == dt.UTC


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        (Cursor(dt.datetime(2026, 1, 1), 1), "aware"),
        (Cursor(SAMPLE.created_at, 0), "positive"),
        (Cursor(SAMPLE.created_at, 2**63), "positive"),
    ],
    ids=["naive-datetime", "zero-pk", "pk-overflow"],
)
def test_encoding_refuses_what_it_could_not_decode(cursor: Cursor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_cursor(cursor)


def resign(payload: bytes) -> str:
    """A token whose payload is arbitrary but whose MAC is valid (as if the key had leaked)."""
    from shopdemo.shop.cursor import sign

    return base64.urlsafe_b64encode(payload + sign(payload)).rstrip(b"=").decode()


TOKEN = encode_cursor(SAMPLE)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "not a valid token"),
        ("abc=", "not a valid token"),
        ("a b", "not a valid token"),
        ("x" * 129, "not a valid token"),
        # Whether a cut lands on a byte boundary depends on the MAC, hence on SECRET_KEY.
        (TOKEN[:-1], "truncated|not issued by this server"),
        (TOKEN[:-2], "truncated|not issued by this server"),
        (TOKEN[:8], "truncated|not issued by this server"),
        ("A", "truncated"),
        (TOKEN[:-1] + ("B" if TOKEN[-1] == "A" else "A"), "not issued by this server"),
        ("Zg" + TOKEN[2:], "not issued by this server"),
        (resign(b"f.12.0"), "unknown layout"),
        (resign(b"x.12.5"), "unknown layout"),
        (resign(b"f.012.5"), "unknown layout"),
        (resign(b"f.12.5.7"), "unknown layout"),
        (resign(b"\xff\xfe.1.1"), "unknown layout"),
        (resign(b"f.999999999999999999.5"), "outside the range"),
        (resign(b"b.-99999999999999999.5"), "outside the range"),
    ],
    ids=[
        "empty", "padding", "space", "too-long", "cut-by-one", "cut-by-two", "cut-short",
        "one-char", "last-char-changed", "first-bytes-changed", "zero-pk", "bad-direction",
        "leading-zero", "extra-field", "not-ascii", "far-future", "far-past",
    ],
)  # fmt: skip
def test_malformed_tokens_raise_cursor_error(token: str, message: str) -> None:
    with pytest.raises(CursorError, match=message):
        decode_cursor(token)


def unpad(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_non_canonical_base64_is_refused() -> None:
    # The last character of an unpadded token carries unused low bits; setting them spells
    # the same bytes differently, which a strict parser must not accept.
    # 32 bytes (20 of payload, 12 of MAC) take 43 characters: the last one has 2 spare bits.
    canonical = encode_cursor(Cursor(SAMPLE.created_at, 7))
    assert len(canonical) == 43
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    variants = [canonical[:-1] + c for c in alphabet if c != canonical[-1]]
    same_bytes = [v for v in variants if unpad(v) == unpad(canonical)]
    assert same_bytes, "expected spare bits in the last character of this token"
    for variant in same_bytes:
        with pytest.raises(CursorError, match="truncated"):
            decode_cursor(variant)


@given(st.text(max_size=200))
@example(TOKEN.swapcase())
def test_arbitrary_text_raises_only_cursor_error(text: str) -> None:
    with contextlib.suppress(CursorError):
        decode_cursor(text)


@given(st.binary(max_size=60))
def test_arbitrary_signed_payloads_raise_only_cursor_error(payload: bytes) -> None:
    # Even with a valid MAC the payload is parsed strictly: no crash on any bytes.
    try:
        decoded = decode_cursor(resign(payload))
    except CursorError:
        return
    assert encode_cursor(decoded) == resign(payload)


# Request level: whatever the cursor, the order list answers 400 with a JSON error, never 500.


@pytest.fixture
def orders_client(shop, client_as):  # type: ignore[no-untyped-def]
    return client_as("customer-1")


def assert_json_400(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert set(json.loads(response.content)) == {"error"}


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=150))
def test_fuzzed_cursors_never_give_500(orders_client, text: str) -> None:  # type: ignore[no-untyped-def]
    response = orders_client.get("/api/orders/", {"cursor": text})
    assert_json_400(response)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_real_cursors_never_give_500(orders_client, data) -> None:  # type: ignore[no-untyped-def]
    token = json.loads(orders_client.get("/api/orders/").content)["next"].split("cursor=")[1]
    position = data.draw(st.integers(0, len(token) - 1))
    operation = data.draw(st.sampled_from(["truncate", "replace", "insert", "delete"]))
    char = data.draw(st.sampled_from("ABCabc019-_~.%"))
    mutated = {
        "truncate": token[:position],
        "replace": token[:position] + char + token[position + 1 :],
        "insert": token[:position] + char + token[position:],
        "delete": token[:position] + token[position + 1 :],
    }[operation]
    response = orders_client.get("/api/orders/", {"cursor": mutated})
    if mutated == token:
        assert response.status_code == 200
    else:
        assert_json_400(response)


@pytest.mark.django_db
def test_cursor_and_page_together_are_refused(orders_client) -> None:  # type: ignore[no-untyped-def]
    token = encode_cursor(SAMPLE)
    response = orders_client.get("/api/orders/", {"cursor": token, "page": "2"})
    assert_json_400(response)
    assert json.loads(response.content) == {"error": "Give either cursor or page, not both."}
