from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import unavailable
from tests.shopdemo.redis_support import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server on a free port, killed at the end of the test."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed; the Redis outage tests need their own server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.close()
