"""Render the compiled leaderboards: the static site, its CSV/JSON downloads, and Markdown.

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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock
    fcntl = None

from .models import Compiled
from .registry import Registry
from .render_csv import claims_frame, leaderboards_json, to_csv
from .render_markdown import markdown_text, render_markdown, write_markdown
from .render_site import SiteError, site_builder, site_files

__all__ = [
    "SiteError", "claims_frame", "leaderboards_json", "markdown_text", "render_markdown", "render_site",
    "render_site_cached", "site_files", "to_csv", "write_markdown", "write_site",
]

MARKER = ".leaderboard-site"  # marks a directory as ours: only such a directory is ever replaced
_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def render_site(compiled: Compiled, registry: Registry, out_dir: Path | str, *, generated: str | None = None) -> list[Path]:
    """Build the whole site into `out_dir`; returns the written files (sorted, under `out_dir`).

    `generated` (e.g. a date) is shown in every page footer; without it the output has no timestamp,
    so identical input gives byte-identical files. Raises SiteError when `out_dir` exists and is
    neither empty nor a site built here.
    """
    return write_site(site_files(compiled, registry, generated), out_dir)


@dataclass(frozen=True)
class SiteOutcome:
    """What a cached render did; `manifest` describes the site now in place, for the next build."""

    paths: list[Path]
    manifest: dict
    rendered: int  # files rendered and written
    reused: int  # files unchanged since the previous build: hard-linked from the previous site


def render_site_cached(compiled: Compiled, registry: Registry, out_dir: Path | str, manifest: Mapping | None,
                       *, generated: str | None = None, charts: Mapping | None = None,
                       key: Callable[[object], str | None]) -> SiteOutcome:
    """Build the same site as `render_site`, rendering only the pages whose inputs changed.

    Every page gets `key(inputs)`: a hash of its template, path and context (a data file: of its
    content). `manifest` is what the previous build returned: {"site", "pages": {path: (key, size,
    mtime_ns)}}. A page whose key is unchanged, and whose file in the previous site is still the one
    that build wrote (same size and mtime), is hard-linked (or copied) into the new staging
    directory instead of rendered. The staging directory is swapped in as `write_site` does, so an
    interrupted build still leaves the previous site intact, and the output is byte-identical to a
    full build. A missing or foreign manifest simply means every page is rendered.
    """
    out_dir = Path(out_dir)
    target = out_dir.resolve() if out_dir.is_symlink() else out_dir.absolute()
    _check_replaceable(target)
    manifest = manifest or {}
    previous = manifest.get("pages", {}) if manifest.get("site") == str(target) else {}
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _new_staging(target)  # holds the output directory's lock until _release
    pages: dict[str, tuple] = {}
    rendered = reused = 0
    try:
        for relative, page_key, produce in _site_entries(site_builder(compiled, registry, generated, charts), key):
            _check_path(relative)
            if relative in pages:
                raise SiteError(f"two pages would be written to {relative}")
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if page_key is not None and _link_unchanged(target / relative, path, previous.get(relative), page_key):
                reused += 1
            else:
                path.write_bytes(produce())
                rendered += 1
            stat = path.stat()
            pages[relative] = (page_key, stat.st_size, stat.st_mtime_ns)
        _publish(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _release(staging)
    return SiteOutcome(sorted(out_dir / relative for relative in pages), {"site": str(target), "pages": pages},
                       rendered, reused)


def _site_entries(site, key: Callable[[object], str | None]) -> Iterator[tuple[str, str | None, Callable[[], bytes]]]:
    """(path, key, content maker) of every file of the site, in the order `site_files` makes them."""
    for relative, template, make_context in site.pages():
        context = make_context()
        yield relative, key((template, relative, site.generated, context)), \
            lambda r=relative, t=template, c=context: site.render(r, t, c)
    for relative, inputs, make in site.data_pages():
        if inputs is None:
            content = make()
            yield relative, key(content), lambda c=content: c
        else:
            yield relative, key((relative, inputs)), make
    for relative, content in site.static_files().items():
        yield relative, key(content), lambda c=content: c


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
    # Follow a symlinked output directory: the link keeps pointing at the new site.
    target = out_dir.resolve() if out_dir.is_symlink() else out_dir.absolute()
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _new_staging(target)  # holds the output directory's lock until _release
    try:
        for relative in sorted(files):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[relative])
        _publish(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _release(staging)
    return sorted(out_dir / relative for relative in files)


def _publish(staging: Path, target: Path) -> None:
    """Mark the finished staging directory as a site and swap it into place."""
    (staging / MARKER).write_text("built by leaderboard; this directory is replaced on every build\n", encoding="utf-8")
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a site is meant to be served
    _swap(staging, target)


LOCK_TIMEOUT = 120.0  # seconds a build waits for another build of the same output directory
_HELD: dict[Path, object] = {}  # staging directory -> open lock file


def _new_staging(target: Path) -> Path:
    """A fresh staging directory beside `target`, made under `target`'s build lock.

    The lock is an exclusive flock on `.<name>.lock` beside the output directory, held from staging
    to swap: a second build of the same directory waits for the first (up to LOCK_TIMEOUT seconds),
    then refuses with a SiteError. Holding it, the leftovers of a killed build are cleared first.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        handle = open(lock_path, "a+b")  # noqa: SIM115 - closed by _release
        if fcntl is None or _try_lock(handle, lock_path):
            break
        handle.close()
        if time.monotonic() >= deadline:
            raise SiteError(f"another build is writing {target} (it holds {lock_path}); "
                            "try again when it has finished")
        time.sleep(0.05)
    try:
        if fcntl is not None:  # without a lock another build's staging directory may be in use
            _clear_leftovers(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    except BaseException:
        handle.close()
        raise
    _HELD[staging] = handle
    return staging


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
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or not all(_SAFE_PART.match(p) and ".." not in p for p in parts):
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
