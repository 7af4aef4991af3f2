"""The build cache (leaderboard.cache): one SQLite file of entries, documents and the stat index;
what happens to damaged, foreign or stale files; forked processes writing to it; where it lives
(never in a directory git tracks)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard import cache as cache_module
from leaderboard.cache import DATABASE, BuildCache, check_cache_dir, content_key, default_cache_dir
from leaderboard.errors import CacheDirError


def rows(directory: Path, query: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(directory / DATABASE)) as db:
        return db.execute(query).fetchall()


def test_entries_round_trip_and_a_save_drops_those_a_build_did_not_use(tmp_path):
    first = BuildCache(tmp_path)
    for n in range(200):
        first.put("things", content_key(str(n)), {"n": n})
    first.save()

    second = BuildCache(tmp_path)
    assert second.get("things", content_key("7")) == {"n": 7}
    assert second.get("things", content_key("nope")) is None
    second.save()  # only "7" was used: every other entry is gone

    third = BuildCache(tmp_path)
    assert third.get("things", content_key("7")) == {"n": 7}
    assert third.get("things", content_key("8")) is None
    assert rows(tmp_path, "SELECT count(*) FROM entries") == [(1,)]


def test_a_save_after_one_change_writes_one_entry(tmp_path, monkeypatch):
    keys = [content_key(str(n)) for n in range(500)]
    first = BuildCache(tmp_path)
    for key in keys:
        first.put("things", key, key[:4])
    first.save()

    statements: list[str] = []
    connect = cache_module._connect

    def traced(path):
        db = connect(path)
        db.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(cache_module, "_connect", traced)
    second = BuildCache(tmp_path)
    second.preload("things")
    for key in keys:
        assert second.get("things", key) == key[:4]
    second.put("things", keys[0], "changed")
    second.save()
    writes = [s for s in statements if s.startswith(("INSERT", "DELETE", "UPDATE"))]
    assert len(writes) == 1 and "INSERT OR REPLACE INTO entries" in writes[0]
    assert BuildCache(tmp_path).get("things", keys[0]) == "changed"
    assert BuildCache(tmp_path).get("things", keys[1]) == keys[1][:4]


def test_a_preloaded_entry_read_twice_is_the_same_value_and_kept(tmp_path):
    first = BuildCache(tmp_path)
    first.put("things", "k", ["v"])
    first.put("things", "other", ["w"])
    first.save()
    second = BuildCache(tmp_path)
    second.preload("things")
    value = second.get("things", "k")
    assert value == ["v"] and second.get("things", "k") is value  # its text was dropped once decoded
    assert second.get("things", "missing") is None and second.get("things", "missing") is None
    second.save()
    assert rows(tmp_path, "SELECT key FROM entries") == [("k",)]


def test_get_many_gives_what_get_gives_key_by_key_and_keeps_the_same(tmp_path):
    first = BuildCache(tmp_path)
    for key in ("a", "b", "c", "unused"):
        first.put("things", key, [key])
    first.save()
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE)) as db:  # one value that does not decode
        db.execute("UPDATE entries SET value = '[\"b\"' WHERE key = 'b'")
        db.commit()
    keys = ["a", "b", None, "missing", "c", "a"]
    one_by_one = BuildCache(tmp_path)
    expected = [one_by_one.get("things", key) if key else None for key in keys]
    many = BuildCache(tmp_path)
    already = many.get("things", "c")  # decoded before: get_many gives that same value
    found = many.get_many("things", keys)
    assert found == expected == [["a"], None, None, None, ["c"], ["a"]]
    assert found[4] is already and found[0] is found[5]
    assert many.warnings == one_by_one.warnings and "things" in many.warnings[0]
    many.save()  # what was used is kept, the rest dropped
    assert rows(tmp_path, "SELECT key FROM entries ORDER BY key") == [("a",), ("c",)]


def test_a_new_file_has_pages_of_64_kib(tmp_path):
    # Fewer, larger pages: a third less CPU reading and writing the 100,000 results of a large site.
    BuildCache(tmp_path).save()
    assert rows(tmp_path, "PRAGMA page_size") == [(65536,)]


def test_blobs_are_kept_without_reading_and_stale_ones_removed(tmp_path):
    first = BuildCache(tmp_path)
    first.put_blob("blobs", "aaa", ["paper"])
    first.put_blob("blobs", "bbb", ["other"])
    first.save()
    second = BuildCache(tmp_path)
    assert second.keep_blob("blobs", "aaa") and not second.keep_blob("blobs", "zzz")
    second.save()
    assert rows(tmp_path, "SELECT key FROM entries WHERE kind = 'blobs'") == [("aaa",)]
    assert BuildCache(tmp_path).get_blob("blobs", "aaa") == ["paper"]


def _saved(tmp_path: Path) -> None:
    first = BuildCache(tmp_path)
    first.put("things", "k", "v")
    first.replace("site", {"site": "x", "pages": {"index.html": ("key", 1, 2)}})
    first.save()
    reader = BuildCache(tmp_path)
    assert reader.load("site") == {"site": "x", "pages": {"index.html": ("key", 1, 2)}}
    reader.close()  # a closed connection leaves no write-ahead log behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.lock", DATABASE]


@pytest.mark.parametrize("damage", ["", "garbage", "truncate-header", "truncate-half", "foreign", "old-version"])
def test_a_damaged_file_reads_as_empty_with_a_warning_and_is_made_anew(tmp_path, damage):
    _saved(tmp_path)
    database = tmp_path / DATABASE
    data = database.read_bytes()
    if damage in ("foreign", "old-version"):
        database.unlink()
        with contextlib.closing(sqlite3.connect(database)) as other:
            other.executescript("CREATE TABLE entries (a);" if damage == "foreign" else
                                "PRAGMA application_id = 1279411009; PRAGMA user_version = 1; CREATE TABLE entries (a);")
    else:
        database.write_bytes({"": b"", "garbage": b"\x00garbage" * 600, "truncate-header": data[:100],
                              "truncate-half": data[: len(data) // 2]}[damage])
    again = BuildCache(tmp_path)
    assert again.get("things", "k") is None and again.load("site") is None
    if damage:  # an empty file is a new, empty cache
        assert again.warnings and str(database) in again.warnings[0]
    again.put("things", "k", "anew")
    again.save()
    fresh = BuildCache(tmp_path)
    assert fresh.get("things", "k") == "anew" and fresh.warnings == []


@pytest.mark.parametrize("version", [3, 99])
def test_a_file_of_another_format_version_is_made_anew_without_a_warning(tmp_path, version):
    # An older (or newer) leaderboard's cache is no damage: it is only a cache, started afresh.
    _saved(tmp_path)
    database = tmp_path / DATABASE
    database.unlink()
    with contextlib.closing(sqlite3.connect(database)) as older:
        older.executescript(f"PRAGMA application_id = {cache_module._APPLICATION_ID}; PRAGMA user_version = {version};"
                            " CREATE TABLE files (name TEXT PRIMARY KEY, size INTEGER, key TEXT);")
    again = BuildCache(tmp_path)
    assert again.get("things", "k") is None and again.load("site") is None
    again.put("things", "k", "anew")
    again.save()
    assert again.warnings == []
    fresh = BuildCache(tmp_path)
    assert fresh.get("things", "k") == "anew" and fresh.warnings == []
    assert rows(tmp_path, "PRAGMA user_version") == [(cache_module._FORMAT,)]


def test_a_value_that_does_not_decode_is_a_miss_with_a_warning(tmp_path):
    _saved(tmp_path)
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE)) as db:
        db.execute("UPDATE documents SET value = '{\"site\": \"x\", \"pages\": [[\"a\"], [1]]}'")
        db.commit()
    again = BuildCache(tmp_path)
    assert again.load("site") is None
    assert again.warnings and "site" in again.warnings[0]
    assert again.get("things", "k") == "v"  # the rest of the file is still used


def test_another_fingerprint_invalidates_everything(tmp_path, monkeypatch):
    _saved(tmp_path)
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another version of the code")
    other = BuildCache(tmp_path)
    assert other.get("things", "k") is None and other.load("site") is None and other.warnings == []
    other.put("things", "k2", "v2")
    other.save()  # the file now belongs to the other version: the old entries are gone
    assert rows(tmp_path, "SELECT key FROM entries") == [("k2",)]
    assert rows(tmp_path, "SELECT value FROM meta WHERE name = 'fingerprint'") == [("another version of the code",)]
    monkeypatch.undo()
    assert BuildCache(tmp_path).get("things", "k2") is None  # and this version does not read theirs


def test_text_of_any_code_point_is_stored_as_ascii_and_read_back(tmp_path):
    # A lone surrogate (as a paper's abstract may hold) is no UTF-8: written raw it failed the save.
    odd = "caf\u00e9 \ud800 \U0001f600"
    first = BuildCache(tmp_path)
    first.put("things", "k", [odd])
    first.replace("doc", {odd: odd})
    first.save()
    assert first.warnings == []
    assert all(value.isascii() for (value,) in rows(tmp_path, "SELECT value FROM entries UNION SELECT value FROM documents"))
    again = BuildCache(tmp_path)
    assert again.get("things", "k") == [odd] and again.load("doc") == {odd: odd}


def test_a_disabled_cache_stores_nothing_but_counts_what_was_computed(tmp_path):
    off = BuildCache(None)
    off.put("things", "k", "v")
    assert off.get("things", "k") is None and off.computed("things") == 1
    off.save()
    assert off.file_key(tmp_path / "missing") is None
    assert not any(tmp_path.iterdir())


def test_the_stat_index_rehashes_a_file_only_when_its_stat_changes(tmp_path):
    path = tmp_path / "result.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    fresh = BuildCache(tmp_path / "cache")
    assert fresh.file_key(path) == content_key(str(path), b'{"a": 1}')
    assert fresh.computed("files") == 0  # just written: too recent to trust its stat later
    fresh.save()

    past = time.time_ns() - 10 * 10**9
    os.utime(path, ns=(past, past))
    time.sleep(2.1)  # the change time (set by utime) must be older than the racy window too
    recording = BuildCache(tmp_path / "cache")
    key = recording.file_key(path)
    assert recording.computed("files") == 1
    recording.save_file_index()

    trusting = BuildCache(tmp_path / "cache")
    assert trusting.file_key(path) == key and trusting.computed("files") == 0

    path.write_text('{"a": 2}', encoding="utf-8")  # same size; mtime set back: ctime still changes
    os.utime(path, ns=(past, past))
    changed = BuildCache(tmp_path / "cache")
    assert changed.file_key(path) == content_key(str(path), b'{"a": 2}')


# ---------------------------------------------------------------- processes


def _write_from_child(cache: BuildCache, number: int) -> None:
    cache.write_document(f"doc-{number}", {"from": number})  # the inherited object, opened anew
    own = BuildCache(cache.directory)
    for n in range(50):
        own.put(f"things-{number}", str(n), [number, n])
    own.save()


def test_forked_processes_write_through_their_own_connections(tmp_path):
    parent = BuildCache(tmp_path)
    parent.put("things", "parent", "p")
    parent.save()
    reading = BuildCache(tmp_path)
    assert reading.get("things", "parent") == "p"  # an open connection, inherited by the children
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_write_from_child, args=(reading, n)) for n in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0, 0, 0, 0]
    assert reading.get("things", "parent") == "p"  # the parent's connection still works
    check = BuildCache(tmp_path)
    for n in range(4):
        assert check.load(f"doc-{n}") == {"from": n}
        assert [check.get(f"things-{n}", str(k)) for k in range(50)] == [[n, k] for k in range(50)]
    assert rows(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(tmp_path, "PRAGMA journal_mode") == [("wal",)]


# ---------------------------------------------------------------- where the cache lives


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "test@example.org")
    _git(root, "config", "user.name", "Test")
    (root / "tracked-cache").mkdir()
    (root / "tracked-cache" / DATABASE).write_bytes(b"")
    (root / "tracked-cache" / "notes.txt").write_text("x", encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "a cache committed by mistake")
    return root


def test_a_cache_directory_git_tracks_is_refused(repo, tmp_path):
    with pytest.raises(CacheDirError, match="git tracks") as raised:
        check_cache_dir(repo / "tracked-cache")
    assert "--cache-dir" in str(raised.value)
    with pytest.raises(CacheDirError):
        check_cache_dir(repo)  # the work tree itself holds tracked files
    check_cache_dir(repo / "untracked-cache")  # not (yet) there: nothing tracked in it
    check_cache_dir(tmp_path / "elsewhere")  # outside any repository


def test_build_refuses_a_tracked_cache_directory_with_a_clear_error(repo, tmp_path):
    from leaderboard.cli import main

    result = CliRunner().invoke(main, ["build", "--results", str(tmp_path / "none"), "--out", str(tmp_path / "site"),
                                       "--cache-dir", str(repo / "tracked-cache"), "--jobs", "1"])
    assert result.exit_code == 1
    assert "Error: " in result.output and "git tracks" in result.output
    assert (repo / "tracked-cache" / DATABASE).read_bytes() == b""  # untouched
    assert not (tmp_path / "site").exists()


def test_the_default_cache_directory_is_the_user_cache_directory_per_output(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    site = default_cache_dir(tmp_path / "project" / "site")
    assert site.parent == tmp_path / "user-cache" / "leaderboard"
    assert site.name.startswith("project-site-")
    assert default_cache_dir(tmp_path / "project" / "site") == site
    assert default_cache_dir(tmp_path / "other" / "site") != site
    assert not site.is_relative_to(cache_module.PROJECT_ROOT)


def test_build_without_cache_dir_uses_the_default_outside_the_repository(tmp_path, monkeypatch):
    from leaderboard.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.chdir(tmp_path)
    args = ["build", "--results", str(tmp_path / "none"), "--out", "site", "--jobs", "1"]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (default_cache_dir(tmp_path / "site") / DATABASE).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "user-cache"]  # nothing else in the project
    again = CliRunner().invoke(main, args)
    assert "0 files rendered" in again.output
    uncached = CliRunner().invoke(main, [*args[:-4], "--out", "plain", "--jobs", "1", "--no-cache"])
    assert uncached.exit_code == 0
    assert not (default_cache_dir(tmp_path / "plain")).exists()
