import json

import jsonschema
import pytest

from leaderboard.errors import RegistryError
from leaderboard.paths import schemas_dir
from leaderboard.store.registry import load_registry


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_shipped_registry_validates_against_its_schema():
    document = json.loads((schemas_dir() / "benchmarks.json").read_text(encoding="utf-8"))
    schema = json.loads((schemas_dir() / "registry.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    ids = [b["id"] for b in document["benchmarks"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))


@pytest.mark.parametrize("name, expected", [
    ("WikiText103", "wikitext-103"), ("WikiText-103", "wikitext-103"), ("MMLU Pro", "mmlu-pro"),
    ("MMLU-Pro", "mmlu-pro"), ("MMLU Pro (Medical)", "mmlu-pro-medical"), ("HumanEval", "humaneval"),
    ("HumaneEval", "humaneval"), ("AlpacaEval-2", "alpacaeval-2"), ("AlpacaEval 2.0", "alpacaeval-2"),
    ("AlpacaEval", "alpacaeval"), ("Arena-Hard-Auto", "arena-hard"), ("MedQA (USMLE)", "medqa"),
    ("MedQAUSMLE", "medqa"), ("BigBenchHard", "bbh"), ("AIME24", "aime-2024"), ("GSM8k", "gsm8k"),
    ("MATH-500", "math-500"), ("Math-500", "math-500"), ("ARC-C", "arc-challenge"), ("K400", "kinetics-400"),
])
def test_lookup_by_alias(registry, name, expected):
    assert registry.lookup(name).id == expected


@pytest.mark.parametrize("benchmark, metric, direction, unit", [
    ("mmlu", "accuracy", "higher", "%"), ("wikitext-103", "perplexity", "lower", None),
    ("mt-bench", "score", "higher", None), ("chatbot-arena", "elo", "higher", None),
    ("humaneval", "pass-at-1", "higher", "%"), ("flores-200", "bleu", "higher", None),
])
def test_headline_metrics(registry, benchmark, metric, direction, unit):
    headline = registry.get(benchmark).default_metric
    assert (headline.id, headline.direction, headline.unit) == (metric, direction, unit)


def test_metric_ranges(registry):
    assert registry.get("mmlu").default_metric.accepts(87.1)
    assert not registry.get("mmlu").default_metric.accepts(104.2)
    assert not registry.get("wikitext-103").default_metric.accepts(0.5)
    assert not registry.get("mt-bench").default_metric.accepts(11)


def test_common_llm_benchmarks_are_covered(registry):
    for name in ("MMLU", "MMLU-Pro", "GSM8K", "MATH", "MATH-500", "HumanEval", "MBPP", "ARC-Challenge", "ARC-Easy",
                 "HellaSwag", "TruthfulQA", "BBH", "AlpacaEval 2", "MT-Bench", "Arena-Hard", "GPQA", "WinoGrande",
                 "PIQA", "LAMBADA", "RACE", "WikiText-103", "MedQA", "PubMedQA", "MedMCQA", "AIME", "LiveCodeBench",
                 "IFEval", "Chatbot Arena", "XNLI", "BoolQ", "SQuAD"):
        assert registry.lookup(name) is not None, name


def test_broken_registry_names_the_pointer(tmp_path):
    document = json.loads((schemas_dir() / "benchmarks.json").read_text(encoding="utf-8"))
    document["benchmarks"][3]["metrics"][0]["direction"] = "up"
    path = tmp_path / "benchmarks.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert "/benchmarks/3/metrics/0/direction" in str(caught.value)
    assert str(path) in str(caught.value)


def test_alias_on_two_benchmarks_is_refused(tmp_path):
    document = json.loads((schemas_dir() / "benchmarks.json").read_text(encoding="utf-8"))
    document["benchmarks"][0]["aliases"] = document["benchmarks"][0].get("aliases", []) + ["MMLU"]
    path = tmp_path / "benchmarks.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(RegistryError, match="used by both"):
        load_registry(path)


def test_invalid_json_is_a_registry_error(tmp_path):
    path = tmp_path / "benchmarks.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(RegistryError, match="invalid JSON"):
        load_registry(path)


def test_metric_names_as_abstracts_write_them_map_to_registry_metrics():
    from leaderboard.store.registry import default_registry

    registry = default_registry()
    humaneval, alpaca = registry.lookup("HumanEval"), registry.lookup("AlpacaEval 2.0")
    assert humaneval.metric("pass@1 score").id == "pass-at-1"
    assert alpaca.metric("length-controlled Win Rate (LC WR)").id == "lc-win-rate"
    assert registry.lookup("MMLU").metric("accuracies").id == "accuracy"
    assert alpaca.metric("score") == alpaca.default_metric
    assert registry.lookup("MMLU").metric("perplexity") is None
