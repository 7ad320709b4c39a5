"""`perfaudit scan` suppression through the CLI: ignore rules, inline comments, the baseline.

Errors found before any database exists run in this process through CliRunner; scans run in a
fresh process (tests.scan_helpers.run_scan) on a copy of tests/sampleproject whose views carry
inline comments, on the suite's database (SQLite, or PostgreSQL when DATABASE_URL is set).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfaudit.cli import cli
from tests.scan_helpers import REPO, SAMPLE, Run, run_scan


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="perfaudit")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[perfaudit]\nignore =\n    kind=n_plus_one\n    relation=Product\n",
         "setup.cfg [perfaudit]: ignore: rule 2 'relation=Product': relation 'Product' should "
         "be app.Model.field or app.Model."),
        ("[perfaudit]\nignore =\n    # legacy views\n    kind=slow request=*  # why\n",
         "setup.cfg [perfaudit]: ignore: rule 1 'kind=slow request=*': unknown finding kind "
         "'slow'; choose from n_plus_one, duplicate, unused_eager_load."),
        ("[perfaudit]\nignore = callsite:views.py\n",
         "setup.cfg [perfaudit]: ignore: rule 1 'callsite:views.py': 'callsite:views.py' should "
         "be NAME=GLOB with NAME one of relation, request, path, callsite, kind."),
        ("[tool.perfaudit]\nignore = ['path=/a/*', 'path=a/*']\n",
         "pyproject.toml [tool.perfaudit]: ignore: rule 2 'path=a/*': path 'a/*' should start "
         "with '/'."),
        ("[tool.perfaudit]\nignore = 3\n",
         "pyproject.toml [tool.perfaudit]: ignore: expected a string or a list of strings, got 3."),
    ],
    ids=["bad-relation", "bad-kind-after-comment", "no-equals", "pyproject-path", "not-a-list"],
)  # fmt: skip
def test_bad_ignore_rules_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, message: str
) -> None:
    name = "pyproject.toml" if config.startswith("[tool") else "setup.cfg"
    (tmp_path / name).write_text(config, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("scan")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"perfaudit: error: {message}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Baseline '{path}' does not exist; create it with --update-baseline."),
        ("{", "Baseline '{path}' is not JSON (Expecting property name enclosed in double quotes "
              "at line 1); restore it from version control or regenerate it with "
              "--update-baseline."),
        ('{"schema": "perfaudit/scan-baseline-v1", "requests": {"a": "x"}}',
         "Baseline '{path}' is corrupt: requests.a should be a list of strings; restore it from "
         "version control or regenerate it with --update-baseline."),
    ],
    ids=["missing", "not-json", "corrupt"],
)  # fmt: skip
def test_unusable_baseline_exits_2_before_any_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, message: str
) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(REPO)
    result = invoke("scan", "--baseline", str(path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"perfaudit: error: {message.format(path=path)}\n"


def test_update_baseline_needs_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = invoke("scan", "--update-baseline")
    assert result.exit_code == 2
    assert result.stderr == (
        "perfaudit: error: --update-baseline needs --baseline FILE to know which file to write.\n"
    )


def copy_sample(tmp_path: Path, comments: dict[str, str], config: str = "") -> Path:
    """tests/sampleproject in ``tmp_path``, ``# perfaudit: ...`` comments on marked lines."""
    project = tmp_path / "project"
    shutil.copytree(SAMPLE / "sample", project / "sample")
    views = project / "sample" / "views.py"
    lines = views.read_text(encoding="utf-8").splitlines()
    for marker, comment in comments.items():
        [index] = [i for i, t in enumerate(lines) if t.endswith(f"# marker: {marker}")]
        lines[index] += f"  {comment}"
    views.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[tool.perfaudit]\nsettings = "sample.settings"\nsetup = "sample.seed:seed"\n' + config,
        encoding="utf-8",
    )
    return project


def marker_line(project: Path, name: str) -> int:
    lines = (project / "sample" / "views.py").read_text(encoding="utf-8").splitlines()
    [line] = [i for i, t in enumerate(lines, 1) if f"# marker: {name}" in t]
    return line


def scan(project: Path, *args: str) -> Run:
    return run_scan(
        *args,
        cwd=project,
        env={"SAMPLE_DB": str(project / "db.sqlite3"), "PYTHONPATH": f"{project}:{REPO}"},
        json_path=project / "report.json",
    )


def outcome(request: dict) -> tuple[list, list]:
    """(kept findings as (kind, field, line), suppressed ones as (kind, field, source, rule))."""
    kept = [(f["kind"], f["field"], f["callsite"]["line"]) for f in request["findings"]]
    suppressed = [
        (s["kind"], s["field"], s["suppression"]["source"], s["suppression"]["rule"])
        for s in request["suppressed"]
    ]
    return kept, suppressed


SCENARIOS = """scenarios = [
    "forward_fk GET /books/forward/", "m2m GET /books/m2m/", "reverse_fk GET /authors/reverse-fk/",
    "reverse_one_to_one GET /users/reverse-one-to-one/", "deferred GET /books/deferred/",
    "related_count GET /authors/count/", "related_exists GET /authors/exists/",
    "related_filter GET /authors/filter/", "handwritten GET /books/handwritten/",
    "template_loop GET /books/template/", "two_loops GET /books/two-loops/",
    "duplicate GET /publishers/duplicate/",
]
"""


def test_ignore_rules_and_inline_comments(tmp_path: Path) -> None:
    loop_a = marker_line(SAMPLE, "loop-a")  # the copy's lines are the same
    rules = [
        "relation=sample.Book.summary",  # an exact relation
        "relation=auth.User",  # app.Model: any field
        "request=related_c*",  # a request-name glob
        "path=/authors/exi*",  # a path glob
        f"callsite=sample/views.py:{loop_a}",  # one line of a file: loop-b stays
        "callsite=sample/books.html",  # a template name
        "kind=n_plus_one relation=sample.Author.* request=related_f*",  # combined
        "kind=duplicate relation=sample.Author.*",  # combined, matches nothing: stale
        "relation=sample.Nope.*",  # stale
    ]
    config = SCENARIOS + "ignore = [\n" + "".join(f"    {r!r},\n" for r in rules) + "]\n"
    project = copy_sample(
        tmp_path,
        {
            "forward": "# perfaudit: ignore[n_plus_one]",
            "m2m": "# perfaudit: ignore[duplicate]",  # another kind: no effect
            "rfk": "# perfaudit: ignore",
            "duplicate": "# perfaudit: ignore[unused_eager_load, duplicate]",
        },
        config.replace("'", '"'),
    )
    run = scan(project, "--fail-on", "n_plus_one")
    assert run.report is not None, run.stderr
    assert run.returncode == 1
    assert run.stderr == "perfaudit: 3 finding(s) of kind n_plus_one (--fail-on): failing.\n"
    got = {r["name"]: outcome(r) for r in run.report["requests"]}
    line = {name: marker_line(project, name) for name in ("forward", "m2m", "rfk", "duplicate")}
    inline = "sample/views.py:{}: perfaudit: ignore"
    assert got == {
        "forward_fk": ([], [("n_plus_one", "author", "inline",
                             inline.format(line["forward"]) + "[n_plus_one]")]),
        "m2m": ([("n_plus_one", "tags", line["m2m"])], []),
        "reverse_fk": ([], [("n_plus_one", "books", "inline", inline.format(line["rfk"]))]),
        "reverse_one_to_one": ([], [("n_plus_one", "author_profile", "config",
                                     "relation=auth.User")]),
        "deferred": ([], [("n_plus_one", "summary", "config", "relation=sample.Book.summary")]),
        "related_count": ([], [("n_plus_one", "books", "config", "request=related_c*")]),
        "related_exists": ([], [("n_plus_one", "books", "config", "path=/authors/exi*")]),
        "related_filter": ([], [("n_plus_one", "books", "config", rules[6])]),
        "handwritten": ([("n_plus_one", None, marker_line(project, "handwritten"))], []),
        "template_loop": ([], [("n_plus_one", "publisher", "config",
                                "callsite=sample/books.html")]),
        "two_loops": ([("n_plus_one", "author", marker_line(project, "loop-b"))],
                      [("n_plus_one", "author", "config", rules[4])]),
        "duplicate": ([], [("duplicate", None, "inline",
                            inline.format(line["duplicate"]) + "[unused_eager_load, duplicate]")]),
    }  # fmt: skip
    summary = run.report["summary"]
    assert (summary["suppressed"], summary["findings"]["n_plus_one"]) == (10, 3)
    assert summary["stale_rules"] == rules[7:]
    assert run.report["baseline"] is None
    stdout = " ".join(run.stdout.split())  # the console wraps at 80 columns
    assert (
        "12 requests, " in stdout
        and ": 3 N+1, 0 duplicate, 0 unused eager load, 10 suppressed." in stdout
    )
    assert "suppressed N+1 x8 sample.Book.summary (config: relation=sample.Book.summary)" in stdout
    stale = "warning: ignore rule 'relation=sample.Nope.*' matched no finding in this scan (stale)."
    assert stale in stdout


def test_baseline_new_fails_baselined_passes_fixed_ratchets_out(tmp_path: Path) -> None:
    project = copy_sample(tmp_path, {})
    urls = ("--url", "/books/forward/", "--url", "/authors/count/")
    baseline = project / "baseline.json"

    # Adopt: 4 authors < threshold 5, so /authors/count/ is recorded clean.
    first = scan(project, *urls, "--threshold", "5", "--baseline", "baseline.json",
                 "--update-baseline")  # fmt: skip
    assert first.returncode == 0, first.stderr
    function = first.report["requests"][0]["suppressed"][0]["callsite"]["function"]
    key = f"n_plus_one sample.Book.author at sample/views.py in {function}"
    assert json.loads(baseline.read_text()) == {
        "schema": "perfaudit/scan-baseline-v1",
        "requests": {"/authors/count/": [], "/books/forward/": [key]},
    }
    assert "Baseline written to baseline.json" in first.stdout

    # Baselined passes: the N+1 is reported as suppressed by the baseline.
    same = scan(project, *urls, "--threshold", "5", "--baseline", "baseline.json")
    assert (same.returncode, same.stderr) == (0, "")
    assert outcome(same.report["requests"][0]) == ([], [("n_plus_one", "author", "baseline", key)])
    assert same.report["baseline"] == {"file": "baseline.json", "fixed": [], "updated": False}

    # New fails: at threshold 2 /authors/count/ has an N+1 the baseline lacks.
    new = scan(project, *urls, "--baseline", "baseline.json")
    assert new.returncode == 1
    assert (
        new.stderr == "perfaudit: 1 new finding(s) not in the baseline 'baseline.json': failing.\n"
    )
    assert [len(r["findings"]) for r in new.report["requests"]] == [0, 1]
    # ... and --update-baseline does not accept it into a request the baseline knows.
    again = scan(project, *urls, "--baseline", "baseline.json", "--update-baseline")
    assert again.returncode == 1
    assert json.loads(baseline.read_text())["requests"]["/authors/count/"] == []
    only_dup = scan(project, *urls, "--baseline", "baseline.json", "--fail-on", "duplicate")
    assert only_dup.returncode == 0, only_dup.stderr

    # Fixed ratchets out: select_related on the forward view, then --update-baseline.
    views = project / "sample" / "views.py"
    text = views.read_text(encoding="utf-8")
    fixed_text = text.replace(
        'for book in Book.objects.order_by("id")]  # marker: forward',
        'for book in Book.objects.select_related("author").order_by("id")]  # marker: forward',
    )
    assert fixed_text != text
    views.write_text(fixed_text, encoding="utf-8")
    fixed = scan(project, *urls, "--threshold", "5", "--baseline", "baseline.json",
                 "--update-baseline")  # fmt: skip
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.report["baseline"] == {
        "file": "baseline.json",
        "fixed": [f"/books/forward/: {key}"],
        "updated": True,
    }
    assert f"fixed since the baseline: /books/forward/: {key}" in " ".join(fixed.stdout.split())
    assert json.loads(baseline.read_text())["requests"] == {
        "/authors/count/": [],
        "/books/forward/": [],
    }
