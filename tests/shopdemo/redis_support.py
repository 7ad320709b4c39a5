"""A private redis-server for the outage tests: started, stopped, frozen and restarted at will.

The shared Redis on 6379 is never touched: other test runs use it.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from shopdemo.service_urls import parse_redis_url
from shopdemo.shop import cache_health
from tests.services import is_listening
from tests.shopdemo import cache_support


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private redis-server process on a free localhost port, persisted to ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not is_listening("127.0.0.1", self.port, timeout=0.1):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self, *, is_saved: bool = False) -> None:
        """Stop the server; with ``is_saved`` its data comes back on the next start.

        SHUTDOWN SAVE snapshots and exits in one step, as a server with save points does on
        SIGTERM: every write it acknowledged is in the snapshot, none after it is.
        """
        assert self.process is not None
        # A bare socket: redis-py retries the command whose connection the shutdown closes,
        # which takes seconds.
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(b"SHUTDOWN SAVE\r\n" if is_saved else b"SHUTDOWN NOSAVE\r\n")
            sock.recv(64)  # empty when the server has exited
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(timeout=10)


def use_redis(settings, url: str, *, ignore_exceptions: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Point the page cache at ``url`` (with this test run's key prefix) and forget its health."""
    config = parse_redis_url(url)
    config["KEY_PREFIX"] = settings.CACHES["default"]["KEY_PREFIX"]
    config["OPTIONS"]["IGNORE_EXCEPTIONS"] = ignore_exceptions
    settings.CACHES = {"default": config, "uncached": cache_support.UNCACHED}
    cache_health.reset_health()
