"""Write what the renderers make: the whole site into its directory, and the Markdown file.

The build calls:

    render_site(compiled, registry, out_dir, generated=None) -> list[Path]   # the whole site
    write_markdown(compiled.tables, path)                                    # --markdown FILE

Building is two-phase (as in Pelican): `site_files` computes every file in memory, then `write_site`
writes them into a fresh directory next to `out_dir` and renames it into place, so an interrupted
or failed build leaves the previous site untouched. A lock file beside the output directory
(`.<name>.lock`) lets one build at a time write it; the next build clears what a killed one left.
Renderers are pure functions of the compiled data.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock
    fcntl = None

from ..models import Compiled
from ..store.registry import Registry
from ..workers import Forked, can_fork
from .downloads import claims_frame, leaderboards_json, to_csv
from .markdown import markdown_text, render_markdown, write_markdown
from .site import SiteError, SiteOptions, TableTexts, site_builder, site_files

__all__ = [
    "SiteError", "claims_frame", "leaderboards_json", "markdown_text", "render_markdown", "render_site",
    "render_site_cached", "site_files", "to_csv", "write_markdown", "write_site",
]

MARKER = ".leaderboard-site"  # marks a directory as ours: only such a directory is ever replaced
# Every part of a page path starts with a letter or digit: no "", ".", ".." or hidden parts.
_SAFE_PATH = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*/)*[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def render_site(compiled: Compiled, registry: Registry, out_dir: Path | str, *, generated: str | None = None,
                options: SiteOptions | None = None) -> list[Path]:
    """Build the whole site into `out_dir`; returns the written files (sorted, under `out_dir`).

    `generated` (e.g. a date) is shown in every page footer; without it the output has no timestamp,
    so identical input gives byte-identical files. Raises SiteError when `out_dir` exists and is
    neither empty nor a site built here.
    """
    return write_site(site_files(compiled, registry, generated, options), out_dir)


@dataclass(frozen=True)
class SiteOutcome:
    """What a cached render did; `manifest` describes the site now in place, for the next build."""

    out_dir: Path
    manifest: dict
    rendered: int  # files rendered and written
    reused: int  # files unchanged since the previous build: kept (in place) or hard-linked

    @property
    def paths(self) -> list[Path]:
        """Every file of the site (sorted, under `out_dir`)."""
        return sorted(self.out_dir / relative for relative in self.manifest["pages"])


def render_site_cached(compiled: Compiled, registry: Registry, out_dir: Path | str, manifest: Mapping | None,
                       *, generated: str | None = None, charts: Mapping | None = None,
                       sources: Mapping[str, str] | None = None, table_keys: Mapping[str, str] | None = None,
                       entry_keys: Mapping[str, Mapping[str, str]] | None = None,
                       key: Callable[[object], str | None], jobs: int = 1,
                       existing: Callable[[], Mapping[str, tuple[int, int]] | None] | None = None,
                       table_texts: TableTexts | None = None, options: SiteOptions | None = None) -> SiteOutcome:
    """Build the same site as `render_site`, making only the files whose inputs changed.

    Every file gets `key((generated, path, inputs))`, where `inputs` is what `_Site.outputs` says
    the file depends on (see there for `sources`, `table_keys` and `entry_keys`). `manifest` is what the previous
    build returned: {"site", "pages": {path: (key, size, mtime_ns)}}. A file whose key is unchanged,
    and whose copy in the previous site is still the one that build wrote (same size and mtime),
    is kept. The output is byte-identical to a full build.

    When the previous site is in place, it is updated in place: each changed file is written to a
    temporary file and renamed over the old one (every file is always whole), files the site no
    longer has are removed, and so is any file the manifest does not know. Otherwise (the first
    build, a foreign or missing manifest) the site is assembled in a staging directory and swapped
    in, as `write_site` does, so an interrupted first build leaves the previous site intact.
    With `jobs` > 1, files are also made by forked processes (see _Writer). `existing`, when the
    caller had the output directory scanned in the meantime (under `lock_site`), gives what
    `scan_site` found there; it is called once the downloads are under way. Otherwise the
    directory is scanned here. `options.site_url` makes the downloads' links absolute (see site_builder).
    """
    out_dir = Path(out_dir)
    target = _target(out_dir)
    _check_replaceable(target)
    manifest = manifest or {}
    previous = manifest.get("pages", {}) if manifest.get("site") == str(target) else {}
    in_place = bool(previous) and (target / MARKER).is_file()
    site = site_builder(compiled, registry, generated, charts, table_texts, options)
    parts = _Parts(partial(site.download_outputs, sources, table_keys),
                   partial(site.page_outputs, sources, table_keys, entry_keys))
    if in_place:
        with _locked(target):
            pages, rendered, reused = _update_in_place(target, parts, previous, key, generated, jobs,
                                                       existing or (lambda: None))
    else:
        with _staging(target) as staging:
            pages, rendered, reused = _fill_staging(staging, target, parts, previous, key, generated, jobs)
            _publish(staging, target)
    return SiteOutcome(out_dir, {"site": str(target), "pages": pages}, rendered, reused)


_Outputs = Iterator[tuple[str, object, Callable[[], bytes]]]


@dataclass(frozen=True)
class _Parts:
    """The site's outputs in two parts made side by side: the downloads (seconds of work at 100k
    papers, all in one file group that depends on every claim) and everything else."""

    downloads: Callable[[], _Outputs]
    pages: Callable[[], _Outputs]


def _fill_staging(staging: Path, target: Path, parts: _Parts, previous: Mapping, key, generated,
                  jobs: int) -> tuple:
    def keep(relative: str, page_key: str) -> tuple | None:
        path = staging / relative
        if relative not in previous:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _link_unchanged(target / relative, path, previous[relative], page_key):
            return None
        stat = path.stat()
        return page_key, stat.st_size, stat.st_mtime_ns

    return _make_site(parts, key, generated, keep, staging, replace=False, jobs=jobs)


def _update_in_place(target: Path, parts: _Parts, previous: Mapping, key, generated, jobs: int,
                     existing: Callable[[], Mapping[str, tuple[int, int]] | None]) -> tuple:
    found: dict[str, tuple[int, int]] = {}  # the files now in the site: (size, mtime_ns)

    def keep(relative: str, page_key: str) -> tuple | None:
        recorded = previous.get(relative)
        if recorded is None or recorded[0] != page_key:
            return None
        now = found.get(relative)  # the record is (key, size, mtime_ns)
        return recorded if now is not None and now[0] == recorded[1] and now[1] == recorded[2] else None

    def look_at_downloads() -> None:  # the downloads' process needs only data/, its own to scan
        found.update((_DATA + name, stat) for name, stat in _scan_if_dir(target / _DATA).items())

    def look_at_site() -> None:
        found.update(existing() or _scan(target))

    pages, rendered, reused = _make_site(parts, key, generated, keep, target, replace=True, jobs=jobs,
                                         before=(look_at_downloads, look_at_site))
    for relative in sorted(set(found) - set(pages)):
        (target / relative).unlink(missing_ok=True)  # a page the site no longer has, or a stray file
        _remove_empty_parents(target, target / relative)
    return pages, rendered, reused


def _make_site(parts: _Parts, key, generated, keep: Callable[[str, str], tuple | None], root: Path,
               *, replace: bool, jobs: int, before: tuple[Callable[[], None], Callable[[], None]] | None = None,
               ) -> tuple[dict, int, int]:
    """Every file of `parts`: kept from the previous site when `keep(path, key)` gives its
    manifest record, else made and written under `root`. With `jobs` > 1 the downloads are made
    (keys, keeping and all) by a forked child from the start, side by side with the pages.
    `before` is what to do first for the downloads, and for the pages (in their processes).
    Returns (manifest pages, files made, files kept)."""
    before_downloads, before_pages = before or (_nothing, _nothing)

    def make_downloads() -> tuple[dict, int, int]:
        before_downloads()
        return _make_part(parts.downloads, key, generated, keep, root, replace, 1)

    child = Forked(make_downloads) if jobs > 1 and can_fork() else None
    try:
        before_pages()
        pages, rendered, reused = _make_part(parts.pages, key, generated, keep, root, replace, jobs)
        downloads, made, kept = child.result() if child is not None else make_downloads()
    except BaseException:
        if child is not None:
            child.stop()
        raise
    if not pages.keys().isdisjoint(downloads):
        raise SiteError(f"two pages would be written to {min(pages.keys() & downloads.keys())}")
    return {**downloads, **pages}, rendered + made, reused + kept


def _nothing() -> None:
    return None


def _make_part(outputs: Callable[[], _Outputs], key, generated, keep: Callable[[str, str], tuple | None],
               root: Path, replace: bool, jobs: int) -> tuple[dict, int, int]:
    pages: dict[str, tuple | None] = {}
    reused = 0
    writer = _Writer(root, replace=replace, jobs=jobs)
    for relative, inputs, make in outputs():
        if relative in pages or ".." in relative or not _SAFE_PATH.match(relative):
            _check_new_path(relative, pages)  # raises the error that says which
        page_key = key((generated, relative, inputs))
        record = keep(relative, page_key) if page_key is not None else None
        if record is not None:
            pages[relative] = record
            reused += 1
        else:
            pages[relative] = None  # made by the writer; the entry keeps the order of the site
            writer.add(relative, page_key, make)
    pages.update(writer.finish())
    return pages, writer.count, reused


_PARALLEL_FROM = 2000  # fewer pages are made faster in this process than worker processes start
_DATA = "data/"  # the downloads


class _Writer:
    """Makes and writes the files a build must (re)make, under `root`: in this process when few,
    else shared with `jobs` - 1 forked children."""

    def __init__(self, root: Path, *, replace: bool, jobs: int):
        self.root, self.replace = root, replace
        self.parallel = jobs > 1 and can_fork()
        self.jobs = jobs
        self.count = 0
        self._todo: list = []

    def add(self, relative: str, page_key: str | None, make: Callable[[], bytes]) -> None:
        self.count += 1
        self._todo.append((relative, page_key, make))

    def finish(self) -> dict[str, tuple]:
        """Make them, wait for the children; {path: (key, size, mtime_ns)} of every file made."""
        todo = self._todo
        children: list[Forked] = []
        try:
            if self.parallel and len(todo) >= _PARALLEL_FROM:
                parts = [todo[i::self.jobs] for i in range(self.jobs)]  # interleaved: alike in cost
                children = [Forked(partial(_write_files, self.root, part, self.replace)) for part in parts[1:]]
                todo = parts[0]
            written = _write_files(self.root, todo, self.replace)
            for child in children:
                written.update(child.result())
        except BaseException:
            for child in children:
                child.stop()
            raise
        return written


def _write_files(root: Path, todo: list, replace: bool) -> dict[str, tuple]:
    written = {}
    for relative, page_key, make in todo:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if replace:
            _replace_file(path, make())
        else:
            path.write_bytes(make())
        stat = path.stat()
        written[relative] = (page_key, stat.st_size, stat.st_mtime_ns)
    return written


def _check_new_path(relative: str, pages: Mapping) -> None:
    _check_path(relative)
    if relative in pages:
        raise SiteError(f"two pages would be written to {relative}")


def scan_site(out_dir: Path | str) -> dict[str, tuple[int, int]] | None:
    """The files of a site built here: {relative posix path: (size, mtime_ns)}; None when `out_dir`
    is no such site."""
    target = _target(Path(out_dir))
    return _scan(target) if (target / MARKER).is_file() else None


def _target(out_dir: Path) -> Path:
    # Follow a symlinked output directory: the link keeps pointing at the new site.
    return out_dir.resolve() if out_dir.is_symlink() else out_dir.absolute()


def _scan_if_dir(root: Path) -> dict[str, tuple[int, int]]:
    return _scan(root) if root.is_dir() else {}


def _scan(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` (but the site marker): {relative posix path: (size, mtime_ns)}."""
    found: dict[str, tuple[int, int]] = {}
    pending = [("", root)]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append((name + "/", Path(entry.path)))
                elif name != MARKER:
                    stat = entry.stat(follow_symlinks=False)
                    found[name] = (stat.st_size, stat.st_mtime_ns)
    return found


def _replace_file(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a temporary file beside it, then a rename over it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, _file_mode())  # mkstemp makes it private: give it the mode a new file gets
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _remove_empty_parents(root: Path, path: Path) -> None:
    for parent in path.parents:
        if parent == root or root not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:
            return  # not empty


def _link_unchanged(old: Path, new: Path, recorded: tuple | None, page_key: str) -> bool:
    """Put the previous build's file in place when it is still exactly what that build wrote."""
    if recorded is None or recorded[0] != page_key:
        return False
    try:
        stat = old.stat()
        if (stat.st_size, stat.st_mtime_ns) != tuple(recorded[1:]):
            return False  # edited or replaced since: render afresh
        try:
            os.link(old, new)
        except OSError:  # a file system without hard links
            shutil.copy2(old, new)
    except OSError:
        return False
    return True


def write_site(files: Mapping[str, bytes], out_dir: Path | str) -> list[Path]:
    """Write `files` ({relative posix path: bytes}) as the new content of `out_dir`, replacing it atomically."""
    out_dir = Path(out_dir)
    for relative in files:
        _check_path(relative)
    target = _target(out_dir)
    _check_replaceable(target)
    with _staging(target) as staging:
        for relative in sorted(files):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[relative])
        _publish(staging, target)
    return sorted(out_dir / relative for relative in files)


def _publish(staging: Path, target: Path) -> None:
    """Mark the finished staging directory as a site and swap it into place."""
    (staging / MARKER).write_text("built by leaderboard; this directory is replaced on every build\n", encoding="utf-8")
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a site is meant to be served
    _swap(staging, target)


LOCK_TIMEOUT = 120.0  # seconds a build waits for another build of the same output directory
_HELD: dict[Path, object] = {}  # staging directory -> open lock file taken for it
_BUILD_LOCKS: dict[Path, object] = {}  # output directory -> open lock file held by lock_site


@contextmanager
def lock_site(out_dir: Path | str) -> Iterator[Path]:
    """Hold the build lock of `out_dir` (see _new_staging) for a whole build, not only while the
    site is written: what the build reads of the previous site stays true until it writes."""
    target = _target(Path(out_dir))
    if target in _BUILD_LOCKS:
        raise SiteError(f"this process is already building {target}")
    handle = _acquire_lock(target)
    _BUILD_LOCKS[target] = handle
    try:
        yield target
    finally:
        _BUILD_LOCKS.pop(target, None)
        _unlock(handle)


@contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """A fresh staging directory beside `target`, under its build lock: removed when the block
    fails (the previous site stays as it was); the lock is released when the block ends."""
    staging = _new_staging(target)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _release(staging)


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """The build lock of `target` for the block, unless `lock_site` holds it already."""
    handle = None if target in _BUILD_LOCKS else _acquire_lock(target)
    try:
        yield
    finally:
        if handle is not None:
            _unlock(handle)


def _new_staging(target: Path) -> Path:
    """A fresh staging directory beside `target`, made under `target`'s build lock.

    The lock is an exclusive flock on `.<name>.lock` beside the output directory, held from staging
    to swap (or for the whole build, see lock_site): a second build of the same directory waits for
    the first (up to LOCK_TIMEOUT seconds), then refuses with a SiteError. Holding it, the leftovers
    of a killed build are cleared first.
    """
    handle = None if target in _BUILD_LOCKS else _acquire_lock(target)
    try:
        if fcntl is not None:  # without a lock another build's staging directory may be in use
            _clear_leftovers(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    except BaseException:
        if handle is not None:
            _unlock(handle)
        raise
    if handle is not None:
        _HELD[staging] = handle
    return staging


def _acquire_lock(target: Path):
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        handle = open(lock_path, "a+b")  # noqa: SIM115 - closed by _unlock
        if fcntl is None or _try_lock(handle, lock_path):
            return handle
        handle.close()
        if time.monotonic() >= deadline:
            raise SiteError(f"another build is writing {target} (it holds {lock_path}); "
                            "try again when it has finished")
        time.sleep(0.05)


def _try_lock(handle, lock_path: Path) -> bool:
    """Lock the open lock file; True only when it is still the file at `lock_path` (a build that
    finished removes it, and a lock on a removed file locks nothing)."""
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return os.fstat(handle.fileno()).st_ino == os.stat(lock_path).st_ino
    except (BlockingIOError, FileNotFoundError):
        return False


def _release(staging: Path) -> None:
    handle = _HELD.pop(staging, None)
    if handle is not None:
        _unlock(handle)


def _unlock(handle) -> None:
    Path(handle.name).unlink(missing_ok=True)  # still locked: no one else holds this file
    handle.close()  # releases the lock


def _clear_leftovers(target: Path) -> None:
    """Remove the staging directories of a killed build (called under the lock, so none is in use).
    A build killed between the two renames of `_swap` left no site but the previous one as `.old-`:
    that one is put back first, so the previous site is never lost."""
    def ours(kind: str) -> list[Path]:
        prefix = f".{target.name}.{kind}-"
        return sorted(p for p in target.parent.iterdir() if p.name.startswith(prefix) and p.is_dir()
                      and not p.is_symlink())

    old = sorted(ours("old"), key=lambda p: p.stat().st_mtime_ns)
    if old and not target.exists() and not target.is_symlink() and (old[-1] / MARKER).is_file():
        old.pop().rename(target)
    for leftover in ours("new") + old:
        shutil.rmtree(leftover, ignore_errors=True)


def _check_path(relative: str) -> None:
    if not _SAFE_PATH.match(relative) or ".." in relative:
        raise SiteError(f"unsafe page path {relative!r}")


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise SiteError(f"{target} exists and is not a directory")
    if (target / MARKER).is_file() or not any(target.iterdir()):
        return
    raise SiteError(f"{target} is not empty and was not built by leaderboard (no {MARKER} file); refusing to replace it"
                    " (choose a new or empty output directory)")


def _swap(staging: Path, target: Path) -> None:
    """Put `staging` in the place of `target`; the old site is removed only once the new one is in place."""
    if not target.exists():
        staging.rename(target)
        return
    old = staging.with_name(staging.name.replace(".new-", ".old-", 1))
    target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        old.rename(target)  # put the previous site back
        raise
    shutil.rmtree(old, ignore_errors=True)
