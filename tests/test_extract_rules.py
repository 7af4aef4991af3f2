"""Table-driven tests of the extraction rules: each rule's own example sentences, kept next to the rule
(`pairing.EXAMPLES`, `attribution.EXAMPLES`). A new rule comes with its examples and is tested here."""

import pytest

from leaderboard.extract import explain, extract_claims
from leaderboard.extract import attribution, pairing
from leaderboard.models import Paper
from leaderboard.registry import default_registry


@pytest.fixture(scope="module")
def registry():
    return default_registry()


def _cases(table):
    return [pytest.param(rule, *example, id=f"{rule}-{i}") for rule, examples in table.items()
            for i, example in enumerate(examples)]


@pytest.mark.parametrize(("rule", "title", "abstract", "value", "benchmark"), _cases(pairing.EXAMPLES))
def test_pairing_rule_examples(registry, rule, title, abstract, value, benchmark):
    found = [(c.value, c.benchmark_text, r) for c, r in explain(Paper("p", title, abstract), registry)]
    assert (value, benchmark, rule) in found, found


@pytest.mark.parametrize(("rule", "title", "abstract", "value", "model", "confidence"), _cases(attribution.EXAMPLES))
def test_attribution_rule_examples(registry, rule, title, abstract, value, model, confidence):
    claims = extract_claims(Paper("p", title, abstract), registry)
    found = [(c.value, c.model if c.base_model is None else f"{c.model} ({c.base_model})", c.confidence)
             for c in claims]
    assert (value, model, confidence) in found, found


def test_every_rule_has_examples():
    assert set(pairing.EXAMPLES) == {"paren", "after", "before", "respectively", "carried", "home"}
    assert all(len(examples) >= 1 for examples in (*pairing.EXAMPLES.values(), *attribution.EXAMPLES.values()))


def test_explain_agrees_with_extract(registry):
    paper = Paper("p", "Foo-7B: A Model", "Foo-7B scores 87.1% on MedQA and improves GSM8K by 5 points.")
    assert [c for c, _ in explain(paper, registry)] == extract_claims(paper, registry)
