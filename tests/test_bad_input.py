"""Hostile input files and flags: one line naming the input, exit 2, never a traceback (issue 14.3).

Every case here ended in a traceback (exit 1, read as "gate failed") before: a config file in
another encoding, "²" where a number goes, a report in UTF-16 or nested thousands deep, a
report missing a key the terminal table reads, Infinity in a chart, an output path that is a
directory (found only after the whole scan), a --url of undecodable bytes, a settings module
that is not one.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfaudit.cli import cli
from tests.report_fixtures import fixture_document, fixture_path

REMEDY = "pass a file written by `perfaudit scan --json` or `perfaudit bench --json`."
REGENERATE = (
    "regenerate it with `perfaudit scan`, `perfaudit bench` or `pytest --perfaudit-report`."
)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="perfaudit")


def assert_one_line_error(result, message: str) -> None:  # type: ignore[no-untyped-def]
    assert result.stderr == f"perfaudit: error: {message}\n"
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "command", "message"),
    [
        ("setup.cfg", b"[perfaudit]\nsettings = caf\xe9.settings\n", "scan",
         "setup.cfg is not UTF-8 text (byte 26 is 0xe9); save it as UTF-8."),
        ("pyproject.toml", b'[tool.perfaudit]\nsettings = "caf\xe9"\n', "bench",
         "pyproject.toml is not UTF-8 text (byte 32 is 0xe9); save it as UTF-8."),
        ("setup.cfg", "[perfaudit]\nsettings = shopdemo.settings\nthreshold = ²\n".encode(),
         "scan", "setup.cfg [perfaudit]: threshold: expected an integer, got '²'."),
        ("setup.cfg", "[perfaudit]\nsettings = x.settings\nscan_scale = ①\n".encode(),
         "scan", "setup.cfg [perfaudit]: scan_scale: expected an integer, got '①'."),
        ("setup.cfg", f"[perfaudit]\nsettings = x.settings\nthreshold = {'9' * 5000}\n".encode(),
         "scan", f"setup.cfg [perfaudit]: threshold: expected an integer, got '{'9' * 5000}'."),
        ("setup.cfg", "[perfaudit]\nsettings = x.settings\nscenarios = a GET /a/ max_queries=²\n"
         .encode(), "bench",
         "setup.cfg [perfaudit]: scenarios: scenario 'a' max_queries must be an integer."),
    ],
    ids=["setup-cfg-latin-1", "pyproject-latin-1", "threshold-superscript", "scale-circled",
         "threshold-5000-digits", "max-queries-superscript"],
)  # fmt: skip
def test_bad_config_files(
    project: Path, name: str, content: bytes, command: str, message: str
) -> None:
    (project / name).write_bytes(content)
    assert_one_line_error(invoke(command), message)


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


BAD_JSON = [
    (b"\xff{}", "{f} is not UTF-8 text (byte 0 is 0xff); {remedy}"),
    (codecs.BOM_UTF16_LE + '{"schema": 1}'.encode("utf-16-le"),
     "{f} is not UTF-8 text (it starts with a UTF-16 byte order mark); {remedy}"),
    (deep(100_000), "{f} is nested too deeply to be JSON perfaudit wrote; {remedy}"),
    (deep(40), "{f} is nested more than 32 levels deep, which no perfaudit file is; {remedy}"),
    (b'{"schema": NaN}', "{f} holds the number NaN, which JSON cannot; {remedy}"),
    (b'{"x": 1e999}', "{f} holds the number 1e999, which JSON cannot; {remedy}"),
    (b'{"x": ' + b"7" * 5000 + b"}",
     "{f} cannot be decoded (Exceeds the limit (4300 digits) for integer string conversion: "
     "value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit); {remedy}"),
]  # fmt: skip
BAD_JSON_IDS = ["latin-1", "utf-16", "nested-100000", "nested-40", "nan", "overflow", "huge-int"]


@pytest.mark.parametrize(("content", "message"), BAD_JSON, ids=BAD_JSON_IDS)
def test_bad_report_files(project: Path, content: bytes, message: str) -> None:
    (project / "r.json").write_bytes(content)
    expected = message.format(f="r.json", remedy=REMEDY[:-1]) + "."
    assert_one_line_error(invoke("report", "r.json"), expected)
    assert_one_line_error(invoke("report", "r.json", "--format", "html", "-o", "r.html"), expected)
    assert_one_line_error(invoke("diff", "r.json", str(fixture_path("scan"))), expected)


@pytest.mark.parametrize(("content", "message"), BAD_JSON, ids=BAD_JSON_IDS)
def test_bad_baseline_files(project: Path, content: bytes, message: str) -> None:
    (project / "setup.cfg").write_text(
        "[perfaudit]\nsettings = x.settings\nscenarios = a GET /a/\n", encoding="utf-8"
    )
    (project / "b.json").write_bytes(content)
    remedy = "restore it from version control or regenerate it with --update-baseline"
    expected = message.format(f="Baseline 'b.json'", remedy=remedy) + "."
    assert_one_line_error(invoke("bench", "--baseline", "b.json"), expected)


def test_a_baseline_scale_of_non_ascii_digits(project: Path) -> None:
    (project / "setup.cfg").write_text(
        "[perfaudit]\nsettings = x.settings\nscenarios = a GET /a/\n", encoding="utf-8"
    )
    baseline = {"schema": "perfaudit/baseline-v1", "scenarios": {"a": {"scales": {"²": {}}}}}
    (project / "b.json").write_text(json.dumps(baseline), encoding="utf-8")
    assert_one_line_error(
        invoke("bench", "--baseline", "b.json"),
        "Baseline 'b.json' is corrupt: scenarios.a.scales key '²' should be a positive integer; "
        "restore it from version control or regenerate it with --update-baseline.",
    )


def edited(name: str, edit) -> dict:  # type: ignore[no-untyped-def,type-arg]
    document = fixture_document(name)
    edit(document)
    return document


@pytest.mark.parametrize(
    ("document", "formats", "where", "expected"),
    [
        (edited("scan", lambda d: d["requests"][0].pop("error")), ["table"],
         "report.requests[0].error", "present"),
        (edited("bench", lambda d: d["scenarios"][0]["results"][0].pop("time_ratio")), ["table"],
         "report.scenarios[0].results[0].time_ratio", "present"),
        (edited("scan", lambda d: d["summary"].update(queries=-3)), ["table"],
         "report.summary.queries", "an integer from 0 to 9007199254740992"),
        (edited("scan", lambda d: d["summary"]["findings"].update(duplicate="2")), ["table"],
         "report.summary.findings.duplicate", "an integer from 0 to 9007199254740992"),
        (edited("bench", lambda d: d["scenarios"][0]["results"][0].update(scale=0)),
         ["table", "html", "markdown"], "report.scenarios[0].results[0].scale",
         "a positive integer"),
        (edited("scan", lambda d: d["requests"][0].update(query_count=-1)),
         ["table", "html", "markdown"], "report.requests[0].query_count",
         "an integer from 0 to 9007199254740992"),
        (edited("bench", lambda d: d["scenarios"][0]["results"][0]["optimized"]["timing"]
                .update(median_ms=10**400)), ["table", "html", "markdown"],
         "report.scenarios[0].results[0].optimized.timing.median_ms",
         "a number from 0 to 9007199254740992"),
    ],
    ids=["no-error", "no-time-ratio", "negative-summary", "summary-text", "scale-0",
         "negative-count", "huge-time"],
)  # fmt: skip
def test_reports_missing_or_misshapen_keys(
    project: Path, document: dict, formats: list[str], where: str, expected: str
) -> None:
    (project / "r.json").write_text(json.dumps(document), encoding="utf-8")
    for fmt in formats:
        result = invoke("report", "r.json", "--format", fmt, "-o", f"out.{fmt}")
        assert_one_line_error(
            result,
            f"r.json is not a valid perfaudit report: {where} should be {expected}; {REGENERATE}",
        )
        assert not (project / f"out.{fmt}").exists()


def test_infinity_in_a_report_is_refused_before_the_svg_scale(project: Path) -> None:
    text = fixture_path("bench").read_text(encoding="utf-8")
    (project / "r.json").write_text(
        text.replace('"median_ms": ', '"median_ms": Infinity, "x": ', 1), encoding="utf-8"
    )
    assert_one_line_error(
        invoke("report", "r.json", "--format", "html"),
        f"r.json holds the number Infinity, which JSON cannot; {REMEDY}",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "--json", "."], "--json: '.' is a directory; give a file name."),
        (["scan", "-o", "."], "-o: '.' is a directory; give a file name."),
        (["scan", "--format", "html", "--json", "out/x.json", "--junit", "/proc/version"],
         "--junit: '/proc/version' cannot be written: Invalid argument."),
        (["scan", "--json", "setup.cfg/x.json"],
         "--json: 'setup.cfg/x.json' cannot be written: Not a directory."),
        (["scan", "--json", "setup.cfg/a/b/x.json"],
         "--json: 'setup.cfg/a/b/x.json' cannot be written: 'setup.cfg' is a file."),
        (["bench", "--json", "."], "--json: '.' is a directory; give a file name."),
        (["bench", "--junit", "."], "--junit: '.' is a directory; give a file name."),
        (["bench", "--baseline", ".", "--update-baseline"],
         "--baseline: '.' is a directory; give a file name."),
        (["scan", "--baseline", "/proc/version", "--update-baseline"],
         "--baseline: '/proc/version' cannot be written: Invalid argument."),
    ],
    ids=["scan-json-dir", "scan-o-dir", "scan-junit-unwritable", "scan-json-under-a-file",
         "scan-json-deep-under-a-file", "bench-json-dir", "bench-junit-dir", "bench-baseline-dir",
         "scan-baseline-unwritable"],
)  # fmt: skip
def test_unwritable_outputs_are_refused_before_the_run(
    project: Path, args: list[str], message: str
) -> None:
    if "/proc/version" in args and not Path("/proc/version").exists():
        pytest.skip("needs Linux's /proc/version, a file no one can write")
    # A project that cannot even boot: the output check must come first, or the error
    # below would name the settings instead of the output.
    (project / "setup.cfg").write_text(
        "[perfaudit]\nsettings = not_a_module.settings\nscenarios = a GET /a/\n",
        encoding="utf-8",
    )
    assert_one_line_error(invoke(*args), message)
    assert sorted(p.name for p in project.iterdir()) == ["setup.cfg"]  # nothing left behind


def test_report_and_diff_outputs_are_checked(project: Path) -> None:
    scan = str(fixture_path("scan"))
    assert_one_line_error(
        invoke("report", scan, "-o", "."), "-o: '.' is a directory; give a file name."
    )
    assert_one_line_error(
        invoke("report", scan, "--junit", "."), "--junit: '.' is a directory; give a file name."
    )
    assert_one_line_error(
        invoke("diff", scan, scan, "-o", "."), "-o: '.' is a directory; give a file name."
    )


def test_a_url_of_undecodable_bytes(project: Path) -> None:
    # What a POSIX shell hands Python for `--url $'/api/\xff'`: a surrogate escape.
    assert_one_line_error(
        invoke("scan", "--settings", "shopdemo.settings", "--url", "/api/\udcff"),
        "--url: '/api/\\udcff' is not valid UTF-8.",
    )


def test_settings_that_are_not_a_django_project(project: Path) -> None:
    (project / "almost_settings.py").write_text("SECRET_KEY = 'x'\nDEBUG = True\n")
    for module in ("json", "almost_settings"):
        result = invoke("scan", "--settings", module, "--pythonpath", str(project))
        assert_one_line_error(
            result,
            f"{module!r} is not the settings module of a Django project: it sets no "
            "ROOT_URLCONF; pass --settings with the module your manage.py uses.",
        )
