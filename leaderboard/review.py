"""Pull-request review: what a change to `results/` does to the leaderboards.

Two snapshots of the results directory (two git revisions, a revision and the working tree, or two
plain directories) are compared file by file. Only the files that differ are parsed twice and
validated; every file is needed to compile the leaderboards on both sides, and an unchanged file is
parsed once and shared. The outcome is a `Review`: validation issues of the changed files, the claims
added, changed and removed (matched by claim id within a paper), and for each leaderboard whose
table differs, the new leader, entries that moved, new and dropped entries and new conflicts.

Git is run through `subprocess` with an argument list, never a shell, and revisions are resolved to
commit ids before use, so that a revision name can never be read as an option or a path.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import GitError, InputError
from .models import Compiled, Entry, Issue, ResultFile, Table
from .paths import DEFAULT_RESULTS
from .render_format import format_number, format_score
from .render_markdown import markdown_text, table_heading
from .results import result_from_json

WORKING_TREE = "working tree"


# ---------------------------------------------------------------- snapshots


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


# ---------------------------------------------------------------- the review


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # "added", "modified" or "deleted"
    paper_fields: tuple[str, ...] = ()  # paper-level fields (title, abstract ...) that changed


@dataclass(frozen=True)
class ClaimView:
    """A claim as the report shows it; fields are taken as written, so invalid claims can be shown too."""

    path: str
    paper_id: str | None
    paper_title: str | None
    claim_id: str | None
    model: object
    benchmark: object  # registry id, or the benchmark name as written when it has none
    benchmark_name: object  # the registry's display name, or the name as written
    metric: object
    value: object
    unit: object
    setting: object
    kind: object
    status: object


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: object
    new: object


@dataclass(frozen=True)
class ClaimChange:
    old: ClaimView
    new: ClaimView
    fields: tuple[FieldChange, ...]  # every field that differs, value first


@dataclass(frozen=True)
class EntryView:
    rank: int
    model: str
    model_id: str
    value: float
    unit: str | None
    paper_title: str


@dataclass(frozen=True)
class EntryMove:
    """An entry on both sides whose rank or value changed."""

    model: str
    model_id: str
    old_rank: int
    new_rank: int
    old_value: float
    new_value: float
    unit: str | None


@dataclass(frozen=True)
class ConflictView:
    model: str
    model_id: str
    values: tuple[tuple[float, str], ...]  # (value, paper title), the number shown first
    unit: str | None


@dataclass(frozen=True)
class LeaderboardChange:
    """What the change does to one leaderboard (a table, by Table.key)."""

    key: str
    heading: str  # "MMLU: Accuracy, higher is better"
    status: str  # "new", "changed" or "removed"
    old_leader: EntryView | None
    new_leader: EntryView | None
    moved: tuple[EntryMove, ...] = ()
    added: tuple[EntryView, ...] = ()
    dropped: tuple[EntryView, ...] = ()
    new_conflicts: tuple[ConflictView, ...] = ()

    @property
    def leader_changed(self) -> bool:
        old = self.old_leader.model_id if self.old_leader else None
        return self.new_leader is not None and self.new_leader.model_id != old


@dataclass(frozen=True)
class Review:
    base: str
    head: str
    prefix: str  # the results directory as named in the report
    files: tuple[FileChange, ...] = ()
    issues: tuple[Issue, ...] = ()
    added: tuple[ClaimView, ...] = ()
    changed: tuple[ClaimChange, ...] = ()
    removed: tuple[ClaimView, ...] = ()
    leaderboards: tuple[LeaderboardChange, ...] = field(default=())

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity != "error")

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def results_changed(self) -> bool:
        return bool(self.files)

    @property
    def verdict(self) -> str:
        """One line of plain text: the outcome for the maintainer."""
        if not self.results_changed:
            return f"No changes under {self.prefix}/: nothing to review."
        if self.errors:
            files = len({i.file for i in self.errors})
            them = "it" if len(self.errors) == 1 else "them"
            return (f"❌ Not ready: {_count(len(self.errors), 'validation error')} in {_count(files, 'file')}; "
                    f"fix {them} before merging.")
        text = (f"✅ Valid: {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed "
                f"claims; {_count(len(self.leaderboards), 'leaderboard')} affected")
        leaders = [c.heading.split(":")[0] for c in self.leaderboards if c.leader_changed and c.status != "new"]
        if leaders:
            text += f"; new leader on {', '.join(dict.fromkeys(leaders))}"
        if self.warnings:
            text += f"; {_count(len(self.warnings), 'warning')}"
        return text + "."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def review_revisions(base: str, head: str | None = None, repo: Path | str = ".",
                     results: Path | str = DEFAULT_RESULTS, registry=None) -> Review:
    """Review `results/` at git revision `head` (default: the working tree) against revision `base`."""
    if head:
        base_snapshot, head_snapshot = git_snapshot(repo, base, results), git_snapshot(repo, head, results)
    else:
        base_snapshot, head_snapshot = worktree_and_base_snapshots(repo, base, results)
    return review_snapshots(base_snapshot, head_snapshot, registry)


def review_directories(base_dir: Path | str, head_dir: Path | str, registry=None) -> Review:
    """Review the result files in `head_dir` against those in `base_dir` (no git needed)."""
    return review_snapshots(directory_snapshot(base_dir), directory_snapshot(head_dir), registry)


def review_snapshots(base: Snapshot, head: Snapshot, registry=None) -> Review:
    """The review of everything that differs between two snapshots."""
    names = sorted(set(base.files) | set(head.files))
    changed = [n for n in names if base.files.get(n) != head.files.get(n)]
    if not changed:
        return Review(base=base.label, head=head.label, prefix=head.prefix)
    if registry is None:
        from .registry import default_registry

        registry = default_registry()

    base_side = {n: _parse(data, base.path(n)) for n, data in base.files.items()}
    head_side = {n: (_parse(head.files[n], head.path(n)) if n in changed else base_side[n]) for n in head.files}
    issues = {n: _issues(head_side[n], registry) for n in changed if n in head.files}
    base_issues = {n: _issues(base_side[n], registry) for n in changed if n in base.files}

    claim_diffs = [_diff_claims(base_side.get(n), head_side.get(n), head.path(n), registry) for n in changed]
    shared: dict = {}  # an unchanged file is converted, and its rows made, once for both sides
    base_compiled = _compile(base_side, base_issues, registry, shared)
    head_compiled = _compile(head_side, issues, registry, shared)
    return Review(
        base=base.label,
        head=head.label,
        prefix=head.prefix,
        files=tuple(FileChange(head.path(n), _file_status(n, base, head), _paper_fields(base_side.get(n), head_side.get(n)))
                    for n in changed),
        issues=tuple(i for n in changed for i in issues.get(n, ())),
        added=tuple(c for diff in claim_diffs for c in diff[0]),
        changed=tuple(c for diff in claim_diffs for c in diff[1]),
        removed=tuple(c for diff in claim_diffs for c in diff[2]),
        leaderboards=tuple(diff_leaderboards(base_compiled, head_compiled)),
    )


def _paper_fields(old: _Parsed | None, new: _Parsed | None) -> tuple[str, ...]:
    """Top-level fields other than the claims that differ in a modified file."""
    if not (old and new and isinstance(old.document, dict) and isinstance(new.document, dict)):
        return ()
    names = dict.fromkeys([*old.document, *new.document])
    return tuple(n for n in names if n != "claims" and old.document.get(n) != new.document.get(n))


def _file_status(name: str, base: Snapshot, head: Snapshot) -> str:
    if name not in base.files:
        return "added"
    return "deleted" if name not in head.files else "modified"


# ---------------------------------------------------------------- parsing and validation


@dataclass(frozen=True)
class _Parsed:
    """One file's JSON document, or the issue that says why it could not be read."""

    path: str
    document: object = None
    problem: Issue | None = None


def _parse(data: bytes, path: str) -> _Parsed:
    """Parse like `validate` reads a file, with the same issue codes for unreadable ones."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return _Parsed(path, problem=Issue("not-utf8", "error", path, "", f"not UTF-8 text: byte {exc.start} (line {line})",
                                     "save the file as UTF-8"))
    try:
        return _Parsed(path, document=json.loads(text))
    except json.JSONDecodeError as exc:
        return _Parsed(path, problem=Issue("invalid-json", "error", path, "",
                                     f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                                     "fix the JSON syntax there (a missing comma, quote or bracket?)"))


def _issues(parsed: _Parsed, registry) -> list[Issue]:
    if parsed.problem:
        return [parsed.problem]
    from .validate import validate_document

    return validate_document(parsed.document, parsed.path, registry)


def _claim_documents(parsed: _Parsed | None) -> list[dict]:
    document = parsed.document if parsed else None
    claims = document.get("claims") if isinstance(document, dict) else None
    return [c for c in claims if isinstance(c, dict)] if isinstance(claims, list) else []


def _invalid_claim_indexes(issues: Iterable[Issue]) -> set[int]:
    """Positions of claims with an error: /claims/<n>/... pointers."""
    indexes = set()
    for issue in issues:
        parts = issue.pointer.split("/")
        if issue.severity == "error" and len(parts) >= 3 and parts[1] == "claims" and parts[2].isdigit():
            indexes.add(int(parts[2]))
    return indexes


def _compile(side: dict[str, _Parsed], issues: dict[str, list[Issue]], registry, shared: dict | None = None) -> Compiled:
    """The leaderboards of one side, as the site would show them.

    Claims with validation errors are left out, as `build` does; only changed files were validated,
    since unchanged ones are the same on both sides. Files that are not JSON objects, or that hold
    no claim, are skipped (only the tables and conflicts are compared, and they come from claims).
    `shared`, passed for both sides, keeps the result of each parsed file without issues (the
    same object on both sides when the file is unchanged) and its leaderboard rows.
    """
    from .compile import compile_results

    shared = {} if shared is None else shared
    converted: dict[int, tuple[_Parsed, ResultFile]] = shared.setdefault("results", {})
    results: list[ResultFile] = []
    for name, parsed in sorted(side.items()):
        if not isinstance(parsed.document, dict):
            continue
        document = parsed.document
        if not (isinstance(document.get("claims"), list) and document["claims"]):
            continue  # no claim, no leaderboard row: the tables and conflicts compared do not change
        bad = _invalid_claim_indexes(issues.get(name, ()))
        if bad and isinstance(document.get("claims"), list):
            document = {**document, "claims": [c for n, c in enumerate(document["claims"]) if n not in bad]}
            results.append(result_from_json(document, path=parsed.path))
            continue
        known = converted.get(id(parsed))
        if known is None or known[0] is not parsed:
            known = converted[id(parsed)] = (parsed, result_from_json(document, path=parsed.path))
        results.append(known[1])
    # compile_results orders the results itself (a stable sort of these, in file name order)
    return compile_results(results, registry, rows_cache=shared.setdefault("rows", {}))


# ---------------------------------------------------------------- claims


def _claim_view(claim: dict, document: object, path: str, registry) -> ClaimView:
    paper = document if isinstance(document, dict) else {}
    benchmark = registry.get(claim["benchmark"]) if isinstance(claim.get("benchmark"), str) else None
    return ClaimView(
        path=path,
        paper_id=_text_or_none(paper.get("id")),
        paper_title=_text_or_none(paper.get("title")),
        claim_id=_text_or_none(claim.get("id")),
        model=claim.get("model"),
        benchmark=claim.get("benchmark") or claim.get("benchmark_text"),
        benchmark_name=benchmark.name if benchmark else claim.get("benchmark_text") or claim.get("benchmark"),
        metric=claim.get("metric"),
        value=claim.get("value"),
        unit=claim.get("unit"),
        setting=claim.get("setting"),
        kind=claim.get("kind"),
        status=claim.get("status"),
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _keyed_claims(parsed: _Parsed | None) -> dict[str, dict]:
    """Claims by id; a claim without a usable id (an error validate reports) is keyed by position."""
    keyed = {}
    for position, claim in enumerate(_claim_documents(parsed)):
        key = claim.get("id") if isinstance(claim.get("id"), str) else f"#{position}"
        keyed.setdefault(key if key not in keyed else f"{key}#{position}", claim)
    return keyed


def _diff_claims(old: _Parsed | None, new: _Parsed | None, path: str, registry):
    """(added, changed, removed) claims of one file; a file that is not JSON has no claims to compare."""
    if new is not None and new.problem:
        return (), (), ()
    before, after = _keyed_claims(old), _keyed_claims(new)
    old_document = old.document if old else None
    new_document = new.document if new else None
    added = tuple(_claim_view(after[k], new_document, path, registry) for k in after if k not in before)
    removed = tuple(_claim_view(before[k], old_document, path, registry) for k in before if k not in after)
    changed = []
    for key in (k for k in after if k in before and after[k] != before[k]):
        fields = _field_changes(before[key], after[key])
        changed.append(ClaimChange(_claim_view(before[key], old_document, path, registry),
                                   _claim_view(after[key], new_document, path, registry), fields))
    return added, tuple(changed), removed


def _field_changes(old: dict, new: dict) -> tuple[FieldChange, ...]:
    names = list(dict.fromkeys([*old, *new]))
    names.sort(key=lambda n: n != "value")  # the value first: it is what a reviewer looks for
    return tuple(FieldChange(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n))


# ---------------------------------------------------------------- leaderboards


def diff_leaderboards(base: Compiled, head: Compiled) -> list[LeaderboardChange]:
    """Every leaderboard whose table differs between the two sides, in key order."""
    base_tables = {t.key: t for t in base.tables}
    head_tables = {t.key: t for t in head.tables}
    changes = []
    for key in sorted(set(base_tables) | set(head_tables)):
        old, new = base_tables.get(key), head_tables.get(key)
        if old and new and _table_signature(old) == _table_signature(new):
            continue
        change = _diff_table(old, new, _new_conflicts(key, base, head))
        if change:
            changes.append(change)
    return changes


def _table_signature(table: Table) -> tuple:
    return tuple((e.rank, e.model_id, e.value, e.conflict, tuple((s.paper_id, s.claim_id, s.value) for s in e.sources))
                 for e in table.entries)


def _entry_view(entry: Entry) -> EntryView:
    return EntryView(entry.rank, entry.model, entry.model_id, entry.value, entry.unit, entry.source.paper_title)


def _diff_table(old: Table | None, new: Table | None, conflicts: tuple[ConflictView, ...]) -> LeaderboardChange | None:
    table = new or old
    before = {e.model_id: e for e in old.entries} if old else {}
    after = {e.model_id: e for e in new.entries} if new else {}
    moved = tuple(
        EntryMove(e.model, e.model_id, before[k].rank, e.rank, before[k].value, e.value, e.unit)
        for k, e in after.items() if k in before and (before[k].rank, before[k].value) != (e.rank, e.value)
    )
    added = tuple(_entry_view(e) for k, e in after.items() if k not in before)
    dropped = tuple(_entry_view(e) for k, e in before.items() if k not in after)
    if not (moved or added or dropped or conflicts):
        return None  # only the sources behind unchanged numbers differ
    return LeaderboardChange(
        key=table.key,
        heading=table_heading(table),
        status="new" if old is None or not old.entries else ("removed" if new is None or not new.entries else "changed"),
        old_leader=_entry_view(old.entries[0]) if old and old.entries else None,
        new_leader=_entry_view(new.entries[0]) if new and new.entries else None,
        moved=moved,
        added=added,
        dropped=dropped,
        new_conflicts=conflicts,
    )


def _new_conflicts(key: str, base: Compiled, head: Compiled) -> tuple[ConflictView, ...]:
    """Conflicts in `head` that are new, or that gained a number they did not have in `base`."""
    def numbers(conflict) -> set:
        return {(s.paper_id, s.claim_id, s.value) for s in conflict.sources}

    known = {c.model_id: numbers(c) for c in base.conflicts if c.table_key == key}
    units = {e.model_id: e.unit for t in head.tables if t.key == key for e in t.entries}
    return tuple(
        ConflictView(c.model, c.model_id, tuple((s.value, s.paper_title) for s in c.sources), units.get(c.model_id))
        for c in head.conflicts
        if c.table_key == key and not numbers(c) <= known.get(c.model_id, set())
    )


# ---------------------------------------------------------------- rendering


def _code(text: object) -> str:
    """Inline code: nothing inside is a link, a mention or HTML; a backtick could end it, so none stay."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def _md(text: object) -> str:
    return markdown_text(str(text)) if text is not None else ""


def _score(value: object, unit: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_score(float(value), unit if isinstance(unit, str) else None)
    return str(value)


def _describe_claim(claim: ClaimView) -> str:
    """"Model: MMLU accuracy 91.2% (5-shot), absolute, added": every part escaped."""
    setting = f" ({_md(claim.setting)})" if claim.setting else ""
    score = _md(_score(claim.value, claim.unit))
    return (f"**{_md(claim.model)}**: {_md(claim.benchmark_name)} {_md(claim.metric)} {score}{setting}, "
            f"{_md(claim.kind)}, {_md(claim.status)}")


def _where(claim: ClaimView) -> str:
    title = f" in *{_md(claim.paper_title)}*" if claim.paper_title else ""
    return f"{_code(claim.path)}{title}, claim {_code(claim.claim_id or '?')}"


def _describe_field(change: FieldChange) -> str:
    if change.name == "value":
        return f"value {_md(_plain(change.old))} → {_md(_plain(change.new))}"
    return f"{_md(change.name)} {_md(_plain(change.old))} → {_md(_plain(change.new))}"


def _plain(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float):
        return format_number(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _render_issue(issue: Issue) -> str:
    where = _code(issue.file) + (f" at {_code(issue.pointer)}" if issue.pointer else "")
    hint = f" (fix: {_md(issue.hint)})" if issue.hint else ""
    label = _md(f"{issue.severity}[{issue.code}]")
    return f"- {where}: **{label}** {_md(issue.message)}{hint}"


def _render_entry(entry: EntryView) -> str:
    return f"#{entry.rank} **{_md(entry.model)}** {_md(_score(entry.value, entry.unit))} (*{_md(entry.paper_title)}*)"


def _render_leaderboard(change: LeaderboardChange) -> list[str]:
    status = {"new": " (new leaderboard)", "removed": " (now empty)"}.get(change.status, "")
    lines = [f"#### {_md(change.heading)}{status}", ""]
    if change.leader_changed:
        was = f", was **{_md(change.old_leader.model)}**" if change.old_leader else ""
        lines.append(f"- 🏆 New leader: **{_md(change.new_leader.model)}** "
                     f"{_md(_score(change.new_leader.value, change.new_leader.unit))}{was}")
    for move in change.moved:
        scores = f"{_md(_score(move.old_value, move.unit))} → {_md(_score(move.new_value, move.unit))}"
        if move.old_rank == move.new_rank:
            lines.append(f"- Score changed: **{_md(move.model)}** {scores} (still #{move.new_rank})")
        else:
            value = "" if move.old_value == move.new_value else f", {scores}"
            lines.append(f"- Moved: **{_md(move.model)}** #{move.old_rank} → #{move.new_rank}{value}")
    lines += [f"- New entry: {_render_entry(e)}" for e in change.added]
    lines += [f"- Dropped: {_render_entry(e)}" for e in change.dropped]
    for conflict in change.new_conflicts:
        values = " vs ".join(f"{_md(_score(v, conflict.unit))} (*{_md(t)}*)" for v, t in conflict.values)
        lines.append(f"- ⚠ New conflict: **{_md(conflict.model)}**: {values}")
    return lines + [""]


def render_review_markdown(review: Review) -> str:
    """The report for a pull-request comment: validation errors first, then claims, then leaderboards,
    then the verdict. Every piece of text from a result file is escaped."""
    if not review.results_changed:
        return f"No changes under {_code(review.prefix + '/')} between {_code(review.base)} and {_code(review.head)}: " \
               "nothing to review.\n"
    lines = ["## Leaderboard review", "", f"{_compared(review)}: {_count(len(review.files), 'file')} changed.", ""]
    lines += [_render_file(f) for f in review.files] + [""]
    if review.errors:
        lines += [f"### ❌ Validation errors ({len(review.errors)})", ""]
        lines += [_render_issue(i) for i in review.errors] + [""]
    if review.warnings:
        lines += [f"### Warnings ({len(review.warnings)})", ""]
        lines += [_render_issue(i) for i in review.warnings] + [""]
    lines += _render_claims(review)
    lines += ["### Leaderboards", ""]
    if review.leaderboards:
        for change in review.leaderboards:
            lines += _render_leaderboard(change)
    else:
        lines += ["No leaderboard changes.", ""]
    lines.append(f"**Verdict:** {_md(review.verdict)}")
    return "\n".join(lines) + "\n"


def _compared(review: Review) -> str:
    """What was compared: a results directory at two revisions, or two directories."""
    if review.head == review.prefix:  # two plain directories
        return f"{_code(review.head + '/')} compared with {_code(review.base + '/')}"
    head = "in the working tree" if review.head == WORKING_TREE else f"at {_code(review.head)}"
    return f"{_code(review.prefix + '/')} {head} compared with {_code(review.base)}"


def _render_file(change: FileChange) -> str:
    fields = f" (paper fields: {', '.join(_md(n) for n in change.paper_fields)})" if change.paper_fields else ""
    return f"- {_code(change.path)}: {change.status}{fields}"


def _render_claims(review: Review) -> list[str]:
    lines = [f"### Claims: {len(review.added)} added, {len(review.changed)} changed, {len(review.removed)} removed", ""]
    if not (review.added or review.changed or review.removed):
        return lines + ["No claims changed.", ""]
    if review.added:
        lines += ["**Added**", ""] + [f"- {_describe_claim(c)} ({_where(c)})" for c in review.added] + [""]
    decisions = status_changes(review)
    if decisions:
        lines += ["**Review decisions:** " + ", ".join(f"{n} {_md(old)} → {_md(new)}" for (old, new), n in decisions),
                  ""]
    if review.changed:
        lines += ["**Changed**", ""]
        for change in review.changed:
            fields = "; ".join(_describe_field(f) for f in change.fields)
            lines.append(f"- {_describe_claim(change.new)}: {fields} ({_where(change.new)})")
        lines.append("")
    if review.removed:
        lines += ["**Removed**", ""] + [f"- {_describe_claim(c)} ({_where(c)})" for c in review.removed] + [""]
    return lines


def status_changes(review: Review) -> list[tuple[tuple[str, str], int]]:
    """How many claims went from one status to another (extracted -> verified ...), most first."""
    moves = Counter((_plain(f.old), _plain(f.new)) for change in review.changed for f in change.fields
                    if f.name == "status")
    return sorted(moves.items(), key=lambda item: (-item[1], item[0]))


def review_to_json(review: Review) -> dict:
    """The same review for machines: plain JSON types, stable keys."""
    return _json_types({
        "base": review.base,
        "head": review.head,
        "results_dir": review.prefix,
        "results_changed": review.results_changed,
        "valid": review.valid,
        "verdict": review.verdict,
        "files": [asdict(f) for f in review.files],
        "issues": [asdict(i) for i in review.issues],
        "claims": {
            "added": [asdict(c) for c in review.added],
            "changed": [asdict(c) for c in review.changed],
            "removed": [asdict(c) for c in review.removed],
            "status_changes": [{"from": old, "to": new, "claims": n} for (old, new), n in status_changes(review)],
        },
        "leaderboards": [{**asdict(c), "leader_changed": c.leader_changed} for c in review.leaderboards],
    })


def _json_types(value: object) -> object:
    """Tuples become lists, so that the document equals its own JSON round trip."""
    if isinstance(value, dict):
        return {k: _json_types(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_types(v) for v in value]
    return value
