"""Benchmark mentions: registry names and aliases found in one pass over the text, and names
missing from the registry taken only in frames that say "this is an evaluation"."""

from __future__ import annotations

import bisect
import itertools
import re
import weakref
from dataclasses import dataclass

import ahocorasick

from ..store.registry import Registry, normalise_name
from .names import is_model_like
from .words import alternation, word_list


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    benchmark: str | None  # registry id, None for a name found only by its frame


_CHUNK = re.compile(r"[A-Za-z]+|\d+|[^\W\d_]+|[∞τ]")
_SEP = r"[\s\-_.'’]{0,3}"  # "WikiText - 103": tokenised text puts spaces around hyphens
_QUALIFIER = re.compile(r"\s{0,2}\(([^()\d%]{2,48})\)|\s([A-Z][a-z]+|v\d+|V\d+)\b")


def _alias_pattern(name: str) -> str | None:
    chunks = _CHUNK.findall(name)
    if not chunks:
        return None
    return _SEP.join(re.escape(c) for c in chunks)


_DOT_ZERO = re.compile(r"\.0(?![\d.])")


class BenchmarkIndex:
    """Every registry name and alias in one Aho-Corasick automaton, matched in a single pass over the
    text however large the registry.

    Names match ignoring case, with their chunks of letters and digits joined as in the name or by
    nothing, a space or a hyphen ("WikiText-103", "WikiText 103", "wikitext103"); the automaton holds
    every such written form. Word boundaries and the case rules (`_case_ok`) are checked on each hit.
    (Tokenised text, "WikiText - 103", is read without its tokeniser spaces: see `tokens`.)"""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.automaton = ahocorasick.Automaton()
        names = {n for b in registry for n in (b.id, b.name, *b.aliases)}
        forms = sorted({form for name in names for form in _written_forms(name)})
        for form in forms:
            self.automaton.add_word(form, len(form))
        self.automaton.make_automaton()
        self._spans: tuple[str, list[tuple[int, int]]] = ("", [])  # (text, name spans) of the last text read
        # forms that can run across a sentence break ("Atari 2600 Ms. Pacman"): see `_window_alone`
        self.crossing = tuple(form for form in forms if _may_cross(form) and _CROSSING_FORM.search(form))
        # what the crossing forms hold around their break (". pacman"): a text without any holds none of them
        self.crossing_cores = tuple(sorted({_crossing_core(form) for form in self.crossing}))
        self._crossed: tuple[str, bool] = ("", False)  # (text, whether a crossing form is in it)
        self.strict_case = {normalise_name(n): n for b in registry for n in (b.id, b.name, *b.aliases)
                            if re.fullmatch(r"[A-Z]{2,6}", n)}
        self.framed = frozenset(normalise_name(n) for n in word_list("framed-benchmark-names"))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where registry names are written in `text`: leftmost-longest, not overlapping, at word
        boundaries; computed once per text."""
        if self._spans[0] is not text:
            self._spans = (text, _name_spans(self.automaton, text))
        return self._spans[1]

    def spans_within(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Those of `spans(text)` within text[start:end]."""
        spans = self.spans(text)  # sorted and not overlapping: those of the window are a run of them
        within = []
        for span_start, span_end in itertools.islice(spans, bisect.bisect_left(spans, (start, -1)), None):
            if span_start >= end:
                break
            if span_end <= end:
                within.append((span_start, span_end))
        return within

    def window_spans(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """`spans_within`, read from the window alone when no name can run across its edges (a sentence
        of a text holding no crossing form): most sentences of an abstract are never searched."""
        if self._window_alone(text, start, end):
            return _name_spans(self.automaton, text, start, end)
        return self.spans_within(text, start, end)

    def _window_alone(self, text: str, start: int, end: int) -> bool:
        """No written form runs across `start` or `end`: both are breaks (a run of spaces after ".", "!"
        or "?", or an end of the text), and the only forms that can span a break, those holding one or
        opening with a space, are not in the text."""
        if not (_is_break(text, start) and _is_break(text, end)):
            return False
        if self._crossed[0] is not text:
            lowered = _lowered(text)
            self._crossed = (text, any(core in lowered for core in self.crossing_cores)
                             and any(form in lowered for form in self.crossing))
        return not self._crossed[1]

    def find(self, text: str, start: int, end: int) -> list[Mention]:
        mentions = []
        for span_start, span_end in self.window_spans(text, start, end):
            written = text[span_start:span_end]
            key = normalise_name(written)
            if not _case_ok(written, key, self.strict_case):
                continue
            benchmark = self.registry.lookup(written)
            if benchmark is None:
                continue
            if key in self.framed and not _in_frame(text, span_start, span_end, end):
                continue  # "Reasoning", "Safety": everyday words, a benchmark only when framed as one
            stop = span_end
            if written[-1].isdigit():
                zero = _DOT_ZERO.match(text, stop, end)  # "VQA v2.0" is "VQA v2", as written
                stop = zero.end() if zero else stop
            if stop < end and text[stop] == "+":  # "HumanEval+" is HumanEval Plus, not HumanEval
                benchmark = self.registry.lookup(written + " Plus")
                if benchmark is None:
                    continue
                stop += 1
            qualifier = _QUALIFIER.match(text, stop, end)
            if qualifier:
                extended = text[span_start:qualifier.end()]
                better = self.registry.lookup(extended)
                if better is not None:
                    benchmark, stop = better, qualifier.end()
                elif qualifier.group(1) and self.registry.lookup(f"{written} {qualifier.group(1)}"):
                    benchmark, stop = self.registry.lookup(f"{written} {qualifier.group(1)}"), qualifier.end()
            mentions.append(Mention(span_start, stop, text[span_start:stop], benchmark.id))
        return mentions


_NAME_START = re.compile(r"(?<![\w\-])")
_NAME_END = re.compile(r"(?!\w|-[A-Za-z0-9])")
_JOINS = ("", " ", "-")  # how abstracts join the chunks of a name: "MMLU-Pro", "MMLU Pro", "MMLUPro"
_SEPARATOR_RUN = re.compile(r"[\s\-_.'’]{0,3}")
_MIXED_UP_TO = 3  # names with at most this many joins get every mix ("Arena-Hard Auto"); longer ones one join


def _written_forms(name: str) -> set[str]:
    """The ways an abstract may write a registry name, lower case: its chunks of letters and digits
    joined as in the name, or by nothing, a space or a hyphen ("WikiText-103", "wikitext 103")."""
    chunks = [(m.start(), m.end()) for m in _CHUNK.finditer(name)]
    if not chunks:
        return set()
    words = [name[s:e].lower() for s, e in chunks]
    own = [name[chunks[i][1]:chunks[i + 1][0]].lower() for i in range(len(chunks) - 1)]
    # a name's own join counts when it is made of separators ("AIME'24", "MATH. 500"), not of "(" or "/"
    own = [sep if _SEPARATOR_RUN.fullmatch(sep) else "" for sep in own]
    if len(own) > _MIXED_UP_TO:
        return {"".join(w + j for w, j in zip(words, (*combo, ""), strict=True))
                for combo in [own, *([join] * len(own) for join in _JOINS)]}
    forms = [words[0]]  # every mix of joins, grown a chunk at a time (the registry has thousands of names)
    for sep, word in zip(own, words[1:], strict=True):
        joins = dict.fromkeys((sep, sep.replace("'", "’"), *_JOINS))
        forms = [form + join + word for form in forms for join in joins]
    return set(forms)


# a written form that can span a sentence break: one holding a run of spaces after ".", "!" or "?", or
# opening with a space
_CROSSING_FORM = re.compile(r"[.!?]\s|^\s")


def _may_cross(form: str) -> bool:
    """What _CROSSING_FORM needs: a mark that ends a sentence, or a space first (tested in C)."""
    return "." in form or "!" in form or "?" in form or form[:1].isspace()


def _crossing_core(form: str) -> str:
    """The part of a crossing form from its first break to the end of the word after it, or the whole
    form when it opens with a space."""
    found = _CROSSING_FORM.search(form)
    assert found is not None
    if found.start() == 0 and form[:1].isspace():
        return form
    word_end = _WORD_AFTER.match(form, found.end())
    return form[found.start():word_end.end()]


_WORD_AFTER = re.compile(r"\s*\S*")


def _is_break(text: str, at: int) -> bool:
    """`at` is an end of the text or within or at an edge of a run of spaces that follows ".", "!" or "?":
    a form spanning it holds that mark and a space, or opens with a space."""
    if at <= 0 or at >= len(text):
        return True
    run_start = at
    while run_start > 0 and text[run_start - 1].isspace():
        run_start -= 1
    if run_start == at and not text[at].isspace():
        return False
    return run_start > 0 and text[run_start - 1] in ".!?"


def _lowered(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer ("İ"): keep offsets aligned
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


def _name_spans(automaton, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Registry names in text[start:end] (the whole text by default): leftmost-longest, not overlapping."""
    end = len(text) if end is None else end
    window = _lowered(text[start:end])
    hits = sorted((start + at - length + 1, -length) for at, length in automaton.iter(window))
    spans: list[tuple[int, int]] = []
    taken_until = -1
    for span_start, negative_length in hits:
        span_end = span_start - negative_length
        if span_start < taken_until:
            continue
        if _NAME_START.match(text, span_start) and _NAME_END.match(text, span_end):
            spans.append((span_start, span_end))
            taken_until = span_end
    return spans


_FRAME_AFTER = re.compile(r"\s(?:benchmark|dataset|test\s?set|suite|leaderboard|score)s?\b", re.IGNORECASE)
_FRAME_BEFORE = re.compile(r"\b(?:on|the)\s$")


def _in_frame(text: str, start: int, end: int, limit: int) -> bool:
    return bool(_FRAME_AFTER.match(text, end, limit) or _FRAME_BEFORE.search(text, max(0, start - 5), start))


def _case_ok(written: str, key: str, strict: dict[str, str]) -> bool:
    """Short all-caps names (MATH, RACE, DROP) only in capitals; any name needs a capital or digit
    as written, so that the words "math" or "race" are never benchmarks."""
    if key in strict:
        return written.replace(" ", "").replace("-", "").upper() == written.replace(" ", "").replace("-", "")
    return written != written.lower() or any(map(str.isdigit, written)) or written.startswith(("∞", "τ"))


_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def benchmark_index(registry: Registry) -> BenchmarkIndex:
    """The compiled index of `registry`, built once per Registry object."""
    index = _INDEXES.get(registry)
    if index is None:
        index = _INDEXES[registry] = BenchmarkIndex(registry)
    return index


# Names not in the registry are taken only in frames that say "this is an evaluation".
_NAME = r"[A-Za-z∞][\w.+∞]*(?:-[\w.+]+){0,4}"
UNKNOWN_FRAMES = re.compile(
    r"(?:\bthe|\bon|\bin|^|,)\s(?P<a>" + _NAME + r"(?:\s(?:v\d+|V\d+|Verified|Lite|Hard|Pro|Diamond|[A-Z][A-Z\d\-]+))?)"
    r"\s(?:benchmark|dataset|leaderboard|test\s?set|suite)s?\b"
    r"|\b(?:on|in)\s(?:the\s)?(?P<b>" + _NAME + r")(?=\s?[,;.)]|\s(?:and|with|while|whereas|by|under)\b|$)"
)
# UNKNOWN_FRAMES without its "^" branch, written so that the search skips every character but "t",
# "o", "i" and ",": the first character is consumed, then checked ("(?<=t)") and its word start
# too ("(?<!\w.)" is "\b" before it). Same matches and groups; "^" can only match at offset 0.
_UNKNOWN_FRAMES_FAST = re.compile(
    r"[toi,](?:"
    r"(?:(?<=t)(?<!\w.)he|(?<=o)(?<!\w.)n|(?<=i)(?<!\w.)n|(?<=,))\s(?P<a>" + _NAME
    + r"(?:\s(?:v\d+|V\d+|Verified|Lite|Hard|Pro|Diamond|[A-Z][A-Z\d\-]+))?)"
    r"\s(?:benchmark|dataset|leaderboard|test\s?set|suite)s?\b"
    r"|(?:(?<=o)(?<!\w.)n|(?<=i)(?<!\w.)n)\s(?:the\s)?(?P<b>" + _NAME
    + r")(?=\s?[,;.)]|\s(?:and|with|while|whereas|by|under)\b|$))"
)
_STRONG_NAME = re.compile(r"^(?=.*[A-Za-z])(?:[A-Z0-9][\w.+\-]*[A-Z0-9][\w.+\-]*|\w+-?(?:[Bb]ench|Eval|QA)\w*)$")
# Frequent capitalised tokens that are neither benchmarks nor models.
_NOT_BENCHMARK = re.compile(r"^(?:" + alternation("not-benchmarks") + r")$")


def find_unknown(text: str, start: int, end: int, taken: list[Mention], exclude: set[str]) -> list[Mention]:
    """Named evaluations missing from the registry, in frames such as "on KIE-HVQA" or "the X benchmark"."""
    found = []
    frames = UNKNOWN_FRAMES if start == 0 and text[:1].isspace() else _UNKNOWN_FRAMES_FAST
    for match in frames.finditer(text, start, end):
        group = "a" if match.group("a") else "b"
        name = match.group(group).rstrip(".")
        s = match.start(group)
        e = s + len(name)
        if any(m.start < e and s < m.end for m in taken):
            continue
        first = name.split()[0]
        if (len(name) < 3 or not _STRONG_NAME.match(first) or _NOT_BENCHMARK.match(first) or is_model_like(first)
                or name in exclude or first in exclude):
            continue
        found.append(Mention(s, e, name, None))
    return found
