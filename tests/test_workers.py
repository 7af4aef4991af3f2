"""Forked workers (leaderboard.workers): values and errors come back; closures need no pickling."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from leaderboard.errors import ResultFileError
from leaderboard.workers import Forked, Worker, run_apart


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


def test_run_apart_runs_in_a_child_that_may_start_children_of_its_own():
    def nested() -> tuple[int, int]:
        return os.getpid(), Forked(os.getpid).result()  # a daemonic child could not start one

    apart, grandchild = run_apart(nested)
    assert len({os.getpid(), apart, grandchild}) == 3


def test_run_apart_raises_the_childs_error_with_its_details():
    def fail():
        raise ResultFileError("/title: not a string", file="results/x.json", hint="run validate")

    with pytest.raises(ResultFileError) as raised:
        run_apart(fail)
    assert raised.value.file == "results/x.json" and raised.value.hint == "run validate"
    assert str(raised.value) == "results/x.json: /title: not a string (run validate)"


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
