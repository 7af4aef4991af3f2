"""The results store: one reviewed JSON file per paper, `results/<paper-id>.json`.

A result file is the source of truth that pull requests edit: the paper (self-contained: title,
abstract, metadata) and its claims, each with a stable id and a review status. Files are written
with a fixed key order and claims sorted by position, so that diffs stay small and readable.

Re-extraction (`write_results`) never loses human work. A stored claim is *human* when its status
is verified, rejected or added, or when it is `extracted` but a person edited it. Edits are detected
without any extra bookkeeping: an extracted claim's id is a hash of all its fields, so a claim whose
fields no longer hash to its id was changed by hand. Human claims are kept untouched; only unedited
extracted claims are replaced by the new extraction.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ResultFileError
from ..models import Claim, Paper, ResultFile, Source, StoredClaim
from ..paths import RESULT_SCHEMA
from ..sources.ingest import paper_to_json
from .registry import normalise_name
from .validate import schema_issues

SCHEMA_REF = "../schemas/result.schema.json"
HUMAN_STATUSES = ("verified", "rejected", "added")

# Every Claim field, in the order they are written: the hash of a claim covers all of them, so an
# edit to any field is visible as an id mismatch.
CLAIM_FIELDS = ("model", "params", "benchmark", "benchmark_text", "metric", "metric_implied", "value", "unit",
                "qualifier", "setting", "kind", "evidence", "start", "end")
# Optional fields, written only when set. base_model is part of the claim (hashed when set, so ids of
# claims without it are unchanged); confidence describes the extractor, not the claim, so it is not hashed.
OPTIONAL_FIELDS = ("base_model", "confidence")


# ---------------------------------------------------------------- ids


def claim_id(claim: Claim) -> str:
    """Stable id of an extracted claim: 'c' + 10 hex digits of the SHA-1 of all its fields.

    Numbers are hashed as floats, so 87 typed by hand and 87.0 from the extractor are the same claim.
    """
    content = [_hashable(name, getattr(claim, name)) for name in CLAIM_FIELDS]
    if claim.base_model is not None:
        content.append(["base_model", claim.base_model])
    digest = hashlib.sha1(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()
    return "c" + digest[:10]


def _hashable(name: str, value: object) -> object:
    if name == "value" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def is_human(stored: StoredClaim) -> bool:
    """True for claims a person made or touched: they survive re-extraction untouched."""
    return stored.status in HUMAN_STATUSES or (stored.status == "extracted" and claim_id(stored.claim) != stored.id)


# ---------------------------------------------------------------- JSON form


def claim_to_json(stored: StoredClaim) -> dict:
    """A stored claim as written in a result file: id, status, the Claim fields, then note and source."""
    document = {"id": stored.id, "status": stored.status}
    document.update((name, getattr(stored.claim, name)) for name in CLAIM_FIELDS)
    document.update((name, getattr(stored.claim, name)) for name in OPTIONAL_FIELDS
                    if getattr(stored.claim, name) is not None)
    if stored.note is not None:
        document["note"] = stored.note
    if stored.source_url is not None:
        document["source_url"] = stored.source_url
    return document


def sort_claims(claims: Iterable[StoredClaim]) -> tuple[StoredClaim, ...]:
    """Claims in file order: by start offset, then id (claim_index and #claim-N follow this order)."""
    return tuple(sorted(claims, key=lambda s: (_int_or_zero(s.claim.start), str(s.id))))


def result_to_json(result: ResultFile) -> dict:
    """The JSON document of a result file, with a stable key order."""
    document = {"$schema": SCHEMA_REF, **paper_to_json(result.paper)}
    document["claims"] = [claim_to_json(c) for c in sort_claims(result.claims)]
    return document


def dump_result(result: ResultFile) -> str:
    """The exact text of a result file: indent 2, UTF-8 characters kept, trailing newline."""
    return json.dumps(result_to_json(result), indent=2, ensure_ascii=False) + "\n"


def paper_from_json(document: dict) -> Paper:
    """A Paper from a result file document; missing or odd fields are tolerated (validate reports them)."""
    sources = tuple(
        Source(file=s.get("file"), line=s.get("line")) for s in _list(document.get("sources")) if isinstance(s, dict)
    )
    external_ids = document.get("external_ids")
    return Paper(
        id=document.get("id"),
        title=document.get("title"),
        abstract=document.get("abstract"),
        published=document.get("published"),
        authors=document.get("authors"),
        organization=document.get("organization"),
        upvotes=document.get("upvotes"),
        sources=sources,
        external_ids=dict(external_ids) if isinstance(external_ids, dict) else {},
    )


def claim_from_json(document: dict) -> StoredClaim:
    """A StoredClaim from its JSON object; values are kept as written so that a re-dump changes nothing."""
    fields = {name: document.get(name) for name in CLAIM_FIELDS + OPTIONAL_FIELDS}
    fields["metric_implied"] = bool(fields["metric_implied"])
    return StoredClaim(
        id=document.get("id"),
        status=document.get("status"),
        claim=Claim(**fields),
        note=document.get("note"),
        source_url=document.get("source_url"),
    )


def result_from_json(document: dict, path: str | None = None) -> ResultFile:
    claims = tuple(claim_from_json(c) for c in _list(document.get("claims")) if isinstance(c, dict))
    return ResultFile(paper=paper_from_json(document), claims=sort_claims(claims), path=path)


def result_from_paper(paper: Paper, claims: Iterable[Claim]) -> ResultFile:
    """A fresh result file: every claim `extracted`, with its content-derived id (duplicates dropped)."""
    stored = {}
    for claim in claims:
        stored.setdefault(claim_id(claim), StoredClaim(id=claim_id(claim), status="extracted", claim=claim))
    return ResultFile(paper=paper, claims=sort_claims(stored.values()))


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _int_or_zero(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# ---------------------------------------------------------------- reading


def read_json_document(path: Path) -> object:
    """Parse a JSON file; unreadable files and bad JSON raise ResultFileError with file, line and column."""
    if path.is_dir():
        raise ResultFileError("is a directory, not a result file", file=str(path),
                              hint="pass the directory itself to read every *.json in it")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResultFileError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ResultFileError(f"not UTF-8 text (byte {exc.start})", file=str(path), line=line,
                              hint="save the file as UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultFileError(f"invalid JSON at column {exc.colno}: {exc.msg}", file=str(path), line=exc.lineno,
                              hint="fix the JSON syntax (a missing comma or quote?)") from None


def load_result_file(path: Path | str) -> ResultFile:
    """Read one result file. Raises ResultFileError when it cannot be read as a JSON object at all."""
    path = Path(path)
    document = read_json_document(path)
    if not isinstance(document, dict):
        raise ResultFileError(f"expected a JSON object, found {type(document).__name__}", file=str(path),
                              hint=f"a result file is one object, see schemas/{RESULT_SCHEMA}")
    return result_from_json(document, path=str(path))


def result_paths(results_dir: Path | str) -> list[Path]:
    """Every `*.json` entry of a directory. A directory or a dangling link named so is kept, so that
    reading it stops with a clear error (as `validate` reports it) instead of being skipped."""
    root = Path(results_dir)
    return [root / name for name in result_file_names(root)]


def result_file_names(results_dir: Path | str) -> list[str]:
    """`result_paths` as the sorted file names alone (a missing directory has none): at 100,000
    files, making and sorting Path objects costs more than reading the directory."""
    try:
        with os.scandir(results_dir) as entries:
            return sorted(e.name for e in entries if e.name.endswith(".json") and not e.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []


def load_results(results_dir: Path | str) -> list[ResultFile]:
    """Every result file in a directory (a missing directory holds none), sorted by paper id."""
    results = [load_result_file(p) for p in result_paths(results_dir)]
    return sorted(results, key=lambda r: (str(r.paper.id), r.path or ""))


# ---------------------------------------------------------------- writing


def write_result_file(path: Path | str, result: ResultFile) -> None:
    """Write atomically: a temporary file in the same directory, then os.replace (never half a file)."""
    write_text_atomic(Path(path), dump_result(result))


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class WriteSummary:
    """What `write_results` did: file counts and the claims it kept for people."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_claims: int = 0  # human claims carried over from existing files

    def __str__(self) -> str:
        return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
                f" ({self.kept_claims} reviewed or edited claims kept)")


def merge_result(existing: ResultFile | None, paper: Paper, claims: Iterable[Claim]) -> ResultFile:
    """The new contents of a paper's file: fresh metadata and extracted claims, plus every human claim.

    A fresh claim is left out when a human claim already stands for it: the same id (a person
    verified, rejected or edited that very claim) or the same mention (same evidence span, value and
    benchmark name: a person already decided about that number, perhaps correcting its fields).
    """
    fresh = result_from_paper(paper, claims)
    if existing is None:
        return fresh
    human = [c for c in existing.claims if is_human(c)]
    taken_ids = {c.id for c in human}
    taken_mentions = {_mention(c.claim) for c in human}
    refreshed = [c for c in fresh.claims if c.id not in taken_ids and _mention(c.claim) not in taken_mentions]
    return ResultFile(paper=_refresh_paper(existing.paper, paper), claims=sort_claims(human + refreshed))


def _mention(claim: Claim) -> tuple:
    value = float(claim.value) if isinstance(claim.value, int | float) else claim.value
    text = normalise_name(claim.benchmark_text) if isinstance(claim.benchmark_text, str) else claim.benchmark_text
    return (claim.start, claim.end, value, text)


def _refresh_paper(stored: Paper, listed: Paper) -> Paper:
    """The listing's metadata wins; what only the file knows (typed in by a person) is kept."""
    def pick(name: str):
        value = getattr(listed, name)
        return value if value is not None else getattr(stored, name)

    return replace(
        listed,
        published=pick("published"),
        authors=pick("authors"),
        organization=pick("organization"),
        upvotes=pick("upvotes"),
        external_ids={**stored.external_ids, **listed.external_ids},
    )


@dataclass(frozen=True)
class PlannedFile:
    """One result file as `write_results` would leave it: its text now (None: no file) and after."""

    path: Path
    old_text: str | None
    text: str
    kept_claims: int  # human claims carried over from the existing file

    @property
    def changed(self) -> bool:
        return self.text != self.old_text


def plan_results(results_dir: Path, papers: list[Paper], claims: dict[str, list[Claim]]) -> tuple[PlannedFile, ...]:
    """What `write_results` would write, without writing: every paper's file before and after the merge.

    Every existing file is read (and a file that breaks the schema refused) before anything is planned.
    """
    results_dir = Path(results_dir)
    existing = {p.id: _read_existing(results_dir / f"{p.id}.json") for p in papers}
    planned = []
    for paper in papers:
        old_text, old_result = existing[paper.id]
        merged = merge_result(old_result, paper, claims.get(paper.id, []))
        planned.append(PlannedFile(results_dir / f"{paper.id}.json", old_text, dump_result(merged),
                                   sum(1 for c in merged.claims if is_human(c))))
    return tuple(planned)


def apply_plan(plan: Iterable[PlannedFile]) -> WriteSummary:
    """Write the files of a plan that change (each atomically) and count what was done."""
    created = updated = unchanged = kept = 0
    for planned in plan:
        kept += planned.kept_claims
        if not planned.changed:
            unchanged += 1
            continue
        write_text_atomic(planned.path, planned.text)
        created, updated = (created + 1, updated) if planned.old_text is None else (created, updated + 1)
    return WriteSummary(created=created, updated=updated, unchanged=unchanged, kept_claims=kept)


def write_results(results_dir: Path, papers: list[Paper], claims: dict[str, list[Claim]]) -> WriteSummary:
    """(Re)generate `results/<id>.json` for every paper, keeping human work; rewrite only what changed.

    `claims` maps paper id to its extracted claims. Files of papers in no listing are left alone. An
    existing file that is not a JSON object raises ResultFileError before anything is written: merging
    into a file that cannot be read would lose what a person typed.
    """
    return apply_plan(plan_results(results_dir, papers, claims))


def _read_existing(path: Path) -> tuple[str | None, ResultFile | None]:
    """The current text and contents of a result file; a file that breaks the schema is refused,
    because loading it leniently and writing it back could drop what a person typed."""
    if not path.exists():
        return None, None
    document = read_json_document(path)
    problems = schema_issues(document, str(path))
    if problems:
        raise ResultFileError(f"{problems[0].pointer}: {problems[0].message}"
                              + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""),
                              file=str(path), hint=f"run `leaderboard validate {path}` and fix it first")
    return path.read_text(encoding="utf-8"), result_from_json(document, path=str(path))
