"""Benchmark mentions: registry names and aliases found in one pass over the text, and names
missing from the registry taken only in frames that say "this is an evaluation"."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from ..registry import Registry, normalise_name
from .casefree import ascii_lower_pattern
from .names import is_model_like


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
    """Every registry name compiled into one alternation (longest first) plus a lookup table."""

    def __init__(self, registry: Registry):
        self.registry = registry
        names = {n for b in registry for n in (b.id, b.name, *b.aliases)}
        patterns = {}
        for name in names:
            pattern = _alias_pattern(name)
            if pattern:
                patterns[pattern] = max(len(normalise_name(name)), patterns.get(pattern, 0))
        # Grouped by first character so that each word start tries a handful of names, not all;
        # longest first within a group, so that "MMLU-Pro" wins over "MMLU".
        groups: dict[str, list[str]] = {}
        for pattern in sorted(patterns, key=lambda p: (-patterns[p], p)):
            groups.setdefault(pattern[0].lower(), []).append(pattern[1:])
        branches = "|".join(f"[{re.escape(c)}{re.escape(c.upper())}](?:{'|'.join(rest)})" for c, rest in sorted(groups.items()))
        # Names are matched ignoring case; the case check happens in `find`.
        self.pattern = re.compile(r"(?<![\w\-])(?:" + branches + r")(?!\w|-[A-Za-z0-9])", re.IGNORECASE)
        # The same pattern, case-sensitive, for the lower-cased text of an ASCII abstract: ignoring
        # case on ASCII text is matching its lower case, and about three times faster.
        try:
            self.ascii_pattern: re.Pattern | None = ascii_lower_pattern(self.pattern.pattern)
        except ValueError:  # a registry name with a letter that lower-casing cannot stand for
            self.ascii_pattern = None
        self._lowered: tuple[str, str] = ("", "")  # (text, text.lower()) of the last ASCII text searched
        self.strict_case = {normalise_name(n): n for b in registry for n in (b.id, b.name, *b.aliases)
                            if re.fullmatch(r"[A-Z]{2,6}", n)}

    def find(self, text: str, start: int, end: int) -> list[Mention]:
        mentions = []
        if self.ascii_pattern is not None and text.isascii():
            if self._lowered[0] is not text:
                self._lowered = (text, text.lower())
            matches = self.ascii_pattern.finditer(self._lowered[1], start, end)
        else:
            matches = self.pattern.finditer(text, start, end)
        for match in matches:
            written = text[match.start():match.end()]
            key = normalise_name(written)
            if not _case_ok(written, key, self.strict_case):
                continue
            benchmark = self.registry.lookup(written)
            if benchmark is None:
                continue
            stop = match.end()
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
                extended = text[match.start():qualifier.end()]
                better = self.registry.lookup(extended)
                if better is not None:
                    benchmark, stop = better, qualifier.end()
                elif qualifier.group(1) and self.registry.lookup(f"{written} {qualifier.group(1)}"):
                    benchmark, stop = self.registry.lookup(f"{written} {qualifier.group(1)}"), qualifier.end()
            mentions.append(Mention(match.start(), stop, text[match.start():stop], benchmark.id))
        return mentions


def _case_ok(written: str, key: str, strict: dict[str, str]) -> bool:
    """Short all-caps names (MATH, RACE, DROP) only in capitals; any name needs a capital or digit
    as written, so that the words "math" or "race" are never benchmarks."""
    if key in strict:
        return written.replace(" ", "").replace("-", "").upper() == written.replace(" ", "").replace("-", "")
    return written != written.lower() or any(c.isdigit() for c in written) or written.startswith(("∞", "τ"))


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
_NOT_BENCHMARK = re.compile(
    r"^(?:LLMs?|LMs?|SLMs?|MLLMs?|VLMs?|GPUs?|CPUs?|TPUs?|NPUs?|APIs?|AI|NLP|RL|RLHF|SFT|DPO|PPO|GRPO|CoT|LoRA|QLoRA|MoE|KV|"
    r"FP\d+|BF\d+|INT\d+|FLOPs?|MFU|SOTA|OOD|ID|QA|VQA|MCQ|OCR|ASR|TTS|NER|GitHub|Github|HuggingFace|ArXiv|arXiv|"
    r"[AHVLTB]\d{2,3}(?:-\w+)?|RTX\w*|USA|US|UK|EU|PhD|IMO|ICML|NeurIPS|ACL|EMNLP|ICLR|CVPR|[A-Z])$")


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
