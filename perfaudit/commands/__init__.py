"""One function per CLI command, below click: run it, write its outputs, return its exit code."""
