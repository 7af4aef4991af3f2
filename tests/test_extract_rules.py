"""Table-driven tests of the extraction rules: each rule's own example sentences, kept next to the rule
(`pairing.EXAMPLES`, `attribution.EXAMPLES`). A new rule comes with its examples and is tested here."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaderboard.extract import attribution, explain, extract_claims, pairing
from leaderboard.extract.mentions import _UNKNOWN_FRAMES_FAST, UNKNOWN_FRAMES
from leaderboard.extract.numbers import NUMBER, find_numbers
from leaderboard.models import Paper
from leaderboard.store.registry import default_registry


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


# --- the fast path of the unknown-name frames is the plain pattern -------------------------------

_PIECES = ["the", "The", "on", "On", "in", "In", ",", "benchmark", "benchmarks", "dataset", "leaderboard", "test set",
           "testset", "suite", "MMLU-Pro", "GSM8K", "Foo-Bench", "KIE-HVQA", "Diamond", "Verified", "v2", "V2",
           "and", "with", "while", "by", "under", ".", ";", ")", "(", "theme", "tin", "ton", "onto", "o", "t", "i",
           "x1", "∞Bench", "A-B-C-D-E-F", "on-the", "in.the",
           # whole frames, so that every branch of the pattern is met often
           ", Foo-Bench benchmark", "on the GSM8K", "in MMLU-Pro,", "the KIE-HVQA dataset", "on Foo-Bench.",
           "the GPQA Diamond benchmark", "in SWE-bench Verified test set", "on X1)", "on ABC and", ", V2 suite"]


def _frames(pattern, text, start):
    return [(m.start("a"), m.group("a"), m.start("b"), m.group("b")) for m in pattern.finditer(text, start)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14), st.lists(st.sampled_from([" ", "", "  ", "\n"]), max_size=14),
       st.integers(min_value=0, max_value=60))
def test_unknown_frames_fast_path_equals_the_plain_pattern(pieces, gaps, start):
    """`_UNKNOWN_FRAMES_FAST` skips to the few characters a frame can start with; it must find exactly
    what `UNKNOWN_FRAMES` finds wherever it is used (not at offset 0 of text opening with a space)."""
    text = "".join(p + (gaps[i] if i < len(gaps) else " ") for i, p in enumerate(pieces))
    start = min(start, len(text))
    if start == 0 and text[:1].isspace():
        return  # find_unknown uses the plain pattern there ("^" can match)
    assert _frames(_UNKNOWN_FRAMES_FAST, text, start) == _frames(UNKNOWN_FRAMES, text, start)


def test_everyday_words_in_a_big_registry_need_a_frame(registry):
    """A large registry names benchmarks "Reasoning" or "Safety": the word alone is no benchmark."""
    from dataclasses import replace as _replace

    from leaderboard.store.registry import Registry

    mmlu = registry.get("mmlu")
    generic = _replace(mmlu, id="reasoning", name="Reasoning", aliases=())
    big = Registry([*registry, generic])
    loose = Paper("p", "Foo-7B: A Model", "Reasoning improves: Foo-7B reaches 81.2% accuracy.")
    framed = Paper("p", "Foo-7B: A Model", "On the Reasoning benchmark, Foo-7B reaches 81.2% accuracy.")
    assert [c.benchmark for c in extract_claims(loose, big)] == []
    assert [c.benchmark for c in extract_claims(framed, big)] == ["reasoning"]


def _plain_numbers(text, start, end):
    return [(m.start(), m.end(), float(m.group("num").replace(",", "")), bool(m.group("sign")),
             "%" if m.group("pct") else ("points" if m.group("pts") else None))
            for m in NUMBER.finditer(text, start, end)]


_NUMBER_PIECES = ["1", "12", "3.5", ".5", "1,234", "2024", "+", "-", "−", "–", ".", ",", "%", "\\%", " percent",
                  " points", " pp", "pp", "GPT-4", "x", "a", "@", "/", "=", "^", " ", "  ", "e.g.", "8B", "-A"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_NUMBER_PIECES), max_size=20), st.integers(0, 30), st.integers(0, 30))
def test_find_numbers_equals_the_plain_pattern(pieces, start, trim):
    """`find_numbers` tries NUMBER only where a number can start; it must find exactly what
    `NUMBER.finditer` finds, from any start (the lookbehind sees the text before it)."""
    text = "".join(pieces)
    start, end = min(start, len(text)), max(min(start, len(text)), len(text) - trim)
    found = [(n.start, n.end, n.value, n.signed, n.unit) for n in find_numbers(text, start, end)]
    assert found == _plain_numbers(text, start, end)
