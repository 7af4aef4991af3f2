"""Curation: the publishing policy, claim references and safe edits of result files.

A maintainer reviews claims with `leaderboard claim ...` and `leaderboard queue` instead of editing
JSON by hand. Every edit here reads the result file under a lock, changes one claim, validates the
whole file, and writes it atomically in the canonical form (results.dump_result), so two edits of
one file at once never lose either, and an interrupted write leaves the old file whole.

Status transitions (what each edit does to a claim's status):

    verify   any status        -> verified
    reject   any status        -> rejected (the reason is kept as the claim's note)
    set      extracted         -> verified (a person looked at the claim and corrected it)
             verified / added  -> unchanged
             rejected          -> unchanged (use verify to bring a rejected claim back)
    add      (new claim)       -> added

An edited claim keeps its id, so links and references to it stay valid; since its status is then
human (verified, rejected or added), re-extraction never overwrites it (results.merge_result).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from ..models import CONFIDENCES, KINDS, Claim, ResultFile, StoredClaim
from .registry import Registry

POLICY_FILE = Path("leaderboard.toml")
# The extractor does not rate every claim yet: an extracted claim without a confidence counts as
# "medium", so that what was published before the policy existed stays published.
MISSING_CONFIDENCE = "medium"
HUMAN_CHECKED = ("verified", "added")  # statuses whose number a person has looked at


class PolicyError(InputError):
    """The publishing policy file cannot be read or says something impossible."""


class CurationError(InputError):
    """A claim reference, field or edit that cannot be applied; nothing was written."""


# ---------------------------------------------------------------- policy


@dataclass(frozen=True)
class Policy:
    """Which claims reach the leaderboards: people's claims by status, extracted ones by confidence.

    Rejected claims never do. Claims that are left out wait in the review queue.
    """

    statuses: tuple[str, ...] = ("verified", "added")
    extracted: tuple[str, ...] = ("high", "medium")  # confidences of extracted claims that are published

    def publishes(self, stored: StoredClaim) -> bool:
        status = stored.status
        if status == "extracted":
            return confidence_of(stored.claim) in self.extracted
        return status != "rejected" and status in self.statuses

    @property
    def token(self) -> str:
        """A short stable text naming the policy, for the build cache's page keys."""
        return f"policy:{','.join(self.statuses)};extracted:{','.join(self.extracted)}"

    def describe(self) -> str:
        extracted = " or ".join(self.extracted) if self.extracted else "no"
        return f"published: {', '.join(self.statuses) or 'no human'} claims and extracted claims of {extracted} confidence"


DEFAULT_POLICY = Policy()


def confidence_of(claim: Claim) -> str:
    return claim.confidence if claim.confidence in CONFIDENCES else MISSING_CONFIDENCE


def load_policy(path: Path | str | None = None) -> Policy:
    """The `[publish]` table of leaderboard.toml (default: ./leaderboard.toml); no file: the default.

    [publish]
    statuses = ["verified", "added"]      # human statuses that are published
    extracted = ["high", "medium"]        # confidences of extracted claims that are published
    """
    path = Path(path) if path is not None else POLICY_FILE
    if not path.is_file():
        return DEFAULT_POLICY
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read: {exc}", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of(str(exc))
        raise PolicyError(f"invalid TOML: {exc}", file=str(path), line=line, hint="see the TOML syntax at toml.io") from None
    publish = document.get("publish", {})
    if not isinstance(publish, dict):
        raise PolicyError("[publish] must be a table", file=str(path))
    unknown = sorted(set(publish) - {"statuses", "extracted"})
    if unknown:
        raise PolicyError(f"unknown key publish.{unknown[0]}", file=str(path), hint="the keys are statuses and extracted")
    return Policy(statuses=_choices(publish, "statuses", ("verified", "added"), DEFAULT_POLICY.statuses, path),
                  extracted=_choices(publish, "extracted", CONFIDENCES, DEFAULT_POLICY.extracted, path))


def _choices(table: dict, key: str, allowed: tuple[str, ...], default: tuple[str, ...], path: Path) -> tuple[str, ...]:
    if key not in table:
        return default
    values = table[key]
    if not isinstance(values, list) or any(v not in allowed for v in values):
        raise PolicyError(f"publish.{key} must be a list of {', '.join(map(repr, allowed))}, not {values!r}",
                          file=str(path), hint=f"for example {key} = {json.dumps(list(default))}")
    return tuple(v for v in allowed if v in values)  # a canonical order: the same policy, the same token


def _line_of(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


# ---------------------------------------------------------------- references


_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
_REF = re.compile(r"(?P<paper>[^#\s]+)#(?P<claim>[^#\s]+)")


@dataclass(frozen=True)
class ClaimRef:
    """A claim as a person names it: `<paper-id>#<n>` (n as in the site's #claim-N anchors),
    `<paper-id>#<claim-id>`, or a bare claim id."""

    text: str
    paper_id: str | None
    index: int | None = None  # 1-based
    claim_id: str | None = None


def parse_ref(text: str) -> ClaimRef:
    found = _REF.fullmatch(text.strip())
    if found:
        paper, claim = found.group("paper"), found.group("claim")
        _check_safe(paper, text, "paper id")
        if claim.isdigit():
            if int(claim) < 1:
                raise CurationError(f"{text!r}: claim numbers start at 1", hint="use the N of the page's #claim-N")
            return ClaimRef(text, paper, index=int(claim))
        _check_safe(claim, text, "claim id")
        return ClaimRef(text, paper, claim_id=claim)
    _check_safe(text.strip(), text, "claim id")
    return ClaimRef(text, None, claim_id=text.strip())


def _check_safe(part: str, text: str, what: str) -> None:
    if not _SAFE_ID.fullmatch(part) or ".." in part:
        raise CurationError(f"{text!r}: {part!r} is not a {what}",
                            hint="a claim is PAPER-ID#N (N as in #claim-N on its page) or a claim id like c0123456789")


def result_path(results_dir: Path, paper_id: str) -> Path:
    path = Path(results_dir) / f"{paper_id}.json"
    if not path.is_file():
        raise CurationError(f"no result file for paper {paper_id!r}", file=str(path),
                            hint="check the paper id (the page's Id), or run `leaderboard extract --write` first")
    return path


def locate_file(results_dir: Path, ref: ClaimRef) -> Path:
    """The result file a reference points into; a bare claim id is looked for in every file."""
    if ref.paper_id is not None:
        return result_path(results_dir, ref.paper_id)
    needle = f'"id": "{ref.claim_id}"'  # result files are written canonically: a text search finds it
    from .results import result_paths

    found = [p for p in result_paths(results_dir) if p.is_file() and needle in p.read_text(encoding="utf-8")]
    if not found:
        raise CurationError(f"no claim with id {ref.claim_id!r} in {results_dir}", hint="use PAPER-ID#N instead")
    if len(found) > 1:
        names = ", ".join(p.stem for p in found[:5])
        raise CurationError(f"claim id {ref.claim_id!r} is in several papers ({names})",
                            hint=f"name the paper: {found[0].stem}#{ref.claim_id}")
    return found[0]


def claim_position(result: ResultFile, ref: ClaimRef, file: str) -> int:
    """The 0-based position of the referenced claim in the file's (sorted) claims."""
    claims = result.claims
    if ref.index is not None:
        if ref.index > len(claims):
            raise CurationError(f"{ref.text!r}: the paper has {len(claims)} claim{'s' if len(claims) != 1 else ''}",
                                file=file, hint="claims are numbered 1..N as on the paper's page")
        return ref.index - 1
    for position, stored in enumerate(claims):
        if stored.id == ref.claim_id:
            return position
    raise CurationError(f"{ref.text!r}: no claim with that id in this file", file=file)


# ---------------------------------------------------------------- fields


# Fields `claim set` and `claim add` accept, and how a typed value becomes the stored one.
EDITABLE_FIELDS = ("model", "benchmark", "benchmark_text", "metric", "value", "unit", "setting", "params", "kind",
                   "qualifier", "base_model", "evidence")
_OPTIONAL_TEXT = ("unit", "setting", "params", "qualifier", "base_model")


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """`field=value` arguments as a dict; an unknown field or a missing `=` is an error."""
    assignments: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        name = name.strip()
        if not equals:
            raise CurationError(f"{pair!r} is not FIELD=VALUE", hint=f"the fields are {', '.join(EDITABLE_FIELDS)}")
        if name not in EDITABLE_FIELDS:
            raise CurationError(f"unknown field {name!r}", hint=f"the fields are {', '.join(EDITABLE_FIELDS)}")
        assignments[name] = value
    return assignments


def _typed_fields(assignments: dict[str, str], registry: Registry) -> dict[str, object]:
    """The typed values of the assignments: numbers for value, a registry id for benchmark..."""
    typed: dict[str, object] = {}
    for name, text in assignments.items():
        text = text.strip()
        if name == "value":
            typed[name] = _number(text)
        elif name == "benchmark":
            typed[name] = _benchmark_id(text, registry)
        elif name == "kind":
            if text not in KINDS:
                raise CurationError(f"kind {text!r} is not one of {', '.join(KINDS)}")
            typed[name] = text
        elif name in _OPTIONAL_TEXT:
            typed[name] = text or None
        else:
            if not text:
                raise CurationError(f"{name} cannot be empty")
            typed[name] = text
    return typed


def _number(text: str) -> float | int:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise CurationError(f"value {text!r} is not a number", hint="write it as in the abstract, without % (87.5)")
    return value


def _benchmark_id(text: str, registry: Registry) -> str | None:
    if not text:
        return None  # a benchmark outside the registry: the claim stays off the leaderboards
    benchmark = registry.get(text) or registry.lookup(text)
    if benchmark is None:
        close = registry.suggest(text)
        raise CurationError(f"benchmark {text!r} is not in the registry",
                            hint=(f"did you mean {' or '.join(close)}? " if close else "")
                            + "use a registry id or name from schemas/benchmarks.json, or benchmark= for none")
    return benchmark.id


# ---------------------------------------------------------------- edits


@dataclass(frozen=True)
class Edit:
    """What one command changed in one result file."""

    path: str
    ref: str  # PAPER-ID#N of the claim after the edit
    claim_id: str
    old_status: str | None  # None for an added claim
    new_status: str
    fields: tuple[tuple[str, object, object], ...] = ()  # (name, old, new) of every changed field
    written: bool = True  # False when the file already said so

    def __str__(self) -> str:
        if not self.written:
            return f"{self.ref} ({self.claim_id}): unchanged, already {self.new_status}"
        status = (f"added as {self.new_status}" if self.old_status is None else
                  f"{self.old_status} -> {self.new_status}" if self.old_status != self.new_status
                  else f"still {self.new_status}")
        lines = [f"{self.ref} ({self.claim_id}): {status}  [{self.path}]"]
        lines += [f"  {name}: {_show(old)} -> {_show(new)}" for name, old, new in self.fields]
        return "\n".join(lines)


def _show(value: object) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def verify_claim(results_dir: Path, ref: str, registry: Registry) -> Edit:
    return _edit_claim(results_dir, ref, registry, lambda stored, _: (replace(stored, status="verified"), ()))


def reject_claim(results_dir: Path, ref: str, reason: str, registry: Registry) -> Edit:
    if not reason.strip():
        raise CurationError("a rejection needs a reason", hint="--reason 'best of 256 samples, not comparable'")
    return _edit_claim(results_dir, ref, registry,
                       lambda stored, _: (replace(stored, status="rejected", note=reason.strip()), ()))


def set_claim(results_dir: Path, ref: str, assignments: dict[str, str], registry: Registry) -> Edit:
    """Change fields of a claim; an extracted claim becomes verified (see the module docstring)."""
    if not assignments:
        raise CurationError("nothing to set", hint="claim set REF value=87.5 setting=5-shot ...")
    typed = _typed_fields(assignments, registry)

    def change(stored: StoredClaim, abstract: str) -> tuple[StoredClaim, tuple]:
        claim = replace(stored.claim, **typed)
        if "evidence" in typed:
            start = abstract.find(claim.evidence)
            if start < 0:
                raise CurationError(f"the evidence {claim.evidence!r} is not in the abstract",
                                    hint="copy it exactly from the abstract (same spaces and punctuation)")
            claim = replace(claim, start=start, end=start + len(claim.evidence))
        if "benchmark" in typed and "metric" not in typed:
            claim = _metric_for_benchmark(claim, registry)
        status = "verified" if stored.status == "extracted" else stored.status
        return replace(stored, claim=claim, status=status), _changed_fields(stored.claim, claim)

    return _edit_claim(results_dir, ref, registry, change)


def add_claim(results_dir: Path, paper_id: str, evidence: str, assignments: dict[str, str],
              registry: Registry, note: str | None = None) -> Edit:
    """A claim a person adds: its evidence must be a span of the abstract (offsets are computed)."""
    _check_safe(paper_id, paper_id, "paper id")
    missing = [name for name in ("model", "benchmark", "value") if not assignments.get(name, "").strip()]
    if missing:
        raise CurationError(f"claim add needs {', '.join(f'{m}=...' for m in missing)}",
                            hint="for example: model=Llama-3-8B benchmark=mmlu value=66.6")
    typed = _typed_fields(assignments, registry)
    if not evidence.strip():
        raise CurationError("--evidence is empty", hint="copy the words of the abstract that state the number")
    path = result_path(results_dir, paper_id)

    def change(result: ResultFile) -> tuple[ResultFile, int, str | None]:
        abstract = result.paper.abstract or ""
        start = abstract.find(evidence)
        if start < 0:
            raise CurationError(f"the evidence {evidence!r} is not in the abstract", file=str(path),
                                hint="copy it exactly from the abstract (same spaces and punctuation)")
        claim = Claim(model=typed["model"], benchmark=typed["benchmark"],
                      benchmark_text=typed.get("benchmark_text") or assignments["benchmark"].strip(),
                      metric=typed.get("metric") or "", value=typed["value"], unit=typed.get("unit"),
                      setting=typed.get("setting"), params=typed.get("params"), kind=typed.get("kind", "absolute"),
                      evidence=evidence, start=start, end=start + len(evidence), qualifier=typed.get("qualifier"),
                      base_model=typed.get("base_model"))
        if "metric" not in typed:
            claim = _metric_for_benchmark(claim, registry, unit="unit" not in typed)
        from .results import claim_id, sort_claims

        new = StoredClaim(id=claim_id(claim), status="added", claim=claim, note=note)
        if any(c.id == new.id for c in result.claims):
            raise CurationError(f"the paper already has this claim ({new.id})", file=str(path),
                                hint=f"verify it: leaderboard claim verify {paper_id}#{new.id}")
        claims = sort_claims(result.claims + (new,))
        position = next(n for n, c in enumerate(claims) if c.id == new.id)
        return replace(result, claims=claims), position, None

    return _edit_file(path, registry, change, added=True)


def _metric_for_benchmark(claim: Claim, registry: Registry, unit: bool = False) -> Claim:
    """The benchmark's headline metric (and its unit) when a person named the benchmark alone."""
    benchmark = registry.get(claim.benchmark) if claim.benchmark else None
    if benchmark is None or (claim.metric and benchmark.metric(claim.metric) is not None):
        return claim
    metric = benchmark.default_metric
    return replace(claim, metric=metric.id, **({"unit": metric.unit} if unit else {}))


def _changed_fields(old: Claim, new: Claim) -> tuple[tuple[str, object, object], ...]:
    names = EDITABLE_FIELDS + ("start", "end")
    return tuple((n, getattr(old, n), getattr(new, n)) for n in names if getattr(old, n) != getattr(new, n))


def _edit_claim(results_dir: Path, ref_text: str, registry: Registry,
                change: Callable[[StoredClaim, str], tuple[StoredClaim, tuple]]) -> Edit:
    ref = parse_ref(ref_text)
    path = locate_file(Path(results_dir), ref)
    fields: list = []

    def edit(result: ResultFile) -> tuple[ResultFile, int, str | None]:
        position = claim_position(result, ref, str(path))
        stored = result.claims[position]
        new, changed = change(stored, result.paper.abstract or "")
        fields.extend(changed)
        claims = list(result.claims)
        claims[position] = new
        return replace(result, claims=tuple(claims)), position, stored.status

    return _edit_file(path, registry, edit, fields=fields)


# A test hook: called between reading a file and writing it back (under the lock), so that a test
# can hold an edit there while another one tries to edit the same file.
_between_read_and_write: Callable[[], None] | None = None


def _edit_file(path: Path, registry: Registry, edit: Callable[[ResultFile], tuple[ResultFile, int, str | None]],
               fields: list | None = None, added: bool = False) -> Edit:
    """Read, change, validate and write one result file, all under its lock."""
    from .results import _read_existing, dump_result, write_text_atomic

    with locked(path):
        old_text, result = _read_existing(path)
        if result is None:
            raise CurationError("the result file is gone", file=str(path))
        new_result, position, old_status = edit(result)
        stored = new_result.claims[position]
        _check_valid(result, new_result, position, path, registry)
        if _between_read_and_write is not None:
            _between_read_and_write()
        text = dump_result(new_result)
        written = text != old_text
        if written:
            write_text_atomic(path, text)
    return Edit(path=str(path), ref=f"{new_result.paper.id}#{position + 1}", claim_id=stored.id,
                old_status=None if added else old_status, new_status=stored.status, fields=tuple(fields or ()),
                written=written)


def _check_valid(old: ResultFile, new: ResultFile, position: int, path: Path, registry: Registry) -> None:
    """The edited claim must be valid, and the file must have no more errors than before."""
    from .results import result_to_json
    from .validate import validate_document

    def errors(result: ResultFile) -> list:
        return [i for i in validate_document(result_to_json(result), str(path), registry) if i.severity == "error"]

    after = errors(new)
    mine = [i for i in after if i.pointer == f"/claims/{position}" or i.pointer.startswith(f"/claims/{position}/")]
    if mine or len(after) > len(errors(old)):
        first = (mine or after)[0]
        raise CurationError(f"the edit would make the file invalid: {first.pointer}: {first.message}", file=str(path),
                            hint=first.hint or "fix the values and try again; nothing was written")


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on a result file, held while it is read, changed and written.

    The lock is on a sidecar file: the result file itself is replaced by each write (a rename), so a
    lock on it would be a lock on a file that is no longer there. The sidecar lives in the user's cache
    directory, named after a hash of the file's absolute path, so the data repository gets no stray files.
    """
    from platformdirs import user_cache_dir

    locks = Path(user_cache_dir("leaderboard")) / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(os.path.abspath(path).encode("utf-8")).hexdigest()[:20]
    handle = os.open(locks / f"{digest}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock; the empty lock file is left for the next edit


def is_checked(status: str) -> bool:
    """A person has checked the number: it was verified, or typed in (added)."""
    return status in HUMAN_CHECKED

