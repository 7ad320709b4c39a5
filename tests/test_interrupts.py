"""Ctrl-C at any moment of a scan leaves no test database, and says so truly (issue 14.2).

Before, a SIGINT that landed between PostgreSQL's CREATE DATABASE and the connection's switch
to the new name left the database behind while perfaudit printed that it was destroyed (3 of 25
timed interrupts). Here the interrupt is sent by the scan process to itself at exact points,
through a wrapper around Django's own creation methods, and at staggered times from outside.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.scan_helpers import REPO, postgres_databases
from tests.services import require_postgres

# Runs `perfaudit scan` after wrapping Django's test-database steps so that the process sends
# itself SIGINT at the point named by its first argument: exactly what a Ctrl-C there does.
HOOKED_SCAN = """
import os, signal, sys
import django.test.utils
from django.core.management.commands import migrate
from django.db.backends.base import creation

point = sys.argv.pop(1)
Creation = creation.BaseDatabaseCreation


def interrupt_at(name, function, before):
    def wrapper(*args, **kwargs):
        if before and point == name:
            os.kill(os.getpid(), signal.SIGINT)
        result = function(*args, **kwargs)
        if not before and point == name:
            os.kill(os.getpid(), signal.SIGINT)
        return result
    return wrapper


django.test.utils.setup_test_environment = interrupt_at(
    "before-create", django.test.utils.setup_test_environment, False)
Creation._create_test_db = interrupt_at("after-create", Creation._create_test_db, False)
migrate.Command.handle = interrupt_at("migrating", migrate.Command.handle, True)
Creation._destroy_test_db = interrupt_at("destroying", Creation._destroy_test_db, True)
import perfaudit.boot.project

load_callable = perfaudit.boot.project.load_callable


def load_interrupted_setup(spec):
    seed = load_callable(spec)
    if point != "in-setup":
        return seed

    def setup(*args, **kwargs):
        # A Ctrl-C inside a query leaves the connection busy: the rollback that follows raises
        # its own error, which replaces the KeyboardInterrupt (seen in CI on PostgreSQL).
        try:
            os.kill(os.getpid(), signal.SIGINT)
            return seed(*args, **kwargs)
        except KeyboardInterrupt:
            raise RuntimeError("can't change 'autocommit' now: connection in transaction status")

    return setup


perfaudit.boot.project.load_callable = load_interrupted_setup
from perfaudit.cli import main
sys.argv[0] = "perfaudit"
main()
"""


def scan_process(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.Popen(
        [*args, "scan", "--url", "/api/products/", "--json", os.devnull],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A suite started in the background (`cmd &` in a script) ignores SIGINT, and a child
        # inherits that: the scan must see Ctrl-C as a terminal delivers it.
        preexec_fn=_default_sigint,
    )  # fmt: skip


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def leftovers(pid: int) -> list[str]:
    return sorted(n for n in postgres_databases() or () if n.endswith(f"perfaudit_{pid}"))


def destroyed(pid: int) -> str:
    return (
        f"perfaudit: interrupted; the test database 'test_shopdemo_perfaudit_{pid}' was destroyed."
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("point", "created"),
    [
        ("before-create", False),
        ("after-create", True),
        ("migrating", True),
        ("in-setup", True),
        ("destroying", True),
    ],
)
def test_an_interrupt_at_each_step(point: str, created: bool) -> None:
    require_postgres()
    process = scan_process(sys.executable, "-c", HOOKED_SCAN, point)
    _, stderr = process.communicate(timeout=120)
    assert leftovers(process.pid) == []
    expected = (
        destroyed(process.pid) if created
        else "perfaudit: interrupted before any test database was created."
    )  # fmt: skip
    assert (process.returncode, stderr.splitlines()[-1:]) == (130, [expected]), stderr


@pytest.mark.postgres
def test_interrupts_at_staggered_times() -> None:
    require_postgres()
    outcomes = []
    for delay in (0.6, 0.9, 1.1, 1.3, 1.5, 1.7, 2.0, 2.5):
        process = scan_process(sys.executable, "-m", "perfaudit")
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert leftovers(process.pid) == [], (delay, stderr)
        last = stderr.splitlines()[-1] if stderr else ""
        if process.returncode == 0:
            outcomes.append("finished")
            continue
        # 130, or killed by the SIGINT itself (-2, which a shell reports as 130 too): seen
        # once under a loaded machine after the message was printed; not yet explained.
        assert process.returncode in (130, -signal.SIGINT), stderr
        if not stderr:
            # Killed by the signal with nothing said: seen once in CI on a loaded machine.
            # Nothing was claimed, and nothing was left behind (checked above).
            assert process.returncode == -signal.SIGINT, delay
            outcomes.append("killed")
            continue
        # Whatever the moment, the message is one of the true ones.
        assert last in (
            destroyed(process.pid),
            "perfaudit: interrupted before any test database was created.",
            "perfaudit: interrupted.",  # after the teardown
            "perfaudit: aborted.",  # before the command started (click's own)
        ), (delay, stderr)
        outcomes.append(last.split(";")[0] if ";" in last else last)
    assert outcomes  # eight runs, each clean whatever it hit
