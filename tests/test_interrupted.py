"""Nothing is lost: interrupted and concurrent work leaves the previous files intact.

Result files are written to a temporary file and renamed into place; the site is written to a
staging directory beside the output and swapped in, under a lock file (`.<name>.lock`), so that two
builds of one directory take turns. These tests kill real `leaderboard` processes (SIGKILL, nothing
to clean up with) in the middle of `extract --write` and `build`, and run two builds at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard.cli import main
from leaderboard.render import output as render
from leaderboard.render.output import MARKER, write_site
from leaderboard.render.site import SiteError
from leaderboard.store.results import result_paths

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    """`python -m leaderboard ARGS` in its own process group (so that a kill reaches every child)."""
    return subprocess.Popen([sys.executable, "-m", "leaderboard", *args], cwd=cwd, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def site_snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- extract --write


def test_killed_extract_write_leaves_every_result_file_whole(tmp_path):
    results = tmp_path / "results"
    first = subprocess.run([sys.executable, "-m", "leaderboard", "extract", "--write", "--results", str(results)],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    paths = result_paths(results)
    assert len(paths) > 400
    # Make every file differ from what extraction writes, so that the next run rewrites all of them.
    before = {}
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        document["title"] += " (previous)"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        before[path.name] = path.read_bytes()
    stamp = results.stat().st_mtime_ns

    process = start(["extract", "--write", "--results", str(results)], tmp_path)
    try:
        # Kill as soon as the first file has been renamed into place: the run is mid-way through writing.
        assert wait_for(lambda: results.stat().st_mtime_ns != stamp), "extract --write never started writing"
    finally:
        kill(process)
    assert process.returncode == -signal.SIGKILL

    rewritten = 0
    for path in result_paths(results):
        data = path.read_bytes()
        document = json.loads(data)  # every result file parses: none is half-written
        if data != before[path.name]:
            rewritten += 1
            assert not document["title"].endswith(" (previous)")
    assert sorted(p.name for p in result_paths(results)) == sorted(before)
    assert rewritten < len(before), "the process finished before it was killed: nothing was interrupted"
    # At most the one file being written at the kill is left as a hidden temporary, never as *.json.
    leftovers = [p.name for p in results.iterdir() if not p.name.endswith(".json")]
    assert all(name.startswith(".") and name.endswith(".tmp") for name in leftovers)
    assert len(leftovers) <= 1

    again = subprocess.run([sys.executable, "-m", "leaderboard", "validate", str(results)], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert "invalid-json" not in again.stdout


# ---------------------------------------------------------------- build


@pytest.fixture(scope="module")
def first_site(tmp_path_factory) -> Path:
    """A site built once from the embedded corpus: the previous site of every build test here."""
    root = tmp_path_factory.mktemp("first")
    done = subprocess.run([sys.executable, "-m", "leaderboard", "build", "--out", "site", "--jobs", "1", "--no-cache"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return root / "site"


@pytest.fixture
def built(first_site, tmp_path) -> Path:
    """A copy of that site in tmp_path/site."""
    shutil.copytree(first_site, tmp_path / "site")
    return tmp_path / "site"


def staging_dirs(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(".site.")]


def test_killed_build_leaves_the_previous_site_and_the_next_build_cleans_up(built, tmp_path):
    previous = site_snapshot(built)
    (tmp_path / "data").mkdir()  # a changed input: the next build has new pages to write
    listing = tmp_path / "data" / "extra.txt"
    listing.write_text("An Extra Paper For The Rebuild\n\nWe present ExtraLM, which achieves 45.2% on MMLU and "
                       "61.3% on GSM8K, beating many larger models in every one of our settings.\n", encoding="utf-8")

    process = start(["build", "--out", "site", "--jobs", "1", "--no-cache"], tmp_path)
    try:
        # Kill while the new site is being written into its staging directory.
        assert wait_for(lambda: any(d.is_dir() and any(d.rglob("*.html")) for d in staging_dirs(tmp_path))), \
            "the build never started writing"
    finally:
        kill(process)
    assert process.returncode == -signal.SIGKILL
    assert site_snapshot(built) == previous  # the previous site, byte for byte

    done = subprocess.run([sys.executable, "-m", "leaderboard", "build", "--out", "site", "--jobs", "1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert staging_dirs(tmp_path) == []  # the killed build's staging directory (and lock) are gone
    assert (built / MARKER).is_file()
    assert "ExtraLM" in (built / "papers.html").read_text(encoding="utf-8") or \
        "An Extra Paper" in (built / "papers.html").read_text(encoding="utf-8")


def test_two_builds_into_one_directory_take_turns(built, tmp_path):
    previous = site_snapshot(built)
    builds = [start(["build", "--out", "site", "--jobs", "1", "--no-cache"], tmp_path) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in builds]
    for process, (_out, err) in zip(builds, outputs, strict=True):
        assert process.returncode == 0, err.decode()
        assert b"Traceback" not in err
    assert staging_dirs(tmp_path) == []  # no staging directory, no lock file left
    assert site_snapshot(built) == previous  # one whole site, the same bytes as a build on its own


def test_a_second_build_waits_for_the_first(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"one"}, out)
    with open(tmp_path / ".site.lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # the first build is writing
        timer = threading.Timer(0.5, held.close)  # ... and is done in half a second
        timer.start()
        started = time.monotonic()
        write_site({"index.html": b"two"}, out)
        waited = time.monotonic() - started
    timer.join()
    assert waited >= 0.4
    assert (out / "index.html").read_bytes() == b"two"


def test_a_build_that_cannot_get_the_lock_refuses_with_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "site"
    write_site({"index.html": b"one"}, out)
    monkeypatch.setattr(render, "LOCK_TIMEOUT", 0.3)
    with open(tmp_path / ".site.lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another build is writing the site
        with pytest.raises(SiteError, match="another build is writing"):
            write_site({"index.html": b"two"}, out)
        runner = CliRunner()
        result = runner.invoke(main, ["build", "--out", str(out), "--results", str(tmp_path / "none"), "--jobs", "1",
                                      "--no-cache", str(_tiny_listing(tmp_path))])
        assert result.exit_code == 1
        assert "Error: another build is writing" in result.output
    assert (out / "index.html").read_bytes() == b"one"
    write_site({"index.html": b"three"}, out)  # the lock was released: the next build goes ahead
    assert (out / "index.html").read_bytes() == b"three"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # lock file removed by that build


def _tiny_listing(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.txt"
    path.write_text("A Tiny Paper\n\nWe present TinyLM, which achieves 45.2% on MMLU and 61.3% on GSM8K, beating "
                    "many larger models in our settings.\n", encoding="utf-8")
    return path


def test_an_interrupted_swap_is_undone_by_the_next_build(tmp_path):
    """Killed between the two renames of the swap: no site, the previous one as `.site.old-*`."""
    out = tmp_path / "site"
    write_site({"index.html": b"previous"}, out)
    out.rename(tmp_path / ".site.old-abc123")
    (tmp_path / ".site.new-def456").mkdir()  # the half-written new site
    (tmp_path / ".site.new-def456" / "index.html").write_bytes(b"half")
    write_site({"index.html": b"next"}, out)
    assert (out / "index.html").read_bytes() == b"next"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_leftovers_are_restored_when_the_next_build_fails(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"previous"}, out)
    out.rename(tmp_path / ".site.old-abc123")
    with pytest.raises(SiteError):
        write_site({"../escape.html": b"x"}, out)  # refused before anything is touched
    with pytest.raises(OSError):
        write_site({"index.html": b"x", "index.html/inner.html": b"y"}, out)  # fails while staging
    assert (out / "index.html").read_bytes() == b"previous"  # the previous site was put back first
