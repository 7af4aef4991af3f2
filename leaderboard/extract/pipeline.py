"""The extraction pipeline: sentences -> numbers -> mentions -> pairing -> attribution -> kinds.

Precision comes first: a number is dropped whenever its evaluation is not clearly named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from ..models import Claim, Paper
from ..store.registry import Registry
from .attribution import ListSlot, ModelContext, attribute, home_benchmark, paper_context, tidy_model
from .filters import follower_ok, score_shaped
from .frames import GROUP_SEP
from .kinds import kind_of, metric_of, qualifier_of, setting_of, with_direction, with_split
from .mentions import BenchmarkIndex, Mention, benchmark_index, find_unknown
from .numbers import Number, numbers_in_spans
from .pairing import Candidate, attach_carried, attach_home, attach_in_sentence, attach_respectively, number_lists
from .sentences import sentence_spans
from .tokens import Detokenised, detokenise, looks_tokenised

T = TypeVar("T")


def extract_claims(paper: Paper, registry: Registry) -> list[Claim]:
    """Every score claim in `paper.abstract`, sorted by start offset; pure and deterministic.

    Tokenised text ("CIFAR - 10 ( 4.62 % error )") is read without its tokeniser spaces; the claims'
    offsets and evidence are those of the abstract as given, names are written without the spaces."""
    paper = _bounded(paper)  # text from strangers: bounded work whatever its size
    if not looks_tokenised(paper.abstract):
        return _extract(paper, registry)
    plain = detokenise(paper.abstract)
    claims = _extract(replace(paper, abstract=plain.text, title=detokenise(paper.title).text), registry)
    return [_restore(claim, plain, paper.abstract) for claim in claims]


def _restore(claim: Claim, plain: Detokenised, original: str) -> Claim:
    start, end = plain.span(claim.start, claim.end)
    return replace(claim, start=start, end=end, evidence=original[start:end])


def explain(paper: Paper, registry: Registry) -> list[tuple[Claim, str]]:
    """Every claim of `extract_claims` with the name of the pairing rule that tied its number to its
    benchmark ("paren", "after", "before", "respectively", "carried", "home"): for debugging rules."""
    trace: list[tuple[Claim, str]] = []
    paper = _bounded(paper)
    plain = detokenise(paper.abstract) if looks_tokenised(paper.abstract) else None
    if plain is not None:
        paper = replace(paper, abstract=plain.text, title=detokenise(paper.title).text)
    _extract(paper, registry, trace)
    return sorted(trace, key=lambda pair: (pair[0].start, pair[0].end, pair[0].value))


def _extract(paper: Paper, registry: Registry, trace: list[tuple[Claim, str]] | None = None) -> list[Claim]:
    text = paper.abstract
    index = benchmark_index(registry)
    sentences = sentence_spans(text)
    budget = MAX_NUMBERS
    # Numbers first, each sentence's own (bounded by the budget, in text order), keeping those that
    # pass every filter but the one that depends on the sentence's mentions (`follower_ok`).
    shaped: list[list[Number]] = []
    any_shaped = False
    for (start, end), in_sentence in zip(sentences, numbers_in_spans(text, sentences), strict=True):
        if not in_sentence:  # most sentences
            shaped.append(in_sentence)
            continue
        if len(in_sentence) > budget:
            in_sentence = in_sentence[:budget]
        budget -= len(in_sentence)
        kept = [n for n in in_sentence if score_shaped(text, n, start, end)]
        any_shaped = any_shaped or bool(kept)
        shaped.append(kept)
    if not any_shaped:  # no number that could be a score: no claim
        return []
    # Most papers with such numbers make no claim (no benchmark near them): the paper's system and own
    # benchmark are worked out only when a rule reads them.
    context = _once(lambda: paper_context(paper))
    own_names = _OwnNames(context)
    # each sentence's mentions, searched where a rule reads them: a sentence with numbers, and the two
    # before one naming no benchmark when a rule looks back ("respectively", carried comparisons)
    mentions = _Mentions(text, sentences, index, own_names)
    candidates: list[list[Candidate]] = []
    for number, (_start, end) in enumerate(sentences):
        if not shaped[number]:
            candidates.append([])
            continue
        found = mentions[number]
        starts = {m.start for m in found}
        numbers = [n for n in shaped[number]
                   if not any(m.start <= n.start < m.end for m in found) and follower_ok(text, n, end, starts)]
        candidates.append([Candidate(n, number) for n in numbers])

    home = _once(lambda: _home_mention(text, registry))
    for s, (start, end) in enumerate(sentences):
        if not candidates[s]:  # every rule ties candidates: none, nothing to do
            continue
        attach_in_sentence(text, start, end, mentions[s], candidates[s])
        attach_respectively(text, start, end, s, mentions, candidates[s])
        attach_carried(text, start, end, s, mentions, candidates[s], lambda: context().system)
        attach_home(text, start, end, mentions[s], candidates[s], home)

    claims = []
    seen = set()
    for s, (start, end) in enumerate(sentences):
        sentence_candidates = candidates[s]
        if all(cand.mention is None for cand in sentence_candidates):  # no claim: no kind or list to read
            continue
        kinds: list[str] = []
        written_metric: list[str | None] = [None]
        slots = _list_slots(text, sentence_candidates)
        for i, cand in enumerate(sentence_candidates):
            before = text[max(start, cand.number.start - 60):cand.number.start]
            after = text[cand.number.end:min(end, cand.number.end + 60)]
            kinds.append(kind_of(text, start, cand, sentence_candidates[:i], kinds, before, after))
            if cand.mention is None:
                continue
            for mention in (cand.mention, *cand.also):
                cand.mention = mention
                claim = _claim(text, start, end, cand, kinds[-1], context(), registry, slots[i])
                if claim is None:
                    continue
                # "a WER of 0.81% and 0.77%": a list shares the metric written once
                if claim.metric_implied and i > 0 and written_metric[0] is not None \
                        and GROUP_SEP.match(text[sentence_candidates[i - 1].number.end:cand.number.start]):
                    claim = replace(claim, metric=written_metric[0], metric_implied=False)
                written_metric[0] = None if claim.metric_implied else claim.metric
                key = (claim.value, claim.benchmark or claim.benchmark_text.lower(), claim.kind, claim.metric.lower())
                if key in seen:  # the same figure restated later in the abstract
                    continue
                seen.add(key)
                claims.append(_shared_base(claim, claims, start))
                if trace is not None:
                    trace.append((claims[-1], cand.rule))
    return sorted(claims, key=lambda c: (c.start, c.end, c.value))


def _once(compute: Callable[[], T]) -> Callable[[], T]:
    """`compute()`, worked out on the first call only. Not `functools.cache`: it is made twice per paper,
    and copying the wrapped function's attributes cost more than the calls it saves."""
    value: list[T] = []

    def once() -> T:
        if not value:
            value.append(compute())
        return value[0]

    return once


class _Mentions(Sequence):
    """The benchmark mentions of each sentence of `text`, searched on first reading."""

    def __init__(self, text: str, sentences: list[tuple[int, int]], index: BenchmarkIndex, own_names: _OwnNames):
        self.text, self.sentences, self.index, self.own_names = text, sentences, index, own_names
        self.searched: list[list[Mention] | None] = [None] * len(sentences)

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, k: int) -> list[Mention]:  # one sentence; no slices
        found = self.searched[k]
        if found is None:
            start, end = self.sentences[k]
            found = self.index.find(self.text, start, end)
            found = sorted(found + find_unknown(self.text, start, end, found, self.own_names), key=lambda m: m.start)
            self.searched[k] = found
        return found


class _OwnNames:
    """`ModelContext.own_names` as a container, the context worked out on the first lookup."""

    def __init__(self, context: Callable[[], ModelContext]):
        self.context = context

    def __contains__(self, name: object) -> bool:
        return name in self.context().own_names


def _home_mention(text: str, registry: Registry) -> Mention | None:
    """The benchmark the paper introduces, as a mention at the place it is introduced."""
    home = home_benchmark(text)
    if home is None:
        return None
    home_start, home_end = home
    benchmark = registry.lookup(text[home_start:home_end])
    return Mention(home_start, home_end, text[home_start:home_end], benchmark.id if benchmark else None)


def _shared_base(claim: Claim, claims: list[Claim], sentence_start: int) -> Claim:
    """"79.4% top-1 accuracy with a ResNet-50 ..., which is a +1.8% improvement": a sentence's later claim
    of the same system keeps the base model named for an earlier one."""
    if claim.base_model is not None or claim.model.startswith("("):
        return claim
    earlier = next((c for c in reversed(claims) if c.start >= sentence_start and c.model == claim.model
                    and c.base_model is not None), None)
    return replace(claim, base_model=earlier.base_model) if earlier else claim


def _list_slots(text: str, cands: list[Candidate]) -> list[ListSlot]:
    """Each candidate's place in the list of numbers it is written in ("40% and 39%")."""
    slots = []
    for group in number_lists(text, cands):
        slots += [ListSlot(i, len(group), group[0].number.start) for i in range(len(group))]
    return slots


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


def _claim(text: str, start: int, end: int, cand: Candidate, kind: str, context: ModelContext,
           registry: Registry, slot: ListSlot) -> Claim | None:
    n, m = cand.number, cand.mention
    assert m is not None
    before = text[max(start, n.start - 60):n.start]
    after = text[n.end:min(end, n.end + 60)]
    value = n.value
    unit = n.unit
    if kind != "delta" and unit == "points":
        unit = None
    benchmark = registry.get(m.benchmark) if m.benchmark else None
    metric, implied = metric_of(text, n, m, before, after, benchmark, unit)
    if benchmark is not None and kind != "delta":
        reg_metric = benchmark.metric(metric) if not implied else benchmark.default_metric
        if reg_metric is not None and not reg_metric.accepts(value):
            return None
    span_start = min(n.start, m.start) if cand.rule in ("after", "before", "paren") else n.start
    span_end = max(n.end, m.end) if cand.rule in ("after", "before", "paren") else n.end
    if cand.rule in ("respectively", "carried", "home") or span_end - span_start > 160:
        span_start, span_end = _clause_span(text, start, end, n)
    who = attribute(text, start, end, n, kind, before, after, context, slot, cand.rule,
                    lambda name: registry.lookup(name) is not None)
    model, params = tidy_model(who.model, who.params, kind, context, registry, who.as_written)
    confidence = who.confidence if not model.startswith("(") else "low"
    # A base model named last in its sentence is found with the sentence's full stop ("for Llama-3.1-8b.").
    base_model = who.base_model.rstrip(".,;:") if who.base_model and who.base_model != model else None
    setting = setting_of(text, start, end, span_start, span_end)
    return Claim(
        model=model,
        benchmark=m.benchmark,
        benchmark_text=with_split(text, start, m.start, with_direction(text, start, end, m.text, benchmark)),
        metric=metric,
        value=value,
        unit=unit,
        setting=setting,
        params=params,
        kind=kind,
        evidence=text[span_start:span_end],
        start=span_start,
        end=span_end,
        qualifier=qualifier_of(before),
        metric_implied=implied,
        base_model=base_model,
        confidence=confidence,
    )


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
