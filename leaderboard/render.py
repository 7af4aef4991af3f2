"""Render the compiled leaderboards: the static site, its CSV/JSON downloads, and Markdown.

The build calls:

    render_site(compiled, registry, out_dir, generated=None) -> list[Path]   # the whole site
    write_markdown(compiled.tables, path)                                    # --markdown FILE

Building is two-phase (as in Pelican): `site_files` computes every file in memory, then `write_site`
writes them into a fresh directory next to `out_dir` and renames it into place, so an interrupted
or failed build leaves the previous site untouched. Renderers are pure functions of the compiled data.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from .models import Compiled
from .registry import Registry
from .render_csv import claims_frame, leaderboards_json, to_csv
from .render_markdown import markdown_text, render_markdown, write_markdown
from .render_site import SiteError, site_files

__all__ = [
    "SiteError", "claims_frame", "leaderboards_json", "markdown_text", "render_markdown", "render_site",
    "site_files", "to_csv", "write_markdown", "write_site",
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


def write_site(files: Mapping[str, bytes], out_dir: Path | str) -> list[Path]:
    """Write `files` ({relative posix path: bytes}) as the new content of `out_dir`, replacing it atomically."""
    out_dir = Path(out_dir)
    for relative in files:
        _check_path(relative)
    # Follow a symlinked output directory: the link keeps pointing at the new site.
    target = out_dir.resolve() if out_dir.is_symlink() else out_dir.absolute()
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for relative in sorted(files):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[relative])
        (staging / MARKER).write_text("built by leaderboard; this directory is replaced on every build\n",
                                      encoding="utf-8")
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a site is meant to be served
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out_dir / relative for relative in files)


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
