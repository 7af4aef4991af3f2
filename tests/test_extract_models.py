"""Who a number belongs to: sentence glue, metrics and benchmarks are never model names."""

from __future__ import annotations

import pytest

from leaderboard.extract import extract_claims
from leaderboard.extract.attribution import ModelContext, tidy_model
from leaderboard.models import Paper
from leaderboard.store.registry import default_registry

SYSTEM = ModelContext(system="Gazal-R1", system_params="32B")
NO_SYSTEM = ModelContext(system=None, system_params=None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("and GPT-4o", "GPT-4o"),
        ("that MedMobile", "MedMobile"),
        ("popular LLaMA 3.1-70B", "LLaMA 3.1-70B"),
        ("MetaMath-70B}", "MetaMath-70B"),
        ("LLaMA-3.1-8b.", "LLaMA-3.1-8b"),
    ],
)
def test_sentence_glue_and_stray_punctuation_are_removed(raw, expected):
    assert tidy_model(raw, None, "absolute", SYSTEM, default_registry())[0] == expected


@pytest.mark.parametrize("raw", ["average BLEU", "as CHRF", "on GSM8K", "an AIME", "32B", "LLMs"])
def test_metrics_benchmarks_sizes_and_generic_words_fall_back_to_the_system(raw):
    registry = default_registry()
    assert tidy_model(raw, None, "absolute", SYSTEM, registry) == ("Gazal-R1", "32B")
    assert tidy_model(raw, None, "absolute", NO_SYSTEM, registry)[0] == "(unnamed)"
    assert tidy_model(raw, None, "cited", SYSTEM, registry)[0] == "(baseline)"


def test_a_base_model_after_from_is_not_the_scorer():
    model, params = tidy_model("from Llama3-8B-Instruct", None, "absolute", NO_SYSTEM, default_registry())
    assert (model, params) == ("(unnamed)", "8B")


def test_report_title_names_the_system_and_showcases_is_a_scoring_verb():
    paper = Paper(id="x", title="Qwen2 Technical Report",
                  abstract="We release a new series of models. The flagship model, Qwen2-72B, showcases remarkable "
                           "performance: 84.2 on MMLU and 89.5 on GSM8K as a base language model.")
    claims = extract_claims(paper, default_registry())
    assert {(c.model, c.benchmark, c.value) for c in claims} == {("Qwen2-72B", "mmlu", 84.2), ("Qwen2-72B", "gsm8k", 89.5)}
    assert all(c.params == "72B" for c in claims)


def test_a_rival_named_before_the_score_is_not_the_scorer():
    paper = Paper(id="y", title="EVOLVE: Self-Refinement via Iterative Preference Optimization",
                  abstract="We propose EVOLVE, a framework for self-refinement of language models. Experiments "
                           "show that it surpasses state-of-the-art models including Llama-3.1-405B-Instruct and "
                           "GPT-4o, achieving a 62.3% length-controlled win rate on AlpacaEval 2.")
    [claim] = extract_claims(paper, default_registry())
    assert (claim.model, claim.value) == ("EVOLVE", 62.3)


def test_an_example_in_parentheses_keeps_its_own_subject():
    paper = Paper(id="z", title="Phi-3 Technical Report: A Highly Capable Language Model Locally on Your Phone",
                  abstract="We introduce phi-3-mini, a 3.8 billion parameter language model whose performance rivals "
                           "that of models such as Mixtral 8x7B and GPT-3.5 (e.g., phi-3-mini achieves 69% on MMLU "
                           "and 8.38 on MT-bench), despite being small enough to be deployed on a phone.")
    claims = extract_claims(paper, default_registry())
    assert {(c.model, c.value) for c in claims} == {("phi-3-mini", 69.0), ("phi-3-mini", 8.38)}
