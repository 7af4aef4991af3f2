"""The build cache: results of the expensive steps, keyed by a hash of their inputs.

Everything lives in one SQLite file, `cache.sqlite3` in the cache directory (see
`default_cache_dir`; never a directory git tracks, see `check_cache_dir`):

* entries (kind, key) -> value: the tables a build looks values up in (a result file's validated
  outcome, a paper's claims, a chart...) and the few large ones (a parsed listing file); a build
  saves in one transaction what it computed and drops the entries it did not use, so the cache
  never grows beyond one build's worth;
* documents, one value per build (the site manifest, each table's JSON text);
* the stat index of the input files (see `file_key`).

Values are JSON in the explicit encoding of leaderboard.cache_codec, decoded by the declared type
of their kind: parsed, never executed (no pickle). The file carries the fingerprint of the code,
templates and schemas that wrote it; every read is conditioned on it in the same statement, so a
value is decoded only when both its key and the fingerprint match, and any change to the code
starts afresh. The cache is an optimisation only: a missing value, or one that cannot be decoded,
is computed again; a damaged file (truncated, garbage, another program's SQLite file, another
another program's SQLite file) is set aside with a warning (`warnings`) and made anew; a file of
another format version (written by an older or newer leaderboard) is made anew without one.

Several processes of one build use the cache (a worker saves the stat index, a forked child the
tables' JSON text): each opens its own connection (SQLite connections must not cross a fork), the
file is in WAL mode (readers never wait for the writer) and each write is one short transaction.

`file_key` keeps a stat index (size, mtime, ctime, inode) of the input files, as git's index does,
so that an unchanged file is not read again to learn its content hash. A file whose timestamps are
less than two seconds older than the moment it was looked at is never trusted by its stat alone
(it may still be being written to within one timestamp tick).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from .cache_codec import CacheFormatError, Codec, build_kinds, codec_for
from .errors import CacheDirError
from .paths import PROJECT_ROOT, schemas_dir

_FORMAT = 4  # PRAGMA user_version: the layout of the tables below (and of the values: see cache_codec)
_APPLICATION_ID = 0x4C424331  # PRAGMA application_id, "LBC1": tells our file from other SQLite files
DATABASE = "cache.sqlite3"
_PACKAGE_DIR = Path(__file__).resolve().parent
_RACY_NS = 2_000_000_000  # a file changed this recently is hashed again even when its stat matches
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB} if hasattr(sqlite3, "SQLITE_CORRUPT") else {11, 26}

# Pages of 64 KiB, not 4: a rebuild of 100,000 papers reads 200 MB and a cold build writes twice
# that, a third less CPU in SQLite than page by page of 4 KiB. (Set before anything is written.)
_SCHEMA = f"""
PRAGMA page_size = 65536;
PRAGMA journal_mode = WAL;
PRAGMA application_id = {_APPLICATION_ID};
PRAGMA user_version = {_FORMAT};
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE documents (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (name TEXT PRIMARY KEY, entry TEXT NOT NULL);
"""
# A file of the stat index is one row: its name, and its stat and content key in one text (see
# `_stat_entry`), so that the 100,000 rows of a rebuild are read as they are, with no tuple made.
_CURRENT = "(SELECT value FROM meta WHERE name = 'fingerprint') = ?"  # every read is conditioned on it

# Connections a forked child inherited: never used there, and never closed either (closing one
# could checkpoint or delete the parent's write-ahead log); kept here so they are not collected.
_INHERITED: list[sqlite3.Connection] = []


def content_key(*parts: bytes | str) -> str:
    """A hash of several inputs, each length-prefixed so that ("ab", "c") and ("a", "bc") differ."""
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def object_key(value: object) -> str:
    """A hash of a value: equal keys mean equal values. The bytes hashed are the value pickled
    without the memo ("fast" mode, so they do not depend on which equal objects happen to be
    shared): a serialisation used as hash input only, never stored and never unpickled."""
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


# -- where the cache lives ---------------------------------------------------------------------


def default_cache_dir(out_dir: Path | str) -> Path:
    """The cache of the site built into `out_dir`: in the user's cache directory (outside any
    repository), one subdirectory per output directory, named after it and a hash of its
    absolute path."""
    from platformdirs import user_cache_dir

    target = Path(os.path.abspath(out_dir))
    label = "-".join(part for part in (target.parent.name, target.name) if part) or "root"
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in label)[:60]
    return Path(user_cache_dir("leaderboard")) / f"{safe}-{content_key(str(target))[:12]}"


def check_cache_dir(directory: Path | str) -> None:
    """Raise CacheDirError when git tracks files in `directory` (or the directory itself): a
    cache is machine-local state and must never be committed, nor may a build overwrite tracked
    files. Nothing is checked outside a git work tree, or without git."""
    start = Path(os.path.abspath(directory))
    existing = next((p for p in (start, *start.parents) if p.is_dir()), None)
    if existing is None or shutil.which("git") is None or not _in_git_work_tree(existing):
        return
    tracked = subprocess.run(["git", "-C", str(existing), "ls-files", "-z", "--", str(start)],
                             capture_output=True, check=False)
    if tracked.returncode == 0 and tracked.stdout:
        first = tracked.stdout.split(b"\0")[0].decode("utf-8", "replace")
        raise CacheDirError(f"the cache directory {directory} holds files git tracks ({first})",
                            file=str(directory),
                            hint="pick a directory outside the repository with --cache-dir, or leave it out"
                                 " for the default in the user cache directory")


def _in_git_work_tree(directory: Path) -> bool:
    if not any((p / ".git").exists() for p in (directory, *directory.parents)):
        return False  # no git process started for the common case
    found = subprocess.run(["git", "-C", str(directory), "rev-parse", "--is-inside-work-tree"],
                           capture_output=True, text=True, check=False)
    return found.returncode == 0 and found.stdout.strip() == "true"


# -- the cache ---------------------------------------------------------------------------------


class _Damaged(Exception):
    """The cache file is not one this code can use: it is set aside and made anew."""


class _OtherFormat(_Damaged):
    """A cache file of another format version: not damage, so made anew without a warning."""


class BuildCache:
    """Cached values under one directory; `None` as the directory disables caching.

    Values of a kind named in leaderboard.cache_codec.build_kinds are stored with that type's
    codec; any other kind holds plain JSON values."""

    def __init__(self, directory: Path | str | None):
        self.directory = Path(directory) if directory is not None else None
        self.warnings: list[str] = []  # what went wrong with the cache file (the build went on)
        self._connection: sqlite3.Connection | None = None
        self._pid = 0  # the process that opened `_connection`
        self._off = False  # the file could not be used: nothing more is read from it in this build
        self._damaged = False  # ... because it is damaged (or of another format): `save` makes it anew
        self._stored: dict[str, dict[str, str | None]] = {}  # preloaded kinds: key -> the value's text (None once read)
        self._used: dict[str, dict[str, object]] = {}  # kind -> entries this build used (None: kept unread)
        self._new: dict[str, set[str]] = {}  # kind -> keys put in this build
        self._computed: dict[str, int] = {}
        self._documents: dict[str, object] = {}
        self._files: dict[str, str] | None = None  # the stat index as the last build saved it
        self._files_used: dict[str, str] = {}  # ... and as this build found the files
        self._codecs: dict[str, Codec] = {}

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    @property
    def path(self) -> Path | None:
        return self.directory / DATABASE if self.directory is not None else None

    # -- entries --------------------------------------------------------------------------------

    def get(self, kind: str, key: str) -> object | None:
        """The cached value, or None; a hit is kept for the next save."""
        if not self.enabled:
            return None
        stored = self._stored.get(kind)
        if stored is not None:
            text = stored.get(key)
            if text is None:  # not stored, or decoded already (once used, the value is kept in _used)
                return self._used.get(kind, {}).get(key) if key in stored else None
            stored[key] = None  # the text is not needed again: 200 MB less to keep at 100,000 papers
        else:
            row = self._read_one(f"SELECT value FROM entries WHERE kind = ? AND key = ? AND {_CURRENT}", (kind, key))
            text = row[0] if row else None
        if text is None:
            return None
        value = self._decode(kind, text)
        if value is not None:
            used = self._used.get(kind)
            if used is None:
                used = self._used[kind] = {}
            used[key] = value
        return value

    def get_many(self, kind: str, keys: list[str | None]) -> list[object | None]:
        """The cached values of `keys` (None for a miss, or for a None key), decoded in one loop:
        `get` for each key, without the calls and lookups per key (100,000 results in a rebuild)."""
        if not self.enabled:
            return [None] * len(keys)
        self.preload(kind)
        stored = self._stored.get(kind, {})
        used = self._used.setdefault(kind, {})
        # Each key decoded once, unless decoded already (by `get`: then that same value is given).
        wanted = [key for key in dict.fromkeys(keys) if used.get(key) is None and stored.get(key) is not None]

        def texts() -> Iterator[str]:
            for key in wanted:
                text = stored[key]
                stored[key] = None  # as in `get`: each text let go once decoded
                yield text  # type: ignore[misc]

        values = self._codec(kind).loads_many(texts(), lambda error: self._refused(kind, error))
        for key, value in zip(wanted, values, strict=True):
            if value is not None:
                used[key] = value
        return [used.get(key) for key in keys]  # type: ignore[arg-type]

    def put(self, kind: str, key: str, value: object) -> None:
        """Store a value just computed (counted, cache or not: see `computed`)."""
        self._computed[kind] = self._computed.get(kind, 0) + 1
        if self.enabled:
            self._used.setdefault(kind, {})[key] = value
            self._new.setdefault(kind, set()).add(key)

    def computed(self, kind: str) -> int:
        """How many values of `kind` this build computed rather than took from the cache."""
        return self._computed.get(kind, 0)

    def preload(self, kind: str) -> None:
        """Read every entry of `kind` now, in one query (a build that will use most of them);
        each is decoded when asked for."""
        if self.enabled and kind not in self._stored:
            rows = self._read_all(f"SELECT key, value FROM entries WHERE kind = ? AND {_CURRENT}", (kind,))
            self._stored[kind] = dict(rows)

    # A blob is an entry too (a large value, such as a parsed listing file): the same storage.
    get_blob, put_blob = get, put

    def keep_blob(self, kind: str, key: str) -> bool:
        """Keep an entry for the next build without reading it; False when there is none."""
        if not self.enabled:
            return False
        if not self._read_one(f"SELECT 1 FROM entries WHERE kind = ? AND key = ? AND {_CURRENT}", (kind, key)):
            return False
        self._used.setdefault(kind, {}).setdefault(key, None)
        return True

    # -- documents ------------------------------------------------------------------------------

    def load(self, name: str) -> object | None:
        """A document: one value per build (such as the site manifest); None when there is none."""
        if not self.enabled:
            return None
        row = self._read_one(f"SELECT value FROM documents WHERE name = ? AND {_CURRENT}", (name,))
        return self._decode(name, row[0] if row else None)

    def write_document(self, name: str, value: object) -> None:
        """Set a document and write it now, not at `save` (for a process whose cache is not saved)."""
        if self.enabled:
            self._write(lambda db, _fresh: self._write_documents(db, {name: value}), repair=False)
            self.close()

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
        signature = _stat_signature(stat)
        if self.enabled:
            recorded = self._stat_index().get(name)
            if recorded is not None and recorded.startswith(signature):
                self._files_used[name] = recorded
                return recorded[len(signature):]
        try:
            with open(path, "rb") as stream:
                key = content_key(name, stream.read())
        except OSError:
            return None
        if self.enabled and time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > _RACY_NS:
            self._computed["files"] = self._computed.get("files", 0) + 1
            self._files_used[name] = signature + key
        return key

    def _stat_index(self) -> dict[str, str]:
        if self._files is None:
            self._files = dict(self._read_all(f"SELECT name, entry FROM files WHERE {_CURRENT}"))
        return self._files

    # -- saving ---------------------------------------------------------------------------------

    def save(self) -> None:
        """Write, in one transaction, what this build computed and the documents it set; drop
        every entry of the kinds it used that it did not use, and files no longer looked at."""
        if not self.enabled:
            return

        def write(db: sqlite3.Connection, fresh: bool) -> None:
            for kind, used in self._used.items():
                self._write_entries(db, kind, used, fresh)
            if fresh or self._file_index_changed():
                self._write_file_index(db, fresh)
            self._write_documents(db, self._documents)

        self._write(write)
        self.close()

    def save_file_index(self) -> None:
        """Write the stat index alone, if it changed (see `file_key`)."""
        if self.enabled and self._file_index_changed():
            self._write(self._write_file_index)
        self.close()

    def close(self) -> None:
        """Close this process's connection (the next use opens another)."""
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    def _file_index_changed(self) -> bool:
        return self._files is not None and (self._files_used.keys() != self._files.keys() or bool(self.computed("files")))

    def _write_entries(self, db: sqlite3.Connection, kind: str, used: dict[str, object], fresh: bool) -> None:
        codec = self._codec(kind)
        new = used.keys() if fresh else self._new.get(kind, set())
        db.executemany("INSERT OR REPLACE INTO entries (kind, key, value) VALUES (?, ?, ?)",
                       ((kind, key, codec.dumps(used[key])) for key in sorted(new) if used[key] is not None))
        if not fresh:
            stored = self._stored.get(kind)
            keys = stored.keys() if stored is not None else \
                [key for (key,) in db.execute("SELECT key FROM entries WHERE kind = ?", (kind,))]
            stale = [(kind, key) for key in keys if key not in used]
            db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", stale)

    def _write_file_index(self, db: sqlite3.Connection, fresh: bool = False) -> None:
        before = {} if fresh else (self._files or {})
        db.executemany("DELETE FROM files WHERE name = ?", [(name,) for name in before if name not in self._files_used])
        db.executemany("INSERT OR REPLACE INTO files (name, entry) VALUES (?, ?)",
                       ((name, entry) for name, entry in self._files_used.items() if before.get(name) != entry))

    def _write_documents(self, db: sqlite3.Connection, documents: dict[str, object]) -> None:
        db.executemany("INSERT OR REPLACE INTO documents (name, value) VALUES (?, ?)",
                       ((name, self._codec(name).dumps(value)) for name, value in documents.items()))

    # -- the file -------------------------------------------------------------------------------

    def _codec(self, kind: str) -> Codec:
        found = self._codecs.get(kind)
        if found is None:
            found = self._codecs[kind] = codec_for(_kinds().get(kind, Any))
        return found

    def _decode(self, kind: str, text: str | None) -> object | None:
        if text is None:
            return None
        try:
            return self._codec(kind).loads(text)
        except CacheFormatError as error:
            self._refused(kind, error)
            return None

    def _refused(self, kind: str, error: CacheFormatError) -> None:
        self._warn(f"a cached {kind} value could not be read ({error}); it is made again")

    def _read_one(self, query: str, parameters: tuple) -> tuple | None:
        with self._reading() as db:
            return db.execute(query, (*parameters, code_fingerprint())).fetchone() if db else None
        return None  # the file could not be read: see _reading

    def _read_all(self, query: str, parameters: tuple = ()) -> list[tuple]:
        with self._reading() as db:
            return db.execute(query, (*parameters, code_fingerprint())).fetchall() if db else []
        return []

    def _db_or_none(self) -> sqlite3.Connection | None:
        try:
            return self._db()
        except (sqlite3.Error, _Damaged) as error:
            self._give_up(error)
            return None

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        db = self._db_or_none()
        try:
            yield db
        except (sqlite3.Error, _Damaged) as error:
            self._give_up(error)

    def _write(self, action, repair: bool = True) -> None:
        """Run `action(connection, fresh)` in one write transaction, in a file of this code's
        fingerprint (`fresh`: the file was empty or just emptied, so write everything). With
        `repair`, a damaged file is made anew first."""
        db = self._db_or_none()
        try:
            if db is None:
                if not (self._damaged and repair):
                    return
                db = self._make_anew()
            db.execute("BEGIN IMMEDIATE")
            try:
                fresh = self._claim(db)
                action(db, fresh)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, _Damaged) as error:
            self._give_up(error)

    def _claim(self, db: sqlite3.Connection) -> bool:
        """Make the file this code's (emptied when another fingerprint wrote it); True when it
        holds nothing of this build's entries (so `save` writes every one it used)."""
        row = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
        if row is not None and row[0] == code_fingerprint():
            return False
        for table in ("entries", "documents", "files"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - a fixed table name
        db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('fingerprint', ?)", (code_fingerprint(),))
        return True

    def _db(self) -> sqlite3.Connection | None:
        if self._off:
            return None
        if self._connection is not None and self._pid != os.getpid():
            _INHERITED.append(self._connection)  # a forked child: opens its own
            self._connection = None
        if self._connection is None:
            self._connection = self._open()
            self._pid = os.getpid()
        return self._connection

    def _open(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.path.parent / "cache.lock"):  # one process at a time checks or makes it
            db = _connect(self.path)
            try:
                _check_or_create(db)
            except BaseException:
                db.close()
                raise
            return db

    def _make_anew(self) -> sqlite3.Connection:
        """Set the damaged file aside and start an empty one (called by `save`)."""
        self.close()
        assert self.path is not None
        with _exclusive(self.path.parent / "cache.lock"):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            db = _connect(self.path)
            _check_or_create(db)
        self._connection, self._pid, self._off = db, os.getpid(), False
        return db

    def _give_up(self, error: BaseException) -> None:
        """Use the file no more in this build; a damaged one is made anew by `save`."""
        self._stored.clear()
        if isinstance(error, _OtherFormat):
            self._off = self._damaged = True
            return
        damaged = isinstance(error, _Damaged) or getattr(error, "sqlite_errorcode", None) in _DAMAGED
        what = "is damaged" if damaged else "cannot be used"
        self._warn(f"the build cache {self.path} {what} ({error}); "
                   + ("it is made anew" if damaged else "this build goes on without it"))
        self._off, self._damaged = True, self._damaged or damaged

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@lru_cache(maxsize=1)
def _kinds() -> dict[str, object]:
    return build_kinds()


def _stat_signature(stat: os.stat_result) -> str:
    """What the stat index records of a file besides its content key (which follows it): the fields
    git's index compares too, each ended by a space, so that no signature is the start of another."""
    return f"{stat.st_size} {stat.st_mtime_ns} {stat.st_ctime_ns} {stat.st_ino} {stat.st_dev} "


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None)  # transactions are explicit
    db.execute("PRAGMA synchronous = NORMAL")  # in WAL mode: consistent after a crash, and fast
    return db


def _check_or_create(db: sqlite3.Connection) -> None:
    application, version = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("application_id", "user_version"))
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if application == 0 and version == 0 and not tables:
        db.executescript(_SCHEMA)
    elif application != _APPLICATION_ID:
        raise _Damaged("not a leaderboard cache: another program's SQLite file?")
    elif version != _FORMAT:
        raise _OtherFormat(f"written in cache format {version}, this is format {_FORMAT}")
    elif not {"meta", "entries", "documents", "files"} <= tables:
        raise _Damaged("tables are missing")


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # no fcntl (Windows): SQLite's own locking only
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
