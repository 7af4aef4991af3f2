"""Extraction's fast paths find exactly what the plain code they shortcut finds (hypothesis properties)."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from leaderboard.extract import attribution, filters, kinds, mentions, numbers, pairing, sentences, tokens
from leaderboard.extract.casefree import first_named
from leaderboard.extract.mentions import Mention, benchmark_index
from leaderboard.extract.numbers import find_numbers, numbers_in_spans
from leaderboard.extract.sentences import sentence_spans
from leaderboard.store.registry import Registry, default_registry

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


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*_NUMBER_PIECES, "–", "٣", "²", "é", "=", "/", "^", "_"]), max_size=24),
       st.integers(0, 40), st.integers(0, 80))
def test_number_starts_ascii_class_equals_unicode_class(pieces, start, end):
    """On ASCII text the plain-character class finds the same candidate starts as the Unicode one."""
    text = "".join(pieces)
    start, end = min(start, len(text)), min(max(start, end), len(text))
    plain = [m.start() for m in numbers._NUMBER_START.finditer(text, start, end)]
    assert numbers.number_starts(text, start, end) == plain
    if text.isascii():
        assert [m.start() for m in numbers._NUMBER_START_ASCII.finditer(text, start, end)] == plain


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


_CASE_PIECES = ["accuracy", "Accuracy", "F1", "bleu", "BLEU", "win rate", "Win Rate", "average", "AVG.", "score",
                "scores", "of", "at", "to", "from", "reaches", "an", "the", "only", "(LC)", " ", "  ", ",", "-", "5",
                "zero-shot", "Few-Shot", "CoT", "8-shot", "maj@4", "previous best", "Prior State-of-the-Art",
                "winrate", "x", "é", "ſ", "\u212a", "İ", "up to", "At Least", "more than", "~", "≤", "about a"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_CASE_PIECES), max_size=14))
def test_case_free_spans_equal_the_ignorecase_patterns(pieces):
    """`CaseFree.span` (lower-cased pattern on lower-cased ASCII text) finds the span the IGNORECASE
    pattern finds, for each pattern read that way."""
    text = "".join(pieces)
    for case_free in (kinds._METRIC_WORDS_CI, kinds._METRIC_OF_BEFORE_CI, kinds._METRIC_BEFORE_CI,
                      kinds._SETTING_CI, kinds._WIN_RATE_CI, kinds._PREVIOUS_BEST_CI):
        plain = case_free.pattern.search(text)
        for group in range(case_free.pattern.groups + 1):
            assert case_free.span(text, group) == (plain.span(group) if plain else None)
        assert case_free.search(text) == (plain is not None)
    named = next((name for pattern, name in kinds._QUALIFIERS if pattern.search(text)), None)
    assert first_named(kinds._QUALIFIERS_CI, text) == named


_EFFICIENCY_PLAIN = re.compile(filters.EFFICIENCY_WORDS, re.IGNORECASE)
_EFFICIENCY_PIECES = [*re.findall(r"[a-z][a-z\- ]*[a-z]", _EFFICIENCY_PLAIN.pattern), "Memory", "GPU", "BITS", " ",
                      "/", "per", "char", "7", "x", "ſ", "\u212a", "é", "-"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_EFFICIENCY_PIECES), max_size=10))
def test_efficiency_guard_changes_no_match(pieces):
    """The first-letter lookahead of `_EFFICIENCY` only skips places where no word of it starts."""
    text = "".join(pieces)
    plain = _EFFICIENCY_PLAIN.search(text)
    found = filters._EFFICIENCY.search(text)
    assert (found.span() if found else None) == (plain.span() if plain else None)
    assert filters._EFFICIENCY_CI.search(text) == (plain is not None)


_HOME_PLAIN = re.compile(r"\b(?:propose|introduce|present|release|curate|build|construct)"
                         + attribution._HOME.pattern.split("(?<=b)uild)", 1)[1])
_HOME_PIECES = ["propose", "proposes", "introduced", "present", "release", "curate", "build", "construct", "rebuild",
                "We ", "we ", "a ", "new ", "OffTopicEval", "X1", ", ", "an ", "evaluation suite", "benchmark", " ",
                "leaderboard", "test suite", ".", "_", "p", "cb", "9"]


_HOME_VERBS = ["propose", "introduces", "presented", "release", "curate", "build", "constructs", "rebuild", "Propose"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_HOME_PIECES), max_size=8), st.sampled_from(_HOME_VERBS),
       st.sampled_from(["OffTopicEval", "X1", "x1"]), st.sampled_from(["a", "the", "x"]),
       st.sampled_from(["benchmark", "evaluation suite", "test suite", "leaderboard", "suite"]),
       st.sampled_from(["", " ", "-", "a"]), st.lists(st.sampled_from(_HOME_PIECES), max_size=4))
def test_home_pattern_and_its_gate_equal_the_plain_pattern(pieces, verb, name, article, noun, glue, tail):
    """`_HOME` skips to the first letters of its verbs, and is tried only when a word it ends with occurs."""
    text = "".join(pieces) + glue + f"{verb} {name}, {article} new {noun}" + "".join(tail)
    plain = _HOME_PLAIN.search(text)
    found = attribution._HOME.search(text)
    assert (found.span("name") if found else None) == (plain.span("name") if plain else None)
    if plain:
        assert any(word in text for word in attribution._HOME_WORDS)


_PARAM_PIECES = ["7", "1.5", "B", "b", "M", "billion", "Billion", "-", " ", "param", "PARAM", "Param", "eters",
                 "x", "ſ", "İ", "é"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PARAM_PIECES), max_size=10))
def test_parameter_phrases_need_the_word_param(pieces):
    """`paper_context` reads parameter phrases, and the score filters blank model sizes, only in text
    with "param" in some case."""
    text = "".join(pieces)
    if attribution._PARAM_PHRASE.search(text):
        assert "param" in text.lower()
    assert filters._without_sizes(text) == filters._SIZE_PHRASE.sub(" ", text)


@functools.cache
def _index_with_a_crossing_name():
    """The registry with "Foo. Bar", a name holding a sentence break, and "Bar Baz", which it can hide."""
    registry = default_registry()
    mmlu = registry.get("mmlu")
    return benchmark_index(Registry([*registry, dataclasses.replace(mmlu, id="foo-bar", name="Foo. Bar", aliases=()),
                                     dataclasses.replace(mmlu, id="bar-baz", name="Bar Baz", aliases=())]))


_NAME_PIECES = ["Foo. Bar Baz", "Foo. Bar", "Foo.", "Bar Baz", "Bar", "Baz", "Atari 2600 Ms. Pacman", "Ms. Pacman",
                "MMLU", "MMLU-Pro", "Pro", "MATH", "500", "SQuAD v2.0", "GSM8K", "İ", "a", "The", "-", ".", "!", "?",
                " ", "  ", "\n", "\u00a0", ". ", "! ", "? ", ", "]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_NAME_PIECES), max_size=16), st.lists(st.integers(0, 120), max_size=6))
def test_window_spans_equal_the_whole_texts_spans(pieces, cuts):
    """Registry names read from a window alone (a sentence) are those read from the whole text that lie
    within it: for the text's sentences and for windows cut anywhere."""
    index = _index_with_a_crossing_name()
    text = "".join(pieces)
    points = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    for start, end in (*sentence_spans(text), *itertools.pairwise(points)):
        assert index.window_spans(text, start, end) == index.spans_within(text, start, end)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["A", "b", "1", ".", "!", "?", " ", "\n", "\u00a0", "(", "“", "e.g", "al", "x"]),
                max_size=30))
def test_full_stop_pattern_finds_the_sentence_ends(pieces):
    """The pattern chosen for a text finds what the pattern for any text finds."""
    text = "".join(pieces)
    chosen = [m.span() for m in sentences.sentence_end_pattern(text).finditer(text)]
    assert chosen == [m.span() for m in sentences._SENTENCE_END.finditer(text)]


_SUBJECT_PIECES = ["Foo-7B", "GPT-4", "Llama", "3", "X", "b", "models", "model", ",", " ", " ", " ", "\t", "\x1c", "\u00a0",
                   "significantly", "achieves", "achieve", "scores", "reaches", "sets", "the", "and", "a.b", "-", "(",
                   "é", "Our Big New Model", "A B C D models, significantly achieves", " models, fully reaches"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_SUBJECT_PIECES), max_size=30))
def test_subject_matches_equal_finditer(pieces):
    """Searching a few words before each verb finds every match `_SUBJECT.finditer` finds."""
    sentence = "".join(pieces)
    fast = [(m.span(), m.span("name")) for m in attribution.subject_matches(sentence)]
    assert fast == [(m.span(), m.span("name")) for m in attribution._SUBJECT.finditer(sentence)]


def _plain_written_forms(name: str) -> set[str]:
    """Every combination of joins, each written form joined from scratch (the plain form of
    `mentions._written_forms`, which grows the forms a chunk at a time)."""
    chunks = [(m.start(), m.end()) for m in mentions._CHUNK.finditer(name)]
    if not chunks:
        return set()
    words = [name[s:e].lower() for s, e in chunks]
    own = [name[chunks[i][1]:chunks[i + 1][0]].lower() for i in range(len(chunks) - 1)]
    own = [sep if mentions._SEPARATOR_RUN.fullmatch(sep) else "" for sep in own]
    options = [tuple(dict.fromkeys((sep, sep.replace("'", "’"), *mentions._JOINS))) for sep in own]
    if len(own) <= mentions._MIXED_UP_TO:
        joins = itertools.product(*options) if options else [()]
    else:
        joins = [tuple(own)] + [tuple(join for _ in own) for join in mentions._JOINS]
    return {"".join(w + j for w, j in zip(words, (*combo, ""), strict=True)) for combo in joins}


def test_written_forms_of_every_registry_name_equal_the_plain_forms():
    names = {n for b in default_registry() for n in (b.id, b.name, *b.aliases)}
    assert all(mentions._written_forms(name) == _plain_written_forms(name) for name in names)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["MMLU", "Pro", "AIME", "24", "2", "x", "é", "-", " ", "'", "’", ". ", "(", ")", "/",
                                 "_", "--", "τ", "∞"]), max_size=12))
def test_written_forms_equal_the_plain_forms(pieces):
    name = "".join(pieces)
    assert mentions._written_forms(name) == _plain_written_forms(name)


def _plain_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans with the next sentence's start found by skipping spaces one at a time."""
    spans, start = [], 0
    for match in sentences.sentence_end_pattern(text).finditer(text):
        end = match.end()
        word = text[max(start, end - 8):end - 1].split()[-1:] or [""]
        before = word[0].lower().lstrip("(")
        if before in sentences._ABBREVIATIONS or before.endswith(("e.g", "i.e")) or (len(before) == 1 and before.isalpha()):
            continue
        spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["A", "b", "1", ".", "!", "?", " ", "  ", "\n", "\u00a0", "\u2003", "\x1c", "(", "“",
                                 "e.g", "i.e", "al", "et al", "vs", "x", "Fig", "approximately", "("]), max_size=30))
def test_sentence_spans_equal_the_plain_spans(pieces):
    """The next sentence starts where the end's lookahead found the spaces after it to stop."""
    text = "".join(pieces)
    assert sentence_spans(text) == _plain_sentence_spans(text)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from([*_EFFICIENCY_PIECES, "\x00"]), max_size=8),
       st.lists(st.sampled_from([*_EFFICIENCY_PIECES, "\x00"]), max_size=8))
def test_efficiency_in_two_texts_equals_a_search_of_each(left, right):
    """The two sides of a number searched at once, joined by a NUL, find a word where one of them does."""
    left, right = "".join(left), "".join(right)
    plain = _EFFICIENCY_PLAIN.search(left) is not None or _EFFICIENCY_PLAIN.search(right) is not None
    assert filters.efficiency_in(left, right) == plain


def _plain_qualifier(before: str) -> str | None:
    raw = before[-40:].rstrip()
    bare = kinds._ARTICLES_AT_END.sub("", raw).rstrip()
    return next((name for pattern, name in kinds._QUALIFIERS if pattern.search(raw + " ")), None) or \
        next((name for pattern, name in kinds._QUALIFIERS if pattern.search(bare + " ")), None)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["up to", "at most", "at least", "over", "more than", "above", "exceeding", ">", "≥",
                                 ">=", "about", "approximately", "APPROXIMATELY", "around", "nearly", "~", "≈", "under",
                                 "below", "less than", "<", " ", "  ", "a ", "an ", "the ", "by ", "of ", "x", "İ",
                                 "\n", "ſ"]), max_size=12))
def test_qualifier_read_from_the_tail_equals_the_plain_search(pieces):
    """A qualifier ends the text before the number: searching its last characters finds the same one."""
    before = "".join(pieces)
    assert kinds.qualifier_of(before) == _plain_qualifier(before)


def _plain_words_back(text: str, end: int, floor: int) -> int:
    spaces = 0
    for i in range(end - 1, floor - 1, -1):
        if text[i].isspace():
            spaces += 1
            if spaces > attribution._SUBJECT_SPACES:
                return i + 1
    return floor


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["a", "Foo-7B", " ", "  ", "\t", "\n", "\x1c", "\u00a0", "\u2003", "é", ","]), max_size=30),
       st.integers(0, 60), st.integers(0, 60))
def test_words_back_read_backwards_equals_the_plain_loop(pieces, floor, end):
    """Where the subject search starts: the same place whether the spaces are counted back by a pattern
    on the reversed text or one character at a time."""
    text = "".join(pieces)
    end = min(end, len(text))
    floor = min(floor, end)
    assert attribution._words_back(text, end, floor) == _plain_words_back(text, end, floor)


def _plain_clause_window(text: str, number, start: int, end: int) -> tuple[str, str]:
    left = text[max(start, number.start - 45):number.start]
    cut = max(left.rfind(","), left.rfind("("), left.rfind(";"), left.rfind(":"))
    left = left[cut + 1:]
    right = text[number.end:min(end, number.end + 45)]
    cuts = [i for i in (right.find(","), right.find(")"), right.find(";"), right.find(" and "), right.find(" with "),
                        right.find(" at "), right.find(" using "), right.find(" under "), right.find(" in "),
                        right.find("(")) if i >= 0]
    return left, right[:min(cuts)] if cuts else right


_CLAUSE_MARKS = [",", "(", ")", ";", ":", " and ", " with ", " at ", " using ", " under ", " in ", "in", "and", "under"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["12.5", "7", "%", " ", "x", "memory", "a b"]), st.sampled_from(_CLAUSE_MARKS)),
                max_size=10), st.integers(0, 60), st.integers(0, 200))
def test_clause_end_pattern_equals_the_earliest_of_the_marks(pieces, start, end):
    """The clause after a number ends at the earliest of its marks, found by one search."""
    text = "".join(word + mark for word, mark in pieces)
    start, end = min(start, len(text)), min(max(start, end), len(text))
    for number in find_numbers(text, start, end):
        assert filters._clause_window(text, number, start, end) == _plain_clause_window(text, number, start, end)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["word", "A", "x", "", " "]),
                          st.sampled_from([" , ", " - ", " . ", " ,", ", ", "-", " ", ".", ",", "  ", " , - "])),
                max_size=8))
def test_tokenised_gate_rejects_only_texts_the_pattern_rejects(pieces):
    """The one-scan gate of `looks_tokenised` gives the answer of the pattern alone."""
    text = "".join(word + mark for word, mark in pieces)
    assert tokens.looks_tokenised(text) == (len(tokens._TOKENISED.findall(text)) >= 3)


def test_crossing_cores_are_held_by_their_forms():
    """A text without any core holds no crossing form: each form holds a core."""
    index = _index_with_a_crossing_name()
    assert index.crossing and index.crossing_cores
    assert set(index.crossing) == {form for form in index.automaton.keys() if mentions._CROSSING_FORM.search(form)}
    assert all(any(core in form for core in index.crossing_cores) for form in index.crossing)


_CARRIED_PIECES = ["Specifically, ", "In this setting, ", "TypeSQL", "TypeSQL gets ", " achieves ", "accuracy", " (", ")",
                   " vs. ", " from ", "from 12.5 down to 30.0", "perplexity from 51.3 to 30.0", "(80.3% vs. 79.8%)",
                   " down to ", " to ", "12.5", "80.3%", " ", ", ", "x", "Foo-7B", " and ", "82.6% accuracy", "12.5 vs. 80.3%"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_CARRIED_PIECES), max_size=10), st.sampled_from([None, "TypeSQL", "Foo-7B"]))
@example(["TypeSQL gets ", "82.6% accuracy"], "TypeSQL")  # each way a number is carried, at least once
@example(["Specifically, ", "12.5 vs. 80.3%"], None)
@example(["x", "(80.3% vs. 79.8%)"], None)
@example(["x ", "from 12.5 down to 30.0"], None)
def test_carried_gate_skips_only_sentences_where_nothing_is_carried(pieces, system):
    """Where `_may_carry` says no, the rule run without it ties no number either."""
    previous = "We test on GSM8K. "
    text = previous + "".join(pieces) + "."
    start, end = len(previous), len(text)
    if pairing._may_carry(text, start, end, [pairing.Candidate(n, 1) for n in find_numbers(text, start, end)],
                          lambda: system):
        return
    gsm8k = Mention(text.index("GSM8K"), text.index("GSM8K") + 5, "GSM8K", "gsm8k")
    cands = [pairing.Candidate(n, 1) for n in find_numbers(text, start, end)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pairing, "_may_carry", lambda *args: True)
        pairing.attach_carried(text, start, end, 1, [[gsm8k], []], cands, lambda: system)
    assert all(cand.mention is None for cand in cands)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["1", "12.5", "%", "\\%", " ", "-", "--", "–", "—", "~", "\n", "x", "to"]), max_size=16))
@example(["x", "1", " ", "%", " ", "\\%", " ", "--", " ", "\n"])  # the longest match
def test_range_before_read_from_the_tail_equals_the_plain_search(pieces):
    """A range mark ending the text before a number is found by searching its last characters only."""
    before = "".join(pieces)
    tail = filters._RANGE_BEFORE.search(before, max(0, len(before) - filters._RANGE_BEFORE_REACH))
    assert (tail is None) == (filters._RANGE_BEFORE.search(before) is None)
