"""`.ci/run` is what CI executes: it must make missing services fail, not skip."""

from __future__ import annotations

import re
from pathlib import Path

CI_RUN = Path(__file__).resolve().parent.parent / ".ci" / "run"


def test_ci_run_exports_ci_before_the_first_test_run() -> None:
    # tests/services.py turns a missing PostgreSQL, Redis or Chromium into a failure only when
    # CI is set in the pytest processes that .ci/run starts.
    lines = CI_RUN.read_text(encoding="utf-8").splitlines()
    exports = [i for i, line in enumerate(lines) if re.match(r"^export\b.*\bCI=(true|1)\b", line)]
    runs = [i for i, line in enumerate(lines) if 'TEST_COMMAND"' in line and "eval" in line]
    assert runs, "no test run found in .ci/run"
    assert exports and exports[0] < runs[0]
