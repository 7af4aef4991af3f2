"""The build cache (leaderboard.cache): sharded tables that save only what changed, blobs,
documents, the stat index of input files, and what happens to damaged or stale files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from leaderboard import cache as cache_module
from leaderboard.cache import SHARDS, BuildCache, content_key, shard_of


def saved_files(directory: Path) -> dict[str, int]:
    return {p.relative_to(directory).as_posix(): p.stat().st_mtime_ns for p in sorted(directory.rglob("*.pickle"))}


def test_a_table_round_trips_and_drops_entries_a_build_did_not_use(tmp_path):
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


def test_saving_after_one_change_rewrites_one_shard(tmp_path):
    keys = [content_key(str(n)) for n in range(500)]
    first = BuildCache(tmp_path)
    for key in keys:
        first.put("things", key, key[:4])
    first.save()
    before = saved_files(tmp_path)
    assert len(before) == SHARDS  # 500 keys spread over every shard

    time.sleep(0.01)
    second = BuildCache(tmp_path)
    for key in keys:
        assert second.get("things", key) == key[:4]
    second.put("things", keys[0], "changed")
    second.save()
    after = saved_files(tmp_path)
    rewritten = [name for name in after if after[name] != before[name]]
    assert rewritten == [f"things/{shard_of(keys[0]):02d}.pickle"]
    assert BuildCache(tmp_path).get("things", keys[0]) == "changed"


def test_blobs_are_kept_without_reading_and_stale_ones_removed(tmp_path):
    first = BuildCache(tmp_path)
    first.put_blob("listings", "aaa", ["paper"])
    first.put_blob("listings", "bbb", ["other"])
    first.save()
    second = BuildCache(tmp_path)
    assert second.keep_blob("listings", "aaa") and not second.keep_blob("listings", "zzz")
    second.save()
    assert sorted(p.name for p in (tmp_path / "listings").iterdir()) == ["aaa.pickle"]
    assert BuildCache(tmp_path).get_blob("listings", "aaa") == ["paper"]


@pytest.mark.parametrize("damage", [b"", b"not a pickle", None])
def test_a_damaged_or_stale_file_reads_as_empty(tmp_path, damage, monkeypatch):
    first = BuildCache(tmp_path)
    first.put("things", "k", "v")
    first.replace("site", {"pages": 1})
    first.save()
    for path in tmp_path.rglob("*.pickle"):
        if damage is None:  # another version of the code wrote it
            monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another version")
        else:
            path.write_bytes(damage)
    again = BuildCache(tmp_path)
    assert again.get("things", "k") is None and again.load("site") is None


def test_a_disabled_cache_stores_nothing_but_counts_what_was_computed(tmp_path):
    off = BuildCache(None)
    off.put("things", "k", "v")
    assert off.get("things", "k") is None and off.computed("things") == 1
    off.save()
    assert off.file_key(tmp_path / "missing") is None


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
    recording.save()

    trusting = BuildCache(tmp_path / "cache")
    assert trusting.file_key(path) == key and trusting.computed("files") == 0

    path.write_text('{"a": 2}', encoding="utf-8")  # same size; mtime set back: ctime still changes
    os.utime(path, ns=(past, past))
    changed = BuildCache(tmp_path / "cache")
    assert changed.file_key(path) == content_key(str(path), b'{"a": 2}')
