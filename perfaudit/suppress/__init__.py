"""Suppression: ignore rules, inline comments and the baselines of scan, bench, pytest."""
