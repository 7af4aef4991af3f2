"""Shared fixtures.

Render fixtures: a small, realistic `Compiled` built straight from the dataclasses (three benchmarks,
a lower-is-better metric, a conflict, a cited entry, a partial date, overlapping evidence, a paper with
arXiv and Hugging Face ids, and a paper whose title, abstract and model names are hostile).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.models import Claim, Compiled, Conflict, Entry, Paper, ResultFile, SourceRef, StoredClaim, Table
from leaderboard.store.registry import Benchmark, Metric, Registry, RegistrySource

ROOT = Path(__file__).resolve().parent.parent

HOSTILE_TITLE = '<script>alert("title")</script> Tiny" onmouseover="alert(1)'
HOSTILE_MODEL = '=HYPERLINK("http://evil.example")<img src=x onerror=alert(2)>'
HOSTILE_BENCHMARK = '<img src=x onerror=alert(8)>Evil" Bench'
HOSTILE_ABSTRACT = (
    'We present <script>alert("abstract")</script> TinyLM. Click [here](javascript:alert(3)) or '
    '<a href="javascript:alert(4)">this</a>. ' + HOSTILE_MODEL + " scores 45.0% on MMLU, "
    "@everyone | pipes | and TinyLM-350M reaches 31.5% on MMLU. Perplexity drops by -2.5 points."
)


def _claim(abstract: str, evidence: str, model: str, benchmark: str | None, metric: str, value: float, *,
           unit: str | None = "%", setting: str | None = None, params: str | None = None, kind: str = "absolute",
           benchmark_text: str | None = None, occurrence: int = 0) -> Claim:
    start = -1
    for _ in range(occurrence + 1):
        start = abstract.index(evidence, start + 1)
    return Claim(model=model, benchmark=benchmark, benchmark_text=benchmark_text or (benchmark or "?").upper(),
                 metric=metric, value=value, unit=unit, setting=setting, params=params, kind=kind,
                 evidence=evidence, start=start, end=start + len(evidence))


def make_registry() -> Registry:
    accuracy = Metric("accuracy", "Accuracy", "higher", "%", 0, 100, ("acc",))
    return Registry([
        Benchmark("mmlu", "MMLU", ("Massive Multitask Language Understanding",), "knowledge", "https://github.com/hendrycks/test",
                  (accuracy,)),
        Benchmark("wikitext-103", "WikiText-103", ("WT103",), "language modelling", None,
                  (Metric("perplexity", "Perplexity", "lower", None, 1, None, ("ppl",)),)),
        Benchmark("gsm8k", "GSM8K", (), "grade-school maths", "javascript:alert(5)", (accuracy,)),
        Benchmark("hellaswag", "HellaSwag", (), "commonsense", None, (accuracy,)),
        # No results: only on the registry page. The second one is generated, hostile, of unknown direction.
        Benchmark("piqa", "PIQA", ("Physical Interaction QA",), "physical commonsense", None, (accuracy,)),
        Benchmark("evil-bench", HOSTILE_BENCHMARK, ("<script>alert(9)</script>",), '"><b>task</b>', None,
                  (Metric("score", "<i>Score</i>", "unknown", None, None, None),),
                  sources=("helm",),
                  source_refs=(RegistrySource("helm", "Apache-2.0", "schema.yaml#<evil>", "stanford-crfm/helm", "63754d05"),)),
    ])


def make_compiled() -> Compiled:
    # Paper 1: full date, arXiv and HF ids, a lower-is-better metric, a cited number.
    a1 = ("We train an 8.3B parameter transformer. Megatron-LM achieves a perplexity of 10.8 on WikiText-103, "
          "compared to 17.5 for GPT-2 (1.5B). It also scores 38.6% on MMLU.")
    p1 = Paper("1909-megatron", "Megatron-LM: Training Multi-Billion Parameter Language Models", a1, "2019-09-17",
               authors=6, organization="NVIDIA", upvotes=12,
               external_ids={"arxiv": "1909.08053", "hf": "1909.08053"})
    c1 = [
        StoredClaim("c1", "verified", _claim(a1, "perplexity of 10.8 on WikiText-103", "Megatron-LM", "wikitext-103",
                                             "perplexity", 10.8, unit=None, params="8.3B")),
        StoredClaim("c2", "extracted", _claim(a1, "17.5 for GPT-2 (1.5B)", "GPT-2", "wikitext-103", "perplexity", 17.5,
                                              unit=None, params="1.5B", kind="cited")),
        StoredClaim("c3", "extracted", _claim(a1, "38.6% on MMLU", "Megatron-LM", "mmlu", "accuracy", 38.6,
                                              params="8.3B")),
    ]
    # Paper 2: overlapping evidence (claims 1 and 2 cross, claim 3 nests inside 2), a cited GPT-3.5 number.
    a2 = ("Llama 2 70B reaches 68.9% on MMLU and 56.8% on GSM8K (8-shot), close to GPT-3.5 at 70.0% on MMLU. "
          "Our models also improve HellaSwag by 3.1 points.")
    p2 = Paper("2307-llama2", "Llama 2: Open Foundation and Fine-Tuned Chat Models", a2, "2023-07-18", authors=68,
               external_ids={"arxiv": "2307.09288"})
    c2 = [
        StoredClaim("c1", "verified", _claim(a2, "Llama 2 70B reaches 68.9% on MMLU", "Llama 2 70B", "mmlu", "accuracy",
                                             68.9, params="70B")),
        StoredClaim("c2", "verified", _claim(a2, "68.9% on MMLU and 56.8% on GSM8K (8-shot)", "Llama 2 70B", "gsm8k",
                                             "accuracy", 56.8, params="70B", setting="8-shot")),
        StoredClaim("c3", "extracted", _claim(a2, "56.8% on GSM8K", "Llama 2 70B", "gsm8k", "accuracy", 56.8,
                                              params="70B", setting="8-shot")),
        StoredClaim("c4", "extracted", _claim(a2, "GPT-3.5 at 70.0% on MMLU", "GPT-3.5", "mmlu", "accuracy", 70.0,
                                              kind="cited")),
        StoredClaim("c5", "extracted", _claim(a2, "improve HellaSwag by 3.1 points", "Llama 2", "hellaswag", "accuracy",
                                              3.1, unit="points", kind="delta")),
    ]
    # Paper 3: a partial date (no year); disagrees with paper 2 on Llama 2 70B's MMLU score.
    a3 = "We re-evaluate Llama 2 70B: it scores 69.1% on MMLU, and Mistral 7B scores 52.2% on GSM8K (8-shot)."
    p3 = Paper("aa11bb22cc", "Re-evaluating Open Models", a3, "--01-19")
    c3 = [
        StoredClaim("c1", "extracted", _claim(a3, "69.1% on MMLU", "Llama 2 70B", "mmlu", "accuracy", 69.1,
                                              params="70B", kind="cited")),
        StoredClaim("c2", "extracted", _claim(a3, "Mistral 7B scores 52.2% on GSM8K (8-shot)", "Mistral 7B", "gsm8k",
                                              "accuracy", 52.2, params="7B", setting="8-shot")),
    ]
    # Paper 4: hostile text everywhere, a negative delta, a benchmark outside the registry, a rejected claim.
    a4 = HOSTILE_ABSTRACT
    p4 = Paper("ff00ee11dd", HOSTILE_TITLE, a4, "2024-02-29", organization='"><script>alert(6)</script>',
               external_ids={"arxiv": "javascript:alert(7)"})
    c4 = [
        StoredClaim("c1", "extracted", _claim(a4, HOSTILE_MODEL + " scores 45.0% on MMLU", HOSTILE_MODEL, "mmlu",
                                              "accuracy", 45.0, params="1.3B")),
        StoredClaim("c2", "rejected", _claim(a4, "TinyLM-350M reaches 31.5% on MMLU", "TinyLM-350M", "mmlu",
                                             "accuracy", 31.5, params="350M"), note="duplicate"),
        StoredClaim("c3", "extracted", _claim(a4, "Perplexity drops by -2.5 points", "@everyone | pipes", None,
                                              "perplexity", -2.5, unit="points", kind="delta",
                                              benchmark_text="-Perplexity")),
    ]
    results = tuple(sorted((ResultFile(p1, tuple(c1)), ResultFile(p2, tuple(c2)), ResultFile(p3, tuple(c3)),
                            ResultFile(p4, tuple(c4))), key=lambda r: r.paper.id))

    def ref(paper: Paper, claims: list[StoredClaim], n: int) -> SourceRef:
        stored = claims[n - 1]
        return SourceRef(paper.id, paper.title, paper.published, stored.id, n, stored.claim.model, stored.claim.value,
                         stored.claim.kind, stored.claim.evidence, stored.status)

    llama_sources = (ref(p2, c2, 1), ref(p3, c3, 1))
    mmlu = Table("mmlu", "MMLU", "accuracy", "Accuracy", None, "higher", "%", (
        Entry(1, "gpt-3.5", "GPT-3.5", None, 70.0, "%", None, "cited", False, (ref(p2, c2, 4),)),
        Entry(2, "llama-2-70b", "Llama 2 70B", "70B", 68.9, "%", None, "absolute", True, llama_sources),
        Entry(3, "hyperlink-evil", HOSTILE_MODEL, "1.3B", 45.0, "%", None, "absolute", False, (ref(p4, c4, 1),)),
        Entry(4, "megatron-lm", "Megatron-LM", "8.3B", 38.6, "%", None, "absolute", False, (ref(p1, c1, 3),)),
    ))
    wikitext = Table("wikitext-103", "WikiText-103", "perplexity", "Perplexity", None, "lower", None, (
        Entry(1, "megatron-lm", "Megatron-LM", "8.3B", 10.8, None, None, "absolute", False, (ref(p1, c1, 1),)),
        Entry(2, "gpt-2", "GPT-2", "1.5B", 17.5, None, None, "cited", False, (ref(p1, c1, 2),)),
    ))
    gsm8k = Table("gsm8k", "GSM8K", "accuracy", "Accuracy", "8-shot", "higher", "%", (
        Entry(1, "llama-2-70b", "Llama 2 70B", "70B", 56.8, "%", "8-shot", "absolute", False, (ref(p2, c2, 2),)),
        Entry(2, "mistral-7b", "Mistral 7B", "7B", 52.2, "%", "8-shot", "absolute", False, (ref(p3, c3, 2),)),
    ))
    conflict = Conflict(mmlu.key, "mmlu", "accuracy", None, "llama-2-70b", "Llama 2 70B", llama_sources[0],
                        llama_sources)
    return Compiled(tables=(gsm8k, mmlu, wikitext), conflicts=(conflict,), results=results)


@pytest.fixture
def site_registry() -> Registry:
    return make_registry()


@pytest.fixture
def site_compiled() -> Compiled:
    return make_compiled()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The fixture site, built once per test session (read-only for tests)."""
    from leaderboard.render.output import render_site

    out = tmp_path_factory.mktemp("built") / "site"
    render_site(make_compiled(), make_registry(), out, generated="2024-03-01")
    return out


# ---------------------------------------------------------------- the package as a user gets it
# (tests/test_install.py and tests/test_sync_workflow.py run the workflows with it)

@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True,
                   capture_output=True)
    return out


@pytest.fixture(scope="session")
def venv_bin(dist, tmp_path_factory) -> Path:
    """bin/ of a fresh venv, outside the checkout, with the wheel installed (not editable)."""
    venv = tmp_path_factory.mktemp("venv")
    assert not venv.is_relative_to(ROOT)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(dist.glob("leaderboard-*.whl"))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True, env=user_env(venv))
    return venv / "bin"


def user_env(venv: Path) -> dict[str, str]:
    """The environment of a user (or a runner) with the venv first on PATH and nothing pointing into
    the checkout or at other schemas."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LEADERBOARD_SCHEMAS", "VIRTUAL_ENV", "COVERAGE_PROCESS_START")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env
