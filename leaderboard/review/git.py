"""The two sides of a review: the result files at a git revision, in the working tree, or in a directory.

A `Snapshot` is the result files of one side as raw bytes (file name -> bytes), read without
parsing. Git is run through `subprocess` with an argument list, never a shell, and revisions are
resolved to commit ids before use, so that a revision name can never be read as an option or a path.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import GitError, InputError
from ..paths import DEFAULT_RESULTS

WORKING_TREE = "working tree"


@dataclass(frozen=True)
class Snapshot:
    """The result files on one side of a change: file name -> raw bytes."""

    label: str  # "origin/main (1a2b3c4)", "working tree", a directory
    prefix: str  # shown before file names in messages: "results"
    files: dict[str, bytes]

    def path(self, name: str) -> str:
        return f"{self.prefix}/{name}"


def directory_snapshot(directory: Path | str, label: str | None = None, prefix: str | None = None,
                       must_exist: bool = True) -> Snapshot:
    """Every `*.json` file directly in `directory` (what `load_results` reads)."""
    directory = Path(directory)
    if not directory.is_dir():
        if must_exist:
            raise InputError("no such directory", file=str(directory))
        files = {}
    else:
        # what sorted(directory.glob("*.json")) with is_file() lists, without a Path per file
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".json") and e.is_file())
        files = {}
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                files[name] = handle.read()
    text = str(directory).rstrip("/") or "."
    return Snapshot(label=label or text, prefix=prefix or text, files=files)


def git_snapshot(repo: Path | str, revision: str, results: Path | str = DEFAULT_RESULTS) -> Snapshot:
    """The result files at a git revision, read with `git ls-tree` and one `git cat-file --batch`."""
    root = repo_root(repo)
    relative = results_path_in_repo(root, repo, results)
    commit = resolve_revision(root, revision)
    return _commit_snapshot(root, relative, revision, commit)


def _commit_snapshot(root: Path, relative: str, revision: str, commit: str) -> Snapshot:
    listing = run_git(root, "ls-tree", "-z", commit, "--", f"{relative}/")
    blobs = {}
    for record in filter(None, listing.split(b"\0")):
        meta, _, path = record.partition(b"\t")
        name = path.decode("utf-8", "surrogateescape").rsplit("/", 1)[-1]
        if meta.split()[1] == b"blob" and name.endswith(".json"):
            blobs[name] = meta.split()[2].decode("ascii")
    return Snapshot(label=f"{revision} ({commit[:7]})", prefix=relative, files=read_blobs(root, blobs))


def worktree_and_base_snapshots(repo: Path | str, base: str, results: Path | str = DEFAULT_RESULTS,
                                ) -> tuple[Snapshot, Snapshot]:
    """The result files at the `base` revision (as `git_snapshot` reads them) and as they are on disk
    now (uncommitted and untracked files included: what `directory_snapshot` reads), reading from
    disk only the files that git says differ from the base commit, or that it does not track: at
    100,000 result files, reading them all took longer than the rest of the review. A file git
    takes as unchanged (it checks by stat, and by content where the stat cannot tell) is the base's."""
    root = repo_root(repo)
    relative = results_path_in_repo(root, repo, results)
    commit = resolve_revision(root, base)
    base_snapshot = _commit_snapshot(root, relative, base, commit)
    differing = run_git(root, "diff", "--name-only", "--no-renames", "-z", commit, "--", f"{relative}/")
    untracked = run_git(root, "ls-files", "--others", "-z", "--", f"{relative}/")
    files = dict(base_snapshot.files)
    folder = root / relative
    for record in sorted(set(filter(None, (differing + untracked).split(b"\0")))):
        name = record.decode("utf-8", "surrogateescape")[len(relative) + 1:]
        if "/" in name or not name.endswith(".json"):
            continue  # not a file directly in results/ that directory_snapshot would read
        path = folder / name
        if path.is_file():
            files[name] = path.read_bytes()
        else:
            files.pop(name, None)
    return base_snapshot, Snapshot(label=WORKING_TREE, prefix=relative, files=dict(sorted(files.items())))


def run_git(root: Path | str, *args: str, stdin: bytes | None = None) -> bytes:
    """Run one git command in `root`; a failure is a GitError carrying git's own first line."""
    try:
        done = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except NotADirectoryError:
        raise GitError(f"{root} is not a directory") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {root}: {reason[0] if reason else f'exit {done.returncode}'}")
    return done.stdout


def repo_root(repo: Path | str) -> Path:
    """The top directory of the git repository that contains `repo`."""
    if not Path(repo).is_dir():
        raise GitError(f"{repo} is not a directory")
    try:
        return Path(run_git(repo, "rev-parse", "--show-toplevel").decode("utf-8").strip())
    except GitError:
        raise GitError(f"{repo} is not inside a git repository (use --base-dir/--head-dir for plain directories)")\
            from None


def results_path_in_repo(root: Path, repo: Path | str, results: Path | str) -> str:
    """`results` (relative to `repo`) as a path relative to the repository root, with '/' separators."""
    absolute = (Path(repo) / results).resolve()
    try:
        relative = absolute.relative_to(root.resolve())
    except ValueError:
        raise GitError(f"{results} is outside the git repository at {root}") from None
    return relative.as_posix()


def resolve_revision(root: Path, revision: str) -> str:
    """The full commit id of `revision`, or a GitError that says what to do."""
    if not revision or revision.startswith("-"):
        raise GitError(f"invalid revision {revision!r}")
    try:
        output = run_git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except GitError:
        raise GitError(f"unknown revision {revision!r}: no such commit in {root} (check the name; in a shallow "
                       "CI checkout fetch the base first, e.g. `git fetch origin main`)") from None
    return output.decode("ascii").strip()


def read_blobs(root: Path, blobs: dict[str, str]) -> dict[str, bytes]:
    """The contents of many blobs (name -> object id) from one `git cat-file --batch` process."""
    if not blobs:
        return {}
    names = list(blobs)
    output = run_git(root, "cat-file", "--batch", stdin="".join(f"{blobs[n]}\n" for n in names).encode("ascii"))
    contents, position = {}, 0
    for name in names:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(f"cannot read {name} from git: {output[position:header_end].decode('utf-8', 'replace')}")
        size = int(header[2])
        contents[name] = output[header_end + 1: header_end + 1 + size]
        position = header_end + 1 + size + 1  # the content is followed by a newline
    return contents
