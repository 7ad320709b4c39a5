"""Hold Ctrl-C over the steps that must not be cut in two: creating a test database and
switching the connection to it, and destroying the test databases.

A KeyboardInterrupt raised between ``CREATE DATABASE`` and the moment the connection records
the new name leaves a database no cleanup knows of; one raised inside the teardown leaves the
rest undestroyed. Inside :func:`held_interrupts` SIGINT is only noted, and delivered once the
step is over. Signal handlers belong to the main thread; elsewhere the block runs as it is.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType


@dataclass
class Held:
    """Whether a SIGINT arrived while held."""

    received: bool = False


@contextmanager
def held_interrupts(*, deliver: bool = True) -> Iterator[Held]:
    """Note SIGINT during the block instead of raising; with ``deliver``, raise the
    KeyboardInterrupt after a block that ended normally (else the caller reads ``received``)."""
    held = Held()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def note(signum: int, frame: FrameType | None) -> None:
        held.received = True

    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:  # Ctrl-C is ignored anyway (nohup, a parent's choice)
        yield held
        return
    signal.signal(signal.SIGINT, note)
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if deliver and held.received:
        raise KeyboardInterrupt
