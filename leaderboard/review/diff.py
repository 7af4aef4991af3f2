"""The diff model of a review: what a change to `results/` does to the claims and the leaderboards.

Two snapshots of the results directory (review.git) are compared file by file. Only the files that
differ are parsed twice and validated; every file is needed to compile the leaderboards on both
sides, and an unchanged file is parsed once and shared. The outcome is a `Review`: validation issues
of the changed files, the claims added, changed and removed (matched by claim id within a paper), and
for each leaderboard whose table differs, the new leader, entries that moved, new and dropped entries
and new conflicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..compile.tables import compile_results
from ..models import Compiled, Entry, Issue, ResultFile, Table
from ..paths import DEFAULT_RESULTS
from ..render.markdown import table_heading
from ..store.registry import default_registry
from ..store.results import result_from_json
from ..store.validate import validate_document
from .git import Snapshot, directory_snapshot, git_snapshot, worktree_and_base_snapshots

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
            return (f"❌ Not ready: {plural(len(self.errors), 'validation error')} in {plural(files, 'file')}; "
                    f"fix {them} before merging.")
        text = (f"✅ Valid: {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed "
                f"claims; {plural(len(self.leaderboards), 'leaderboard')} affected")
        leaders = [c.heading.split(":")[0] for c in self.leaderboards if c.leader_changed and c.status != "new"]
        if leaders:
            text += f"; new leader on {', '.join(dict.fromkeys(leaders))}"
        if self.warnings:
            text += f"; {plural(len(self.warnings), 'warning')}"
        return text + "."


def plural(number: int, noun: str) -> str:
    """"3 files", "1 file"."""
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
