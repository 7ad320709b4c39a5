"""Capture every query a block runs: SQL, call site, the ORM access behind it, on every thread."""
