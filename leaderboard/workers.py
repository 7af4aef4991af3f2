"""Work done in forked child processes, for the build's second and further cores.

A forked child inherits this process's memory: the compiled site and the closures that make its
pages are used there as they are, never pickled (most of them cannot be). Only results travel back,
through a pipe. No thread is involved, so this process stays safe to fork again later.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def run_apart(function: Callable[[], object]) -> object:
    """`function()`, run in a forked child when this system can fork: the child ends without
    freeing what it built object by object (a third of a second after a build of 100,000
    papers), and hands back only the value (or raises the error here)."""
    if not can_fork():
        return function()
    return Forked(function, daemon=False).result()  # not daemonic: it may start processes itself


class Forked:
    """`function()` run in a forked child; `result()` waits for its value or raises its error."""

    def __init__(self, function: Callable[[], object], daemon: bool = True):
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(function, child), daemon=daemon)
        self._process.start()
        child.close()

    def result(self) -> object:
        try:
            outcome, value = self._pipe.recv()
        except EOFError:
            outcome, value = "error", RuntimeError(f"a worker process died (exit code {self._exit_code()})")
        finally:
            self._pipe.close()
            self._process.join()
        if outcome == "error":
            raise value
        return value

    def stop(self) -> None:
        """End the child (the build failed elsewhere): what it wrote so far is whole files only."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._pipe.close()

    def _exit_code(self) -> int | None:
        self._process.join(timeout=5)
        return self._process.exitcode


def _run(function: Callable[[], object], pipe) -> None:
    try:
        value = ("value", function())
    except BaseException as error:  # noqa: BLE001 - handed to the parent, which raises it
        value = ("error", error)
    try:
        pipe.send(value)
    except Exception as error:  # an error that cannot be pickled: its text at least
        pipe.send(("error", RuntimeError(f"{type(value[1]).__name__}: {value[1]}; {error}")))
    pipe.close()


class Worker:
    """A forked child that runs tasks one after the other, for work a build can start early and
    collect later (drawing charts, scanning the previous site). Tasks are module-level functions
    and their arguments, pickled; `result()` returns the results in the order of `submit`."""

    def __init__(self):
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self._pipe), daemon=True)
        self._process.start()
        child.close()

    def submit(self, function: Callable, *args: object) -> None:
        self._pipe.send((function, args))

    def result(self) -> object:
        """The next task's value; its error is raised here."""
        try:
            outcome, value = self._pipe.recv()
        except EOFError:
            raise RuntimeError("the background worker process died") from None
        if outcome == "error":
            raise value
        return value

    def close(self) -> None:
        try:
            self._pipe.send(None)
        except OSError:
            pass  # it has stopped already
        self._pipe.close()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve(pipe, parent_end) -> None:
    # The fork copied the parent's end of the pipe too: close it here, so that the parent's death
    # ends this loop (an end of file) instead of leaving it waiting for ever.
    parent_end.close()
    try:
        while (task := pipe.recv()) is not None:
            function, args = task
            try:
                reply = ("value", function(*args))
            except Exception as error:  # noqa: BLE001 - handed to the parent, which raises it
                reply = ("error", error)
            pipe.send(reply)
    except (EOFError, OSError):
        pass  # the parent stopped listening (its build failed): nothing left to do
