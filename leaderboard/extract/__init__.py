"""Extract score claims from abstracts: rule based, deterministic, no network.

The pipeline, one module per step (see `pipeline.extract_claims`):

1. `sentences`  - the abstract cut into sentences;
2. `numbers`    - every number with its sign and unit; `filters` drops those that cannot be scores
                  (sizes, counts, efficiency figures, ranges, versions, years, citations);
3. `mentions`   - benchmark names (registry names in one Aho-Corasick pass, unknown names in frames);
4. `pairing`    - the named rules that tie a number to a benchmark mention (`pairing.RULES`);
5. `attribution`- who achieved the number (the paper's system, a named model, a rival, a placeholder)
                  and how sure that is (`confidence`);
6. `kinds`      - absolute / cited / delta, metric, setting and qualifier from the words around it.

`frames` holds the word patterns several steps share; `words` loads the word lists under
`schemas/extract/`. The public entry points are `extract_claims(paper, registry)` and
`extract_all(papers, registry, jobs)`.
"""

from __future__ import annotations

from ..models import Claim, Paper
from ..store.registry import Registry
from .pipeline import MAX_ABSTRACT_CHARS, MAX_NUMBERS, MAX_TITLE_CHARS, explain, extract_claims

__all__ = ["MAX_ABSTRACT_CHARS", "MAX_NUMBERS", "MAX_TITLE_CHARS", "claim_to_json", "explain", "extract_all", "extract_claims"]


def claim_to_json(claim: Claim, paper: Paper) -> dict:
    """The `extract --format jsonl` form of a claim (key order of docs/data-formats.md, "Extracted claims",
    then qualifier, metric_implied, base_model and confidence)."""
    return {
        "paper_id": paper.id,
        "paper_title": paper.title,
        "model": claim.model,
        "benchmark": claim.benchmark,
        "benchmark_text": claim.benchmark_text,
        "metric": claim.metric,
        "value": claim.value,
        "unit": claim.unit,
        "setting": claim.setting,
        "params": claim.params,
        "kind": claim.kind,
        "evidence": claim.evidence,
        "start": claim.start,
        "end": claim.end,
        "qualifier": claim.qualifier,
        "metric_implied": claim.metric_implied,
        "base_model": claim.base_model,
        "confidence": claim.confidence,
    }


def extract_all(papers: list[Paper], registry: Registry, jobs: int = 1) -> dict[str, list[Claim]]:
    """Claims of every paper by paper id; with jobs > 1 the papers are split over processes in
    chunks, and the result is identical to one process."""
    if jobs <= 1 or len(papers) < 2:
        return {paper.id: extract_claims(paper, registry) for paper in papers}
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(256, len(papers) // (jobs * 4) or 1))
    chunks = [papers[i:i + chunk] for i in range(0, len(papers), chunk)]
    result: dict[str, list[Claim]] = {}
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(registry,)) as pool:
        for part in pool.map(_extract_chunk, chunks):
            result.update(part)
    return {paper.id: result[paper.id] for paper in papers}


_WORKER_REGISTRY: Registry | None = None


def _init_worker(registry: Registry) -> None:
    global _WORKER_REGISTRY
    _WORKER_REGISTRY = registry


def _extract_chunk(papers: list[Paper]) -> dict[str, list[Claim]]:
    assert _WORKER_REGISTRY is not None
    return {paper.id: extract_claims(paper, _WORKER_REGISTRY) for paper in papers}
