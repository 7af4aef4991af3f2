"""Who achieved a number: the paper's own system, a named model, or a cited baseline.

The paper's system is named by its title ("Gazal-R1: ...") or by the abstract ("we propose
EVOLVE, ...", "... Optimization (WRPO)"); "our model" resolves to it. Cited numbers go to the
model written next to them, else "(prior SOTA)" / "(base model)" / "(baseline)".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from ..models import Paper
from ..store.registry import Registry, normalise_name
from .frames import FROM
from .names import NAME_RUN, is_known_family, is_model_like, looks_like_name, params_of
from .numbers import Number
from .words import alternation, word_set

UNNAMED = "(unnamed)"
PRIOR_SOTA = "(prior SOTA)"
BASELINE = "(baseline)"
BASE_MODEL = "(base model)"
_TITLE_SUFFIX = re.compile(r"\s+(?:Technical Report|Tech Report|Report|Model Card|System Card)$", re.IGNORECASE)
# "\b(?:[Ww]e|[Tt]his (?:paper|work|report)|[Pp]aper) ...", written so that the search skips every character
# but "w", "t" and "p" (either case): the first one is consumed, then checked, with "(?<!\w.)" for the "\b".
_INTRO = re.compile(
    r"[wtpWTP](?:(?<=[wW])(?<!\w.)e|(?<=[tT])(?<!\w.)his (?:paper|work|report)|(?<=[pP])(?<!\w.)aper) (?:also |first |further )?(?P<verb>propose|introduce|present|release|develop|build|"
    r"call|name|refer to \w+ as|describe)s?d?\s(?:a |an |the )?(?:[\w\-]+\s){0,2}?"
    r"(?P<name>[A-Za-z][\w.\-+^{}]*(?:\s[A-Z0-9][\w.\-+]*){0,2})(?=[,:;(]|\s(?:a|an|the|which|that|as|to)\b)")
_ACRONYM = re.compile(r"\((?P<name>[A-Z][A-Za-z0-9\-+^{}]*[A-Z0-9][A-Za-z0-9\-+^{}]*)\)")
_VERB = (r"(?:achiev(?:es|ed|ing|e)|provid(?:es|ed|ing|e)|brings?|scor(?:es|ed|ing|e)|reach(?:es|ed|ing)?|obtain(?:s|ed|ing)?|attain(?:s|ed|ing)?|"
         r"deliver(?:s|ed|ing)?|hits?|gets?|records?|yields?|improv(?:es|ed|ing|e)|outperform(?:s|ed|ing)?|"
         r"surpass(?:es|ed|ing)?|demonstrat(?:es|ed|ing|e)|shows?|sets?|performs?|ranks?|match(?:es|ed)?|leads?|"
         r"exceed(?:s|ed|ing)?|beats?|falls?|fell|collapses?|plateaus?|exhibits?|posts?|sets?|showcas(?:es|ed|ing|e)|boasts?)")
_SUBJECT = re.compile(
    r"(?P<name>(?<![\w\-])[A-Za-z0-9][\w.\-+^{}]*(?:\s[A-Z0-9][\w.\-+]*){0,3})(?:\smodels?)?,?\s(?:\w+ly\s)?"
    + _VERB + r"\b")
# Where a _SUBJECT match ends: its verb, after a space. A match holds at most _SUBJECT_SPACES spaces
# (one per joined name word, "models", the space before the verb and after an adverb).
_SUBJECT_VERB = re.compile(r"(?<=\s)" + _VERB + r"\b")
_SUBJECT_SPACES = 6


def subject_matches(sentence: str) -> Iterator[re.Match]:
    """`_SUBJECT.finditer(sentence)`, each search started a few words before the next verb: the pattern is
    costly at every word, and a match starts within _SUBJECT_SPACES spaces before its verb."""
    at = 0
    while (verb := _SUBJECT_VERB.search(sentence, at)) is not None:
        match = _SUBJECT.search(sentence, max(at, _words_back(sentence, verb.start(), at)))
        if match is None:
            return
        yield match
        at = match.end()


def _words_back(text: str, end: int, floor: int) -> int:
    """Just after the space before text[:end]'s last _SUBJECT_SPACES spaces (no earlier than `floor`)."""
    found = _SPACES_BACK.match(text[floor:end][::-1])  # read backwards from `end`
    return end - found.end() + 1 if found else floor


_SPACES_BACK = re.compile(rf"(?:\S*\s){{{_SUBJECT_SPACES + 1}}}")


_OUR = re.compile(r"\b(?:our|the proposed|the resulting)\s(?:[\w\-]+\s){0,3}?(?:model|method|approach|system|framework|LM|LLM)s?\b"
                  r"|\bwith our\b|\bwe (?:achieve|obtain|reach|attain|improve)", re.IGNORECASE)
_BASE_USE = re.compile(r"\b(?:with our (?:method|approach)|using our|applied to|fine-?tuned from|distilled from|based on|"
                       r"built (?:up)?on|on top of|when applied)\b", re.IGNORECASE)
_NAME_TAIL = re.compile(r"(?<![\w\-])([A-Za-z0-9][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,3})\s?$")
_NAME_HEAD = re.compile(r"^(?:the\s)?([A-Za-z0-9][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,3})")
_GLUE = {"and", "or", "the", "that", "while", "whereas", "with", "both", "then"}
_NAME_STOP = {"The", "This", "Our", "It", "Its", "We", "A", "An", "In", "On", "And", "For", "With", "By"}
# --- patterns used inside the functions below, compiled once -------------------------------------
_DEFINED = re.compile(r"\b(?:propose|introduce|present|call|named?|dub)\w*\b[^.]{0,120}?\(\s?(?P<name>[a-z]?[A-Z][A-Za-z0-9\-+]*[A-Z0-9][A-Za-z0-9\-+]*)\s?\)")
_SIZE_IN_NAME = re.compile(r"\d[BM]\b")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
_PARAM_PHRASE = re.compile(r"(\d+(?:\.\d+)?)[\s-]?(?:billion|million|trillion|B|M|T)[\s-]?param\w*", re.IGNORECASE)
_FOLLOWED_BY_NAME = re.compile(r"^\s?(?:(?:and|,)\s?[\d.]+\s?\\?%?\s?)*(?:\s?to\s[\d.]+\s?\\?%?(?:\s?(?:and|,)\s?[\d.]+\s?\\?%?)*)?"
                               r"(?:\s\w+){0,3}?\s(?:by|for|of|from)\s(?:the\s)?(?P<name>[A-Z0-9][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,3})")
_NAMED_BEFORE = re.compile(r"([A-Z][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,2})\s(?:with|at)\s$|"
                           r"\bof\s(?:the\s)?([A-Z][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,2})\sfrom\s$")
_POSSESSIVE = re.compile(r"([A-Za-z0-9][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,2})(?:'s|’s)\s?$")
_PAREN_BEFORE = re.compile(r"(?:the\s)?([\w.\-]+(?:\s[\w.\-]+)?)\s?\($")
_BASE_MODEL_END = re.compile(r"\bbase model$")
_BASE_MODEL_TAIL = re.compile(r"base model$")
_BASELINE_END = re.compile(r"\bbaseline$")
_PRIOR_SOTA = re.compile(r"SOTA|state-of-the-art|state of the art|prior best|previous best|best prior|prior work", re.IGNORECASE)
# "outperforms a state-of-the-art semantic parser": a baseline system, not the prior best number
_SOTA_SYSTEM = re.compile(r"\s(?:[\w\-]+\s)?(?:models?|parsers?|methods?|systems?|approach(?:es)?|baselines?)\b")
# "we improve the state-of-the-art (SoTA) results of bpc/perplexity from 1.06 to 0.99 on X, from ...": every start is the SOTA
_IMPROVED_SOTA = re.compile(r"\bimprov\w*\s(?:the\s)?(?:state[\s-]+of[\s-]+the[\s-]+art|SOTA|SoTA)\b", re.IGNORECASE)
_BASE_MODEL_WORDS = re.compile(r"base model")


@functools.lru_cache(maxsize=1024)
def _introduced_pattern(name: str) -> re.Pattern:
    return re.compile(re.escape(name) + r",?\s(?:is\s)?(?:a|an)\s((?:[^,;.]|\.(?=\d)){0,40}?param\w*)")


@dataclass(frozen=True)
class ModelContext:
    system: str | None  # the paper's own system, if it names one
    system_params: str | None
    own_names: set[str] = field(default_factory=set)  # names of the paper's methods: never benchmarks
    source: str = ""  # where the system's name was found: "title", "abstract" or "title-phrase"


def paper_context(paper: Paper) -> ModelContext:
    """The paper's own system: a name in the title ("Gazal-R1: ..."), else one the abstract introduces
    ("we propose EVOLVE", "called Deep Speech", "... (WRPO)"), else a method phrase of the title
    ("Neural Architecture Search with ...")."""
    abstract = paper.abstract
    acronyms = {m.group("name") for m in _ACRONYM.finditer(abstract) if not is_model_like(m.group("name"))}
    system, source = _title_name(paper.title, strong=True), "title"
    if system is None:
        system, source = _abstract_name(abstract), "abstract"
    if system is None:
        system, source = _title_name(paper.title, strong=False), "title"
    if system is None:
        system, source = title_phrase(paper.title), "title-phrase"
    if system:
        system = _acronym_of(abstract, system) or system
    if system and _describes_benchmark(abstract, system):
        system, source = None, ""
    params = None
    if system:
        params = params_of(system) if _SIZE_IN_NAME.search(system) else None
        if params is None and "param" in abstract.lower():  # what _PARAM_PHRASE needs, in any case
            for sentence in _SENTENCE_BREAK.split(abstract):
                if system in sentence:
                    phrase = _PARAM_PHRASE.search(sentence)
                    if phrase:
                        params = params_of(phrase.group(0))
                        break
    if system and system.lower() in _GENERIC:  # "LLMs" is no system name
        system = None
    own = set(acronyms)
    if system:
        own.add(system)
        own.add(system.split()[0])
    return ModelContext(system, params, own, source if system else "")


def home_benchmark(abstract: str) -> tuple[int, int] | None:
    """Where the abstract names the benchmark the paper introduces; apart from the system, which costs
    far more to work out."""
    home = _HOME.search(abstract) if any(word in abstract for word in _HOME_WORDS) else None
    return home.span("name") if home else None


_HOME_WORDS = ("benchmark", "suite", "leaderboard")  # one of them ends every _HOME
# "We further propose OffTopicEval, an evaluation suite and benchmark for ...": the paper's own benchmark.
# "\b(?:propose|introduce|present|release|curate|build|construct)" written so that the search skips every
# character but "p", "i", "r", "c" and "b": the first one is consumed, then checked, with "(?<!\w.)" for the "\b".
_HOME = re.compile(r"[pircb](?<!\w.)(?:(?<=p)(?:ropose|resent)|(?<=i)ntroduce|(?<=r)elease|(?<=c)(?:urate|onstruct)|"
                   r"(?<=b)uild)\w*\s(?:a |an |the )?(?:new |novel )?"
                   r"(?P<name>[A-Z][\w.\-+]*[A-Z0-9][\w.\-+]*),\s(?:a|an|the)\s[^.;]{0,60}?\b"
                   r"(?:benchmark|evaluation suite|test suite|leaderboard)\b")


# Verbs that bring in a new system: a name after them may look like a model ("VibeThinker-1.5B").
_NEW_SYSTEM_VERB = re.compile(r"^(?:propose|introduce|present|release|call|name)")
_CALLED = re.compile(r"\b(?:called|named|dubbed)\s(?P<name>[A-Z][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,2})\s?[,;.(]"
                     r"|\bour resulting (?:[\w\-]+\s){0,2}?model,\s(?P<result>[A-Z][\w.\-+]*),"
                     r"|\brefer to (?:[\w\-]+\s){1,5}?as\s(?P<as>[A-Z][\w.\-+]*)")


_CALLED_WORDS = re.compile(r"called|named|dubbed|resulting|refer to")


def _abstract_name(abstract: str) -> str | None:
    intro = _INTRO.search(abstract[:1500])
    if intro:
        candidate = intro.group("name").strip()
        new_system = bool(_NEW_SYSTEM_VERB.match(intro.group("verb")))
        if looks_like_name(candidate.split()[0]) and (not is_model_like(candidate) or
                                                      (new_system and not is_known_family(candidate))):
            return candidate
    called = _CALLED.search(abstract) if _CALLED_WORDS.search(abstract) else None
    if called:
        return called.group("name") or called.group("result") or called.group("as")
    defined = _DEFINED.search(abstract)
    return defined.group("name") if defined else None


_REPORT_TITLE = re.compile(r"^(?P<name>.+?)\s+(?:Technical Report|Tech Report|Model Card|System Card)$", re.IGNORECASE)
_SMALL_WORDS = {"a", "an", "the", "of", "in", "on", "for", "and", "to", "with", "-"}
_TITLE_SPLIT = re.compile(r"\s(?:for|with|via|in|by|using|through|from|on)\s", re.IGNORECASE)


def _title_name(title: str, strong: bool) -> str | None:
    """A system named before the title's colon ("Gazal-R1: ...", "The Mamba in the Llama: ..."), or by a
    report title ("Qwen2 Technical Report"); `strong`: only a head with a name-like word ("R1", "MoA")."""
    head, sep, _ = title.partition(":")
    if not sep:
        report = _REPORT_TITLE.match(title.strip())  # "Qwen2 Technical Report" names its system too
        if not report:
            return None
        head = report.group("name")
    head = _TITLE_SUFFIX.sub("", head.strip())
    words = head.split()
    if not words or "," in head or "?" in head or "!" in head:
        return None
    if any(looks_like_name(w) for w in words):
        return head if len(words) <= 4 and _title_cased(words) and strong else None
    if len(words) == 1:
        return head if strong else None
    return None if strong else head if len(words) <= 5 and _title_cased(words) and _names_a_method(words) else None


_BENCHMARK_NOUN = re.compile(r"[^.;]{0,40}?\b(?:benchmark|dataset|test suite|evaluation suite|leaderboard|corpus)\b")


def _describes_benchmark(abstract: str, name: str) -> bool:
    """"We propose KIE-HVQA, the first benchmark ...": the paper's contribution is an evaluation, not a system."""
    at = abstract.find(name + ",")
    return at >= 0 and bool(_BENCHMARK_NOUN.match(abstract, at + len(name) + 1))


def _acronym_of(abstract: str, name: str) -> str | None:
    """The acronym the abstract gives a multi-word name, written after it within a few words:
    "Entropy Adaptive Decoding (EAD)", "Additive Quantization for Language Models AQLM"."""
    words = name.split()
    if len(words) < 2:
        return None
    at = abstract.find(name)
    while at >= 0:
        following = abstract[at + len(name):at + len(name) + 60]
        for match in _ACRONYM_AFTER.finditer(following):
            acronym = match.group("acronym")
            spelled = words + following[:match.start()].split()
            initials = "".join(w[0] for w in spelled if w.lower() not in _SMALL_WORDS and w[0].isalpha()).lower()
            if len(initials) >= 2 and acronym.lower().startswith(initials):  # "EAD", "AQLM", "DRNNs"
                return acronym
        at = abstract.find(name, at + 1)
    return None


_ACRONYM_AFTER = re.compile(r"(?:\(\s?|\s)(?P<acronym>[a-z]?[A-Z][A-Za-z]*[A-Z][A-Za-z\-]*)(?=\s?\)|[\s,.;]|$)")


def _title_cased(words: list[str]) -> bool:
    """Every word capitalised (or a digit, or a small word inside): a name, not a sentence."""
    return all(w[0].isupper() or any(map(str.isdigit, w)) or (i > 0 and w.lower() in _SMALL_WORDS)
               for i, w in enumerate(words))


def _names_a_method(words: list[str]) -> bool:
    """A noun phrase naming a method: not a gerund or an article first ("Scaling Laws ...", "A Study ...")."""
    first = words[0].lower()
    gerund = first.endswith("ing") and len(words) > 2  # "Scaling Laws with ...", but "Reasoning Vectors"
    return not gerund and first not in word_set("title-openers", lower=True)


def title_phrase(title: str) -> str | None:
    """A method named by a title without a colon: a title-cased phrase ending in a method noun
    (schemas/extract/method-nouns.txt) or a name, before or after "for", "with", "via" ...:
    "Neural Architecture Search with Reinforcement Learning", "Sequence Labeling via Bi-directional LSTM-CNNs-CRF"."""
    if ":" in title:
        return None
    for segment in _TITLE_SPLIT.split(title.strip()):
        words = segment.split()
        if not words or len(words) > 5 or not _title_cased(words) or not _names_a_method(words):
            continue
        last = words[-1]
        if last.lower() in word_set("method-nouns", lower=True) or (looks_like_name(last) and len(words) > 1):
            return segment if not segment.isupper() else segment.title()
    return None


_COMPARED = re.compile(r"\b(?:" + alternation("comparison-words") + r")\s", re.IGNORECASE)


def _compared(sentence: str, name_start: int) -> bool:
    """A comparison word before the name in its clause (a parenthesis, ';' or ':' opens a new one)."""
    window_start = max(0, name_start - 80)
    opened = max(sentence.rfind(mark, window_start, name_start) for mark in "(;:")
    return bool(_COMPARED.search(sentence, max(window_start, opened + 1), name_start))


def subject_model(text: str, start: int, number: Number, context: ModelContext,
                  is_benchmark=lambda name: False) -> tuple[str, str | None, str]:
    """The system a number is stated for: the sentence's subject, or the paper's system; with how it was
    found: "subject" (named in the sentence), "base" (a method applied to the named model), "our" ("our
    model"), "system" (the paper's system by default) or "unnamed"."""
    sentence = text[start:number.start]
    subject = None
    for match in subject_matches(sentence):
        name = _clean(match.group("name"))
        if name and (normalise_name(name.split()[-1]) in _MEASURE_WORDS or is_benchmark(name.split()[-1])):
            continue  # "average BLEU scores of 13.42", "an AIME score of": "scores" is no verb here
        if name and (any(looks_like_name(w) for w in name.split()) or is_model_like(name) or name == context.system):
            if _compared(sentence, match.start("name")):
                continue  # "surpasses X and GPT-4o, achieving 62.3%": GPT-4o is the rival, not the scorer
            subject = name
    if subject is None:
        subject = _paren_subject(sentence) or _copula_subject(sentence, context)
    if subject is None:
        if _OUR.search(sentence) and context.system:
            return context.system, context.system_params, "our"
        if context.system:
            return context.system, context.system_params, "system"
        return UNNAMED, None, "unnamed"
    if context.system and context.system in subject:  # "MobileLLM-R1-950M", "Llama3-SWE-RL-70B": the system's variant
        return subject, params_of(subject) or _introduced_size(text, subject) or context.system_params, "subject"
    if context.system and subject != context.system and is_model_like(subject) and _BASE_USE.search(text[start:number.end + 80]):
        return context.system, params_of(subject) or context.system_params, "base"
    if subject == context.system or (context.system and subject.startswith(context.system)):
        return subject, params_of(subject) or _introduced_size(text, subject) or context.system_params, "subject"
    return subject, params_of(subject) or _introduced_size(text, subject), "subject"


# "our models ( BigGANs ) achieve", "the resulting system (Foo) reaches"
_PAREN_SUBJECT = re.compile(r"\b(?:our|the proposed|the resulting)\s(?:[\w\-]+\s){0,2}?(?:models?|systems?|methods?|networks?)"
                            r"\s?\(\s?(?P<name>[A-Za-z][\w.\-+]*)\s?\)\s(?:\w+ly\s)?" + _VERB + r"\b")


# "CornerNet-Saccade is suitable for offline processing, improving the AP by 1.0%": a name opening the sentence
_COPULA_SUBJECT = re.compile(r"^(?P<name>[A-Z][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,2})\s(?:is|are|was|were)\b")


def _copula_subject(sentence: str, context: ModelContext) -> str | None:
    match = _COPULA_SUBJECT.match(sentence)
    if match is None:
        return None
    name = match.group("name")
    if name in _NAME_STOP or not (looks_like_name(name) or is_model_like(name)):
        return None
    return name


def _paren_subject(sentence: str) -> str | None:
    names = [m.group("name") for m in _PAREN_SUBJECT.finditer(sentence)]
    return names[-1] if names and looks_like_name(names[-1]) else None


def _introduced_size(text: str, name: str) -> str | None:
    """"phi-3-mini, a 3.8 billion parameter language model": the size given where a model is introduced."""
    if "param" not in text or name not in text:  # what the pattern needs: no compiling for a sure miss
        return None
    match = _introduced_pattern(name).search(text)
    return params_of(match.group(1)) if match else None


def cited_model(text: str, start: int, end: int, number: Number, before: str, after: str,
                context: ModelContext) -> tuple[str, str | None]:
    """The model a cited (not the paper's own) number belongs to."""
    follow = _FOLLOWED_BY_NAME.match(after)
    if follow and not follow.group("name").startswith(("SOTA", "State")) and re.search("[A-Za-z]", follow.group("name")):
        name = _clean(follow.group("name"))
        if name:
            return name, params_of(name)
    named = _NAMED_BEFORE.search(before)
    if named:
        name = named.group(1) or named.group(2)
        if not is_model_like(name) and not looks_like_name(name):
            name = None
        if name:
            return name, params_of(name)
    possessive = _POSSESSIVE.search(before)
    if possessive:
        name = possessive.group(1)
        if _BASE_MODEL_END.search(before[:possessive.end(1)]):
            return BASE_MODEL, None
        if name[0].isupper() or looks_like_name(name):
            return name, params_of(name)
    paren = _PAREN_BEFORE.search(before)
    if paren:
        phrase = paren.group(1)
        if _BASE_MODEL_TAIL.search(phrase):
            return BASE_MODEL, None
        if _BASELINE_END.search(phrase) and not phrase.startswith(("the", "a ")):
            return phrase, None
        if looks_like_name(phrase.split()[-1]):
            return phrase.split()[-1], params_of(phrase)
    window = text[max(start, number.start - 80):number.start]
    sota = _PRIOR_SOTA.search(window)
    if (sota and not _SOTA_SYSTEM.match(window, sota.end())) or _IMPROVED_SOTA.search(text, start, number.start):
        return PRIOR_SOTA, None
    if _BASE_MODEL_WORDS.search(window):
        return BASE_MODEL, None
    return BASELINE, None


def _clean(name: str) -> str | None:
    words = name.strip().split()
    while words and (words[0] in _NAME_STOP or words[0] in _GLUE):
        words = words[1:]
    while words and (words[-1].lower() in {"model", "models", "the", "and"} or words[-1] in _NAME_STOP):
        words = words[:-1]
    cleaned = " ".join(words).strip(",;:()")
    return cleaned or None


# Words that name what was measured, not who measured it: a "model" called "BLEU" or "accuracy"
# is a parsing slip, never a leaderboard row.
_MEASURE_WORDS = {"accuracy", "accuracies", "score", "scores", "average", "mean", "overall", "performance",
                  "result", "results", "winrate", "passat1", "pass1", "em", "f1", "bleu", "chrf", "rouge", "wer",
                  "fid", "is", "bpc", "uas", "las", "smatch", "miou", "ap", "map", "per", "cer", "perplexity", "error"}
_LEADING_WORD = re.compile(r"^[a-z][a-z\-]*$")
_GENERIC = {"llm", "llms", "lm", "lms", "model", "models", "baseline", "baselines", "method", "methods", "ours", "it"}
_BARE_SIZE = re.compile(r"^\d+(?:\.\d+)?\s?[BMT](?:-?param\w*)?$", re.IGNORECASE)
# "29.61 ... from Llama3-8B-Instruct": a name after these words is the base or the rival, not the scorer.
_NOT_SUBJECT = {"from", "over", "than", "against", "versus", "vs", "beyond"}
_BRACKETS = ("()", "{}", "[]")


def tidy_model(name: str, params: str | None, kind: str, context: ModelContext,
               registry: Registry, as_written: bool = False) -> tuple[str, str | None]:
    """Clean a model name found by the rules, or fall back when it is not a model at all.

    Sentence glue ("and GPT-4o", "that MedMobile", "popular LLaMA 3.1-70B"), a trailing full stop or a
    stray brace is removed; a "name" that is really a metric or a benchmark ("average BLEU", "on GSM8K")
    is replaced by the paper's own system (own results) or "(baseline)" (cited ones).
    """
    if name.startswith("(") or as_written:
        return name, params
    words = name.strip().strip("\"'").rstrip(".,;:").split()
    if kind != "cited" and len(words) > 1 and words[0].lower() in _NOT_SUBJECT:
        return context.system or UNNAMED, params_of(" ".join(words[1:])) or context.system_params
    while len(words) > 1 and _LEADING_WORD.match(words[0]) and not looks_like_name(words[0]):
        words = words[1:]
    cleaned = " ".join(words)
    for opening, closing in _BRACKETS:
        if cleaned.count(opening) != cleaned.count(closing):
            cleaned = cleaned.replace(opening, "").replace(closing, "")
    cleaned = cleaned.strip().rstrip(".,;:")
    if not cleaned or cleaned.lower() in _GENERIC or _BARE_SIZE.match(cleaned) or _is_measure_or_benchmark(cleaned, registry) or _LEADING_WORD.match(cleaned.split()[0]) and len(words) == 1 and not looks_like_name(cleaned):
        if kind == "cited":
            return BASELINE, None
        return (context.system, context.system_params) if context.system else (UNNAMED, None)
    return cleaned, params if params else params_of(cleaned)


def _is_measure_or_benchmark(name: str, registry: Registry) -> bool:
    words = name.split()
    if normalise_name(words[-1]) in _MEASURE_WORDS or normalise_name(name) in _MEASURE_WORDS:
        return True
    return registry.lookup(name) is not None


# --- attribution of one number, with its confidence ----------------------------------------------

@dataclass(frozen=True)
class Attribution:
    """Who achieved a number, what they built on, and how sure the rule that decided it is."""

    model: str
    params: str | None
    confidence: str  # "high" (named in the same clause), "medium" (the paper's system), "low" (placeholder, guess)
    base_model: str | None = None
    as_written: bool = False  # a phrase kept whole ("byte-level mLSTM"), not a name to tidy


@dataclass(frozen=True)
class ListSlot:
    """Where a number sits in a list of numbers written together ("40% and 39%"): index and size, and
    where the list starts."""

    index: int = 0
    size: int = 1
    start: int = 0


_NAME_ITEM = r"[A-Za-z0-9][\w.\-+]*(?:\s(?:[A-Z0-9][\w.\-+]*|\(\d[\w.]*\)))*"
_NAME_LIST = re.compile(r"(?<![\w\-])(?P<list>" + _NAME_ITEM + r"(?:(?:,\s(?:and\s)?|\sand\s)" + _NAME_ITEM + r")+)")
_LIST_SPLIT = re.compile(r",\s(?:and\s)?|\sand\s")
_FROM_TO = re.compile(r"\bfrom\s[\d.]+[^;]{0,60}?\bto\b[^;]{0,40}$", re.IGNORECASE)
_FOR_NAME = re.compile(r"^\s?(?:\\?%)?\s?(?:[\w\-]+\s){0,2}?(?:for|with|using)\s(?:the\s|a\s|an\s)?(?P<name>[A-Z][\w.\-+]*(?:\s-\s[\w.]+|\s[A-Z0-9][\w.\-+]*){0,2})")


_REACH = 400  # characters around a number read for its names (sentences of prose are shorter)


def attribute(text: str, start: int, end: int, number: Number, kind: str, before: str, after: str,
              context: ModelContext, slot: ListSlot, rule: str, is_benchmark) -> Attribution:
    """Who a number belongs to, by the first rule that names someone:

    1. a list of names paired in order with the list of numbers ("A and B collapse to 39% and 23%");
    2. a cited number: the rival or base model written next to it, else the rival the sentence names;
    3. the end of "from A to B" for a named model: the paper's system, built on that model;
    4. the subject of the sentence ("Foo-7B achieves"), "our model", then the paper's system;
    5. a model the sentence says was used ("using fine-tuned LLaMA-13b") when the paper names none.
    A number paired with a benchmark of another sentence is at most medium (its pairing is a guess)."""
    # bounded work per number whatever the sentence's length: names are looked for near the number
    start, end = max(start, number.start - _REACH), min(end, number.end + _REACH)
    slot = ListSlot(slot.index, slot.size, max(slot.start, start))
    found = _attribute(text, start, end, number, kind, before, after, context, slot, is_benchmark)
    if rule in ("carried", "home") or (rule == "respectively" and found.confidence == "high"):
        found = replace(found, confidence="medium" if rule == "respectively" else "low")
    return found


def _attribute(text: str, start: int, end: int, number: Number, kind: str, before: str, after: str,
               context: ModelContext, slot: ListSlot, is_benchmark) -> Attribution:
    in_from_to = kind != "cited" and bool(_FROM_TO.search(text[start:number.start][-120:]))
    listed = _listed_name(text, start, slot, is_benchmark) if slot.size > 1 else None
    if listed is not None:
        if in_from_to and context.system and is_model_like(listed):
            return Attribution(context.system, context.system_params, "medium", base_model=listed)
        return Attribution(listed, params_of(listed) or _introduced_size(text, listed), "high")
    if kind == "cited":
        return _cited(text, start, end, number, before, after, context, is_benchmark)
    model, params, how = subject_model(text, start, number, context, is_benchmark)
    if kind == "delta" and how == "subject" and context.system and context.source != "title-phrase" \
            and is_known_family(model) and context.system not in model:
        # "Llama3-8B and Qwen2-7B achieve an average improvement of 13.89%": the method's gain on them
        return Attribution(context.system, context.system_params, "medium", base_model=model)
    if in_from_to and context.system and model != context.system and (how == "subject" or how == "unnamed"):
        base = _one(_named_models(text, start, number.start, context, is_benchmark, compared=False))
        if base is not None:
            return Attribution(context.system, context.system_params, "medium", base_model=base)
    if how in ("system", "our") and context.system and context.source == "title-phrase":
        used = _used_model(text, start, end, context, is_benchmark)  # a named model beats a guess from the title
        if used is not None:
            return Attribution(used, params_of(used), "medium")
    if how in ("system", "our") and context.system:
        variant = _variant(text[start:number.start], context.system)
        if variant is not None:
            return Attribution(variant, params, "medium", as_written=True)
        base = _FOR_NAME.match(after)
        base_model = base.group("name") if base and is_model_like(base.group("name")) else None
        return Attribution(model, params, "medium" if context.source != "title-phrase" else "low", base_model)
    with_name = _WITH_BEFORE.search(before) if how in ("system", "unnamed", "our") else None
    if with_name and (is_model_like(with_name.group("name")) or looks_like_name(with_name.group("name"))) \
            and not is_benchmark(with_name.group("name")):
        name = with_name.group("name")  # "Qwen-3 (235B) with 77.77%"
        return Attribution(name, params_of(with_name.group(0)), "high")
    if how == "unnamed":
        used = _used_model(text, start, end, context, is_benchmark)
        if used is not None:
            return Attribution(used, params_of(used), "medium")
        return Attribution(model, params, "low")
    if how == "base":
        return Attribution(model, params, "medium")
    return Attribution(model, params, "high")


def _cited(text: str, start: int, end: int, number: Number, before: str, after: str, context: ModelContext,
           is_benchmark) -> Attribution:
    """A number the abstract gives for someone else: the name written next to it; else, for the start
    of "from A to B", the one model the sentence names before it; else the one rival it compares with."""
    model, params = cited_model(text, start, end, number, before, after, context)
    if not model.startswith("("):
        return Attribution(model, params, "high")
    if model == BASELINE:
        described = _DESCRIBED_MODEL.search(text, start, number.start)
        if FROM.search(before) and described:
            return Attribution(described.group("name"), None, "medium", as_written=True)  # "of the up-down model ... from 65.67%"
        if FROM.search(before):
            base = _one(_named_models(text, start, number.start, context, is_benchmark, compared=False))
            if base is not None:
                return Attribution(base, params_of(base), "medium")
        else:
            rival = _one(_named_models(text, start, end, context, is_benchmark, compared=True))
            if rival is not None:
                return Attribution(rival, params_of(rival), "medium")
    return Attribution(model, params, "low")


@functools.lru_cache(maxsize=1024)
def _variant_pattern(system: str) -> re.Pattern:
    return re.compile(r"(?<![\w\-])([a-z0-9]+-[a-z]+)\s" + re.escape(system) + r"\b")


def _modifier_before(sentence: str, system: str) -> bool:
    """What `_variant_pattern(system)` needs: `system` after a space after a lower-case ASCII letter."""
    at = sentence.find(system, 2)
    while at >= 0:
        if sentence[at - 1].isspace() and "a" <= sentence[at - 2] <= "z":
            return True
        at = sentence.find(system, at + 1)
    return False


# "the performance of the up-down model on VQA v2.0 - from 65.67%": a baseline named by a described model
_DESCRIBED_MODEL = re.compile(r"\bof the (?P<name>(?:[\w]+\s)?[\w]+-[\w\-]+\s(?:model|baseline|system))\b")


def _variant(sentence: str, system: str) -> str | None:
    """"a purely byte-level mLSTM": a variant of the paper's system named by a hyphenated modifier."""
    if not _modifier_before(sentence, system):  # no compiling for a sure miss
        return None
    match = _variant_pattern(system).search(sentence)
    return f"{match.group(1)} {system}" if match else None


def _used_model(text: str, start: int, end: int, context: ModelContext, is_benchmark) -> str | None:
    """The one model the sentence says was used: "using 2-stage fine-tuned LLaMA-13b", "with a ResNet-50"."""
    return _one({n for n in _named_models(text, start, end, context, is_benchmark, compared=False)
                 if _USING_BEFORE.search(text[max(start, text.find(n, start) - 40):text.find(n, start)])})


_WITH_BEFORE = re.compile(r"(?<![\w\-])(?P<name>[A-Z][\w.\-+]*(?:\s[A-Z0-9][\w.\-+]*){0,2})(?:\s\((?P<size>[\d.]+[BMT])\))?\s(?:with|at)\s$")
_USING_BEFORE = re.compile(r"\b(?:using|with)\s(?:[\w\-]+\s){0,3}?$")


def _listed_name(text: str, start: int, slot: ListSlot, is_benchmark) -> str | None:
    """The name at the slot's index in the last run of as many names written as a list before the
    numbers ("Llama3.1-8B and InternLM2.5-7B improve from 31% and 28%"), when the run is not the object
    of a comparison ("than A and B") and names no benchmark."""
    sentence = text[start:slot.start]
    best = None
    for match in _NAME_LIST.finditer(sentence):
        items = [_clean(item) or "" for item in _LIST_SPLIT.split(match.group("list"))]
        runs: list[list[str]] = [[]]
        for item in items:
            if item and (is_model_like(item) or looks_like_name(item.split()[0])) and not is_benchmark(item):
                runs[-1].append(item)
            else:
                runs.append([])
        run = next((r for r in reversed(runs) if r), [])
        if len(run) != slot.size or _compared(sentence, match.start("list") + match.group("list").find(run[0])):
            continue
        best = run
    return best[slot.index] if best else None


def _named_models(text: str, start: int, stop: int, context: ModelContext, is_benchmark,
                  compared: bool) -> set[str]:
    """The model names of a sentence before `stop` that follow a comparison word (`compared`) or do not."""
    sentence = text[start:stop]
    found = set()
    for match in NAME_RUN.finditer(sentence):
        words = match.group(0).split()
        while len(words) > 1 and _LEADING_WORD.match(words[0]) and not looks_like_name(words[0]):
            words = words[1:]  # "fine-tuned LLaMA-13b"
        name = _clean(" ".join(words))
        if not name or name == context.system or not (is_model_like(name) or is_known_family(name.split()[-1])) \
                or is_benchmark(name):
            continue
        if _compared(sentence, match.start() + match.group(0).find(name)) == compared:
            found.add(name)
    return found


def _one(names: set[str]) -> str | None:
    return next(iter(names)) if len(names) == 1 else None


# --- the attribution rules by name, with the sentences that show each (table-driven tests) -----------
# Each example: (title, abstract, value, model as "Model (base model)" when it has one, confidence).
EXAMPLES: dict[str, tuple[tuple[str, str, float, str, str], ...]] = {
    "subject": (
        ("A Study", "Gazal-R1 scores 87.1% on MedQA.", 87.1, "Gazal-R1", "high"),
        ("Phi-3 Technical Report", "phi-3-mini achieves 69% on MMLU.", 69.0, "phi-3-mini", "high"),
    ),
    "title system": (
        ("Gazal-R1: Medical Reasoning", "Our model scores 87.1% on MedQA.", 87.1, "Gazal-R1", "medium"),
        ("Transformer - XL : Attentive Language Models", "We improve the state - of - the - art from 20.5 to 18.3 "
         "on WikiText - 103 , and more . Other things . More things .", 18.3, "Transformer-XL", "medium"),
    ),
    "introduced system": (
        ("A New Approach", "We propose EVOLVE, a framework. It reaches 62.3% on AlpacaEval 2.", 62.3, "EVOLVE", "medium"),
        ("Small Models Reason", "This report introduces VibeThinker-1.5B, a small model. It scores 80.3 on AIME24.",
         80.3, "VibeThinker-1.5B", "medium"),
    ),
    "rival": (
        ("Gazal-R1: Medical Reasoning", "Gazal-R1 reaches 87.1% on MedQA, compared to 80.2% for GPT-4o.",
         80.2, "GPT-4o", "high"),
    ),
    "list": (
        ("A Benchmark Study", "Gemma and Llama-3 collapse to 39.53% and 23.84% on MMLU, respectively.",
         23.84, "Llama-3", "high"),
    ),
    "base model": (
        ("UnitCoder: Code Synthesis", "Llama3.1-8B and InternLM2.5-7B improve from 31% and 28% to 40% and 39% on "
         "BigCodeBench.", 28.0, "InternLM2.5-7B", "high"),
        ("UnitCoder: Code Synthesis", "Llama3.1-8B and InternLM2.5-7B improve from 31% and 28% to 40% and 39% on "
         "BigCodeBench.", 39.0, "UnitCoder (InternLM2.5-7B)", "medium"),
    ),
    "placeholder": (
        ("Robust Lexical Features for Improved Recognition", "We establish a new state-of-the-art F1 score of 87.95 "
         "on OntoNotes 5.0.", 87.95, "(unnamed)", "low"),
        ("Gazal-R1: Medical Reasoning", "Gazal-R1 improves MedQA from 70.1% to 87.1%.", 70.1, "(baseline)", "low"),
    ),
}
