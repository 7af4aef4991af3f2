"""The main job: listings + result files -> validated, reconciled, compiled site.

Result files under results/ are the reviewed source of truth: a paper that has one is taken from it
as it is. A listed paper without one gets freshly extracted claims (status `extracted`), exactly what
`extract --write` would store. Claims with validation errors never reach a leaderboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .models import Compiled, Issue, ResultFile
from .paths import DEFAULT_RESULTS, DEFAULT_SITE


@dataclass(frozen=True)
class BuildSummary:
    out_dir: Path
    papers: int
    claims: int
    tables: int
    entries: int
    conflicts: int
    pages: int
    excluded: int  # claims left out of the leaderboards because they failed validation
    issues: tuple[Issue, ...] = field(default=())

    def __str__(self) -> str:
        text = (f"{self.papers} papers, {self.claims} claims -> {self.tables} leaderboards, "
                f"{self.entries} entries, {self.conflicts} conflicts; {self.pages} files in {self.out_dir}")
        if self.excluded:
            text += f"; {self.excluded} invalid claims left out (run `leaderboard validate`)"
        return text


def gather_results(inputs: list[str] | None, results_dir: Path, registry, jobs: int = 1) -> list[ResultFile]:
    """One ResultFile per paper: from results/ where a file exists, else freshly extracted."""
    from .extract import extract_all
    from .ingest import ingest
    from .results import load_results, result_from_paper

    papers = ingest(inputs)
    stored = {r.paper.id: r for r in load_results(results_dir)} if results_dir.is_dir() else {}
    unreviewed = [p for p in papers if p.id not in stored]
    extracted = extract_all(unreviewed, registry, jobs=jobs)
    results = [stored.get(p.id) or result_from_paper(p, extracted.get(p.id, [])) for p in papers]
    listed = {p.id for p in papers}
    results += [r for pid, r in sorted(stored.items()) if pid not in listed]
    return sorted(results, key=lambda r: r.paper.id)


def drop_invalid_claims(results: list[ResultFile], registry) -> tuple[list[ResultFile], list[Issue], int]:
    """Validate every result in memory and drop the claims with an error: a wrong number on a
    leaderboard is worse than a missing one. Returns (results, every issue, claims dropped)."""
    from .results import result_to_json
    from .validate import validate_document

    cleaned, all_issues, excluded = [], [], 0
    for result in results:
        file = result.path or f"results/{result.paper.id}.json"
        issues = validate_document(result_to_json(result), file, registry)
        all_issues.extend(issues)
        bad = {_claim_index(i.pointer) for i in issues if i.severity == "error"} - {None}
        if bad:
            excluded += len(bad)
            claims = tuple(c for n, c in enumerate(result.claims) if n not in bad)
            result = replace(result, claims=claims)
        cleaned.append(result)
    return cleaned, all_issues, excluded


def _claim_index(pointer: str) -> int | None:
    parts = pointer.split("/")
    if len(parts) >= 3 and parts[1] == "claims" and parts[2].isdigit():
        return int(parts[2])
    return None


def build_site(
    inputs: list[str] | None = None,
    results_dir: Path = DEFAULT_RESULTS,
    out_dir: Path = DEFAULT_SITE,
    markdown: Path | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Run the whole pipeline and write the site; returns what was built."""
    from .compile import compile_results
    from .registry import default_registry
    from .render import render_site, write_markdown

    step = progress or (lambda _stage: None)
    registry = default_registry()
    step("ingest + extract")
    results = gather_results(inputs, Path(results_dir), registry, jobs=jobs)
    step("validate")
    results, issues, excluded = drop_invalid_claims(results, registry)
    step("reconcile + compile")
    compiled: Compiled = compile_results(results, registry)
    step("render")
    pages = render_site(compiled, registry, Path(out_dir))
    if markdown:
        write_markdown(compiled.tables, Path(markdown))
    return BuildSummary(
        out_dir=Path(out_dir),
        papers=len(results),
        claims=sum(len(r.claims) for r in results),
        tables=len(compiled.tables),
        entries=sum(len(t.entries) for t in compiled.tables),
        conflicts=len(compiled.conflicts),
        pages=len(pages),
        excluded=excluded,
        issues=tuple(issues),
    )
