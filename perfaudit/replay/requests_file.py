"""The requests file: TOML ``[[request]]`` tables or a JSON list of the same objects.

:func:`load_requests_file` reads and checks the file before Django boots (a typo must not cost
a test database); :func:`format_requests` fills its strings with the setup callable's values
once the database is seeded. Every error is one line naming the file, the request and the key.
See docs/requests.md for the format.
"""

from __future__ import annotations

import json
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from perfaudit.errors import ConfigError
from perfaudit.records import RequestSpec

KEYS = ("name", "method", "path", "user", "headers", "cookies", "json", "form", "expect")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# "{ids}", "{book.pk}", "{ids[0]}": a lookup without conversion or format spec.
WHOLE_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.\[\]]*)\}")
HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class RequestTemplate:
    """One request of the file as written, its shape checked, its strings not yet formatted."""

    label: str  # how errors name it: its name, else "#N"
    fields: Mapping[str, Any]


def load_requests_file(path: str | Path, label: str | None = None) -> tuple[RequestTemplate, ...]:
    """Read and check the requests file at ``path``; ConfigError (one line) when it is wrong.

    ``label`` names the file in errors (the path as the user wrote it)."""
    source = Path(path)
    where = f"requests file {label or str(path)!r}"
    if source.suffix not in (".toml", ".json"):
        raise ConfigError(f"{where}: name it *.toml or *.json so its format is known.")
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where} cannot be read: {exc.strerror or exc}.") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{where} is larger than {MAX_BYTES} bytes.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text.") from None
    entries = _parse(text, source.suffix, where)
    if not entries:
        raise ConfigError(f"{where} holds no request.")
    return tuple(_check_entry(entry, index, where) for index, entry in enumerate(entries, 1))


def _parse(text: str, suffix: str, where: str) -> list[object]:
    try:
        if suffix == ".json":
            data: object = json.loads(text)
            if not isinstance(data, list):
                raise ConfigError(f"{where}: expected a JSON list of request objects.")
            return data
        table = tomllib.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and TOMLDecodeError included
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{where} cannot be parsed: {detail}.") from None
    extra = sorted(set(table) - {"request"})
    if extra:
        raise ConfigError(f"{where}: unknown top-level key {extra[0]!r}; use [[request]] tables.")
    requests = table.get("request", [])
    if not isinstance(requests, list):
        raise ConfigError(f"{where}: 'request' must be an array of tables ([[request]]).")
    return requests


def _check_entry(entry: object, index: int, where: str) -> RequestTemplate:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: request #{index} must be a table/object, not {_kind(entry)}.")
    name = entry.get("name")
    label = name if isinstance(name, str) and name.strip() else f"#{index}"
    prefix = f"{where}: request {label!r}"
    for key in entry:
        if key not in KEYS:
            raise ConfigError(f"{prefix}: unknown key {key!r}; known keys are {', '.join(KEYS)}.")
    if "path" not in entry:
        raise ConfigError(f"{prefix}: path: missing; every request needs a path.")
    for key in ("name", "method", "path", "user"):
        if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
            raise ConfigError(
                f"{prefix}: {key}: expected a non-empty string, got {_kind(entry[key])}."
            )
    method = entry.get("method", "GET").strip().upper()
    if method not in METHODS:
        raise ConfigError(
            f"{prefix}: method: {entry['method']!r} is not one of {', '.join(METHODS)}."
        )
    for key in ("headers", "cookies", "form"):
        if key in entry and not isinstance(entry[key], dict):
            raise ConfigError(
                f"{prefix}: {key}: expected a table of names to values, got {_kind(entry[key])}."
            )
    if "json" in entry and "form" in entry:
        raise ConfigError(f"{prefix}: json and form are both given; a request has one body.")
    expect = entry.get("expect")
    if expect is not None and (
        isinstance(expect, bool) or not isinstance(expect, int) or not 100 <= expect <= 599
    ):
        raise ConfigError(f"{prefix}: expect: expected an HTTP status (100-599), got {expect!r}.")
    return RequestTemplate(label=label, fields={**entry, "method": method})


def format_requests(
    templates: tuple[RequestTemplate, ...],
    values: Mapping[str, object],
    *,
    default_user: str | None = None,
    where: str = "requests file",
) -> tuple[RequestSpec, ...]:
    """Fill each template's strings with ``values``; a string that is exactly one placeholder
    takes the value itself (``"{ids}"`` sends a list)."""
    return tuple(_format(t, values, default_user, where) for t in templates)


def _format(
    template: RequestTemplate, values: Mapping[str, object], default_user: str | None, where: str
) -> RequestSpec:
    fields = template.fields
    prefix = f"{where}: request {template.label!r}"

    def text(key: str, value: object) -> str:
        filled = _fill(value, values, f"{prefix}: {key}")
        if isinstance(filled, bool) or not isinstance(filled, str | int | float):
            raise ConfigError(f"{prefix}: {key}: expected text, got {_kind(filled)}.")
        if any(c in str(filled) for c in "\r\n\x00"):
            raise ConfigError(f"{prefix}: {key}: line breaks and NUL are not allowed.")
        return str(filled)

    path = text("path", fields["path"])
    if not path.startswith("/"):
        raise ConfigError(f"{prefix}: path: {path!r} must start with '/'.")
    headers = tuple((k, text(f"headers.{k}", v)) for k, v in fields.get("headers", {}).items())
    for header, _ in headers:
        if not HEADER_NAME.fullmatch(header):
            raise ConfigError(f"{prefix}: headers: {header!r} is not a header name.")
    cookies = tuple((k, text(f"cookies.{k}", v)) for k, v in fields.get("cookies", {}).items())
    data, content_type = b"", None
    if "json" in fields:
        body = _fill(fields["json"], values, f"{prefix}: json")
        try:
            data = json.dumps(body, allow_nan=False).encode()
        except (TypeError, ValueError, RecursionError) as exc:
            raise ConfigError(f"{prefix}: json: not a JSON value ({exc}).") from None
        content_type = "application/json"
    elif "form" in fields:
        form = {k: _form_value(_fill(v, values, f"{prefix}: form.{k}"), f"{prefix}: form.{k}")
                for k, v in fields["form"].items()}  # fmt: skip
        data, content_type = (
            urlencode(form, doseq=True).encode(),
            "application/x-www-form-urlencoded",
        )
    method = str(fields["method"])
    user = text("user", fields["user"]) if "user" in fields else default_user
    return RequestSpec(
        name=text("name", fields["name"]) if "name" in fields else f"{method} {path}",
        method=method,
        path=path,
        user=user,
        headers=headers,
        cookies=cookies,
        data=data,
        content_type=content_type,
        expect=fields.get("expect"),
    )


def _form_value(value: object, where: str) -> str | list[str]:
    scalars = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in scalars):
        raise ConfigError(
            f"{where}: expected text, a number or a list of them, got {_kind(value)}."
        )
    return [str(v) for v in scalars] if isinstance(value, list) else str(value)


def _fill(value: object, values: Mapping[str, object], where: str) -> object:
    """``value`` with every string formatted from ``values`` (lists and tables walked)."""
    try:
        return _fill_any(value, values)
    except (KeyError, IndexError, AttributeError) as exc:
        known = ", ".join(sorted(values)) or "nothing"
        raise ConfigError(
            f"{where}: placeholder {exc} is missing; the setup callable (--setup) returned {known}."
        ) from None
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: cannot be formatted: {exc}.") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply.") from None


def _fill_any(value: object, values: Mapping[str, object]) -> object:
    if isinstance(value, str):
        whole = WHOLE_PLACEHOLDER.fullmatch(value)
        if whole:
            found, _ = string.Formatter().get_field(whole.group(1), (), values)
            return found
        return value.format_map(values)
    if isinstance(value, list):
        return [_fill_any(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill_any(v, values) for k, v in value.items()}
    return value


def _kind(value: object) -> str:
    names = {dict: "a table", list: "a list", str: "a string", bool: "a boolean", int: "an integer"}
    return names.get(type(value), type(value).__name__)
