"""perfaudit's pytest plugin (entry point ``pytest11``).

Loading it must never import or configure Django: `pytest --help` works whatever the settings.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "perfaudit(max_queries=None): query budget checked by perfaudit's fixture"
    )
