"""Opaque, signed cursors for keyset pagination over ``(created_at, id)``.

A cursor names a row position and a direction: "the rows after this one" (forward) or "the
rows before this one" (backward). It is URL-safe base64 of a short text payload followed by a
truncated HMAC, so a client can only hand back cursors the server made. Parsing is strict:
anything that is not exactly what :func:`encode_cursor` produces raises :class:`CursorError`,
which the view turns into a 400, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "shopdemo.shop.cursor"
MAC_BYTES = 12
# Longest well-formed token is well under this; the cap bounds the work done on junk input.
MAX_TOKEN_LENGTH = 128
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")
PAYLOAD_RE = re.compile(r"([fb])\.(0|-?[1-9][0-9]{0,17})\.([1-9][0-9]{0,18})")
MAX_PK = 2**63 - 1
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MIN_MICROS = (dt.datetime(1, 1, 2, tzinfo=dt.UTC) - EPOCH) // dt.timedelta(microseconds=1)
MAX_MICROS = (dt.datetime(9999, 12, 30, tzinfo=dt.UTC) - EPOCH) // dt.timedelta(microseconds=1)


class CursorError(ValueError):
    """A cursor is malformed, truncated or was not issued by this server."""


@dataclass(frozen=True)
class Cursor:
    """A keyset position: the row ``(created_at, pk)`` and which side of it to read."""

    created_at: dt.datetime
    pk: int
    is_backward: bool = False


def to_micros(value: dt.datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"Cursor timestamps must be aware, got {value!r}.")
    return (value - EPOCH) // dt.timedelta(microseconds=1)


def sign(payload: bytes) -> bytes:
    return salted_hmac(SALT, payload, algorithm="sha256").digest()[:MAC_BYTES]


def encode_cursor(cursor: Cursor) -> str:
    """The URL-safe token for ``cursor`` (no padding, no characters that need quoting)."""
    if not 0 < cursor.pk <= MAX_PK:
        raise ValueError(
            f"Cursor primary keys must be positive 64-bit integers, got {cursor.pk!r}."
        )
    direction = "b" if cursor.is_backward else "f"
    payload = f"{direction}.{to_micros(cursor.created_at)}.{cursor.pk}".encode("ascii")
    return base64.urlsafe_b64encode(payload + sign(payload)).rstrip(b"=").decode("ascii")


def decode_cursor(token: str) -> Cursor:
    """Parse a token made by :func:`encode_cursor`; raise :class:`CursorError` for anything else."""
    if not 0 < len(token) <= MAX_TOKEN_LENGTH or not TOKEN_RE.fullmatch(token):
        raise CursorError(
            "The cursor is not a valid token: follow the next/previous links as given."
        )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise CursorError(
            "The cursor is truncated: follow the next/previous links as given."
        ) from None
    # Re-encoding catches non-canonical spellings (stray trailing bits) of the same bytes.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token or len(raw) <= MAC_BYTES:
        raise CursorError("The cursor is truncated: follow the next/previous links as given.")
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if not constant_time_compare(mac, sign(payload)):
        raise CursorError("The cursor was not issued by this server or has been altered.")
    match = PAYLOAD_RE.fullmatch(payload.decode("ascii", errors="replace"))
    if match is None:
        raise CursorError(
            "The cursor has an unknown layout: follow the next/previous links as given."
        )
    direction, micros, pk = match.group(1), int(match.group(2)), int(match.group(3))
    if not MIN_MICROS <= micros <= MAX_MICROS or pk > MAX_PK:
        raise CursorError("The cursor points outside the range of orders.")
    created_at = EPOCH + dt.timedelta(microseconds=micros)
    return Cursor(created_at=created_at, pk=pk, is_backward=direction == "b")
