import json
from pathlib import Path

import pytest

from leaderboard.errors import InputError
from leaderboard.evaluate import DELTA, LEADERBOARD, Score, benchmarks_agree, evaluate, load_gold
from leaderboard.ingest import ingest
from leaderboard.models import Claim, Paper
from leaderboard.registry import default_registry

DEV = Path(__file__).parent / "gold" / "dev.jsonl"


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(scope="module")
def dev_report(registry):
    return evaluate(load_gold(DEV), ingest(), registry, str(DEV))


def test_dev_quality_bar(dev_report):
    """Regression guard: extraction must stay above the issue-3 bar on the dev gold file."""
    board = dev_report.scores[LEADERBOARD]
    assert board.precision >= 0.90, board
    assert board.recall >= 0.80, board
    assert dev_report.scores[DELTA].gold == 42
    assert dev_report.papers == 290 and not dev_report.missing_papers


def test_report_lists_misses_and_false_positives(dev_report):
    board = dev_report.scores[LEADERBOARD]
    delta = dev_report.scores[DELTA]
    assert len(dev_report.misses) == (board.gold - board.true_positives) + (delta.gold - delta.true_positives)
    assert len(dev_report.false_positives) == board.false_positives + delta.false_positives
    document = dev_report.to_json()
    assert set(document) == {"gold_file", "papers", "scores", "misses", "false_positives", "missing_papers"}
    assert set(document["scores"][LEADERBOARD]) >= {"precision", "recall", "f1"}


def _claim(benchmark_id, text, value=1.0, kind="absolute"):
    return Claim(model="M", benchmark=benchmark_id, benchmark_text=text, metric="accuracy", value=value, unit="%",
                 setting=None, params=None, kind=kind, evidence="x", start=0, end=1)


def test_benchmark_names_agree_through_registry_and_qualifiers(registry):
    assert benchmarks_agree(_claim("wikitext-103", "WikiText-103"), "WikiText103", registry)
    assert benchmarks_agree(_claim("medqa", "MedQA"), "MedQA (US Medical License Exam questions)", registry)
    assert benchmarks_agree(_claim("in22-gen", "IN22 (general)"), "IN22 (general) English to Indian languages", registry)
    assert benchmarks_agree(_claim(None, "KIE-HVQA"), "KIE HVQA", registry)
    assert not benchmarks_agree(_claim("gsm8k", "GSM8K"), "MATH", registry)


def test_small_gold_file(tmp_path, registry):
    abstract = ("We present Foo-7B. Foo-7B scores 87.1% on MedQA and 60.2% on MMLU, and improves GSM8K by 5 points. "
                "It was trained on 2 trillion tokens.")
    item = Paper(id="abc", title="Foo-7B: A Model", abstract=abstract)
    gold = [{"id": "abc", "title": item.title, "claims": [
        {"model": "Foo-7B", "benchmark": "MedQA", "value": 87.1, "kind": "absolute", "evidence": "87.1% on MedQA"},
        {"model": "Foo-7B", "benchmark": "PubMedQA", "value": 70.0, "kind": "absolute", "evidence": "nowhere"},
        {"model": "Foo-7B", "benchmark": "GSM8K", "value": 5, "kind": "delta", "evidence": "by 5 points"},
    ]}]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(g) for g in gold) + "\n", encoding="utf-8")
    report = evaluate(load_gold(path), [item], registry, str(path))
    assert report.scores[LEADERBOARD] == Score(true_positives=1, false_positives=1, gold=2)
    assert report.scores[DELTA] == Score(true_positives=1, false_positives=0, gold=1)
    assert [(m.value, m.benchmark) for m in report.misses] == [(70.0, "PubMedQA")]
    assert [(f.value, f.benchmark) for f in report.false_positives] == [(60.2, "MMLU")]


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
