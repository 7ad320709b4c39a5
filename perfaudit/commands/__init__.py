"""One function per CLI command, below click: run it, write its outputs, return its exit code.

``scan``, ``bench``, ``report`` and ``diff`` each have a module; what they share is in
``outputs`` (paths, formats, files written), ``render`` (Markdown and HTML) and ``ci``.
"""
