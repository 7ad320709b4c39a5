"""The requests file: every key read and formatted, every mistake one line naming request and key.

Pure: no Django. The scans that send these requests are in tests/test_scan_requests.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfaudit.errors import ConfigError
from perfaudit.records import RequestSpec
from perfaudit.replay.requests_file import format_requests, load_requests_file

EVERY_KEY = """
[[request]]
name = "place order"
method = "post"
path = "/api/orders/?source={source}"
user = "{buyer}"
headers = { X-Trace = "t-{order_no}", Authorization = "Token {token}" }
cookies = { theme = "dark", cart = "{order_no}" }
json = { book_ids = "{ids}", quantity = 2, note = "order {order_no}", nested = ["{ids}"] }
expect = 201

[[request]]
path = "/search/"
form = { q = "{word}", tag = ["a", "{order_no}"] }

[[request]]
path = "/plain/"
"""

VALUES = {"source": "web", "buyer": "alice", "order_no": 7, "token": "abc", "ids": [1, 2],
          "word": "dune"}  # fmt: skip


def write(tmp_path: Path, text: str, name: str = "requests.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key_is_read_and_formatted(tmp_path: Path) -> None:
    templates = load_requests_file(write(tmp_path, EVERY_KEY))
    order, search, plain = format_requests(templates, VALUES, default_user="staff")
    assert order == RequestSpec(
        name="place order",
        method="POST",
        path="/api/orders/?source=web",
        user="alice",
        headers=(("X-Trace", "t-7"), ("Authorization", "Token abc")),
        cookies=(("theme", "dark"), ("cart", "7")),
        data=b'{"book_ids": [1, 2], "quantity": 2, "note": "order 7", "nested": [[1, 2]]}',
        content_type="application/json",
        expect=201,
    )
    # Defaults: name "METHOD path", GET, --user, no body, any status but a 5xx.
    assert search == RequestSpec(
        name="GET /search/", method="GET", path="/search/", user="staff",
        data=b"q=dune&tag=a&tag=7", content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert plain == RequestSpec(name="GET /plain/", method="GET", path="/plain/", user="staff")


def test_json_file_holds_the_same_objects(tmp_path: Path) -> None:
    data = [{"path": "/api/books/{book_id}/", "json": "{ids}", "expect": 200, "method": "PUT"}]
    path = write(tmp_path, json.dumps(data), "requests.json")
    (spec,) = format_requests(load_requests_file(path), {"book_id": 3, "ids": [4, 5]})
    assert (spec.name, spec.path, spec.data, spec.expect) == (
        "PUT /api/books/3/", "/api/books/3/", b"[4, 5]", 200,
    )  # fmt: skip


def test_a_placeholder_among_text_is_formatted_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, '[[request]]\npath = "/x/"\njson = ["{n}", "n={n}", "{{n}}"]\n')
    (spec,) = format_requests(load_requests_file(path), {"n": 5})
    assert spec.data == b'[5, "n=5", "{n}"]'


LOAD_ERRORS = [
    ("unknown-key", '[[request]]\npath = "/x/"\nbody = "x"\n',
     "request '#1': unknown key 'body'; known keys are name, method, path, user, headers, "
     "cookies, json, form, expect."),
    ("unknown-key-named", '[[request]]\nname = "a"\npath = "/x/"\nheader = {}\n',
     "request 'a': unknown key 'header'; known keys are name, method, path, user, headers, "
     "cookies, json, form, expect."),
    ("no-path", '[[request]]\nname = "a"\n',
     "request 'a': path: missing; every request needs a path."),
    ("path-type", '[[request]]\npath = 3\n',
     "request '#1': path: expected a non-empty string, got an integer."),
    ("user-type", '[[request]]\npath = "/x/"\nuser = ["a"]\n',
     "request '#1': user: expected a non-empty string, got a list."),
    ("method", '[[request]]\npath = "/x/"\nmethod = "FETCH"\n',
     "request '#1': method: 'FETCH' is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS."),
    ("headers-type", '[[request]]\npath = "/x/"\nheaders = "a: b"\n',
     "request '#1': headers: expected a table of names to values, got a string."),
    ("cookies-type", '[[request]]\npath = "/x/"\ncookies = ["a"]\n',
     "request '#1': cookies: expected a table of names to values, got a list."),
    ("form-type", '[[request]]\npath = "/x/"\nform = 1\n',
     "request '#1': form: expected a table of names to values, got an integer."),
    ("two-bodies", '[[request]]\npath = "/x/"\njson = 1\nform = {}\n',
     "request '#1': json and form are both given; a request has one body."),
    ("expect-range", '[[request]]\npath = "/x/"\nexpect = 99\n',
     "request '#1': expect: expected an HTTP status (100-599), got 99."),
    ("expect-type", '[[request]]\npath = "/x/"\nexpect = "200"\n',
     "request '#1': expect: expected an HTTP status (100-599), got '200'."),
    ("not-a-table", 'request = [1]\n', "request #1 must be a table/object, not an integer."),
    ("top-level", 'requests = []\n', "unknown top-level key 'requests'; use [[request]] tables."),
    ("empty", '', "holds no request."),
    ("toml-syntax", '[[request]\n',
     "cannot be parsed: Expected ']]' at the end of an array declaration (at line 1, column 10)."),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in LOAD_ERRORS],
                         ids=[c[0] for c in LOAD_ERRORS])  # fmt: skip
def test_load_errors_name_the_request_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_requests_file(path)
    where = f"requests file {str(path)!r}"
    assert str(error.value) in (f"{where}: {message}", f"{where} {message}")


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("requests.txt", b"[]", "name it *.toml or *.json so its format is known."),
        ("r.json", b'{"path": "/x/"}', "expected a JSON list of request objects."),
        ("r.json", b"\xff\xfe[", "is not UTF-8 text."),
        ("r.json", b"[" * 100_000 + b"]" * 100_000,
         "cannot be parsed: maximum recursion depth exceeded while decoding a JSON array from a "
         "unicode string."),
        ("r.json", b"[1,", "cannot be parsed: Expecting value: line 1 column 4 (char 3)."),
    ],
    ids=["suffix", "json-object", "not-utf8", "deep", "json-syntax"],
)  # fmt: skip
def test_file_errors(tmp_path: Path, name: str, raw: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as error:
        load_requests_file(path)
    assert str(error.value).endswith(message)
    assert str(path) in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot be read: No such file or directory\.$"):
        load_requests_file(tmp_path / "nope.toml")


FORMAT_ERRORS = [
    ("missing", 'path = "/b/{book_id}/"',
     "request '#1': path: placeholder 'book_id' is missing; the setup callable (--setup) "
     "returned n, obj."),
    ("missing-in-json", 'name = "o"\npath = "/o/"\njson = {a = ["{ids}"]}',
     "request 'o': json: placeholder 'ids' is missing; the setup callable (--setup) "
     "returned n, obj."),
    ("header-not-text", 'path = "/x/"\nheaders = { X-A = "{obj}" }',
     "request '#1': headers.X-A: expected text, got a table."),
    ("header-name", 'path = "/x/"\nheaders = { "X A" = "1" }',
     "request '#1': headers: 'X A' is not a header name."),
    ("newline", 'path = "/x/"\ncookies = { a = "1\\n2" }',
     "request '#1': cookies.a: line breaks and NUL are not allowed."),
    ("relative", 'path = "x/{n}"', "request '#1': path: 'x/5' must start with '/'."),
    ("not-json", 'path = "/x/"\njson = "{obj}"',
     "request '#1': json: not a JSON value "
     "(keys must be str, int, float, bool or None, not tuple)."),
    ("form-value", 'path = "/x/"\nform = { a = {b = 1} }',
     "request '#1': form.a: expected text, a number or a list of them, got a table."),
    ("bad-format", 'path = "/x/{n:q}"',
     "request '#1': path: cannot be formatted: Unknown format code 'q' for object of type 'int'."),
    ("toml-date", 'path = "/x/"\njson = 1979-05-27',
     "request '#1': json: not a JSON value (Object of type date is not JSON serializable)."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), [c[1:] for c in FORMAT_ERRORS],
                         ids=[c[0] for c in FORMAT_ERRORS])  # fmt: skip
def test_format_errors_name_the_request_and_key(tmp_path: Path, body: str, message: str) -> None:
    templates = load_requests_file(write(tmp_path, f"[[request]]\n{body}\n"))
    with pytest.raises(ConfigError) as error:
        format_requests(templates, {"n": 5, "obj": {(1, 2): 3}}, where="requests file 'r.toml'")
    assert str(error.value) == f"requests file 'r.toml': {message}"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = ["name", "method", "path", "user", "headers", "cookies", "json", "form", "expect", "x"]
request_objects = st.lists(
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6) | json_values, max_size=3
)


def _assert_one_line_config_error(path: Path, values: dict[str, object]) -> None:
    try:
        format_requests(load_requests_file(path), values)
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300), suffix=st.sampled_from([".toml", ".json"]))
def test_fuzz_arbitrary_bytes_give_one_line_errors(tmp_path: Path, raw: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(raw)
    _assert_one_line_config_error(path, {})


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=request_objects, values=st.dictionaries(st.text(max_size=5), json_values, max_size=3))
def test_fuzz_arbitrary_structures_give_one_line_errors(
    tmp_path: Path, data: object, values: dict[str, object]
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    _assert_one_line_config_error(path, values)


def test_config_keys_requests_and_login(tmp_path: Path) -> None:
    from perfaudit.config.scan import ScanOptions, load_scan_config

    project = {"DJANGO_SETTINGS_MODULE": "app.settings"}  # perfaudit has no default project

    (tmp_path / "pyproject.toml").write_text(
        '[tool.perfaudit]\nrequests = "reqs.toml"\nlogin = "app.perf:log_in"\n', encoding="utf-8"
    )
    config = load_scan_config(tmp_path, ScanOptions(), project)
    assert (config.requests, config.login) == ("reqs.toml", "app.perf:log_in")
    flags = load_scan_config(tmp_path, ScanOptions(requests="b.json", login="b:f"), project)
    assert (flags.requests, flags.login) == ("b.json", "b:f")
    with pytest.raises(ConfigError) as error:
        load_scan_config(tmp_path, ScanOptions(login="app.perf"), project)
    assert str(error.value) == "login: expected MODULE:FUNCTION, got 'app.perf'."


def test_scenarios_take_expect() -> None:
    from perfaudit.config.scenarios import parse_scenario

    assert parse_scenario("create POST /api/books/ user=staff expect=201").expect == 201
    assert parse_scenario("list GET /api/books/").expect is None
    with pytest.raises(ConfigError) as error:
        parse_scenario("list GET /api/books/ expect=2000")
    assert str(error.value) == "scenarios: scenario 'list' expect must be an HTTP status (100-599)."


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200) | st.builds(lambda d: json.dumps(d).encode(), request_objects))
def test_fuzz_the_cli_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: bytes
) -> None:
    """The requests file is read before Django: a bad one is exit 2, one line, no traceback (a
    good one reaches the missing settings module, also exit 2)."""
    from click.testing import CliRunner

    from perfaudit.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.json").write_bytes(raw)
    result = CliRunner().invoke(
        cli, ["scan", "--settings", "no_such_settings_module", "--requests", "r.json"]
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("perfaudit: error: ") and result.stderr.count("\n") == 1
