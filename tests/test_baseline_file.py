"""perfaudit.suppress.baseline_file: bench's, scan's and pytest's baselines fail the same way,
in the same words, each naming its own schema and the option that rewrites it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from perfaudit.errors import ConfigError
from perfaudit.suppress.baseline import load_baseline
from perfaudit.suppress.scan import load_scan_baseline
from perfaudit.suppress.suite import load_baseline_keys

LOADERS: dict[str, tuple[Callable[[Path], object], str, str]] = {
    "bench": (load_baseline, "perfaudit/baseline-v1", "--update-baseline"),
    "scan": (load_scan_baseline, "perfaudit/scan-baseline-v1", "--update-baseline"),
    "pytest": (
        lambda path: load_baseline_keys(path, may_be_missing=False),
        "perfaudit/pytest-baseline-v1",
        "--perfaudit-update-baseline",
    ),
}


def error_of(kind: str, path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        LOADERS[kind][0](path)
    assert caught.value.exit_code == 2
    return str(caught.value)


@pytest.mark.parametrize("kind", LOADERS)
@pytest.mark.parametrize(
    ("text", "found"),
    [('{"schema": "perfaudit/scan-v1"}', "'perfaudit/scan-v1'"), ("[1]", "'list'"), ("{}", "None")],
    ids=["another-document", "not-an-object", "no-schema"],
)
def test_a_wrong_schema_names_the_expected_one(
    tmp_path: Path, kind: str, text: str, found: str
) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    _, schema, flag = LOADERS[kind]
    assert error_of(kind, path) == (
        f"Baseline {str(path)!r} has schema {found}, expected {schema!r}; "
        f"regenerate it with {flag}."
    )


@pytest.mark.parametrize("kind", LOADERS)
def test_a_missing_or_broken_file_says_how_to_recreate_it(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "b.json"
    flag = LOADERS[kind][2]
    assert error_of(kind, path) == f"Baseline {str(path)!r} does not exist; create it with {flag}."
    path.write_text("{")
    assert error_of(kind, path).endswith(
        f"is not JSON (Expecting property name enclosed in double quotes at line 1); "
        f"restore it from version control or regenerate it with {flag}."
    )


@pytest.mark.parametrize(
    ("kind", "body", "where"),
    [
        ("bench", '"scenarios": []', "scenarios should be an object"),
        ("scan", '"requests": []', "requests should be an object"),
        ("pytest", '"findings": {}', "findings should be a list of strings"),
    ],
)
def test_a_corrupt_body_says_where(tmp_path: Path, kind: str, body: str, where: str) -> None:
    _, schema, flag = LOADERS[kind]
    path = tmp_path / "b.json"
    path.write_text(f'{{"schema": "{schema}", {body}}}')
    assert error_of(kind, path) == (
        f"Baseline {str(path)!r} is corrupt: {where}; restore it from version control or "
        f"regenerate it with {flag}."
    )
