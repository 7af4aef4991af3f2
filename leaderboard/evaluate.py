"""Score extraction against hand-labelled claims (the gold file format of docs/data-formats.md, "Gold files").

A predicted claim matches a gold claim of the same paper only when the WHOLE ROW agrees:

- the values are equal and the kinds fall in the same group (absolute/cited, or delta);
- the benchmarks are the same: by registry id when the gold name resolves in the registry, else by
  normalised name. A name never matches another that merely starts with it (MMLU is not MMLU-Pro);
- the models are the same after normalisation; a placeholder ("(unnamed)", "(baseline)", ...) matches
  only the same placeholder.

Matching is one-to-one. Beside the whole-row figures the report keeps the older value+benchmark
figure (model ignored), the accuracy of each field on the pairs that agree on value and kind group,
and the whole-row precision of the predictions of each confidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .extract import extract_all
from .models import CONFIDENCES, Claim, Paper
from .store.registry import Registry, normalise_name

LEADERBOARD = "leaderboard"  # absolute + cited
DELTA = "delta"
FIELDS = ("model", "benchmark", "metric", "setting", "params", "kind")
NO_CONFIDENCE = "none"


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
    setting: str | None = None
    params: str | None = None
    metric_implied: bool = False  # the abstract names no metric: the benchmark's headline one is meant


@dataclass(frozen=True)
class GoldPaper:
    id: str
    title: str
    claims: tuple[GoldClaim, ...]
    abstract: str | None = None  # present in gold files that carry their own papers (external-dev)


@dataclass(frozen=True)
class Mismatch:
    """A gold claim no prediction matched (a miss), or a prediction no gold claim matched (a false
    positive); `differs` names the fields that disagree with the nearest counterpart of the same
    value and kind group (empty when there is none)."""

    paper_id: str
    value: float
    benchmark: str
    kind: str
    evidence: str
    model: str = ""
    differs: tuple[str, ...] = ()
    counterpart: str = ""  # "model=X benchmark=Y" of that counterpart


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
class FieldAccuracy:
    """How often one field is right on the value-matched pairs of a class."""

    right: int
    pairs: int

    @property
    def accuracy(self) -> float:
        return self.right / self.pairs if self.pairs else 1.0

    def to_json(self) -> dict:
        return {"accuracy": round(self.accuracy, 4), "right": self.right, "pairs": self.pairs}


@dataclass(frozen=True)
class EvalReport:
    """Whole-row precision/recall/F1 per class (leaderboard claims, deltas), the value+benchmark figure
    beside it, per-field accuracy, per-confidence precision, and every miss and false positive."""

    gold_file: str
    papers: int
    scores: dict[str, Score]  # whole-row
    value_benchmark: dict[str, Score] = field(default_factory=dict)  # model ignored
    fields: dict[str, dict[str, FieldAccuracy]] = field(default_factory=dict)  # class -> field -> accuracy
    confidence: dict[str, Score] = field(default_factory=dict)  # whole-row precision per confidence
    misses: tuple[Mismatch, ...] = ()
    false_positives: tuple[Mismatch, ...] = ()
    missing_papers: tuple[str, ...] = field(default_factory=tuple)  # gold ids not found in the inputs

    def to_json(self) -> dict:
        return {
            "gold_file": self.gold_file,
            "papers": self.papers,
            "scores": {name: score.to_json() for name, score in self.scores.items()},
            "value_benchmark": {name: score.to_json() for name, score in self.value_benchmark.items()},
            "fields": {name: {f: acc.to_json() for f, acc in accs.items()} for name, accs in self.fields.items()},
            "confidence": {name: {"precision": round(score.precision, 4), "true_positives": score.true_positives,
                                  "false_positives": score.false_positives}
                           for name, score in self.confidence.items()},
            "misses": [_mismatch_json(m) for m in self.misses],
            "false_positives": [_mismatch_json(f) for f in self.false_positives],
            "missing_papers": list(self.missing_papers),
        }


def _mismatch_json(mismatch: Mismatch) -> dict:
    document = dict(mismatch.__dict__)
    document["differs"] = list(mismatch.differs)
    return document


def load_gold(path: Path | str) -> list[GoldPaper]:
    """Read a gold file: one JSON object per line, `{"id", "title", "claims": [...]}` and optionally
    `"abstract"` (then the gold file is its own input)."""
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
                          metric=c.get("metric"), unit=c.get("unit"), setting=c.get("setting"),
                          params=c.get("params"), metric_implied=bool(c.get("metric_implied")))
                for c in record.get("claims", ())
            )
            abstract = record.get("abstract")
            if abstract is not None and not isinstance(abstract, str):
                raise TypeError("abstract must be a string")
            papers.append(GoldPaper(record["id"], record.get("title", ""), claims, abstract))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"invalid gold line: {exc}", file=str(path), line=number,
                             hint='each line is {"id", "title", "claims": [{"benchmark", "value", "kind", ...}]}') from None
    return papers


def papers_of_gold(gold: list[GoldPaper]) -> list[Paper] | None:
    """The papers a gold file carries itself (every line has an abstract), else None."""
    if not gold or any(g.abstract is None for g in gold):
        return None
    return [Paper(id=g.id, title=g.title, abstract=g.abstract or "") for g in gold]


def class_of(kind: str) -> str:
    return DELTA if kind == DELTA else LEADERBOARD


# --- field agreement -------------------------------------------------------------------------

def _resolve(name: str, registry: Registry) -> str | None:
    benchmark = registry.lookup(name)
    if benchmark is None and "(" in name:  # "MedQA (US Medical License Exam questions)"
        head, _, rest = name.partition("(")
        if not normalise_name(rest.split(")")[-1]):  # only a trailing gloss, nothing after it
            benchmark = registry.lookup(head)
    return benchmark.id if benchmark else None


def benchmarks_agree(predicted: Claim, gold_name: str, registry: Registry) -> bool:
    """Same benchmark: by registry id when the gold name resolves, else the same normalised name."""
    gold_id = _resolve(gold_name, registry)
    if gold_id is not None:
        return (predicted.benchmark or _resolve(predicted.benchmark_text, registry)) == gold_id
    gold_key = normalise_name(gold_name)
    if not gold_key:
        return False
    keys = {normalise_name(predicted.benchmark_text)}
    benchmark = registry.get(predicted.benchmark) if predicted.benchmark else None
    if benchmark is not None:
        keys |= {normalise_name(n) for n in (benchmark.id, benchmark.name, *benchmark.aliases)}
    return gold_key in keys


def models_agree(predicted: str, gold: str, base_model: str | None = None) -> bool:
    """Same model after normalisation; a placeholder "(...)" matches only the same placeholder. A system
    built on a named model may be written either way: "SVDNet" with base model "CaffeNet" is
    "SVDNet (CaffeNet)" too."""
    if predicted.startswith("(") or gold.startswith("("):
        return predicted.strip().lower() == gold.strip().lower()
    key = _singular(normalise_name(gold))
    return key == _singular(normalise_name(predicted)) or (
        base_model is not None and key == _singular(normalise_name(f"{predicted} ({base_model})")))


def _singular(key: str) -> str:
    """"RHNs" and "RHN", "Reasoning Vectors" and "reasoning vector" name one system."""
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def _optional_agree(predicted: str | None, gold: str | None) -> bool:
    return normalise_name(predicted or "") == normalise_name(gold or "")


def metrics_agree(predicted: Claim, gold: GoldClaim, registry: Registry) -> bool:
    """The same metric, however written: equal names; or the same metric of the predicted benchmark's
    registry entry (by id, name or alias: "BLEU scores" is BLEU, "pass@1" is pass-at-1, and a metric
    the abstract does not name is the headline one); else the same name once "average"/"mean",
    "score(s)" and a plural are dropped ("average BLEU scores" is "BLEU")."""
    if _optional_agree(predicted.metric, gold.metric):
        return True
    benchmark = registry.get(predicted.benchmark) if predicted.benchmark else None
    if benchmark is not None:
        ours = _registry_metric(benchmark, predicted.metric, predicted.metric_implied)
        theirs = _registry_metric(benchmark, gold.metric, gold.metric_implied)
        if ours is not None and theirs is not None and ours.id == theirs.id:
            return True
    return _metric_key(predicted.metric or "") == _metric_key(gold.metric or "")


def _registry_metric(benchmark, text: str | None, implied: bool):
    found = benchmark.metric(text)
    return benchmark.default_metric if found is None and implied else found


def _metric_key(text: str) -> str:
    key = normalise_name(text)
    for prefix in ("average", "mean", "overall"):
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
    for suffix in ("scores", "score"):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[:-len(suffix)]
            break
    return key[:-3] + "y" if key.endswith("ies") else (key[:-1] if key.endswith("s") and len(key) > 3 else key)


def differing_fields(predicted: Claim, gold: GoldClaim, registry: Registry) -> tuple[str, ...]:
    """The fields (of FIELDS) on which a prediction and a gold claim disagree."""
    checks: dict[str, Callable[[], bool]] = {
        "model": lambda: models_agree(predicted.model, gold.model, predicted.base_model),
        "benchmark": lambda: benchmarks_agree(predicted, gold.benchmark, registry),
        "metric": lambda: metrics_agree(predicted, gold, registry),
        "setting": lambda: _optional_agree(predicted.setting, gold.setting),
        "params": lambda: _optional_agree(predicted.params, gold.params),
        "kind": lambda: predicted.kind == gold.kind,
    }
    return tuple(name for name, agree in checks.items() if not agree())


def _same_value(predicted: Claim, gold: GoldClaim) -> bool:
    return class_of(predicted.kind) == class_of(gold.kind) and abs(predicted.value - gold.value) < 1e-9


# --- matching --------------------------------------------------------------------------------

ROW = ("model", "benchmark")  # the fields besides value and kind group that a whole-row match needs


def _match(predicted: list[Claim], gold: list[GoldClaim], registry: Registry,
           required: tuple[str, ...]) -> dict[int, tuple[int, tuple[str, ...]]]:
    """One-to-one matching of predictions to gold claims of equal value and kind group, with no
    disagreement on the `required` fields; among candidates the pair with fewer differing fields
    is taken first, so the figures do not depend on claim order. Gold index -> (prediction index,
    differing fields)."""
    pairs = []
    for p_index, claim in enumerate(predicted):
        for g_index, target in enumerate(gold):
            if not _same_value(claim, target):
                continue
            differs = differing_fields(claim, target, registry)
            if any(name in differs for name in required):
                continue
            rank = tuple(name in differs for name in ("benchmark", "model", "kind", "metric", "params", "setting"))
            pairs.append((rank, g_index, p_index, differs))
    matched: dict[int, tuple[int, tuple[str, ...]]] = {}
    taken: set[int] = set()
    for _, g_index, p_index, differs in sorted(pairs):
        if g_index not in matched and p_index not in taken:
            matched[g_index] = (p_index, differs)
            taken.add(p_index)
    return matched


@dataclass
class _Tally:
    """Counters filled paper by paper."""

    row: dict[str, list[int]] = field(default_factory=lambda: {LEADERBOARD: [0, 0, 0], DELTA: [0, 0, 0]})
    value_benchmark: dict[str, list[int]] = field(default_factory=lambda: {LEADERBOARD: [0, 0, 0], DELTA: [0, 0, 0]})
    fields: dict[str, dict[str, list[int]]] = field(
        default_factory=lambda: {c: {f: [0, 0] for f in FIELDS} for c in (LEADERBOARD, DELTA)})
    confidence: dict[str, list[int]] = field(
        default_factory=lambda: {c: [0, 0, 0] for c in (*CONFIDENCES, NO_CONFIDENCE)})
    misses: list[Mismatch] = field(default_factory=list)
    wrong: list[Mismatch] = field(default_factory=list)


def _count(paper_id: str, predicted: list[Claim], gold: list[GoldClaim], registry: Registry, tally: _Tally) -> None:
    for claim in gold:
        tally.row[class_of(claim.kind)][2] += 1
        tally.value_benchmark[class_of(claim.kind)][2] += 1
    rows = _match(predicted, gold, registry, ROW)
    row_predictions = {p for p, _ in rows.values()}
    for g_index in _match(predicted, gold, registry, ("benchmark",)):
        tally.value_benchmark[class_of(gold[g_index].kind)][0] += 1
    by_value = _match(predicted, gold, registry, ())
    for g_index, (_, differs) in by_value.items():
        for name in FIELDS:
            counter = tally.fields[class_of(gold[g_index].kind)][name]
            counter[1] += 1
            counter[0] += name not in differs
    value_partner = {p: (g, differs) for g, (p, differs) in by_value.items()}
    for index, claim in enumerate(predicted):
        confidence = tally.confidence[claim.confidence or NO_CONFIDENCE]
        if index in row_predictions:
            tally.row[class_of(claim.kind)][0] += 1
            confidence[0] += 1
            continue
        tally.row[class_of(claim.kind)][1] += 1
        confidence[1] += 1
        partner = value_partner.get(index)
        tally.wrong.append(Mismatch(
            paper_id, claim.value, claim.benchmark_text, claim.kind, claim.evidence, claim.model,
            partner[1] if partner else (), _describe(gold[partner[0]].model, gold[partner[0]].benchmark) if partner else ""))
    partner_of_gold = {g: (p, differs) for g, (p, differs) in by_value.items()}
    for index, claim in enumerate(gold):
        if index in rows:
            continue
        partner = partner_of_gold.get(index)
        tally.misses.append(Mismatch(
            paper_id, claim.value, claim.benchmark, claim.kind, claim.evidence, claim.model,
            partner[1] if partner else (),
            _describe(predicted[partner[0]].model, predicted[partner[0]].benchmark_text) if partner else ""))


def _describe(model: str, benchmark: str) -> str:
    return f"model={model} benchmark={benchmark}"


def evaluate(gold: list[GoldPaper], papers: list[Paper], registry: Registry, gold_file: str = "",
             jobs: int = 1) -> EvalReport:
    """Extract claims from the gold papers found in `papers` (by id) and score them."""
    by_id = {paper.id: paper for paper in papers}
    present = [g for g in gold if g.id in by_id]
    missing = tuple(g.id for g in gold if g.id not in by_id)
    predictions = extract_all([by_id[g.id] for g in present], registry, jobs=jobs)
    tally = _Tally()
    for gold_paper in present:
        _count(gold_paper.id, predictions[gold_paper.id], list(gold_paper.claims), registry, tally)
    return EvalReport(
        gold_file, len(present),
        scores={name: Score(*values) for name, values in tally.row.items()},
        value_benchmark={name: Score(*values) for name, values in tally.value_benchmark.items()},
        fields={name: {f: FieldAccuracy(*counts) for f, counts in accs.items()} for name, accs in tally.fields.items()},
        confidence={name: Score(*values) for name, values in tally.confidence.items()},
        misses=tuple(tally.misses), false_positives=tuple(tally.wrong), missing_papers=missing)
