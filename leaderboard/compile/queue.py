"""The review queue: the unreviewed claims, most urgent first, and why each is worth a look.

Comes in: the result files, the registry and the publishing policy (store.curate.Policy); the queue
needs the compiled leaderboards to know which claims are in a conflict. Goes out: `QueueItem`s, which
`leaderboard queue` walks through and the site's review page lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import Claim, Compiled, ResultFile, StoredClaim
from ..store.curate import DEFAULT_POLICY, Policy, confidence_of
from ..store.registry import Registry
from .reconcile import is_placeholder
from .tables import compile_results

REASONS = {  # why a claim is worth a look, most urgent first: the queue's order
    "low-confidence": "the extractor is not sure of it",
    "placeholder": "the model is not named",
    "conflict": "other papers report another number",
    "unregistered": "its benchmark is not in the registry",
    "range-edge": "the value is near the edge of the metric's range",
}
REASON_LABELS = {"low-confidence": "low confidence", "placeholder": "unnamed model", "conflict": "conflict",
                 "unregistered": "benchmark not in the registry", "range-edge": "near the range's edge"}
_EDGE = 0.02  # "near the edge": within 2% of the range's width from either end


@dataclass(frozen=True)
class QueueItem:
    """An unreviewed claim and why it is in the queue where it is."""

    paper_id: str
    paper_title: str
    index: int  # 1-based, as #claim-N
    stored: StoredClaim
    reasons: tuple[str, ...]  # keys of REASONS, most urgent first
    held_back: bool  # the policy keeps it off the leaderboards until a person verifies it
    sentence: str = field(default="")  # the sentence of the abstract around the evidence

    @property
    def ref(self) -> str:
        return f"{self.paper_id}#{self.index}"

    def to_json(self) -> dict:
        claim = self.stored.claim
        return {"ref": self.ref, "id": self.stored.id, "paper_id": self.paper_id, "paper_title": self.paper_title,
                "status": self.stored.status, "confidence": confidence_of(claim), "held_back": self.held_back,
                "reasons": list(self.reasons), "model": claim.model, "benchmark": claim.benchmark,
                "benchmark_text": claim.benchmark_text, "metric": claim.metric, "value": claim.value,
                "unit": claim.unit, "setting": claim.setting, "kind": claim.kind, "evidence": claim.evidence,
                "sentence": self.sentence}


def review_queue(results: Iterable[ResultFile], registry: Registry, policy: Policy = DEFAULT_POLICY,
                 aliases: dict[str, str] | None = None, compiled: Compiled | None = None) -> list[QueueItem]:
    """Every unreviewed (extracted) claim, in the order a maintainer should look at them: by the
    most urgent reason (REASONS' order), then by how many reasons, then paper id and position.
    `compiled` is these results compiled with this policy, when the caller has it already."""
    results = list(results)
    if compiled is None:
        compiled = compile_results(results, registry, aliases, policy=policy)
    disputed = {(s.paper_id, s.claim_index) for c in compiled.conflicts for s in c.sources}
    items = []
    for result in results:
        for index, stored in enumerate(result.claims, start=1):
            if stored.status != "extracted":
                continue
            claim = stored.claim
            checks = {
                "low-confidence": confidence_of(claim) == "low",
                "placeholder": isinstance(claim.model, str) and is_placeholder(claim.model),
                "conflict": (result.paper.id, index) in disputed,
                "unregistered": not (isinstance(claim.benchmark, str) and registry.get(claim.benchmark)),
                "range-edge": _near_edge(claim, registry),
            }
            items.append(QueueItem(result.paper.id, result.paper.title, index, stored,
                                   tuple(r for r in REASONS if checks[r]), not policy.publishes(stored),
                                   sentence_around(result.paper.abstract or "", claim.start, claim.end)))
    order = {reason: n for n, reason in enumerate(REASONS)}
    items.sort(key=lambda i: (order[i.reasons[0]] if i.reasons else len(order), -len(i.reasons), i.paper_id, i.index))
    return items


def _near_edge(claim: Claim, registry: Registry) -> bool:
    benchmark = registry.get(claim.benchmark) if isinstance(claim.benchmark, str) else None
    metric = benchmark.metric(claim.metric or None) if benchmark else None
    value = claim.value
    if metric is None or claim.kind == "delta" or metric.min is None or metric.max is None \
            or not isinstance(value, int | float):
        return False
    margin = (metric.max - metric.min) * _EDGE
    return value <= metric.min + margin or value >= metric.max - margin


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z(\[]|\s*$)")


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence(s) of `text` holding text[start:end]: what a reviewer reads to judge a claim."""
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        return ""
    begin = 0
    for found in _SENTENCE_END.finditer(text, 0, start):
        begin = found.end()
    stop = _SENTENCE_END.search(text, end)
    return text[begin:stop.end() if stop else len(text)].strip()
