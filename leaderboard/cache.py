"""The build cache: results of the expensive steps, keyed by a hash of their inputs.

Each step keeps one table ({content hash: value}) in one file under the cache directory (default
`.leaderboard-cache/`). A table is stamped with a fingerprint of the code, templates and schemas
that produced it, so that any change to them starts afresh. The cache is an optimisation only: a
missing, unreadable, corrupt or stale file reads as an empty table, which means a full rebuild.
Tables are written atomically (a temporary file, then a rename), so an interrupted build never
leaves half a file; entries not used by a build are dropped when it saves, so the cache never grows
beyond one build's worth.

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
from functools import lru_cache
from pathlib import Path

from .paths import PROJECT_ROOT, schemas_dir

_FORMAT = 1
_PACKAGE_DIR = Path(__file__).resolve().parent


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


class BuildCache:
    """Tables of cached values under one directory; `None` as the directory disables caching."""

    def __init__(self, directory: Path | str | None):
        self.directory = Path(directory) if directory is not None else None
        self._tables: dict[str, dict] = {}
        self._used: dict[str, dict] = {}
        self._computed: dict[str, int] = {}
        self._origins: dict[int, tuple[object, str]] = {}

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def get(self, table: str, key: str) -> object | None:
        """The cached value, or None; a hit is kept for the next save."""
        value = self._table(table).get(key)
        if value is not None:
            self._used.setdefault(table, {})[key] = value
        return value

    def put(self, table: str, key: str, value: object) -> None:
        """Store a value just computed (counted, cache or not: see `computed`)."""
        self._computed[table] = self._computed.get(table, 0) + 1
        if self.enabled:
            self._used.setdefault(table, {})[key] = value

    def remember_origin(self, value: object, key: str) -> None:
        """Note the content key `value` was made from (a result file's bytes), so that later steps
        can key on it instead of hashing the whole value again."""
        self._origins[id(value)] = (value, key)  # holding `value` keeps its id from being reused

    def origin(self, value: object) -> str | None:
        found = self._origins.get(id(value))
        return found[1] if found is not None and found[0] is value else None

    def computed(self, table: str) -> int:
        """How many values of `table` this build computed rather than took from the cache."""
        return self._computed.get(table, 0)

    def load(self, table: str) -> dict:
        """A whole table (for values that are one object per build, such as the site manifest)."""
        return dict(self._table(table))

    def replace(self, table: str, entries: dict) -> None:
        if self.enabled:
            self._used[table] = dict(entries)

    def save(self) -> None:
        """Write every table used in this build (only the entries used: stale ones are dropped)."""
        if not self.enabled:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for table, entries in self._used.items():
            payload = pickle.dumps({"fingerprint": code_fingerprint(), "entries": entries}, protocol=5)
            _write_atomic(self._path(table), payload)

    def _table(self, table: str) -> dict:
        if table not in self._tables:
            self._tables[table] = self._read(table)
        return self._tables[table]

    def _read(self, table: str) -> dict:
        if not self.enabled:
            return {}
        try:
            document = _unpickle(self._path(table).read_bytes())
        except Exception:  # missing, unreadable or corrupt: the cache is only an optimisation
            return {}
        if not isinstance(document, dict) or document.get("fingerprint") != code_fingerprint():
            return {}
        entries = document.get("entries")
        return entries if isinstance(entries, dict) else {}

    def _path(self, table: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{table}.pickle"


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
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
