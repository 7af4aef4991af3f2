"""The kind of a claim (absolute / cited / delta), its metric, setting and qualifier, read from
the words around the number."""

from __future__ import annotations

import functools
import re

from .casefree import CaseFree, first_named, grouped_by_first_letter
from .frames import (
    BY_FRAME,
    CHANGE_VERB,
    COMPARATOR,
    COORDINATION,
    DELTA_AFTER,
    DELTA_BEFORE_CI,
    FROM,
    FROM_WORD,
    IMPROVES_BY_CI,
    QUAL,
    model_paren,
)
from .mentions import Mention
from .numbers import Number
from .pairing import Candidate
from .words import alternation

_SETTING = re.compile(
    r"\b(zero-shot|zero shot|0-shot|one-shot|few-shot|\d{1,2}-shot|chain-of-thought|CoT|maj@\d+)\b", re.IGNORECASE)


def _metric_words(words: str) -> str:
    """A metric name ("average accuracy", "LC win rate") made of `words`, an alternation of metric words."""
    return (r"\b(?:(?:average|avg\.?|mean|overall)\s)?(?:" + words + r")"
            r"(?:\s(?:win[- ]rates?|rates?|accuracy|scores?|\(LC WR\)|\(LC\)))*(?![\w@])")


def _metric_of_before(metric: str) -> str:
    """"accuracy of", "F1 (dev) at": a metric ending the text before a number."""
    return r"(" + metric + r")(?:\s?\([A-Za-z\s\-]{1,12}\))?\s(?:of|at|to|from|reaches|rises)\s?" + QUAL + r"$"


def _metric_before(metric: str) -> str:
    """A metric a few words before the end of the text."""
    return r"(" + metric + r")(?:\s\w+){0,3}\s?$"


_METRIC_WORDS = re.compile(_metric_words(alternation("metric-words")), re.IGNORECASE)
_QUALIFIERS = (
    (re.compile(r"(?:up to|at most)\s?(?:a |an )?$", re.IGNORECASE), "up to"),
    (re.compile(r"at least\s?$", re.IGNORECASE), "at least"),
    (re.compile(r"(?:over|more than|above|exceeding|>|≥|>=)\s?(?:a |an )?$", re.IGNORECASE), "over"),
    (re.compile(r"(?:about|approximately|around|nearly|roughly|almost|~|≈)\s?$", re.IGNORECASE), "about"),
    (re.compile(r"(?:under|below|less than|<|≤|<=)\s?$", re.IGNORECASE), "below"),
)
_TO_BOUNDED = re.compile(r"\bto\b")
_TO_NUMBER_AFTER = re.compile(r"^\s?(?:%|\\%)?\s?(?:and\s[\d.]+\s?\\?%?\s)?to\s[\d.]")
_AND_END = re.compile(r"(?:,|\band)\s?$")
_COMPARED_BEFORE = re.compile(r"(?:compared (?:to|with)|\bvs\.?|\bversus|\bthan)\s[^.;]{0,40}$")
_BEATS_BEFORE = re.compile(r"\b(?:over|than|outperform\w*|surpass\w*|compared|baseline)\b")
_METRIC_AFTER = re.compile(r"^\s?(?:\w+\s)??(" + _METRIC_WORDS.pattern + r")", re.IGNORECASE)
_ON_AFTER = re.compile(r"^\s?(?:on|in|for)\b")
_METRIC_OF_BEFORE = re.compile(_metric_of_before(_METRIC_WORDS.pattern), re.IGNORECASE)
_METRIC_BEFORE = re.compile(_metric_before(_METRIC_WORDS.pattern), re.IGNORECASE)
# the metric patterns are long alternations: lower-cased ASCII text reads them several times faster,
# the words grouped by first letter
_METRIC_WORDS_FAST = _metric_words(grouped_by_first_letter(alternation("metric-words")))
_METRIC_WORDS_CI = CaseFree(_METRIC_WORDS, _METRIC_WORDS_FAST)
_METRIC_OF_BEFORE_CI = CaseFree(_METRIC_OF_BEFORE, _metric_of_before(_METRIC_WORDS_FAST))
_METRIC_BEFORE_CI = CaseFree(_METRIC_BEFORE, _metric_before(_METRIC_WORDS_FAST))
_SETTING_CI = CaseFree(_SETTING)


# "a win rate of 55.9% against GPT-4 on X and 46.2% against ...": the opponent of a win rate, no rival
_WIN_RATE = re.compile(r"\bwin[- ]?rate", re.IGNORECASE)
_WIN_RATE_CI = CaseFree(_WIN_RATE)
_OPPONENT = re.compile(r"\bagainst\s[A-Z][\w.\-]*")


_PREVIOUS_BEST = re.compile(r"\b(?:previous|prior) (?:best|state[\s-]of[\s-]the[\s-]art|record)\b[^,;]{0,30}$", re.IGNORECASE)
_PREVIOUS_BEST_CI = CaseFree(_PREVIOUS_BEST)


def kind_of(text: str, start: int, cand: Candidate, earlier: list[Candidate], kinds: list[str], before: str,
          after: str) -> str:
    n = cand.number
    if n.signed or n.unit == "points":
        return "delta"
    if IMPROVES_BY_CI.search(before):
        return "delta"
    if BY_FRAME.search(before) or DELTA_BEFORE_CI.search(before) or DELTA_AFTER.match(after):
        return "delta"
    # "from A to B": A is the starting point, cited
    if FROM.search(before) or (_TO_NUMBER_AFTER.match(after) and
                                FROM_WORD.search(text[max(start, n.start - 40):n.start])):
        return "cited"
    if earlier:
        previous = earlier[-1]
        chunk = text[previous.number.end:n.start]
        # "an average improvement of 7.46% win rate on X and 13.9% accuracy on Y": both deltas
        if kinds[-1] == "delta" and len(chunk) < 100 and _AND_END.search(chunk) \
                and not CHANGE_VERB.search(chunk) and not COMPARATOR.search(chunk) and not FROM_WORD.search(chunk):
            return "delta"
        last_clause = _OPPONENT.sub(" ", chunk.split(",")[-1]) if _WIN_RATE_CI.search(before + chunk) else chunk.split(",")[-1]
        if COMPARATOR.search(last_clause) and not CHANGE_VERB.search(last_clause):
            return "cited"
        if COORDINATION.match(chunk) and len(chunk) < 40 and kinds[-1] == "cited" and "(" not in chunk \
                and not _TO_BOUNDED.search(chunk):
            return "cited"
    if _COMPARED_BEFORE.search(before) and not earlier:
        return "cited"
    if _PREVIOUS_BEST_CI.search(before.split(",")[-1]):
        return "cited"  # "improving over the previous best IS of 52.52"
    if cand.rule != "paren" and model_paren(before[-40:]) and _BEATS_BEFORE.search(before):
        return "cited"
    return "absolute"


def metric_of(text: str, n: Number, m: Mention, before: str, after: str, benchmark, unit: str | None) -> tuple[str, bool]:
    # the metric written right after the number ("41.3% LC win rate"), or right before it ("accuracy of 82.3%")
    match = _METRIC_AFTER.match(after)
    if match and not _ON_AFTER.match(after):
        return match.group(1).strip(), False
    found = _METRIC_OF_BEFORE_CI.span(before, 1)
    if found:
        return before[found[0]:found[1]].strip(), False
    window = text[min(n.end, m.end):max(n.start, m.start)] if m.start > n.end else ""
    found = _METRIC_WORDS_CI.span(window) if len(window) < 60 else None
    if found and window[found[0]:found[1]].lower() not in ("score", "scores"):
        return window[found[0]:found[1]].strip(), False
    found = _METRIC_BEFORE_CI.span(before, 1)
    if found and before[found[0]:found[1]].lower() not in ("score", "scores", "average", "avg", "avg."):
        return before[found[0]:found[1]].strip(), False
    if benchmark is not None:
        return benchmark.default_metric.name.lower() if benchmark.default_metric.id != "pass-at-1" else "pass@1", True
    return ("accuracy" if unit == "%" else "score"), True


def setting_of(text: str, start: int, end: int, span_start: int, span_end: int) -> str | None:
    window = text[max(start, span_start - 40):min(end, span_end + 40)]
    span = _SETTING_CI.span(window, 1)
    if not span:
        return None
    found = window[span[0]:span[1]]
    lowered = found.lower()
    if lowered in ("chain-of-thought", "cot"):
        return "CoT"
    if lowered in ("zero shot", "0-shot"):
        return "zero-shot"
    if lowered == "one-shot":
        return "1-shot"
    return lowered


_ARTICLES_AT_END = re.compile(r"(?:\b(?:a|an|the|by|of)\s?)+$")
_QUALIFIERS_CI = tuple((CaseFree(pattern), name) for pattern, name in _QUALIFIERS)


# A _QUALIFIERS match is at most "approximately " long and ends the text it is searched in: only the
# text's tail is read
_QUALIFIER_REACH = 16


def qualifier_of(before: str) -> str | None:
    raw = before[-40:].rstrip()
    bare = _ARTICLES_AT_END.sub("", raw).rstrip()
    return (first_named(_QUALIFIERS_CI, raw[-_QUALIFIER_REACH:] + " ")
            or first_named(_QUALIFIERS_CI, bare[-_QUALIFIER_REACH:] + " "))


@functools.cache
def _direction_pattern() -> re.Pattern:
    language = r"(?:" + alternation("languages") + r")(?:\s(?:languages|language))?"
    return re.compile(r"\b(?:for|from|in)\s(?P<direction>" + language + r"\s(?:to|into|→)\s" + language + r")\b")


def with_direction(text: str, start: int, end: int, written: str, benchmark) -> str:
    """A translation test set named with the direction the sentence gives it: "IN22 (general)" read in
    "for English to Indian languages on IN22 (general), ..." is "IN22 (general) English to Indian
    languages" (the two directions are two evaluations)."""
    if benchmark is None or not any(m.id in ("bleu", "chrf") for m in benchmark.metrics):
        return written
    found = _direction_pattern().search(text, start, end)
    return f"{written} {found.group('direction')}" if found else written


# "on the test-std split of the VQA v2.0 dataset": the split defines the evaluation
_SPLIT_BEFORE = re.compile(r"\bthe\s(?P<split>[\w\-]+(?:\s[\w\-]+)?)\s(?:split|subset)\sof\s(?:the\s)?$")


def with_split(text: str, start: int, mention_start: int, written: str) -> str:
    """A benchmark named with the split the sentence gives it: "VQA v2.0 test-std"."""
    found = _SPLIT_BEFORE.search(text, max(start, mention_start - 50), mention_start)
    return f"{written} {found.group('split')}" if found else written
