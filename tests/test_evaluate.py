import json
from pathlib import Path

import pytest

from leaderboard.errors import InputError
from leaderboard.evaluate import (
    DELTA,
    LEADERBOARD,
    GoldClaim,
    Score,
    benchmarks_agree,
    evaluate,
    load_gold,
    metrics_agree,
    models_agree,
    papers_of_gold,
)
from leaderboard.models import Claim, Paper
from leaderboard.sources.ingest import ingest
from leaderboard.store.registry import default_registry

DEV = Path(__file__).parent / "gold" / "dev.jsonl"
EXTERNAL = Path(__file__).parent / "gold" / "external-dev.jsonl"


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(scope="module")
def dev_report(registry):
    return evaluate(load_gold(DEV), ingest(), registry, str(DEV))


@pytest.fixture(scope="module")
def external_report(registry):
    gold = load_gold(EXTERNAL)
    return evaluate(gold, papers_of_gold(gold), registry, str(EXTERNAL))


def test_dev_quality_bar(dev_report):
    """Issue 15's bars on the dev gold file, whole rows (value, kind group, benchmark AND model)."""
    board = dev_report.scores[LEADERBOARD]
    assert board.precision >= 0.95, board
    assert board.recall >= 0.85, board
    assert dev_report.fields[LEADERBOARD]["model"].accuracy >= 0.90, dev_report.fields[LEADERBOARD]["model"]
    assert dev_report.papers == 290 and not dev_report.missing_papers


def test_dev_delta_bar(dev_report):
    """Deltas must be found, not merely not wrong: an extractor without deltas has recall 0 and fails."""
    delta = dev_report.scores[DELTA]
    assert delta.gold == 42
    assert delta.precision >= 0.90, delta
    assert delta.recall >= 0.75, delta


def test_external_quality_bar(external_report):
    """Older NLP/vision/speech abstracts outside the home domain, scored the same way."""
    board = external_report.scores[LEADERBOARD]
    assert board.precision >= 0.85, board
    assert board.recall >= 0.65, board
    assert external_report.papers == 29


def test_high_confidence_is_nearly_always_right(dev_report, external_report):
    for report in (dev_report, external_report):
        high = report.confidence["high"]
        assert high.true_positives + high.false_positives >= 8
        assert high.precision >= 0.95, high


def test_report_lists_misses_and_false_positives(dev_report):
    board = dev_report.scores[LEADERBOARD]
    delta = dev_report.scores[DELTA]
    assert len(dev_report.misses) == (board.gold - board.true_positives) + (delta.gold - delta.true_positives)
    assert len(dev_report.false_positives) == board.false_positives + delta.false_positives
    document = dev_report.to_json()
    assert set(document) == {"gold_file", "papers", "scores", "value_benchmark", "fields", "confidence", "misses",
                             "false_positives", "missing_papers"}
    assert set(document["scores"][LEADERBOARD]) >= {"precision", "recall", "f1"}
    assert set(document["fields"][LEADERBOARD]) == {"model", "benchmark", "metric", "setting", "params", "kind"}
    assert set(document["confidence"]) == {"high", "medium", "low", "none"}
    # the value+benchmark figure ignores the model, so it is never below the whole-row one
    assert document["value_benchmark"][LEADERBOARD]["recall"] >= document["scores"][LEADERBOARD]["recall"]
    assert all(set(m) >= {"differs", "model", "counterpart"} for m in document["misses"])


def _claim(benchmark_id, text, value=1.0, kind="absolute"):
    return Claim(model="M", benchmark=benchmark_id, benchmark_text=text, metric="accuracy", value=value, unit="%",
                 setting=None, params=None, kind=kind, evidence="x", start=0, end=1)


def test_benchmark_names_agree_by_registry_id_or_exact_name(registry):
    assert benchmarks_agree(_claim("wikitext-103", "WikiText-103"), "WikiText103", registry)
    assert benchmarks_agree(_claim("medqa", "MedQA"), "MedQA (US Medical License Exam questions)", registry)
    assert benchmarks_agree(_claim(None, "KIE-HVQA"), "KIE HVQA", registry)
    assert benchmarks_agree(_claim("in22-gen", "IN22 (general) English to Indian languages"),
                            "IN22 (general) English to Indian languages", registry)
    assert not benchmarks_agree(_claim("gsm8k", "GSM8K"), "MATH", registry)


@pytest.mark.parametrize(("predicted", "text", "gold"), [
    ("mmlu", "MMLU", "MMLU-Pro"),
    ("mmlu-pro", "MMLU-Pro", "MMLU"),
    ("aime", "AIME", "AIME 2024"),
    ("gpqa", "GPQA", "GPQA Diamond"),
    ("in22-gen", "IN22 (general)", "IN22 (general) English to Indian languages"),
    (None, "Foo", "FooBench"),
])
def test_a_name_never_matches_one_that_merely_starts_with_it(registry, predicted, text, gold):
    assert not benchmarks_agree(_claim(predicted, text), gold, registry)


@pytest.mark.parametrize(("predicted", "base", "gold", "agree"), [
    ("Gazal-R1", None, "Gazal-R1", True),
    ("gazal r1", None, "Gazal-R1", True),
    ("Transformer-XL", None, "Transformer - XL", True),
    ("RHNs", None, "RHN", True),
    ("SVDNet", "CaffeNet", "SVDNet (CaffeNet)", True),
    ("SVDNet", None, "SVDNet (CaffeNet)", False),
    ("(unnamed)", None, "(unnamed)", True),
    ("(baseline)", None, "(prior SOTA)", False),
    ("(unnamed)", None, "Foo", False),
    ("Foo", None, "(unnamed)", False),
    ("Llama-3-8B", None, "Llama-3-70B", False),
])
def test_models_agree_under_the_guide(predicted, base, gold, agree):
    assert models_agree(predicted, gold, base) is agree


def test_gold_file_with_abstracts_is_its_own_input():
    gold = load_gold(EXTERNAL)
    papers = papers_of_gold(gold)
    assert papers is not None and len(papers) == len(gold) and all(p.abstract for p in papers)
    assert papers_of_gold(load_gold(DEV)) is None  # dev lines carry no abstracts: read the corpus


def test_small_gold_file(tmp_path, registry):
    abstract = ("We present Foo-7B. Foo-7B scores 87.1% on MedQA and 60.2% on MMLU, and improves GSM8K by 5 points. "
                "It was trained on 2 trillion tokens.")
    item = Paper(id="abc", title="Foo-7B: A Model", abstract=abstract)
    gold = [{"id": "abc", "title": item.title, "claims": [
        {"model": "Bar-7B", "benchmark": "MMLU", "value": 60.2, "kind": "absolute", "evidence": "60.2% on MMLU"},
        {"model": "Foo-7B", "benchmark": "MedQA", "value": 87.1, "kind": "absolute", "evidence": "87.1% on MedQA"},
        {"model": "Foo-7B", "benchmark": "PubMedQA", "value": 70.0, "kind": "absolute", "evidence": "nowhere"},
        {"model": "Foo-7B", "benchmark": "GSM8K", "value": 5, "kind": "delta", "evidence": "by 5 points"},
    ]}]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(g) for g in gold) + "\n", encoding="utf-8")
    report = evaluate(load_gold(path), [item], registry, str(path))
    # 60.2 on MMLU is the right value and benchmark but the wrong model: no whole-row match
    assert report.scores[LEADERBOARD] == Score(true_positives=1, false_positives=1, gold=3)
    assert report.value_benchmark[LEADERBOARD] == Score(true_positives=2, false_positives=0, gold=3)
    assert report.scores[DELTA] == Score(true_positives=1, false_positives=0, gold=1)
    assert [(m.value, m.benchmark, "model" in m.differs) for m in report.misses] == [(60.2, "MMLU", True),
                                                                                    (70.0, "PubMedQA", False)]
    assert [(f.value, f.benchmark, f.differs[0]) for f in report.false_positives] == [(60.2, "MMLU", "model")]
    assert "benchmark" not in report.false_positives[0].differs
    assert report.fields[LEADERBOARD]["model"].right == 1 and report.fields[LEADERBOARD]["model"].pairs == 2
    assert report.confidence["high"].true_positives + report.confidence["medium"].true_positives >= 1


def test_bad_gold_line_names_file_and_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "claims": []}\n{"id": \n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_gold(path)
    assert f"{path}:2:" in str(caught.value)


def test_missing_gold_file(tmp_path):
    with pytest.raises(InputError, match="cannot read gold file"):
        load_gold(tmp_path / "nope.jsonl")


def test_score_arithmetic():
    score = Score(true_positives=9, false_positives=1, gold=12)
    assert score.precision == 0.9 and score.recall == 0.75
    assert round(score.f1, 4) == round(2 * 0.9 * 0.75 / 1.65, 4)
    assert Score(0, 0, 0).precision == 1.0


# (predicted benchmark id, predicted metric, predicted implied, gold metric, gold implied, agree)
METRIC_CASES = [
    ("humaneval", "pass@1", False, "pass-at-1", False, True),  # registry id and name of one metric
    ("humaneval", "pass@1 scores", False, "pass@1", False, True),  # "score(s)" is no part of the name
    ("humaneval", "pass@1", True, "accuracy", True, True),  # neither written: the headline metric
    ("mmlu", "accuracy", True, "score", False, True),  # a bare "score" is the headline metric
    ("mmlu", "accuracies", False, "accuracy", False, True),
    ("wmt14-en-de", "average BLEU scores", False, "BLEU", False, True),
    (None, "F1", False, "f1", False, True),
    (None, "CHRF scores", False, "chrF", False, True),
    ("mmlu", "accuracy", True, "pass@1", False, False),  # a written metric the entry does not have
    ("wmt14-en-de", "BLEU", False, "chrF", False, False),
    (None, "win rate", False, "length-controlled win rate", False, False),
]


@pytest.mark.parametrize(("benchmark_id", "ours", "ours_implied", "theirs", "theirs_implied", "agree"), METRIC_CASES)
def test_metrics_agree_through_the_registry(registry, benchmark_id, ours, ours_implied, theirs, theirs_implied, agree):
    predicted = Claim(model="M", benchmark=benchmark_id, benchmark_text="x", metric=ours, value=1.0, unit=None,
                      setting=None, params=None, kind="absolute", evidence="x", start=0, end=1,
                      metric_implied=ours_implied)
    gold = GoldClaim(paper_id="p", model="M", benchmark="x", value=1.0, kind="absolute", evidence="x",
                     metric=theirs, metric_implied=theirs_implied)
    assert metrics_agree(predicted, gold, registry) is agree
