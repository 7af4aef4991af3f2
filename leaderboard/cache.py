"""The build cache: results of the expensive steps, keyed by a hash of their inputs.

Three kinds of storage live under the cache directory (default `.leaderboard-cache/`):

* tables ({key: value}) split into shards, `<table>/<shard>.pickle`: a build loads only the shards
  it reads and writes only the shards that changed, so a rebuild after one change rewrites a few
  small files instead of every cached result;
* blobs, one file per key (`<table>/<key>.pickle`), for few large values (a parsed listing file);
* documents, one value per build (`<name>.pickle`: the site manifest).

Every file is stamped with a fingerprint of the code, templates and schemas that produced it, so
any change to them starts afresh. The cache is an optimisation only: a missing, unreadable,
corrupt or stale file reads as empty, which means that part is computed again. Files are written
atomically (a temporary file, then a rename), so an interrupted build never leaves half a file;
entries a build did not use are dropped when it saves, so the cache never grows beyond one
build's worth.

`file_key` keeps a stat index (size, mtime, ctime, inode) of the input files, as git's index does,
so that an unchanged file is not read again to learn its content hash. A file whose timestamps are
less than two seconds older than the moment it was looked at is never trusted by its stat alone
(it may still be being written to within one timestamp tick).

The files are pickles: the cache directory is as trusted as the checkout itself (never point
`--cache-dir` at files from someone else).
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import pickle
import sys
import tempfile
import time
import zlib
from functools import lru_cache
from pathlib import Path

from .paths import PROJECT_ROOT, schemas_dir

_FORMAT = 2
_PACKAGE_DIR = Path(__file__).resolve().parent
SHARDS = 64
_STAT_INDEX = "files"  # document: {file name: ((size, mtime, ctime, inode, device), content key)}
_RACY_NS = 2_000_000_000  # a file changed this recently is hashed again even when its stat matches


def content_key(*parts: bytes | str) -> str:
    """A hash of several inputs, each length-prefixed so that ("ab", "c") and ("a", "bc") differ."""
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def object_key(value: object) -> str:
    """A hash of a picklable value: equal keys mean equal values. Pickled without the memo ("fast"
    mode), so the bytes do not depend on which equal objects happen to be shared."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    return content_key(buffer.getvalue())


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of everything a cached value depends on besides its input: the package's code,
    templates and static files, the schemas (registry, aliases) and the Python version."""
    files = sorted(p for p in _PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and "corpus" not in p.relative_to(_PACKAGE_DIR).parts)
    files += sorted(p for p in schemas_dir().rglob("*") if p.is_file())
    parts = [f"format {_FORMAT}", sys.version]
    for path in files:
        parts += [_display(path), path.read_bytes()]
    return content_key(*parts)


def _display(path: Path) -> str:
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def shard_of(key: str) -> int:
    try:
        return int(key[:2], 16) % SHARDS  # keys are hex hashes: their first byte is spread evenly
    except ValueError:
        return zlib.crc32(key.encode("utf-8", "surrogatepass")) % SHARDS


class BuildCache:
    """Cached values under one directory; `None` as the directory disables caching."""

    def __init__(self, directory: Path | str | None):
        self.directory = Path(directory) if directory is not None else None
        self._shards: dict[tuple[str, int], dict] = {}  # loaded shards
        self._used: dict[str, list[dict]] = {}  # table -> per shard: entries this build used
        self._dirty: set[tuple[str, int]] = set()  # shards with entries put in this build
        self._computed: dict[str, int] = {}
        self._blobs_used: dict[str, set[str]] = {}
        self._documents: dict[str, object] = {}
        self._files: dict | None = None  # the stat index as the last build saved it
        self._files_used: dict[str, tuple] = {}  # ... and as this build found the files

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    # -- tables ---------------------------------------------------------------------------------

    def get(self, table: str, key: str) -> object | None:
        """The cached value, or None; a hit is kept for the next save."""
        if not self.enabled:
            return None
        shard = shard_of(key)
        value = self._shard(table, shard).get(key)
        if value is not None:
            self._used_shard(table, shard)[key] = value
        return value

    def put(self, table: str, key: str, value: object) -> None:
        """Store a value just computed (counted, cache or not: see `computed`)."""
        self._computed[table] = self._computed.get(table, 0) + 1
        if self.enabled:
            shard = shard_of(key)
            self._used_shard(table, shard)[key] = value
            self._dirty.add((table, shard))

    def computed(self, table: str) -> int:
        """How many values of `table` this build computed rather than took from the cache."""
        return self._computed.get(table, 0)

    def preload(self, table: str) -> None:
        """Load every shard of `table` now (a build that will read most of them anyway)."""
        if self.enabled:
            for shard in range(SHARDS):
                self._shard(table, shard)

    def _used_shard(self, table: str, shard: int) -> dict:
        shards = self._used.get(table)
        if shards is None:
            shards = self._used[table] = [{} for _ in range(SHARDS)]
        return shards[shard]

    def _shard(self, table: str, shard: int) -> dict:
        found = self._shards.get((table, shard))
        if found is None:
            found = self._shards[(table, shard)] = self._read_entries(self._shard_path(table, shard))
        return found

    # -- blobs ----------------------------------------------------------------------------------

    def get_blob(self, table: str, key: str) -> object | None:
        if not self.enabled:
            return None
        value = self._read_document(self._blob_path(table, key))
        if value is not None:
            self._blobs_used.setdefault(table, set()).add(key)
        return value

    def put_blob(self, table: str, key: str, value: object) -> None:
        self._computed[table] = self._computed.get(table, 0) + 1
        if self.enabled:
            self._blobs_used.setdefault(table, set()).add(key)
            self._documents[f"{table}/{key}"] = value

    def keep_blob(self, table: str, key: str) -> bool:
        """Keep a blob for the next build without reading it; False when there is none."""
        if not self.enabled or not self._blob_path(table, key).is_file():
            return False
        self._blobs_used.setdefault(table, set()).add(key)
        return True

    # -- documents ------------------------------------------------------------------------------

    def load(self, name: str) -> object | None:
        """A document: one value per build (such as the site manifest); None when there is none."""
        if not self.enabled:
            return None
        return self._read_document(self.directory / f"{name}.pickle")

    def write_document(self, name: str, value: object) -> None:
        """Set a document and write it now, not at `save` (for a process whose cache is not saved)."""
        if self.enabled:
            _write_atomic(self.directory / f"{name}.pickle", _dump(value))

    def replace(self, name: str, value: object) -> None:
        """Set a document, written by the next `save`."""
        if self.enabled:
            self._documents[name] = value

    # -- the stat index -------------------------------------------------------------------------

    def file_key(self, path: Path | str, name: str | None = None) -> str | None:
        """The content key of a file (its bytes and `name`, by default the path as given), read and
        hashed only when its stat differs from the one recorded by an earlier build; None when it
        cannot be read (the parser then reports the problem)."""
        name = str(path) if name is None else name
        try:
            stat = os.stat(path)
        except OSError:
            return None
        signature = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)
        if self.enabled:
            recorded = self._stat_index().get(name)
            if recorded is not None and recorded[0] == signature:
                self._files_used[name] = recorded
                return recorded[1]
        try:
            with open(path, "rb") as stream:
                key = content_key(name, stream.read())
        except OSError:
            return None
        if self.enabled and time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > _RACY_NS:
            self._computed["files"] = self._computed.get("files", 0) + 1
            self._files_used[name] = (signature, key)
        return key

    def _stat_index(self) -> dict:
        if self._files is None:
            found = self.load(_STAT_INDEX)
            self._files = found if isinstance(found, dict) else {}
        return self._files

    # -- saving ---------------------------------------------------------------------------------

    def save(self) -> None:
        """Write what changed: the shards with new entries or unused ones, the blobs and documents
        set in this build; remove every file this build did not use."""
        if not self.enabled:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for table, shards in self._used.items():
            (self.directory / table).mkdir(exist_ok=True)
            for shard, entries in enumerate(shards):
                path = self._shard_path(table, shard)
                loaded = self._shards.get((table, shard))
                if (table, shard) in self._dirty or (loaded is not None and len(loaded) != len(entries)):
                    self._write_entries(path, entries)
                elif loaded is None and not entries:
                    path.unlink(missing_ok=True)  # nothing of it was used
        for table, keys in self._blobs_used.items():
            folder = self.directory / table
            folder.mkdir(exist_ok=True)
            for stale in folder.glob("*.pickle"):
                if stale.stem not in keys:
                    stale.unlink(missing_ok=True)
        if self._file_index_changed():
            self._documents[_STAT_INDEX] = self._files_used
        for name, value in self._documents.items():
            _write_atomic(self.directory / f"{name}.pickle", _dump(value))

    def save_file_index(self) -> None:
        """Write the stat index alone, if it changed (see `file_key`)."""
        if self.enabled and self._file_index_changed():
            _write_atomic(self.directory / f"{_STAT_INDEX}.pickle", _dump(self._files_used))

    def _file_index_changed(self) -> bool:
        return self._files is not None and (self._files_used.keys() != self._files.keys() or bool(self.computed("files")))

    def _write_entries(self, path: Path, entries: dict) -> None:
        if entries:
            _write_atomic(path, _dump(entries))
        else:
            path.unlink(missing_ok=True)

    def _read_entries(self, path: Path) -> dict:
        entries = self._read_document(path)
        return entries if isinstance(entries, dict) else {}

    def _read_document(self, path: Path) -> object | None:
        try:
            document = _unpickle(path.read_bytes())
        except Exception:  # missing, unreadable or corrupt: the cache is only an optimisation
            return None
        if not isinstance(document, dict) or document.get("fingerprint") != code_fingerprint():
            return None
        return document.get("value")

    def _shard_path(self, table: str, shard: int) -> Path:
        assert self.directory is not None
        return self.directory / table / f"{shard:02d}.pickle"

    def _blob_path(self, table: str, key: str) -> Path:
        assert self.directory is not None
        return self.directory / table / f"{key}.pickle"


def _dump(value: object) -> bytes:
    return pickle.dumps({"fingerprint": code_fingerprint(), "value": value}, protocol=5)


def _unpickle(data: bytes) -> object:
    """pickle.loads with the cyclic garbage collector paused: loading 100,000 results allocates
    millions of objects, and the collections that triggers made loading four times slower."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if was_enabled:
            gc.enable()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
