"""Score extraction against hand-labelled claims (the gold file format of docs/data-formats.md).

A predicted claim matches a gold claim of the same paper when the values are equal, the kinds agree
(absolute/cited vs delta) and the benchmark names agree: both resolve to the same registry id, or
their normalised names are equal, or one is the other plus a qualifier ("IN22 (general)" for
"IN22 (general) English to Indian languages"). Matching is one-to-one; among several candidates the
one that also agrees on the model is preferred, so the figures do not depend on claim order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .extract import extract_all
from .models import Claim, Paper
from .registry import Registry, normalise_name

LEADERBOARD = "leaderboard"  # absolute + cited
DELTA = "delta"


@dataclass(frozen=True)
class GoldClaim:
    paper_id: str
    model: str
    benchmark: str
    value: float
    kind: str
    evidence: str
    metric: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class GoldPaper:
    id: str
    title: str
    claims: tuple[GoldClaim, ...]


@dataclass(frozen=True)
class Mismatch:
    """A gold claim no prediction matched (a miss), or a prediction no gold claim matched (a false positive)."""

    paper_id: str
    value: float
    benchmark: str
    kind: str
    evidence: str


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    gold: int

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "true_positives": self.true_positives, "false_positives": self.false_positives, "gold": self.gold}


@dataclass(frozen=True)
class EvalReport:
    """Precision/recall/F1 per class (leaderboard claims, deltas), with what was missed and what was wrong."""

    gold_file: str
    papers: int
    scores: dict[str, Score]
    misses: tuple[Mismatch, ...] = ()
    false_positives: tuple[Mismatch, ...] = ()
    missing_papers: tuple[str, ...] = field(default_factory=tuple)  # gold ids not found in the inputs

    def to_json(self) -> dict:
        return {
            "gold_file": self.gold_file,
            "papers": self.papers,
            "scores": {name: score.to_json() for name, score in self.scores.items()},
            "misses": [m.__dict__ for m in self.misses],
            "false_positives": [f.__dict__ for f in self.false_positives],
            "missing_papers": list(self.missing_papers),
        }


def load_gold(path: Path | str) -> list[GoldPaper]:
    """Read a gold file: one JSON object per line, `{"id", "title", "claims": [...]}`."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read gold file: {exc.strerror or exc}", file=str(path)) from None
    papers = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            claims = tuple(
                GoldClaim(paper_id=record["id"], model=c.get("model") or "", benchmark=c["benchmark"],
                          value=float(c["value"]), kind=c["kind"], evidence=c.get("evidence", ""),
                          metric=c.get("metric"), unit=c.get("unit"))
                for c in record.get("claims", ())
            )
            papers.append(GoldPaper(record["id"], record.get("title", ""), claims))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"invalid gold line: {exc}", file=str(path), line=number,
                             hint='each line is {"id", "title", "claims": [{"benchmark", "value", "kind", ...}]}') from None
    return papers


def class_of(kind: str) -> str:
    return DELTA if kind == DELTA else LEADERBOARD


def benchmarks_agree(predicted: Claim, gold_name: str, registry: Registry) -> bool:
    """Same benchmark: one registry id, or the same normalised name, or a name plus a qualifier."""
    gold_benchmark = _resolve(gold_name, registry)
    predicted_id = predicted.benchmark or (_resolve(predicted.benchmark_text, registry) or None)
    if predicted_id and gold_benchmark and predicted_id == gold_benchmark:
        return True
    a, b = normalise_name(predicted.benchmark_text), normalise_name(gold_name)
    if not a or not b:
        return False
    return a == b or a.startswith(b) or b.startswith(a)


def _resolve(name: str, registry: Registry) -> str | None:
    benchmark = registry.lookup(name)
    if benchmark is None and "(" in name:  # "MedQA (US Medical License Exam questions)"
        benchmark = registry.lookup(name.split("(")[0])
    return benchmark.id if benchmark else None


def evaluate(gold: list[GoldPaper], papers: list[Paper], registry: Registry, gold_file: str = "",
             jobs: int = 1) -> EvalReport:
    """Extract claims from the gold papers found in `papers` (by id) and score them."""
    by_id = {paper.id: paper for paper in papers}
    present = [g for g in gold if g.id in by_id]
    missing = tuple(g.id for g in gold if g.id not in by_id)
    predictions = extract_all([by_id[g.id] for g in present], registry, jobs=jobs)
    counts = {LEADERBOARD: [0, 0, 0], DELTA: [0, 0, 0]}  # true positives, false positives, gold
    misses: list[Mismatch] = []
    wrong: list[Mismatch] = []
    for gold_paper in present:
        predicted = predictions[gold_paper.id]
        for claim in gold_paper.claims:
            counts[class_of(claim.kind)][2] += 1
        matched_gold, matched_pred = _match(predicted, list(gold_paper.claims), registry)
        for index, claim in enumerate(predicted):
            if index in matched_pred:
                counts[class_of(claim.kind)][0] += 1
            else:
                counts[class_of(claim.kind)][1] += 1
                wrong.append(Mismatch(gold_paper.id, claim.value, claim.benchmark_text, claim.kind, claim.evidence))
        for index, claim in enumerate(gold_paper.claims):
            if index not in matched_gold:
                misses.append(Mismatch(gold_paper.id, claim.value, claim.benchmark, claim.kind, claim.evidence))
    scores = {name: Score(*values) for name, values in counts.items()}
    return EvalReport(gold_file, len(present), scores, tuple(misses), tuple(wrong), missing)


def _match(predicted: list[Claim], gold: list[GoldClaim], registry: Registry) -> tuple[set[int], set[int]]:
    """One-to-one matching; pairs that also agree on the model are taken first."""
    pairs = []
    for p_index, claim in enumerate(predicted):
        for g_index, target in enumerate(gold):
            if (class_of(claim.kind) == class_of(target.kind) and abs(claim.value - target.value) < 1e-9
                    and benchmarks_agree(claim, target.benchmark, registry)):
                same_model = normalise_name(claim.model) == normalise_name(target.model)
                pairs.append((0 if same_model else 1, g_index, p_index))
    matched_gold: set[int] = set()
    matched_pred: set[int] = set()
    for _, g_index, p_index in sorted(pairs):
        if g_index not in matched_gold and p_index not in matched_pred:
            matched_gold.add(g_index)
            matched_pred.add(p_index)
    return matched_gold, matched_pred
