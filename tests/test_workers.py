"""Forked workers (leaderboard.workers): values and errors come back; closures need no pickling."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from leaderboard.workers import Forked, Worker


def test_a_closure_runs_in_a_child_and_its_value_comes_back():
    data = {"big": list(range(1000))}
    child = Forked(lambda: (os.getpid(), sum(data["big"])))  # a lambda: never pickled, inherited
    pid, total = child.result()
    assert pid != os.getpid() and total == 499500


def test_the_childs_error_is_raised_in_the_parent():
    def fail():
        raise ValueError("bad page path 'x/../y'")

    with pytest.raises(ValueError, match="bad page path"):
        Forked(fail).result()


def test_a_child_that_dies_is_an_error_not_a_hang():
    with pytest.raises(RuntimeError, match="died"):
        Forked(lambda: os._exit(3)).result()


def test_a_stopped_child_is_gone():
    child = Forked(lambda: __import__("time").sleep(30))
    child.stop()
    assert not child._process.is_alive()


def test_a_worker_runs_tasks_in_order_and_keeps_serving_after_an_error():
    worker = Worker()
    try:
        worker.submit(math.factorial, 10)
        worker.submit(int, "not a number")
        worker.submit(os.getpid)
        assert worker.result() == 3628800
        with pytest.raises(ValueError, match="not a number"):
            worker.result()
        assert worker.result() != os.getpid()
    finally:
        worker.close()
    assert not worker._process.is_alive()


def test_a_worker_whose_parent_is_gone_ends_instead_of_waiting_for_ever():
    read_end, write_end = os.pipe()
    parent = os.fork()
    if parent == 0:  # a build process that gets killed: it never closes its worker
        worker = Worker()
        os.write(write_end, str(worker._process.pid).encode())
        os._exit(0)
    os.close(write_end)
    pid = int(os.read(read_end, 32))
    os.close(read_end)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(pid)


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie (ended, not yet reaped by its new parent)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status
