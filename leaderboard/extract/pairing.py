"""The rules that tie a number to the benchmark it was measured on.

Per sentence, every candidate number is tied by the first rule that applies:

1. `paren`: inside a parenthesis right after the benchmark: "KMMLU (53.26%)";
2. `after`: the nearest benchmark after it, with no clause break between: "87.1% on MedQA";
3. `before`: a benchmark earlier in the sentence when the number sits in a scoring frame;
4. `respectively`: "respectively" lists paired in order with the benchmarks of the sentence;
5. `carried`: a comparison in a sentence naming no benchmark takes the one benchmark just before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .frames import (
    BLOCKERS,
    BY_FRAME,
    CHANGE_VERB,
    DELTA_AFTER,
    DELTA_BEFORE_CI,
    FROM,
    FROM_WORD,
    GROUP_SEP,
    PARENS,
    QUAL,
    SCORING_FRAME,
    TO_WORD,
    model_paren,
)
from .mentions import Mention
from .names import NAME_RUN, is_model_like
from .numbers import Number

# --- patterns used inside the rules below, compiled once ----------------------------------------
_PAREN_GAP = re.compile(r"\s?(?:benchmark|dataset|test set|leaderboard)?\s?\([^()]{0,60}")
_COLON_GAP = re.compile(r"\s?[:=]\s?")
_STOP_IN_GAP = re.compile(r"\.\s")
_AVERAGE = re.compile(r"\baverage|\bavg\b|\bmean\b", re.IGNORECASE)
_LIST_GLUE = re.compile(r"\s?(?:,\s?(?:and\s|or\s)?|and\s|or\s)(?:the\s)?")
_FROM_LIST_TO = re.compile(r"\bfrom\s[\d.,\s%\\and]+\sto\s?$")
_RESPECTIVELY = re.compile(r"\brespectively\b")
_PAIR_AFTER = re.compile(r"^\s?(?:vs\.?|versus|(?:down\s)?to)\s")
_OPEN_PAREN = re.compile(r"\([^()]*$")
_TO_END = re.compile(r"\bto\s?$")


@dataclass
class Candidate:
    number: Number
    sentence: int
    mention: Mention | None = None
    rule: str = ""
    also: tuple[Mention, ...] = ()  # one number stated for several benchmarks: "<1% drop on GSM8K and BBH"


def attach_in_sentence(text: str, start: int, end: int, mentions: list[Mention], cands: list[Candidate]) -> None:
    previous: Candidate | None = None
    for cand in cands:
        _attach_one(text, start, mentions, cand, previous)
        previous = cand


def _attach_one(text: str, start: int, mentions: list[Mention], cand: Candidate, previous: Candidate | None) -> None:
    n = cand.number
    # 1. inside "(...)" opened right after a benchmark, or "Benchmark: N"
    for m in reversed(mentions):
        if m.end <= n.start:
            between = text[m.end:n.start]
            if (_PAREN_GAP.fullmatch(between)
                    or _COLON_GAP.fullmatch(between)):
                cand.mention, cand.rule = m, "paren"
                return
            break
    before = text[max(start, n.start - 60):n.start]
    # 2. the nearest benchmark after it, within the clause
    following = next((m for m in mentions if m.start >= n.end), None)
    if following is not None:
        gap = text[n.end:following.start]
        flat = PARENS.sub(" ", gap)
        if (not BLOCKERS.search(flat) and "(" not in flat and len(flat.split()) <= 16
                and not _STOP_IN_GAP.search(flat) and not _SUBJECT_IN_GAP.search(flat)
                and not (_in_from_to(before) and _preceding_change(text, start, n, mentions))):
            chain = _mention_chain(text, mentions, following)
            if len(chain) > 1 and _AVERAGE.search(text[max(start, n.start - 60):n.start]):
                return  # an average over several named evaluations is no single result
            cand.mention, cand.rule, cand.also = following, "after", tuple(chain[1:])
            return
    # 3. a benchmark earlier in the sentence, for a number in a scoring frame
    preceding = next((m for m in reversed(mentions) if m.end <= n.start), None)
    if preceding is None:
        return
    gap = text[preceding.end:n.start]
    if len(gap.split()) > 40 or ";" in gap:
        return
    # 3a. a list continued: "0.6 for OLMo-2-1.48B and 0.3 for SmolLM-2-1.7B", "20% and 2.35%"
    if previous is not None and previous.mention is preceding and preceding.end <= previous.number.start:
        chunk = text[previous.number.end:n.start]
        if _LIST_CONTINUES.match(chunk):
            cand.mention, cand.rule = preceding, "before"
            return
    continues = previous is not None and previous.mention is preceding
    same_subject = bool(_SAME_SUBJECT.match(gap))  # "on X, and achieve an F1 of 86.1%": one subject, one predicate on
    latter = bool(_THE_LATTER.match(gap))  # "(WikiText-103)-the latter achieving a perplexity of 29.2"
    if (_NEW_PREDICATE.search(gap) and not continues and not same_subject) or (_closes_paren(text, preceding, n)
                                                                               and not latter):
        return
    framed = SCORING_FRAME.search(before) or BY_FRAME.search(before) or DELTA_BEFORE_CI.search(before) or n.signed
    if not framed or ("(" in before[-2:] and not model_paren(before)):
        return
    if "," in gap and not (_FRONTED.search(text[max(start, preceding.start - 12):preceding.end + 30])
                           or _PARTICIPLE.match(gap.split(",")[-1]) or same_subject
                           or (previous is not None and previous.mention is preceding)):
        return  # the benchmark belongs to another clause
    cand.mention, cand.rule = preceding, "before"


_THE_LATTER = re.compile(r"^\)?\s?[-–—,]?\s?the latter\b[^,;]{0,50}$")
_SAME_SUBJECT = re.compile(r"^\s?(?:the\s)?(?:benchmark|dataset|task)?,?\s?and\s(?:\w+ly\s)?(?:achiev|obtain|reach|attain)\w*\s[^,;]{0,40}$")
_NEW_PREDICATE = re.compile(r"\band\s(?:\w+ly\s)?(?:improv|increas|achiev|reach|reduc|boost|obtain|scor|lower|rais)\w*")


def _closes_paren(text: str, mention: Mention, number: Number) -> bool:
    """"(<4.3% on MMLU) compared to >35% in ...": the benchmark sits in a parenthesis closed before the number."""
    depth = 0
    for char in text[mention.end:number.start]:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return True
    return False


_SUBJECT_IN_GAP = re.compile(r"\b(?:achieves|achieved|scores|scored|reaches|reached|obtains|obtained|attains|attained|"
                             r"improves|improved|outperforms|outperformed)\b")
_LIST_CONTINUES = re.compile(r"^\s?(?:\\?%)?(?:\s(?:for|by|of|with|on)\s[^,;]{1,40}?)?\s?(?:,\s?and|,|and)\s(?:just\s|only\s)?$")
# "On AlpacaEval 2.0, ...", "In the Needle-in-a-Haystack task, ...", "Through benchmarking with GEO-Bench, ..."
_FRONTED = re.compile(r"(?:^|\b)(?:[Oo]n|[Ii]n|[Ff]or|[Ww]ith|[Aa]cross|[Uu]sing)\s(?:the\s)?\S[^,]*?"
                      r"(?:\s(?:benchmark|dataset|leaderboard|task|test|suite)s?)?,")
_PARTICIPLE = re.compile(r"^\s?(?:\w+ly\s)?(?:achieving|scoring|reaching|obtaining|attaining|surpassing|outperforming|"
                         r"exceeding|beating|improving|yielding|with)\b")


def _mention_chain(text: str, mentions: list[Mention], first: Mention) -> list[Mention]:
    """"GSM8K and BBH", "MT-Bench, GSM8K, and PubMedQA": benchmarks written as one list."""
    chain = [first]
    for m in mentions:
        if m.start < chain[-1].end:
            continue
        if _LIST_GLUE.fullmatch(text[chain[-1].end:m.start]):
            chain.append(m)
        else:
            break
    return chain


def _in_from_to(before: str) -> bool:
    return bool(FROM.search(before) or _FROM_LIST_TO.search(before))


def _preceding_change(text: str, start: int, number: Number, mentions: list[Mention]) -> bool:
    """"on AlpacaEval increases from 21% to 34%": the benchmark stands just before the change."""
    window = text[max(start, number.start - 70):number.start]
    near = [m for m in mentions if number.start - 70 <= m.end <= number.start]
    return bool(near) and bool(CHANGE_VERB.search(window))


def number_lists(text: str, cands: list[Candidate]) -> list[list[Candidate]]:
    """Runs of numbers written as a list: "13.42, 15.93, 12.13, 12.30, and 12.07"."""
    groups: list[list[Candidate]] = []
    for cand in cands:
        if groups and GROUP_SEP.match(text[groups[-1][-1].number.end:cand.number.start]):
            groups[-1].append(cand)
        else:
            groups.append([cand])
    return groups


def attach_respectively(text: str, start: int, end: int, s: int, mentions: Sequence[list[Mention]],
                         cands: list[Candidate]) -> None:
    if len(cands) < 2:  # a "respectively" list pairs two numbers at least
        return
    if not _RESPECTIVELY.search(text[start:end]):
        return
    lists = _mention_lists(text, mentions[s])
    own = _distinct(mentions[s])
    fallback = own if own else (_distinct(mentions[s - 1]) if s > 0 else [])
    free = [c for c in cands if c.mention is None or c.also or c.rule == "before"]
    for group in number_lists(text, free):
        if len(group) < 2:
            continue
        after_group = [chain for chain in lists if chain[0].start >= group[-1].number.end and len(chain) == len(group)]
        targets = after_group[0] if after_group else (fallback if len(fallback) == len(group) else [])
        if len(targets) != len(group):
            continue
        for cand, mention in zip(group, targets, strict=True):
            cand.mention, cand.rule, cand.also = mention, "respectively", ()


def _mention_lists(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    lists: list[list[Mention]] = []
    for m in mentions:
        if lists and _LIST_GLUE.fullmatch(text[lists[-1][-1].end:m.start]):
            lists[-1].append(m)
        else:
            lists.append([m])
    return [chain for chain in lists if len(chain) > 1]


def _distinct(mentions: list[Mention]) -> list[Mention]:
    seen, result = set(), []
    for m in mentions:
        key = m.benchmark or m.text.lower()
        if key not in seen:
            seen.add(key)
            result.append(m)
    return result


_CONTINUATION = re.compile(r"^(?:Specifically|For example|For instance|In particular|Concretely|Notably|Namely|"
                           r"In detail|As an example)\b")
_COMPARISON = re.compile(r"\bvs\.?\s?$|\bversus\s$|\bfrom\s?" + QUAL + r"$|\bto\s?$")


# "improves perplexity from 51.3 down to 30.0": a change of one score, whose benchmark was just named
_FROM_DOWN_TO = re.compile(r"\bfrom\s[\d.]+\s?\\?%?\s(?:down\s|up\s)?to\s[\d.]+")


def _about_system(text: str, start: int, system: str | None) -> bool:
    """The sentence opens with the paper's system and a scoring verb: "TYPESQL gets 82.6% accuracy"."""
    if not system:
        return False
    opening = text[start:start + len(system) + 1]
    return opening[:len(system)].lower() == system.lower() and bool(_SCORING_VERB.match(text, start + len(system)))


_SCORING_VERB = re.compile(r"\s(?:gets|achieves|obtains|reaches|attains|scores|yields)\s")
# "In real-world booking scenarios, ...": the sentence names its own evaluation
_OWN_SETTING = re.compile(r"(?:In|On|For|Across|Under|When)\s")


def attach_carried(text: str, start: int, end: int, s: int, mentions: Sequence[list[Mention]],
                   cands: list[Candidate], system_of: Callable[[], str | None] = lambda: None) -> None:
    """A comparison in a sentence naming no benchmark takes the one benchmark named just before, when
    the sentence continues the previous one ("Specifically, ...") or the comparison is a parenthesis; so
    does a score of a sentence about the paper's system ("TypeSQL gets 82.6% accuracy"), asked of
    `system_of` only when there is a benchmark to take."""
    if mentions[s] or not cands:
        return
    if not _may_carry(text, start, end, cands, system_of):
        return  # the sentences before are not read
    source = next((mentions[k] for k in (s - 1, s - 2) if k >= 0 and mentions[k]), [])
    distinct = _distinct(source)
    if len(distinct) != 1:
        return
    system = system_of()
    continues = bool(_CONTINUATION.match(text[start:end])) or _about_system(text, start, system)
    for i, cand in enumerate(cands):
        if cand.mention is not None:
            continue
        before = text[max(start, cand.number.start - 30):cand.number.start]
        after = text[cand.number.end:min(end, cand.number.end + 30)]
        pair_after = _PAIR_AFTER.match(after)
        from_to = _from_to(text, start, cand)
        if not (continues or _in_paren(text, start, cand) or from_to):
            continue
        scored = _about_system(text, start, system) and bool(SCORING_FRAME.search(before) or DELTA_AFTER.match(after))
        if scored or (_COMPARISON.search(before) and i > 0) or (pair_after and (i + 1 < len(cands) or from_to)):
            if _COMPARISON.search(before) and _TO_END.search(before) and not FROM_WORD.search(text[max(start, cand.number.start - 60):cand.number.start]):
                continue
            if TO_WORD.search(after[:5]) and not FROM.search(before):
                continue
            cand.mention, cand.rule = distinct[0], "carried"


def _may_carry(text: str, start: int, end: int, cands: list[Candidate], system_of: Callable[[], str | None]) -> bool:
    """What `attach_carried` needs before any number can take a benchmark: the sentence continues the
    previous one or is about the paper's system, or a free number is in a parenthesis or a "from ... to".
    The system is asked for last, and only when a scoring verb follows (`_about_system` needs one)."""
    if _CONTINUATION.match(text[start:end]):
        return True
    if any(_in_paren(text, start, c) or _from_to(text, start, c) for c in cands if c.mention is None):
        return True
    return _SCORING_VERB.search(text, start) is not None and _about_system(text, start, system_of())


def _in_paren(text: str, start: int, cand: Candidate) -> bool:
    """The number is inside a parenthesis opened in its sentence."""
    before = text[max(start, cand.number.start - 30):cand.number.start]
    return "(" in before[-3:] or bool(_OPEN_PAREN.search(before))


def _from_to(text: str, start: int, cand: Candidate) -> bool:
    """"from 51.3 down to 30.0" around the number, in a sentence that does not name its own setting."""
    return bool(_FROM_DOWN_TO.search(text[max(start, cand.number.start - 40):cand.number.end + 30])) \
        and not _OWN_SETTING.match(text, start)


def attach_home(text: str, start: int, end: int, own: list[Mention], cands: list[Candidate],
                home_of: Callable[[], Mention | None]) -> None:
    """Scores a benchmark paper reports for named models without naming its benchmark again ("The
    top-performing model, Claude-3-7-Sonnet, achieves 63.0%") are on the paper's own benchmark (asked of
    `home_of` last): a number with a percent sign or in a scoring frame, in a sentence that names no
    benchmark but a model."""
    if own:
        return
    # the cheap test first: most sentences have no such number; then the home benchmark, worked out once
    # per paper (most papers have none), before the model names, read again for every sentence
    scores = [cand for cand in cands if cand.mention is None and _home_shaped(text, start, cand.number)]
    if not scores:
        return
    home = home_of()
    if home is None:
        return
    sentence = text[start:end]
    if not any(is_model_like(m.group(0).split()[-1]) for m in NAME_RUN.finditer(sentence)):
        return
    for cand in scores:
        cand.mention, cand.rule = home, "home"


def _home_shaped(text: str, start: int, number: Number) -> bool:
    """A number with a percent sign or in a scoring frame."""
    return number.unit == "%" or bool(SCORING_FRAME.search(text[max(start, number.start - 60):number.start]))


# --- the rules by name, with the sentences that show each (run as table-driven tests) ----------------
# Each example: (title, abstract, value, benchmark as written). Adding a rule = one function + its examples.
EXAMPLES: dict[str, tuple[tuple[str, str, float, str], ...]] = {
    "paren": (
        ("Foo-7B: A Model", "Foo-7B leads on KMMLU (53.26%) and CMMLU (60.1%).", 53.26, "KMMLU"),
        ("Foo-7B: A Model", "It beats its rival on AIME24 (80.3 vs. 79.8).", 80.3, "AIME24"),
        ("Foo-7B: A Model", "Results: GSM8K: 81.2 for Foo-7B.", 81.2, "GSM8K"),
    ),
    "after": (
        ("Gazal-R1: Medical Reasoning", "Gazal-R1 scores 87.1% on MedQA.", 87.1, "MedQA"),
        ("Foo-7B: A Model", "Foo-7B achieves a 41.3% LC win rate on AlpacaEval 2.", 41.3, "AlpacaEval 2"),
        ("Transformer - XL : Attentive LMs", "We improve the state - of - the - art from 20.5 to 18.3 on "
         "WikiText - 103 , and more . We also do other things . And more things .", 18.3, "WikiText-103"),
    ),
    "before": (
        ("Foo-7B: A Model", "On AlpacaEval 2.0, Foo-7B achieves a win rate of 49.2%.", 49.2, "AlpacaEval 2.0"),
        ("Foo-7B: A Model", "Foo-7B improves MMLU by 5.6 points.", 5.6, "MMLU"),
        ("DRNN: Relation Classification", "We evaluated our DRNNs on the SemEval-2010 Task 8, and achieve an "
         "F1-score of 86.1%.", 86.1, "SemEval-2010 Task 8"),
    ),
    "respectively": (
        ("Foo-7B: A Model", "Foo-7B reaches 47.69 and 40.68 on Penn Treebank and WikiText-2, respectively.",
         40.68, "WikiText-2"),
    ),
    "carried": (
        ("Foo-7B: A Model", "We evaluate Foo-7B on GSM8K. Specifically, accuracy rises from 40.1 to 55.2.",
         55.2, "GSM8K"),
        ("TypeSQL: Text-to-SQL", "We test this idea on the WikiSQL dataset. We also show other things. "
         "TypeSQL gets 82.6% accuracy.", 82.6, "WikiSQL"),
    ),
    "home": (
        ("A Benchmark for Code", "We introduce MultiCodeIF, a comprehensive benchmark for instruction following. "
         "The top-performing model, Claude-3-7-Sonnet, achieves 63.0% average constraint satisfaction.",
         63.0, "MultiCodeIF"),
    ),
}
