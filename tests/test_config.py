"""perfaudit.config.scan: file sections, flag/environment precedence, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfaudit.config.bench import BenchOptions, load_bench_config
from perfaudit.config.scan import ScanOptions, load_scan_config
from perfaudit.config.scenarios import Scenario, parse_scenario
from perfaudit.errors import ConfigError

PYPROJECT = "pyproject.toml [tool.perfaudit]"
REPO = Path(__file__).resolve().parent.parent


# A project named by the environment, for files that leave `settings` out.
PROJECT = {"DJANGO_SETTINGS_MODULE": "app.settings"}


def load(root: Path, environ: dict[str, str] | None = None, **flags: object):
    return load_scan_config(root, ScanOptions(**flags), environ or {})  # type: ignore[arg-type]


def write(root: Path, name: str, text: str) -> Path:
    (root / name).write_text(text, encoding="utf-8")
    return root


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load(tmp_path, settings="myproject.settings")
    assert config.settings == "myproject.settings"
    assert (config.setup, config.scenarios, config.threshold, config.scale) == (None, (), 2, 100)
    assert config.fail_on == ()
    assert config.source == "defaults"


def test_the_repository_setup_cfg_describes_shopdemo() -> None:
    config = load(REPO)
    assert config.source == "setup.cfg [perfaudit]"
    assert config.settings == "shopdemo.settings"
    assert config.setup == "shopdemo.perfaudit_setup:setup"
    assert (config.scale, config.scales, config.threshold) == (100, (10, 100, 1000), 2)
    assert [s.name for s in config.scenarios] == [
        "product_list",
        "product_detail",
        "order_list",
        "order_detail",
        "dashboard",
    ]
    assert config.scenarios[3] == Scenario(
        "order_detail", "GET", "/api/orders/{order}/", "/api/naive/orders/{order}/", "customer-1", 2
    )
    # The budgets are the stretch goals.
    assert [s.max_queries for s in config.scenarios] == [2, 3, 1, 2, 3]


def test_pyproject_table_with_lists(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.perfaudit]\nsettings = "proj.settings"\nthreshold = 3\nscales = [5, 50]\n'
        'fail_on = ["n_plus_one"]\n'
        'scenarios = ["home GET /?q=1 user=ann max_queries=4", "about GET /about/"]\n',
    )
    config = load(tmp_path)
    assert config.source == "pyproject.toml [tool.perfaudit]"
    assert (config.settings, config.threshold, config.scales) == ("proj.settings", 3, (5, 50))
    assert config.fail_on == ("n_plus_one",)
    assert config.scenarios == (
        Scenario("home", "GET", "/?q=1", None, "ann", 4),
        Scenario("about", "GET", "/about/"),
    )


def test_flags_override_the_file_and_the_environment(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[perfaudit]\nsettings = a.settings\nthreshold = 5\n")
    env = {"DJANGO_SETTINGS_MODULE": "b.settings"}
    assert load(tmp_path).settings == "a.settings"
    assert load(tmp_path, env).settings == "b.settings"
    config = load(tmp_path, env, settings="c.settings", threshold=3, fail_on="duplicate")
    assert (config.settings, config.threshold, config.fail_on) == ("c.settings", 3, ("duplicate",))


def test_setup_and_scenarios_belong_to_the_project_the_file_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        "setup.cfg",
        "[perfaudit]\nsettings = a.settings\nsetup = a.seed:run\nthreshold = 4\n"
        "scenarios =\n    home GET /\n",
    )
    same = load(tmp_path, settings="a.settings")
    assert (same.setup, len(same.scenarios)) == ("a.seed:run", 1)
    other = load(tmp_path, settings="b.settings")
    assert (other.setup, other.scenarios, other.threshold) == (None, (), 4)
    assert load(tmp_path, settings="b.settings", setup="b.seed:go").setup == "b.seed:go"


def test_setup_cfg_comment_lines_inside_scenarios_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[perfaudit]\nscenarios =\n    # a comment\n    home GET /\n")
    assert load(tmp_path, PROJECT).scenarios == (Scenario("home", "GET", "/"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[perfaudit]\ntreshold = 2\n",
            "setup.cfg [perfaudit]: unknown key 'treshold'; known keys are settings, pythonpath, "
            "setup, fixtures, scales, scan_scale, threshold, scenarios, fail_on, "
            "eager_loads, requests, login, ignore.",
        ),
        (
            "[perfaudit]\nthreshold = two\n",
            "setup.cfg [perfaudit]: threshold: expected an integer, got 'two'.",
        ),
        ("[perfaudit]\nthreshold = 1\n", "threshold: must be at least 2, got 1."),
        ("[perfaudit]\nscan_scale = 0\n", "scan_scale: must be a positive integer, got 0."),
        (
            "[perfaudit]\nscales = 10,x\n",
            "setup.cfg [perfaudit]: scales: 'x' is not a positive integer (got '10,x').",
        ),
        ("[perfaudit]\nsetup = seed.run\n", "setup: expected MODULE:FUNCTION, got 'seed.run'."),
        (
            "[perfaudit]\nsettings = my-project\n",
            "settings: 'my-project' is not a Python module path.",
        ),
        (
            "[perfaudit]\nfail_on = n_plus_one, slow\n",
            "setup.cfg [perfaudit]: fail_on: unknown finding kind 'slow'; "
            "choose from n_plus_one, duplicate, unused_eager_load.",
        ),
        (
            "[perfaudit]\nscenarios =\n    home GET\n",
            "setup.cfg [perfaudit]: scenarios: 'home GET' needs at least NAME METHOD PATH.",
        ),
        (
            "[perfaudit]\nscenarios =\n    home FETCH /\n",
            "setup.cfg [perfaudit]: scenarios: scenario 'home' has unknown method 'FETCH'.",
        ),
        (
            "[perfaudit]\nscenarios =\n    home GET / naive\n",
            "setup.cfg [perfaudit]: scenarios: scenario 'home' has 'naive'; expected one of "
            "naive=..., user=..., max_queries=..., expect=....",
        ),
        (
            "[perfaudit]\nscenarios =\n    home GET home/\n",
            "setup.cfg [perfaudit]: scenarios: scenario 'home' path 'home/' must start with '/'.",
        ),
        (
            "[perfaudit]\nscenarios =\n    home GET / max_queries=few\n",
            "setup.cfg [perfaudit]: scenarios: scenario 'home' max_queries must be an integer.",
        ),
        (
            "[perfaudit]\nscenarios =\n    home GET /\n    home GET /again/\n",
            "setup.cfg [perfaudit]: scenarios: scenario name 'home' is used twice.",
        ),
        ("[perfaudit\n", "setup.cfg cannot be parsed: File contains no section headers."),
    ],
    ids=[
        "unknown-key",
        "threshold-not-int",
        "threshold-too-low",
        "scale-zero",
        "scales-not-int",
        "setup-without-colon",
        "settings-not-module",
        "fail-on-unknown-kind",
        "scenario-too-short",
        "scenario-bad-method",
        "scenario-bad-option",
        "scenario-relative-path",
        "scenario-bad-max-queries",
        "scenario-name-twice",
        "setup-cfg-broken",
    ],
)
def test_bad_setup_cfg_is_one_error_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "setup.cfg", text)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[tool.perfaudit]\nthreshold = true\n",
            f"{PYPROJECT}: threshold: expected an integer, got True.",
        ),
        (
            "[tool.perfaudit]\nscenarios = [1]\n",
            f"{PYPROJECT}: scenarios: expected a string or a list of strings, got [1].",
        ),
        (
            '[tool.perfaudit]\nsettings = ""\n',
            f"{PYPROJECT}: settings: expected a non-empty string, got ''.",
        ),
        (
            "[tool.perfaudit\n",
            "pyproject.toml cannot be parsed: "
            "Expected ']' at the end of a table declaration (at line 1, column 16).",
        ),
        ("[tool]\nperfaudit = 3\n", "pyproject.toml [tool.perfaudit] must be a table."),
    ],
    ids=["bool-threshold", "scenarios-not-strings", "empty-settings", "toml-broken", "not-a-table"],
)
def test_bad_pyproject_is_one_error_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "pyproject.toml", text)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert str(caught.value) == message


def test_both_files_configured_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[perfaudit]\nthreshold = 2\n")
    write(tmp_path, "pyproject.toml", "[tool.perfaudit]\nthreshold = 3\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert str(caught.value).startswith("perfaudit is configured in both setup.cfg [perfaudit]")


def test_a_pyproject_without_the_table_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[build-system]\nrequires = []\n")
    assert load(tmp_path, PROJECT).source == "defaults"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"fail_on": "n_plus_one,slow"}, "--fail-on: unknown finding kind 'slow'"),
        ({"urls": ("api/",)}, "--url: 'api/' must be a path starting with '/'."),
        ({"setup": "nocolon"}, "setup: expected MODULE:FUNCTION, got 'nocolon'."),
    ],
    ids=["fail-on", "url-relative", "setup-spec"],
)
def test_bad_flags(tmp_path: Path, flags: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, **flags)
    assert str(caught.value).startswith(message)


def test_parse_scenario_upper_cases_the_method() -> None:
    assert parse_scenario("x get /a/ naive=/n/a/") == Scenario("x", "GET", "/a/", "/n/a/")


# `scales` from the three places it can come from, parsed by one function: each source loads
# the value into a project that declares one scenario (bench refuses a project without any).
SETUP_CFG = "setup.cfg [perfaudit]"


def scales_from_flag(root: Path, value: str) -> tuple[int, ...]:
    write(root, "setup.cfg", "[perfaudit]\nscenarios = home GET /\n")
    return load_bench_config(root, BenchOptions(scales=value), PROJECT).scales


def scales_from_setup_cfg(root: Path, value: str) -> tuple[int, ...]:
    write(root, "setup.cfg", f"[perfaudit]\nscenarios = home GET /\nscales = {value}\n")
    return load_bench_config(root, BenchOptions(), PROJECT).scales


def scales_from_pyproject(root: Path, value: str) -> tuple[int, ...]:
    text = f'[tool.perfaudit]\nscenarios = ["home GET /"]\nscales = {value}\n'
    write(root, "pyproject.toml", text)
    return load_bench_config(root, BenchOptions(), PROJECT).scales


TEXT_SOURCES = {"--scales": scales_from_flag, f"{SETUP_CFG}: scales": scales_from_setup_cfg}


@pytest.mark.parametrize("key", TEXT_SOURCES)
@pytest.mark.parametrize(
    ("value", "expected"),
    [("10,100,1000", (10, 100, 1000)), ("1000, 10,100", (10, 100, 1000)), ("5 50", (5, 50))],
    ids=["sorted", "unsorted", "spaces"],
)
def test_scales_are_sorted_from_the_flag_and_setup_cfg(
    tmp_path: Path, key: str, value: str, expected: tuple[int, ...]
) -> None:
    assert TEXT_SOURCES[key](tmp_path, value) == expected


def test_scales_are_sorted_from_pyproject(tmp_path: Path) -> None:
    assert scales_from_pyproject(tmp_path, "[1000, 10, 100]") == (10, 100, 1000)
    assert scales_from_pyproject(tmp_path, '["50", "5"]') == (5, 50)
    assert scales_from_pyproject(tmp_path, "7") == (7,)


@pytest.mark.parametrize("key", TEXT_SOURCES)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10,100,10", "'10,100,10' names the size 10 twice."),
        ("10,010", "'10,010' names the size 10 twice."),
        ("0,10", "'0' is not a positive integer (got '0,10')."),
        ("10,-5", "'-5' is not a positive integer (got '10,-5')."),
        ("10,x", "'x' is not a positive integer (got '10,x')."),
        ("2.5", "'2.5' is not a positive integer (got '2.5')."),
        ("10,²", "'²' is not a positive integer (got '10,²')."),
        ("", "no size given; expected positive integers separated by commas, such as "
             "10,100,1000."),
        (" , ", "no size given; expected positive integers separated by commas, such as "
                "10,100,1000."),
    ],
    ids=["repeat", "repeat-written-differently", "zero", "negative", "word", "fraction",
         "superscript", "empty", "only-commas"],
)  # fmt: skip
def test_bad_scales_from_the_flag_or_setup_cfg_are_one_line_naming_the_source(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        TEXT_SOURCES[key](tmp_path, value)
    assert str(caught.value) == f"{key}: {message}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[10, 100, 10]", "[10, 100, 10] names the size 10 twice."),
        ("[0, 10]", "0 is not a positive integer (got [0, 10])."),
        ("[10, -5]", "-5 is not a positive integer (got [10, -5])."),
        ('[10, "x"]', "'x' is not a positive integer (got [10, 'x'])."),
        ("[2.5]", "2.5 is not a positive integer (got [2.5])."),
        ("[true]", "True is not a positive integer (got [True])."),
        ('["10,100"]', "'10,100' is not a positive integer (got ['10,100'])."),
        ("[]", "no size given; expected positive integers separated by commas, such as "
               "10,100,1000."),
    ],
    ids=["repeat", "zero", "negative", "word", "fraction", "boolean", "commas-in-one-item",
         "empty"],
)  # fmt: skip
def test_bad_scales_from_pyproject_are_one_line_naming_the_source(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        scales_from_pyproject(tmp_path, value)
    assert str(caught.value) == f"{PYPROJECT}: scales: {message}"


def test_a_bad_multi_line_setup_cfg_value_is_still_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        scales_from_setup_cfg(tmp_path, "\n    10\n    10")
    assert str(caught.value) == f"{SETUP_CFG}: scales: '\\n10\\n10' names the size 10 twice."


@pytest.mark.parametrize(
    "files",
    [{}, {"setup.cfg": "[perfaudit]\nthreshold = 3\n"}, {"pyproject.toml": "[tool.other]\n"}],
    ids=["no-file", "file-without-settings", "pyproject-without-table"],
)
def test_nothing_names_a_project_is_an_error(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {"DJANGO_SETTINGS_MODULE": "  "})
    assert str(caught.value) == (
        "No Django project to audit: pass --settings MODULE, set DJANGO_SETTINGS_MODULE, or "
        "name it in setup.cfg [perfaudit] or pyproject.toml [tool.perfaudit] (settings = ...)."
    )


@pytest.mark.parametrize(
    ("environ", "flags", "expected"),
    [
        ({"DJANGO_SETTINGS_MODULE": "env.settings"}, {}, "env.settings"),
        ({}, {"settings": "flag.settings"}, "flag.settings"),
    ],
    ids=["environment", "flag"],
)
def test_the_environment_or_a_flag_names_the_project(
    tmp_path: Path, environ: dict[str, str], flags: dict[str, str], expected: str
) -> None:
    assert load(tmp_path, environ, **flags).settings == expected
