"""pytest-benchmark suites (not collected by the default test run) and their helpers."""
