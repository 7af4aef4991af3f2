"""Lexical layer of claim extraction: sentences, numbers, benchmark mentions and model names.

Everything here works on the raw abstract and returns character offsets into it, so that evidence
spans stay exact substrings. Regular expressions are compiled once; the per-registry benchmark
index is built once per Registry object. Every pattern is linear: no nested quantifiers, bounded
windows, and the alternation of benchmark names is tried only at word starts.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from .registry import Registry, normalise_name

# --- sentences -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'“(\[{]?[A-Z0-9])")
# A full stop after these is not a sentence end.
_ABBREVIATIONS = {"e.g", "i.e", "vs", "et al", "al", "etc", "cf", "fig", "eq", "approx", "resp", "no", "ca", "incl"}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations and decimals do not split."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        word = text[max(start, end - 8):end - 1].split()[-1:] or [""]
        before = word[0].lower().lstrip("(")
        if before in _ABBREVIATIONS or before.endswith(("e.g", "i.e")) or (len(before) == 1 and before.isalpha()):
            continue
        spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


# --- numbers ---------------------------------------------------------------------------------

# A number that stands alone: not inside a word ("GPT-4", "8B", "5-shot", "pass@1"), with an
# optional sign and an optional unit. TeX escapes the percent sign ("\%").
NUMBER = re.compile(
    r"(?<![\w.@/=^%\-−–])"
    r"(?P<sign>[+\-−](?=\d|\.\d))?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,12}(?:\.\d+)?|\.\d+)"
    r"(?:(?P<pct>\s?\\?%|\s?percent\b)|(?P<pts>\s?percentage points?\b|\s?pp\b|\s?points?\b)|(?![\w]|[.,]\d|-[A-Za-z]|\.\d))"
)


@dataclass(frozen=True)
class Number:
    start: int  # of the sign or first digit
    end: int  # after the unit, if any
    value: float
    signed: bool
    unit: str | None  # "%", "points" or None

    @property
    def num_end(self) -> int:
        return self.end


_DIGIT = re.compile(r"\d")


def find_numbers(text: str, start: int, end: int) -> list[Number]:
    found: list[Number] = []
    # A match holds a digit at most two characters after its start ("-.5"), so none starts before
    # the first digit less two; the lookbehind still sees the text before the search position.
    first = _DIGIT.search(text, start, end)
    if first is None:
        return found
    for match in NUMBER.finditer(text, max(start, first.start() - 2), end):
        raw = match.group("num").replace(",", "")
        try:
            value = float(raw)
        except ValueError:  # pragma: no cover - the pattern only admits numerals
            continue
        unit = "%" if match.group("pct") else ("points" if match.group("pts") else None)
        found.append(Number(match.start(), match.end(), value, bool(match.group("sign")), unit))
    return found


# --- benchmark mentions ----------------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    benchmark: str | None  # registry id, None for a name found only by its frame


_CHUNK = re.compile(r"[A-Za-z]+|\d+|[^\W\d_]+|[∞τ]")
_SEP = r"[\s\-_.'’]{0,2}"
_QUALIFIER = re.compile(r"\s{0,2}\(([^()\d%]{2,48})\)|\s([A-Z][a-z]+|v\d+|V\d+)\b")


def _alias_pattern(name: str) -> str | None:
    chunks = _CHUNK.findall(name)
    if not chunks:
        return None
    return _SEP.join(re.escape(c) for c in chunks)


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


def ascii_lower_pattern(pattern: str) -> re.Pattern:
    """`pattern` (compiled with IGNORECASE) for lower-cased ASCII text: its letters lower-cased, no flag.
    Only for patterns whose escapes keep their meaning in lower case (\\w, \\s, \\b, \\d, \\-)."""
    escapes = set(re.findall(r"\\(.)", pattern))
    # and without the four non-ASCII letters that IGNORECASE matches to ASCII ones (İ ı ſ K)
    if (escapes & set("WSBDAZPNUX") or re.search(r"\(\?[aiLmsux-]", pattern)
            or set(pattern) & set("\u0130\u0131\u017f\u212a")):  # pragma: no cover - guards a change
        raise ValueError(f"pattern has case-sensitive escapes, inline flags or odd letters: {pattern[:60]}")
    return re.compile(pattern.lower())


class CaseFree:
    """Whether an IGNORECASE pattern matches: on ASCII text, by the lower-cased pattern on the
    lower-cased text (the same answer, several times faster); otherwise by the pattern itself."""

    def __init__(self, pattern: re.Pattern):
        assert pattern.flags & re.IGNORECASE
        self.pattern = pattern
        self.ascii = ascii_lower_pattern(pattern.pattern)

    def search(self, text: str) -> bool:
        if text.isascii():
            return self.ascii.search(text.lower()) is not None
        return self.pattern.search(text) is not None


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
MODEL_NAME = re.compile(
    r"^(?:Chat)?(?:GPT|Llama|LLaMA|LLaMa|Qwen|Mistral|Mixtral|Gemma|[Pp]hi|Claude|Gemini|PaLM|Flan|DeepSeek|OPT|BLOOM|"
    r"Falcon|Vicuna|OLMo|SmolLM|InternLM|Yi|Baichuan|GLM|ChatGLM|T5|BERT|RoBERTa|Pythia|Kimi|Grok|o[134]|ViT|CLIP|Aya|"
    r"Nemotron|Granite|StarCoder|CodeLlama|Wizard\w*|Orca|Zephyr|Tulu|MPT|Megatron|Jamba|Mamba|RWKV|Magistral|Command|"
    r"Codex|Chinchilla|Gopher|Galactica|MiniCPM|Hunyuan|ERNIE|InstructGPT|Alpaca|Koala|Guanaco|Stable\w*|SD\w*|DALL)"
    r"(?:\b|[\d\-_.]|$)")
_SIZE_SUFFIX = re.compile(r"\d(?:\.\d+)?[BMK]\b|-(?:Instruct|Chat|Base|it)\b", re.IGNORECASE)


def is_model_like(name: str) -> bool:
    return bool(MODEL_NAME.match(name) or _SIZE_SUFFIX.search(name))


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


# --- model names -----------------------------------------------------------------------------

_TOKEN = r"[A-Za-z0-9][\w.+\-{}^]*"
# A run of capitalised / digit-bearing tokens: "Llama 3.1 8B", "GPT-4 Omni", "DNA 1.0 8B Instruct".
NAME_RUN = re.compile(r"(?<![\w\-])(?:" + _TOKEN + r")(?:\s(?:[A-Z0-9][\w.+\-]*))*")
_STOP_WORDS = {
    "Our", "The", "This", "These", "That", "In", "On", "With", "For", "By", "We", "It", "Its", "Notably", "Specifically",
    "Moreover", "Furthermore", "Additionally", "Finally", "However", "Overall", "Remarkably", "Experimental", "Experiments",
    "Results", "Using", "When", "Compared", "Trained", "Built", "Evaluation", "Empirically", "Besides", "Also", "As", "At",
    "A", "An", "Even", "Similarly", "Particularly", "Interestingly", "Surprisingly", "Extensive", "Code", "Both", "All",
    "From", "After", "Across", "Under", "Through", "To", "Then", "Thus", "Hence", "Here", "There", "And", "Or", "Of",
    "Conversely", "Importantly", "Further", "Applied", "Combined", "Only", "Just", "Despite", "While", "Although",
}


def looks_like_name(token: str) -> bool:
    """A system name: an inner capital, a digit or a hyphen, or an acronym ("Gazal-R1", "INPO", "phi-3-mini")."""
    core = token.strip(".,;:()[]{}'\"")
    if len(core) < 2 or core in _STOP_WORDS:
        return False
    if any(c.isdigit() for c in core) and any(c.isalpha() for c in core):
        return True
    return any(c.isupper() for c in core[1:]) or ("-" in core and core[0].isupper())


_PARAMS_IN_NAME = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?([BMT])\b|[-_](\d+(?:\.\d+)?)([bBmM])\b")
_PARAMS_PHRASE = re.compile(
    r"(\d+(?:\.\d+)?)[\s-]?(billion|million|trillion|B|M|T)[\s-]?param", re.IGNORECASE)


def params_of(text: str) -> str | None:
    """"8B" from "Llama-3.1-8B" or "Llama 3.1 8B", "3.8B" from "a 3.8 billion parameter model"."""
    match = _PARAMS_PHRASE.search(text)
    if match:
        return _size(match.group(1), match.group(2))
    last = None
    for match in _PARAMS_IN_NAME.finditer(text):
        last = match
    if last is None:
        return None
    number, scale = (last.group(1), last.group(2)) if last.group(1) else (last.group(3), last.group(4))
    return _size(number, scale)


def _size(number: str, scale: str) -> str:
    scale = scale.lower()
    if scale in ("t", "trillion"):
        value = float(number) * 1000
        return f"{value:g}B"
    return f"{float(number):g}{'M' if scale in ('m', 'million') else 'B'}"
