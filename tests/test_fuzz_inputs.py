"""Standing fuzz of every file the CLI reads (issue 14.13): exit 0, 1 or 2, never a traceback.

The config file (setup.cfg, pyproject.toml), a report given to ``report`` and ``diff``, and a
baseline given to ``bench --baseline`` get arbitrary bytes and arbitrary structures: valid
documents with one node replaced, removed or nested deep. Each command runs in this process
through CliRunner, which keeps an unexpected exception as ``result.exception``: anything but a
SystemExit with 0, 1 or 2 is a traceback a user would have seen. Bounded at 100 examples each,
a few seconds in all; no database is ever created (each command stops at a one-line error or
renders a file).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfaudit.cli import cli
from perfaudit.config.files import KNOWN_KEYS
from tests.report_fixtures import fixture_document, fixture_path

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@contextlib.contextmanager
def in_directory() -> Iterator[Path]:
    """A fresh working directory for one example (hypothesis reruns the test body)."""
    before = Path.cwd()
    saved = os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    with tempfile.TemporaryDirectory(prefix="perfaudit-fuzz-") as directory:
        os.chdir(directory)
        try:
            yield Path(directory)
        finally:
            os.chdir(before)
            if saved is not None:
                os.environ["DJANGO_SETTINGS_MODULE"] = saved


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="perfaudit")


def assert_handled(result: Result, allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """Exited on purpose with an allowed code; an error is one line, never a traceback."""
    unexpected = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not unexpected, f"{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code in allowed, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("perfaudit: error:")]
    if result.exit_code == 2:
        assert len(errors) == 1 and result.stderr.count("\n") == 1, result.stderr


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one node replaced by an arbitrary value, removed, or buried deep."""
    document = copy.deepcopy(document)
    parent, key = None, None
    node = document
    while isinstance(node, dict | list) and node and draw(st.integers(0, 3)) > 0:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        parent, key = node, draw(st.sampled_from(keys))
        node = node[key]
    action = draw(st.sampled_from(["replace", "remove", "nest"]))
    if parent is None:
        return draw(JSON_VALUES) if action == "replace" else document
    if action == "remove":
        del parent[key]
    elif action == "nest":
        depth = draw(st.integers(1, 60))
        for _ in range(depth):
            node = [node]
        parent[key] = node
    else:
        parent[key] = draw(JSON_VALUES)
    return document


def json_bytes(document: Any) -> bytes:
    return json.dumps(document).encode()


REPORTS = st.sampled_from(["scan", "bench"]).flatmap(
    lambda name: mutated(fixture_document(name)).map(json_bytes)
) | st.binary(max_size=200)


@FUZZ
@given(content=REPORTS, fmt=st.sampled_from(["table", "markdown", "html"]))
def test_report_and_diff_of_any_file(content: bytes, fmt: str) -> None:
    with in_directory() as directory:
        (directory / "r.json").write_bytes(content)
        assert_handled(run("report", "r.json", "--format", fmt, "-o", f"out.{fmt}"))
        assert_handled(run("report", "r.json", "--github", "--junit", "junit.xml", "-o", "t.txt"))
        for other in ("scan", "bench"):
            assert_handled(run("diff", "r.json", str(fixture_path(other))))
            assert_handled(run("diff", str(fixture_path(other)), "r.json", "--format", "markdown"))


BASELINE = {
    "schema": "perfaudit/baseline-v1",
    "scenarios": {
        "a": {
            "responses_equal": True,
            "scales": {"10": {"view_query_count": 2, "findings": ["n_plus_one shop.X.y"]}},
        }
    },
}
# A project that cannot boot: a baseline that passes is followed by the settings error, so no
# database is created, whatever the baseline holds.
BENCH_PROJECT = (
    "[perfaudit]\nsettings = no_such_project.settings\nscales = 10\nscenarios = a GET /a/\n"
)


@FUZZ
@given(content=mutated(BASELINE).map(json_bytes) | st.binary(max_size=200))
def test_bench_with_any_baseline(content: bytes) -> None:
    with in_directory() as directory:
        (directory / "setup.cfg").write_text(BENCH_PROJECT, encoding="utf-8")
        (directory / "b.json").write_bytes(content)
        result = run("bench", "--baseline", "b.json", "--json", "bench.json")
        assert_handled(result, allowed=(2,))


CFG_VALUES = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"), max_size=30
)
SETUP_CFG = st.dictionaries(
    st.sampled_from(KNOWN_KEYS) | st.from_regex(r"[a-z_]{1,10}", fullmatch=True),
    CFG_VALUES,
    max_size=6,
).map(
    lambda section: (
        "[perfaudit]\n"
        + "".join(f"{k} = {v.replace(chr(10), chr(10) + '    ')}\n" for k, v in section.items())
    )
)


def toml_value(value: Any) -> str:
    """A TOML rendering of a JSON value (JSON's string escapes are TOML's)."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


PYPROJECT = st.dictionaries(
    st.sampled_from(KNOWN_KEYS) | st.from_regex(r"[a-z_]{1,10}", fullmatch=True),
    JSON_VALUES,
    max_size=6,
).map(
    lambda table: (
        "[tool.perfaudit]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items())
    )
)
CONFIG_FILES = st.tuples(
    st.just("setup.cfg"), SETUP_CFG.map(str.encode) | st.binary(max_size=200)
) | st.tuples(st.just("pyproject.toml"), PYPROJECT.map(str.encode) | st.binary(max_size=200))


@FUZZ
@given(config=CONFIG_FILES, command=st.sampled_from(["scan", "bench"]))
def test_any_config_file(config: tuple[str, bytes], command: str) -> None:
    name, content = config
    with in_directory() as directory:
        (directory / name).write_bytes(content)
        # --json naming this directory: a configuration that loads stops at that check, one
        # line and exit 2, before Django is set up; a bad one stops earlier, naming its key.
        assert_handled(run(command, "--json", str(directory)), allowed=(2,))


@pytest.mark.parametrize("key", ["\n", "a\tb", "\x1b[31m"])
def test_a_baseline_key_with_control_characters_is_named_on_one_line(key: str) -> None:
    # Found by test_bench_with_any_baseline: a scenario named "\n" split the error in two.
    content = {"schema": "perfaudit/baseline-v1", "scenarios": {key: None}}
    with in_directory() as directory:
        (directory / "setup.cfg").write_text(BENCH_PROJECT, encoding="utf-8")
        (directory / "b.json").write_text(json.dumps(content), encoding="utf-8")
        result = run("bench", "--baseline", "b.json", "--json", "bench.json")
    assert result.exit_code == 2
    escaped = key.encode("unicode_escape").decode("ascii")
    assert result.stderr == (
        f"perfaudit: error: Baseline 'b.json' is corrupt: scenarios.{escaped}.scales should be "
        "an object; restore it from version control or regenerate it with --update-baseline.\n"
    )
