import time

import pytest

from leaderboard.extract import claim_to_json, extract_all, extract_claims
from leaderboard.models import Paper
from leaderboard.sources.ingest import ingest
from leaderboard.store.registry import default_registry


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(scope="module")
def corpus():
    return ingest()


def paper(abstract: str, title: str = "A Paper About Things") -> Paper:
    return Paper(id="test", title=title, abstract=abstract)


def claims_of(registry, abstract: str, title: str = "A Paper About Things"):
    return extract_claims(paper(abstract, title), registry)


def simple(claims):
    return [(c.value, c.benchmark, c.kind) for c in claims]


def test_list_of_scores_with_qualified_benchmark(registry):
    text = ("Gazal-R1 achieves exceptional performance across medical benchmarks, scoring 87.1% on MedQA, 81.6% on "
            "MMLU Pro (Medical), and 79.6% on PubMedQA, surpassing models up to 12x larger.")
    claims = claims_of(registry, text, "Gazal-R1: Medical Reasoning")
    assert simple(claims) == [(87.1, "medqa", "absolute"), (81.6, "mmlu-pro-medical", "absolute"),
                              (79.6, "pubmedqa", "absolute")]
    assert [c.benchmark_text for c in claims] == ["MedQA", "MMLU Pro (Medical)", "PubMedQA"]
    assert all(c.model == "Gazal-R1" and c.unit == "%" for c in claims)
    assert all(c.metric == "accuracy" and c.metric_implied for c in claims)


def test_compared_to_sota_gives_cited_prior_sota(registry):
    text = ("Using the GPT-2 model we achieve SOTA results on the WikiText103 (10.8 compared to SOTA perplexity of "
            "15.8) and LAMBADA (66.5% compared to SOTA accuracy of 63.2%) datasets.")
    claims = claims_of(registry, text)
    assert simple(claims) == [(10.8, "wikitext-103", "absolute"), (15.8, "wikitext-103", "cited"),
                              (66.5, "lambada", "absolute"), (63.2, "lambada", "cited")]
    cited = [c for c in claims if c.kind == "cited"]
    assert {c.model for c in cited} == {"(prior SOTA)"}
    assert claims[1].metric == "perplexity" and not claims[1].metric_implied
    assert claims[0].unit is None and claims[2].unit == "%"


def test_lc_win_rate_and_params_from_base_model(registry):
    text = ("Notably, an AFT model, fine-tuned from Llama3.1-8B-Base with only 64k data, achieves a 41.3% LC win rate "
            "on AlpacaEval 2, surpassing significantly larger LLMs.")
    claims = claims_of(registry, text, "From Drafts to Answers: Aggregation Fine-Tuning (AFT)")
    assert simple(claims) == [(41.3, "alpacaeval-2", "absolute")]
    assert claims[0].metric == "LC win rate" and not claims[0].metric_implied
    assert claims[0].benchmark_text == "AlpacaEval 2"


def test_percentage_points_improvement_is_a_delta(registry):
    claims = claims_of(registry, "Our method improves accuracy on GSM8K by 5 percentage points over the baseline.")
    assert simple(claims) == [(5.0, "gsm8k", "delta")]
    assert claims[0].unit == "points"


def test_qualifier_up_to(registry):
    claims = claims_of(registry, "The resulting model reaches up to 91% on HumanEval.")
    assert simple(claims) == [(91.0, "humaneval", "absolute")]
    assert claims[0].qualifier == "up to"


def test_tex_percent_comparison_carries_the_benchmark_of_the_previous_sentence(registry):
    text = ("Our experiments on the MATH benchmark demonstrate remarkable efficiency gains. Using the LLaMA family, "
            "we maintain 96.7\\% of the 11B model's performance (50.4\\% vs 52.1\\%) while using it for only 43\\% "
            "of tokens, decreasing computational cost by 41.5\\%.")
    claims = claims_of(registry, text)
    assert simple(claims) == [(50.4, "math", "absolute"), (52.1, "math", "cited")]
    assert all(c.unit == "%" for c in claims)
    for claim in claims:
        assert text[claim.start:claim.end] == claim.evidence


def test_from_to_gives_cited_then_absolute(registry):
    claims = claims_of(registry, "Our approach improves the win rate of LLaMA-3.1-8B-Instruct from 19.5 to 48.3 on Arena-Hard.")
    assert simple(claims) == [(19.5, "arena-hard", "cited"), (48.3, "arena-hard", "absolute")]
    assert claims[0].model == "LLaMA-3.1-8B-Instruct"


def test_respectively_pairs_numbers_with_benchmarks(registry):
    text = "Code Llama reaches scores of up to 53% and 55% on HumanEval and MBPP, respectively."
    assert simple(claims_of(registry, text)) == [(53.0, "humaneval", "absolute"), (55.0, "mbpp", "absolute")]


def test_signed_improvements_are_deltas(registry):
    text = "It improves the backbone models (+8.81 on C-Eval and +6.31 on CMMLU)."
    assert simple(claims_of(registry, text)) == [(8.81, "c-eval", "delta"), (6.31, "cmmlu", "delta")]


def test_unknown_benchmark_is_kept_with_null_id(registry):
    claims = claims_of(registry, "Our model achieves a 22% absolute improvement over GPT-4o on KIE-HVQB.")
    assert [(c.value, c.benchmark, c.benchmark_text, c.kind) for c in claims] == [(22.0, None, "KIE-HVQB", "delta")]


@pytest.mark.parametrize("text", [
    "Our kernel reaches a throughput of 1,200 tokens per second and 52% MFU on MMLU-scale workloads.",
    "It uses 3.2x fewer FLOPs and reduces memory by 61% compared to the baseline on GSM8K.",
    "The method gives a 2.5x speedup on HumanEval and cuts latency by 40%.",
    "We release 2,021 code tasks from 14 programming languages and 27 constraint types for MBPP.",
    "We train a 7B model on 1.5 trillion tokens, 90% of them from GitHub, and evaluate on MMLU.",
    "Llama 3.1 8B and Qwen 2.5 7B are evaluated on GSM8K.",
    "Our model retains 99% of the zero-shot performance on MMLU.",
    "Accuracy ranges from 60% to 70% across tasks.",
    "Humans achieve 92% accuracy on the task while models lag behind.",
])
def test_non_claims(registry, text):
    assert claims_of(registry, text) == []


def test_params_and_setting(registry):
    text = ("We introduce phi-3-mini, a 3.8 billion parameter language model. In the 5-shot setting phi-3-mini "
            "achieves 69% on MMLU.")
    claims = claims_of(registry, text, "Phi-3 Technical Report: A Highly Capable Language Model")
    assert simple(claims) == [(69.0, "mmlu", "absolute")]
    assert claims[0].params == "3.8B" and claims[0].setting == "5-shot"
    assert claims_of(registry, "Llama 3.1 8B scores 70.1% on MMLU in the zero-shot setting.")[0].params == "8B"


def test_claim_to_json_keys_in_design_order(registry):
    item = paper("Gazal-R1 scores 87.1% on MedQA.", "Gazal-R1: Medical Reasoning")
    document = claim_to_json(extract_claims(item, registry)[0], item)
    assert list(document) == ["paper_id", "paper_title", "model", "benchmark", "benchmark_text", "metric", "value",
                              "unit", "setting", "params", "kind", "evidence", "start", "end", "qualifier",
                              "metric_implied", "base_model", "confidence"]
    assert document["confidence"] == "high" and document["base_model"] is None


def test_evidence_is_exact_substring_on_whole_corpus(registry, corpus):
    claims = extract_all(corpus, registry)
    assert sum(len(v) for v in claims.values()) > 100
    for item in corpus:
        found = claims[item.id]
        assert [c.start for c in found] == sorted(c.start for c in found)
        for claim in found:
            assert item.abstract[claim.start:claim.end] == claim.evidence
            assert claim.kind in ("absolute", "cited", "delta")


def test_parallel_extraction_matches_one_process(registry, corpus):
    subset = corpus[:60]
    assert extract_all(subset, registry, jobs=2) == extract_all(subset, registry, jobs=1)


def test_extraction_is_deterministic(registry, corpus):
    item = next(p for p in corpus if p.title.startswith("Megatron-LM"))
    assert extract_claims(item, registry) == extract_claims(item, registry)


@pytest.mark.parametrize("text", [
    "9" * 200_000 + "%" * 200_000,
    ("12.5% " * 50_000) + "on MMLU",
    "(" * 50_000 + "MMLU 50%" + ")" * 50_000,
    "a" * 100_000 + " achieves 5% on MMLU " + "b" * 100_000,
    "MMLU " * 20_000 + "scores 50%",
])
def test_pathological_input_is_fast(registry, text):
    began = time.perf_counter()
    extract_claims(paper(text), registry)
    assert time.perf_counter() - began < 1.0


def test_a_base_model_ending_a_sentence_keeps_no_full_stop(registry):
    abstract = ("We propose Tree-R, a reasoning framework for quantized models. On the MedQA dataset, Tree-R raises "
                "accuracy from 34% to 50% for the Llama2-70b model and from 58.77% to 69.49% for Llama-3.1-8b. "
                "Code is available.")
    bases = {c.base_model for c in claims_of(registry, abstract, "Tree-R: Reasoning for Quantized Models")}
    assert "Llama-3.1-8b" in bases and not any(b and b.endswith(".") for b in bases), bases
