"""Replay: which requests to make (requests file, URLconf discovery), logging in, and running
each one under capture."""
