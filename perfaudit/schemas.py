"""The ``schema`` names of every JSON document perfaudit writes and reads (docs/report-schema.md).

One module for all of them, at the base of the stage order: the writer of a document and its
reader (often in different stages, sometimes in different processes) must agree on the name,
and a version bump is one edit here.
"""

from __future__ import annotations

# Reports: every renderer reads one of these.
SCAN_SCHEMA = "perfaudit/scan-v1"
BENCH_SCHEMA = "perfaudit/bench-v1"
SUITE_SCHEMA = "perfaudit/pytest-v1"  # pytest --perfaudit and --perfaudit-report

# Baselines: committed files of accepted findings, one per tool that gates.
BENCH_BASELINE_SCHEMA = "perfaudit/baseline-v1"
SCAN_BASELINE_SCHEMA = "perfaudit/scan-baseline-v1"
SUITE_BASELINE_SCHEMA = "perfaudit/pytest-baseline-v1"
