"""Extraction's fast paths find exactly what the plain code they shortcut finds (hypothesis properties)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from leaderboard.extract import attribution
from leaderboard.extract.numbers import find_numbers, numbers_in_spans
from leaderboard.extract.sentences import sentence_spans

_NUMBER_PIECES = ["1", "12", "3.5", ".5", "1,234", "+", "-", "−", ".", ",", "%", " percent", " points", "GPT-4",
                  "x", "A", "@", " ", ". ", ". The ", "e.g. ", "\n", "8B"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_NUMBER_PIECES), max_size=24), st.lists(st.integers(0, 80), max_size=6))
def test_numbers_in_spans_equals_find_numbers_per_span(pieces, cuts):
    """One scan of the whole text finds, span by span, what `find_numbers` finds in each span: for the
    text's sentences and for any sorted, disjoint spans (cut anywhere, even inside a number)."""
    text = "".join(pieces)
    points = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    adjacent = list(itertools.pairwise(points))
    for spans in (sentence_spans(text), adjacent, adjacent[::2]):
        assert numbers_in_spans(text, spans) == [find_numbers(text, s, e) for s, e in spans]


_SYSTEMS = ["mLSTM", "Foo-7B", "Q", "a.b"]
_VARIANT_PIECES = [*_SYSTEMS, "byte-level", "x-y", "Z-q", "ab", "-", " ", "\t", "\x1c", "\u00a0", "é", "(", ",",
                   "param", "a 7B parameter model", "is", "an"]


def _plain_variant(sentence: str, system: str) -> str | None:
    match = attribution._variant_pattern(system).search(sentence)
    return f"{match.group(1)} {system}" if match else None


_SPACES = [" ", "\t", "\n", "\x1c", "\u00a0", "\u2003", "", "-", "_"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_VARIANT_PIECES), max_size=12), st.sampled_from(_SYSTEMS),
       st.sampled_from(["byte-level", "x-y", "Z-q", "ab", "-é"]), st.sampled_from(_SPACES), st.integers(0, 12))
def test_variant_and_introduced_size_skip_only_sure_misses(pieces, system, modifier, space, at):
    """`_variant` and `_introduced_size` skip their per-name pattern only when it cannot match."""
    pieces.insert(min(at, len(pieces)), modifier + space + system)
    text = "".join(pieces)
    assert attribution._variant(text, system) == _plain_variant(text, system)
    match = attribution._introduced_pattern(system).search(text)
    assert attribution._introduced_size(text, system) == (attribution.params_of(match.group(1)) if match else None)
