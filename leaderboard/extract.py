"""Extract score claims from abstracts: rule based, deterministic, no network.

A claim is a number tied to a named evaluation. Per sentence, every number that survives the
non-claim filters (sizes, counts, efficiency figures, ratios, ranges, versions, years) is tied to a
benchmark mention by the first rule that applies:

1. inside a parenthesis right after the benchmark: "KMMLU (53.26%)", "AIME24 (80.3 vs. 79.8)";
2. the nearest benchmark after it, with no clause break between: "87.1% on MedQA";
3. a benchmark earlier in the sentence when the number sits in a scoring frame: "On AlpacaEval 2.0,
   ... achieves a win rate of 49.2%", "improves MMLU by 5.6";
4. "respectively" lists paired in order with the benchmarks of the sentence (or the one before);
5. a comparison ("A vs B", "from A to B") with no benchmark in its sentence takes the single
   benchmark of the sentence(s) just before.

The kind (absolute / cited / delta), model, metric, setting, qualifier and params come from the
words around the number. Precision comes first: a number is dropped whenever its evaluation is
not clearly named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .extract_models import ModelContext, cited_model, paper_context, subject_model, tidy_model
from .extract_text import (
    CaseFree,
    Mention,
    Number,
    benchmark_index,
    find_numbers,
    find_unknown,
    sentence_spans,
)
from .models import Claim, Paper
from .registry import Registry

# --- the words around a number ---------------------------------------------------------------

_QUAL = r"(?:(?:only|just|over|up to|about|nearly|approximately|around|roughly|almost|at least|at most|more than|" \
        r"less than|under|below|above|exceeding|a staggering|a remarkable|a substantial|a significant|" \
        r"an impressive|a notable|a|an|the|~|≈|>|<|>=|<=|≥|≤)\s?)*"
# The number is what a system scored: "achieves 87.1%", "a score of 65.1%", "to 34%", "by 5.6".
_SCORING_FRAME = re.compile(
    r"(?:achiev\w*|scor\w*|reach\w*|obtain\w*|attain\w*|gets?|getting|yield\w*|record\w*|deliver\w*|hits?|"
    r"to|from|of|by|vs\.?|versus|compared (?:to|with)|than|with|at|is|was|are|were|:|=|"
    r"improv\w*|increas\w*|boost\w*|rais\w*|drop\w*|fall\w*|fell|ris\w*|climb\w*|jump\w*|'s|’s|"
    r"\((?=[^()]*$))\s?" + _QUAL + r"$")
_BY_FRAME = re.compile(r"\bby\s?" + _QUAL + r"$")
_DELTA_BEFORE = re.compile(
    r"(?:improvement|gain|increase|boost|difference|margin|advantage|jump|drop|decrease|degradation|uplift|lead|loss|losse)s?"
    r"(?:\s(?:of|in [\w\s\-]{1,30}? of|by))?\s?\(?" + _QUAL + r"$", re.IGNORECASE)
_DELTA_AFTER = re.compile(
    r"^\s?(?:(?:absolute|relative|average|overall|performance|accuracy|point|points|pp|percentage points?)\s)*"
    r"(?:\w+\s)?(?:improvement|gain|increase|boost|higher|better|lower|worse|drop|decrease|difference|degradation|"
    r"advantage|margin|uplift|jump|lead|more|above)\b", re.IGNORECASE)
# "improves 2.55% accuracy", "boosts pass@1 by 17": a change, not a level
_IMPROVES_BY = re.compile(r"\b(?:improv|increas|boost|enhanc|rais|lift|reduc|decreas|lower)\w*\s(?:(?!from\b|to\b|of\b)[\w@\-]+\s){0,2}?"
                          r"(?:by\s)?" + _QUAL + r"$", re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s?" + _QUAL + r"$")
_IMPROVES_BY_CI = CaseFree(_IMPROVES_BY)
_DELTA_BEFORE_CI = CaseFree(_DELTA_BEFORE)
_CHANGE_VERB = re.compile(
    r"\b(?:improv|increas|boost|rais|ris|ros|jump|grow|grew|climb|go|went|drop|decreas|fall|fell|reduc|declin|lift|push|"
    r"bring|brought|enhanc|advanc|mov|elevat)\w*", re.IGNORECASE)
_COMPARATOR = re.compile(
    r"\b(?:compared (?:to|with)|vs\.?|versus|than|outperform\w*|surpass\w*|exceed\w*|beat\w*|over|against|"
    r"relative to)\b", re.IGNORECASE)
_COORDINATION = re.compile(r"^[\s,()\w.\-'’]*$")

# Figures that are not scores, judged from the clause around the number.
_EFFICIENCY = re.compile(
    r"memory|latency|throughput|speed|faster|slower|flop|\bcost|compute|computation|tokens?\b|parameters?\b|"
    r"compress|sparsit|\bbits?\b|energy|\bmfu\b|utili[sz]ation|efficien|inference time|training time|gpu|"
    r"\bsize\b|storage|bandwidth|acceptance|\bcache|vocabulary|wall-clock|hours|"
    r"budget|overhead|\bfewer\b|\bless\b|cheaper|smaller|larger|reduc|ratio|\bshare\b|"
    r"of the (?:original|base|teacher|full|dense)|retain|maintain|recover|preserv|attack success|agreement|"
    r"correlation|similarity|kappa",
    re.IGNORECASE)
# Words a bare number may be followed by and still be a score ("8.38 on MT-bench", "29.44 win rate").
_BARE_FOLLOWERS = re.compile(
    r"^\s?(?:[,;:)\]]|\.(?:\s|$)|$|on\b|in\b|for\b|at\b|and\b|or\b|vs\b|versus\b|compared\b|to\b|from\b|with\b|by\b|"
    r"over\b|against\b|accuracy|perplexity|ppl\b|score|win|lc\b|length|raw\b|pass@|bleu|chrf|f1\b|em\b|exact|elo\b|"
    r"average\b|avg\b|when\b|while\b|whereas\b|which\b|where\b|but\b|along\b|together\b|respectively|across\b|"
    r"after\b|than\b|as\b|using\b|relative\b|"
    r"absolute\b|improvement|gain|point|rating|success|solve|resolve|top-1|mAP|AP\b|(?-i:[A-Z]))", re.IGNORECASE)
_PCT_DENY_AFTER = re.compile(r"^\s?(?:of|fewer|less|more|faster|smaller|larger|lower|reduction|speed|memory|tokens?|"
                             r"parameters?|compute|cost|sparsity|compression|data|the)\b", re.IGNORECASE)
_RANGE = re.compile(r"^\s?(?:-{1,2}|–|—|~)\s?[\d.]")
_RANGE_BEFORE = re.compile(r"\d\s?%?\s?(?:\\?%)?\s?(?:-{1,2}|–|—|~)\s?$")
_VERSION_BEFORE = re.compile(r"(?:^|[\s(])(?:[A-Z][\w\-]*|v|version|Figure|Table|Section|Appendix|Eq\.?|top|Top)\s$")
_YEAR_BEFORE = re.compile(r"(?:\b(?:in|since|from|until|of|by|al\.,?|early|late|mid)|[\[(]|January|February|March|April|"
                          r"May|June|July|August|September|October|November|December)\s?$")
_BLOCKERS = re.compile(
    r";|\bwhile\b|\bwhereas\b|\bbut\b|\bhowever\b|\bwhich\b|\bwhere\b|\balthough\b|\bcompared\b|\bthan\b|\bvs\b|"
    r"\bversus\b|\boutperform|\bsurpass|\bexceed|\bbeat|\brespectively\b|\bwhen\b|\bcompar", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")

_SETTING = re.compile(
    r"\b(zero-shot|zero shot|0-shot|one-shot|few-shot|\d{1,2}-shot|chain-of-thought|CoT|maj@\d+)\b", re.IGNORECASE)
_METRIC_WORDS = re.compile(
    r"\b(?:length-controlled|LC|raw|average|avg\.?|top-1|exact[- ]match|hallucination-free|pass@\d+|win[- ]rates?|"
    r"accurac(?:y|ies)|perplexity|BLEU|chrF\+*|F1|EM|Elo|solve rates?|resolve rates?|success rates?|"
    r"constraint satisfaction|test scores?|scores?|rating|mAP|ANLS|WER)"
    r"(?:\s(?:win[- ]rates?|rates?|accuracy|scores?|\(LC WR\)|\(LC\)))*(?![\w@])", re.IGNORECASE)
_QUALIFIERS = (
    (re.compile(r"(?:up to|at most)\s?(?:a |an )?$", re.IGNORECASE), "up to"),
    (re.compile(r"at least\s?$", re.IGNORECASE), "at least"),
    (re.compile(r"(?:over|more than|above|exceeding|>|≥|>=)\s?(?:a |an )?$", re.IGNORECASE), "over"),
    (re.compile(r"(?:about|approximately|around|nearly|roughly|almost|~|≈)\s?$", re.IGNORECASE), "about"),
    (re.compile(r"(?:under|below|less than|<|≤|<=)\s?$", re.IGNORECASE), "below"),
)


# --- patterns used inside the rules below, compiled once ----------------------------------------
_PAREN_GAP = re.compile(r"\s?(?:benchmark|dataset|test set|leaderboard)?\s?\([^()]{0,60}")
_COLON_GAP = re.compile(r"\s?[:=]\s?")
_STOP_IN_GAP = re.compile(r"\.\s")
_AVERAGE = re.compile(r"\baverage|\bavg\b|\bmean\b", re.IGNORECASE)
_LIST_GLUE = re.compile(r"\s?(?:,\s?(?:and\s|or\s)?|and\s|or\s)(?:the\s)?")
_FROM_LIST_TO = re.compile(r"\bfrom\s[\d.,\s%\\and]+\sto\s?$")
_MODEL_PAREN = re.compile(r"(?:baseline|model|[A-Z][\w.\-]*\d[\w.\-]*|[A-Z]\w*[A-Z]\w*)\s?\($")
_RESPECTIVELY = re.compile(r"\brespectively\b")
_PAIR_AFTER = re.compile(r"^\s?(?:vs\.?|versus|to)\s")
_OPEN_PAREN = re.compile(r"\([^()]*$")
_TO_END = re.compile(r"\bto\s?$")
_FROM_WORD = re.compile(r"\bfrom\b")
_TO_WORD = re.compile(r"\bto\s")
_TO_BOUNDED = re.compile(r"\bto\b")
_TO_NUMBER_AFTER = re.compile(r"^\s?(?:%|\\%)?\s?(?:and\s[\d.]+\s?\\?%?\s)?to\s[\d.]")
_AND_END = re.compile(r"(?:,|\band)\s?$")
_COMPARED_BEFORE = re.compile(r"(?:compared (?:to|with)|\bvs\.?|\bversus|\bthan)\s[^.;]{0,40}$")
_BEATS_BEFORE = re.compile(r"\b(?:over|than|outperform\w*|surpass\w*|compared|baseline)\b")
_METRIC_AFTER = re.compile(r"^\s?(?:\w+\s)??(" + _METRIC_WORDS.pattern + r")", re.IGNORECASE)
_ON_AFTER = re.compile(r"^\s?(?:on|in|for)\b")
_METRIC_OF_BEFORE = re.compile(r"(" + _METRIC_WORDS.pattern + r")\s(?:of|at|to|from|reaches|rises)\s?" + _QUAL + r"$",
                               re.IGNORECASE)
_METRIC_BEFORE = re.compile(r"(" + _METRIC_WORDS.pattern + r")(?:\s\w+){0,3}\s?$", re.IGNORECASE)


@dataclass
class _Candidate:
    number: Number
    sentence: int
    mention: Mention | None = None
    rule: str = ""
    also: tuple[Mention, ...] = ()  # one number stated for several benchmarks: "<1% drop on GSM8K and BBH"


_DIGIT = re.compile(r"\d")  # the same \d as extract_text.NUMBER: a sentence without one has no numbers


# --- public API ------------------------------------------------------------------------------

def extract_claims(paper: Paper, registry: Registry) -> list[Claim]:
    """Every score claim in `paper.abstract`, sorted by start offset; pure and deterministic."""
    paper = _bounded(paper)  # text from strangers: bounded work whatever its size
    text = paper.abstract
    index = benchmark_index(registry)
    sentences = sentence_spans(text)
    budget = MAX_NUMBERS
    # Numbers first, each sentence's own (bounded by the budget, in text order), keeping those that
    # pass every filter but the one that depends on the sentence's mentions (`_follower_ok`).
    shaped: list[list[Number]] = []
    for start, end in sentences:
        if _DIGIT.search(text, start, end) is None:  # no digit: no numbers
            shaped.append([])
            continue
        in_sentence = find_numbers(text, start, end)[:budget]
        budget -= len(in_sentence)
        shaped.append([n for n in in_sentence if _score_shaped(text, n, start, end)])
    if not any(shaped):  # no number that could be a score: no claim
        return []
    context = paper_context(paper)
    searched: list[list[Mention] | None] = [None] * len(sentences)  # only where they are read

    def mentions_of(k: int) -> list[Mention]:
        found = searched[k]
        if found is None:
            start, end = sentences[k]
            found = index.find(text, start, end)
            found = sorted(found + find_unknown(text, start, end, found, context.own_names), key=lambda m: m.start)
            searched[k] = found
        return found

    candidates: list[list[_Candidate]] = []
    for number, (_start, end) in enumerate(sentences):
        if not shaped[number]:
            candidates.append([])
            continue
        found = mentions_of(number)
        starts = {m.start for m in found}
        numbers = [n for n in shaped[number]
                   if not any(m.start <= n.start < m.end for m in found) and _follower_ok(text, n, end, starts)]
        candidates.append([_Candidate(n, number) for n in numbers])
        if numbers and not found:
            # a sentence with numbers but no benchmark reads the two before it ("respectively",
            # carried comparisons); one naming a benchmark reads only its own
            for k in (number - 1, number - 2):
                if k >= 0:
                    mentions_of(k)
    mentions = [found if found is not None else [] for found in searched]

    for s, (start, end) in enumerate(sentences):
        _attach_in_sentence(text, start, end, mentions[s], candidates[s])
        _attach_respectively(text, start, end, s, mentions, candidates[s])
        _attach_carried(text, start, end, s, mentions, candidates[s])

    claims = []
    seen = set()
    for s, (start, end) in enumerate(sentences):
        sentence_candidates = candidates[s]
        kinds: list[str] = []
        written_metric: list[str | None] = [None]
        for i, cand in enumerate(sentence_candidates):
            before = text[max(start, cand.number.start - 60):cand.number.start]
            after = text[cand.number.end:min(end, cand.number.end + 60)]
            kinds.append(_kind(text, start, cand, sentence_candidates[:i], kinds, before, after))
            if cand.mention is None:
                continue
            for mention in (cand.mention, *cand.also):
                cand.mention = mention
                claim = _claim(text, start, end, cand, kinds[-1], context, registry)
                if claim is None:
                    continue
                # "a WER of 0.81% and 0.77%": a list shares the metric written once
                if claim.metric_implied and i > 0 and written_metric[0] is not None \
                        and _GROUP_SEP.match(text[sentence_candidates[i - 1].number.end:cand.number.start]):
                    claim = replace(claim, metric=written_metric[0], metric_implied=False)
                written_metric[0] = None if claim.metric_implied else claim.metric
                key = (claim.value, claim.benchmark or claim.benchmark_text.lower(), claim.kind, claim.metric.lower())
                if key in seen:  # the same figure restated later in the abstract
                    continue
                seen.add(key)
                claims.append(claim)
    return sorted(claims, key=lambda c: (c.start, c.end, c.value))


# Bounds on the work per abstract (the embedded corpus: at most 1,920 characters and 21 numbers;
# arXiv caps abstracts at 1,920). Beyond them text is not prose but a table dump or an attack.
MAX_ABSTRACT_CHARS = 10_000  # only whole sentences within the first 10,000 characters are read
MAX_NUMBERS = 100  # numbers looked at per abstract, in text order
MAX_TITLE_CHARS = 1_000


def _bounded(paper: Paper) -> Paper:
    """`paper` with its abstract cut to the whole sentences within MAX_ABSTRACT_CHARS (a prefix, so
    every offset into it is an offset into the full abstract) and its title cut to MAX_TITLE_CHARS."""
    abstract, title = paper.abstract, paper.title
    if len(abstract) > MAX_ABSTRACT_CHARS:
        spans = sentence_spans(abstract[:MAX_ABSTRACT_CHARS])
        abstract = abstract[:spans[-1][0]] if spans else ""  # the last sentence may be cut: drop it
    if len(title) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS]
    if abstract is paper.abstract and title is paper.title:
        return paper
    return replace(paper, abstract=abstract, title=title)


def claim_to_json(claim: Claim, paper: Paper) -> dict:
    """The `extract --format jsonl` form of a claim (the key order of docs/data-formats.md, then qualifier and metric_implied)."""
    return {
        "paper_id": paper.id,
        "paper_title": paper.title,
        "model": claim.model,
        "benchmark": claim.benchmark,
        "benchmark_text": claim.benchmark_text,
        "metric": claim.metric,
        "value": claim.value,
        "unit": claim.unit,
        "setting": claim.setting,
        "params": claim.params,
        "kind": claim.kind,
        "evidence": claim.evidence,
        "start": claim.start,
        "end": claim.end,
        "qualifier": claim.qualifier,
        "metric_implied": claim.metric_implied,
    }


def extract_all(papers: list[Paper], registry: Registry, jobs: int = 1) -> dict[str, list[Claim]]:
    """Claims of every paper by paper id; with jobs > 1 the papers are split over processes in
    chunks, and the result is identical to one process."""
    if jobs <= 1 or len(papers) < 2:
        return {paper.id: extract_claims(paper, registry) for paper in papers}
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(256, len(papers) // (jobs * 4) or 1))
    chunks = [papers[i:i + chunk] for i in range(0, len(papers), chunk)]
    result: dict[str, list[Claim]] = {}
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(registry,)) as pool:
        for part in pool.map(_extract_chunk, chunks):
            result.update(part)
    return {paper.id: result[paper.id] for paper in papers}


_WORKER_REGISTRY: Registry | None = None


def _init_worker(registry: Registry) -> None:
    global _WORKER_REGISTRY
    _WORKER_REGISTRY = registry


def _extract_chunk(papers: list[Paper]) -> dict[str, list[Claim]]:
    assert _WORKER_REGISTRY is not None
    return {paper.id: extract_claims(paper, _WORKER_REGISTRY) for paper in papers}


# --- filters ---------------------------------------------------------------------------------

def _clause_window(text: str, number: Number, start: int, end: int) -> tuple[str, str]:
    """The words of the number's own clause: back to a comma/paren, forward to one (40 chars max).

    The right side stops at "with"/"at"/"using": "32.0 with the same FLOPs budget" is a score."""
    left = text[max(start, number.start - 45):number.start]
    cut = max(left.rfind(","), left.rfind("("), left.rfind(";"), left.rfind(":"))
    left = left[cut + 1:]
    right = text[number.end:min(end, number.end + 45)]
    cuts = [i for i in (right.find(","), right.find(")"), right.find(";"), right.find(" and "), right.find(" with "),
                        right.find(" at "), right.find(" using "), right.find(" under ")) if i >= 0]
    right = right[:min(cuts)] if cuts else right
    return left, right


# "our 7B-parameter model achieves ...": a model's size is not an efficiency figure.
_SIZE_PHRASE = re.compile(r"\d+(?:\.\d+)?\s?[BMK]?[\s-]?(?:billion|million)?[\s-]?param\w*", re.IGNORECASE)
_HYPOTHETICAL = re.compile(r"\b(?:to|must|should|would|could|needed|required)\s(?:achieve|reach|attain|obtain|get|score|exceed)\s"
                           + _QUAL + r"$")


def _is_score_like(text: str, number: Number, start: int, end: int, mention_starts: set[int]) -> bool:
    return _score_shaped(text, number, start, end) and _follower_ok(text, number, end, mention_starts)


def _follower_ok(text: str, number: Number, end: int, mention_starts) -> bool:
    """A bare number followed by a capitalised word only when that word is a benchmark: "6 LLM agents",
    "4 A100 GPUs" are counts."""
    if number.unit is None:
        follower = _CAPITAL_FOLLOWER.match(text, number.end, min(end, number.end + 2))
        if follower and follower.end() not in mention_starts:
            return False
    return True


_CAPITAL_FOLLOWER = re.compile(r"\s?(?=[A-Z])")


def _score_shaped(text: str, number: Number, start: int, end: int) -> bool:
    """Every filter of `_is_score_like` but the one that depends on the sentence's mentions. The
    checks are independent (each only rejects), so the cheap ones on the text after the number
    come first."""
    after = text[number.end:min(end, number.end + 40)]
    value = number.value
    if value > 5000 and number.unit is None:
        return False
    if number.unit == "%":
        if _PCT_DENY_AFTER.match(after):
            return False
    elif number.unit is None:
        if not _BARE_FOLLOWERS.match(after):
            return False
    if _RANGE.match(after):
        return False
    before = text[max(start, number.start - 40):number.start]
    if number.unit is None and 1900 <= value <= 2100 and value.is_integer() and _YEAR_BEFORE.search(before):
        return False
    if _RANGE_BEFORE.search(before):
        return False
    enumerator = number.unit is None and value.is_integer() and value <= 20 and "." not in text[number.start:number.end]
    if _CITATION_BEFORE.search(before) or (before.endswith("(") and after.startswith(")") and enumerator):
        return False  # citations "[12]" and enumerations "(2)"
    if number.unit != "%" and not number.signed and _VERSION_BEFORE.search(before):
        return False
    if _ON_AVERAGE.match(after) or _HYPOTHETICAL.search(before):
        return False
    left, right = (_SIZE_PHRASE.sub(" ", w) for w in _clause_window(text, number, start, end))
    if _EFFICIENCY_CI.search(left) or _EFFICIENCY_CI.search(right) or _HUMANS.search(left):
        return False  # efficiency figures, ratios, and human reference scores
    if _TIMES.search(right[:6]):
        return False
    return True


_EFFICIENCY_CI = CaseFree(_EFFICIENCY)
_CITATION_BEFORE = re.compile(r"\[[\d,\s]*$")
_ON_AVERAGE = re.compile(r"^\s?on (?:average|avg)\b")
_HUMANS = re.compile(r"\bhumans?\b")
_TIMES = re.compile(r"\b(?:[xX×]|times)\b")


# --- attachment ------------------------------------------------------------------------------

def _attach_in_sentence(text: str, start: int, end: int, mentions: list[Mention], cands: list[_Candidate]) -> None:
    previous: _Candidate | None = None
    for cand in cands:
        _attach_one(text, start, mentions, cand, previous)
        previous = cand


def _attach_one(text: str, start: int, mentions: list[Mention], cand: _Candidate, previous: _Candidate | None) -> None:
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
        flat = _PARENS.sub(" ", gap)
        if (not _BLOCKERS.search(flat) and "(" not in flat and len(flat.split()) <= 16
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
    if (_NEW_PREDICATE.search(gap) and not continues) or _closes_paren(text, preceding, n):
        return
    framed = _SCORING_FRAME.search(before) or _BY_FRAME.search(before) or _DELTA_BEFORE_CI.search(before) or n.signed
    if not framed or ("(" in before[-2:] and not _model_paren(before)):
        return
    if "," in gap and not (_FRONTED.search(text[max(start, preceding.start - 12):preceding.end + 30])
                           or _PARTICIPLE.match(gap.split(",")[-1])
                           or (previous is not None and previous.mention is preceding)):
        return  # the benchmark belongs to another clause
    cand.mention, cand.rule = preceding, "before"


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
    return bool(_FROM.search(before) or _FROM_LIST_TO.search(before))


def _preceding_change(text: str, start: int, number: Number, mentions: list[Mention]) -> bool:
    """"on AlpacaEval increases from 21% to 34%": the benchmark stands just before the change."""
    window = text[max(start, number.start - 70):number.start]
    near = [m for m in mentions if number.start - 70 <= m.end <= number.start]
    return bool(near) and bool(_CHANGE_VERB.search(window))


def _model_paren(before: str) -> bool:
    """"the Self-Rewarding baseline (19.69)": a number in parentheses after a model or baseline."""
    return bool(_MODEL_PAREN.search(before))


_GROUP_SEP = re.compile(r"^\s?(?:,\s?(?:and\s)?|and\s)\s?$")


def _groups(text: str, cands: list[_Candidate]) -> list[list[_Candidate]]:
    """Runs of numbers written as a list: "13.42, 15.93, 12.13, 12.30, and 12.07"."""
    groups: list[list[_Candidate]] = []
    for cand in cands:
        if groups and _GROUP_SEP.match(text[groups[-1][-1].number.end:cand.number.start]):
            groups[-1].append(cand)
        else:
            groups.append([cand])
    return groups


def _attach_respectively(text: str, start: int, end: int, s: int, mentions: list[list[Mention]],
                         cands: list[_Candidate]) -> None:
    if len(cands) < 2:  # a "respectively" list pairs two numbers at least
        return
    if not _RESPECTIVELY.search(text[start:end]):
        return
    lists = _mention_lists(text, mentions[s])
    own = _distinct(mentions[s])
    fallback = own if own else (_distinct(mentions[s - 1]) if s > 0 else [])
    free = [c for c in cands if c.mention is None or c.also or c.rule == "before"]
    for group in _groups(text, free):
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
_COMPARISON = re.compile(r"\bvs\.?\s?$|\bversus\s$|\bfrom\s?" + _QUAL + r"$|\bto\s?$")


def _attach_carried(text: str, start: int, end: int, s: int, mentions: list[list[Mention]],
                    cands: list[_Candidate]) -> None:
    """A comparison in a sentence naming no benchmark takes the one benchmark named just before, when
    the sentence continues the previous one ("Specifically, ...") or the comparison is a parenthesis."""
    if mentions[s] or not cands:
        return
    continues = bool(_CONTINUATION.match(text[start:end]))
    source = next((mentions[k] for k in (s - 1, s - 2) if k >= 0 and mentions[k]), [])
    distinct = _distinct(source)
    if len(distinct) != 1:
        return
    for i, cand in enumerate(cands):
        if cand.mention is not None:
            continue
        before = text[max(start, cand.number.start - 30):cand.number.start]
        after = text[cand.number.end:min(end, cand.number.end + 30)]
        pair_after = _PAIR_AFTER.match(after)
        in_paren = "(" in before[-3:] or bool(_OPEN_PAREN.search(before))
        if not (continues or in_paren):
            continue
        if (_COMPARISON.search(before) and i > 0) or (pair_after and (i + 1 < len(cands))):
            if _COMPARISON.search(before) and _TO_END.search(before) and not _FROM_WORD.search(text[max(start, cand.number.start - 60):cand.number.start]):
                continue
            if _TO_WORD.search(after[:5]) and not _FROM.search(before):
                continue
            cand.mention, cand.rule = distinct[0], "carried"


# --- building the claim ----------------------------------------------------------------------

def _claim(text: str, start: int, end: int, cand: _Candidate, kind: str, context: ModelContext,
           registry: Registry) -> Claim | None:
    n, m = cand.number, cand.mention
    assert m is not None
    before = text[max(start, n.start - 60):n.start]
    after = text[n.end:min(end, n.end + 60)]
    value = n.value
    unit = n.unit
    if kind != "delta" and unit == "points":
        unit = None
    benchmark = registry.get(m.benchmark) if m.benchmark else None
    metric, implied = _metric(text, n, m, before, after, benchmark, unit)
    if benchmark is not None and kind != "delta":
        reg_metric = benchmark.metric(metric) if not implied else benchmark.default_metric
        if reg_metric is not None and not reg_metric.accepts(value):
            return None
    span_start = min(n.start, m.start) if cand.rule in ("after", "before", "paren") else n.start
    span_end = max(n.end, m.end) if cand.rule in ("after", "before", "paren") else n.end
    if cand.rule in ("respectively", "carried") or span_end - span_start > 160:
        span_start, span_end = _clause_span(text, start, end, n)
    if kind == "cited":
        model, params = cited_model(text, start, end, n, before, after, context)
    else:
        model, params = subject_model(text, start, n, context)
    model, params = tidy_model(model, params, kind, context, registry)
    setting = _setting(text, start, end, span_start, span_end)
    return Claim(
        model=model,
        benchmark=m.benchmark,
        benchmark_text=m.text,
        metric=metric,
        value=value,
        unit=unit,
        setting=setting,
        params=params,
        kind=kind,
        evidence=text[span_start:span_end],
        start=span_start,
        end=span_end,
        qualifier=_qualifier(before),
        metric_implied=implied,
    )


def _kind(text: str, start: int, cand: _Candidate, earlier: list[_Candidate], kinds: list[str], before: str,
          after: str) -> str:
    n = cand.number
    if n.signed or n.unit == "points":
        return "delta"
    if _IMPROVES_BY_CI.search(before):
        return "delta"
    if _BY_FRAME.search(before) or _DELTA_BEFORE_CI.search(before) or _DELTA_AFTER.match(after):
        return "delta"
    # "from A to B": A is the starting point, cited
    if _FROM.search(before) or (_TO_NUMBER_AFTER.match(after) and
                                _FROM_WORD.search(text[max(start, n.start - 40):n.start])):
        return "cited"
    if earlier:
        previous = earlier[-1]
        chunk = text[previous.number.end:n.start]
        # "an average improvement of 7.46% win rate on X and 13.9% accuracy on Y": both deltas
        if kinds[-1] == "delta" and len(chunk) < 100 and _AND_END.search(chunk) \
                and not _CHANGE_VERB.search(chunk) and not _COMPARATOR.search(chunk) and not _FROM_WORD.search(chunk):
            return "delta"
        last_clause = chunk.split(",")[-1]
        if _COMPARATOR.search(last_clause) and not _CHANGE_VERB.search(last_clause):
            return "cited"
        if _COORDINATION.match(chunk) and len(chunk) < 40 and kinds[-1] == "cited" and "(" not in chunk \
                and not _TO_BOUNDED.search(chunk):
            return "cited"
    if _COMPARED_BEFORE.search(before) and not earlier:
        return "cited"
    if cand.rule != "paren" and _model_paren(before[-40:]) and _BEATS_BEFORE.search(before):
        return "cited"
    return "absolute"


def _metric(text: str, n: Number, m: Mention, before: str, after: str, benchmark, unit: str | None) -> tuple[str, bool]:
    # the metric written right after the number ("41.3% LC win rate"), or right before it ("accuracy of 82.3%")
    match = _METRIC_AFTER.match(after)
    if match and not _ON_AFTER.match(after):
        return match.group(1).strip(), False
    match = _METRIC_OF_BEFORE.search(before)
    if match:
        return match.group(1).strip(), False
    window = text[min(n.end, m.end):max(n.start, m.start)] if m.start > n.end else ""
    match = _METRIC_WORDS.search(window) if len(window) < 60 else None
    if match and match.group(0).lower() not in ("score", "scores"):
        return match.group(0).strip(), False
    match = _METRIC_BEFORE.search(before)
    if match and match.group(1).lower() not in ("score", "scores", "average", "avg", "avg."):
        return match.group(1).strip(), False
    if benchmark is not None:
        return benchmark.default_metric.name.lower() if benchmark.default_metric.id != "pass-at-1" else "pass@1", True
    return ("accuracy" if unit == "%" else "score"), True


def _setting(text: str, start: int, end: int, span_start: int, span_end: int) -> str | None:
    window = text[max(start, span_start - 40):min(end, span_end + 40)]
    match = _SETTING.search(window)
    if not match:
        return None
    found = match.group(1)
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


def _qualifier(before: str) -> str | None:
    raw = before[-40:].rstrip()
    bare = _ARTICLES_AT_END.sub("", raw).rstrip()
    for text in (raw, bare):
        for pattern, name in _QUALIFIERS_CI:
            if pattern.search(text + " "):
                return name
    return None


def _clause_span(text: str, start: int, end: int, n: Number) -> tuple[int, int]:
    """A short evidence span around a number: back to the clause start (at most 100 characters)."""
    left = max(start, n.start - 100)
    window = text[left:n.start]
    cut = max(window.rfind(", "), window.rfind("; "), window.rfind("("), window.rfind(": "))
    span_start = left + cut + 1 if cut >= 0 else left
    while span_start < n.start and text[span_start].isspace():
        span_start += 1
    if cut < 0 and left > start:  # no clause break: start at a word
        space = text.find(" ", span_start, n.start)
        span_start = space + 1 if space >= 0 else span_start
    return span_start, n.end
