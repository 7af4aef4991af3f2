"""The cache's value encoding (leaderboard.cache_codec): JSON decoded by the declared type, which
round-trips every kind the build keeps, field types included, and rejects data of another shape."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from leaderboard.cache_codec import CacheFormatError, build_kinds, codec_for
from leaderboard.models import Claim, Issue, Paper, ResultFile, Source, StoredClaim
from leaderboard.render.chart import Chart, Point

PAPER = Paper("2401.00001", "A title with \"quotes\" and é", "An abstract.\nTwo lines \ud800 (a lone surrogate)",
              published="--01-19", authors=3, organization=None, upvotes=0,
              sources=(Source("data/a.txt", 4), Source("data/b.json", 17)), external_ids={"arxiv": "2401.00001"})
CLAIM = Claim("GPT-4o", "mmlu", "MMLU", "accuracy", 88.7, "%", "5-shot", "8B", "absolute", "88.7% on MMLU", 3, 16,
              qualifier="up to", metric_implied=True, base_model="Llama-3-8B", confidence="high")
INT_CLAIM = dataclasses.replace(CLAIM, value=5, unit=None, setting=None, params=None, qualifier=None, base_model=None,
                                confidence=None, metric_implied=False)
RESULT = ResultFile(PAPER, (StoredClaim("c1", "verified", CLAIM, note="checked", source_url="https://x.org"),
                            StoredClaim("c2", "extracted", INT_CLAIM)), path="results/2401.00001.json")
ISSUE = Issue("value-out-of-range", "error", "results/x.json", "/claims/0/value", "too big", hint="fix it")
CHART = Chart(Markup('<svg id="chart-x"><title>&lt;T&gt;</title></svg>'),
              (Point(dt.date(2024, 1, 2), 88.7, "GPT-4o", "2401.00001", 1), Point(dt.date(2024, 3, 4), 90, "M", "p", 2)),
              3, "State of the art")

EXAMPLES = {
    "validated": (RESULT, [ISSUE, dataclasses.replace(ISSUE, hint=None)], 1),
    "claims": [CLAIM, INT_CLAIM],
    "ingested": ("2401.00001", "b"),
    "listings": [PAPER, Paper("x", "t", "a")],
    "charts": CHART,
    "entry-keys": {"gpt-4o": "abc", "m": "def"},
    "site": {"site": "/tmp/site", "pages": {"index.html": ("key", 120, 1_700_000_000_123_456_789)}},
    "table-json": {"mmlu--accuracy": '{"a": 1}'},
}


def _same(a: object, b: object) -> bool:
    """Equal, and of the same types all the way down (a tuple is not a list, Markup not str, 5 not 5.0)."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def test_every_kind_the_build_keeps_has_an_example():
    assert EXAMPLES.keys() == build_kinds().keys()


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_kind_round_trips_with_its_field_types(kind):
    codec = codec_for(build_kinds()[kind])
    text = codec.dumps(EXAMPLES[kind])
    json.loads(text)  # plain JSON
    assert _same(codec.loads(text), EXAMPLES[kind])


def test_the_markup_of_a_chart_stays_markup_and_floats_stay_exact():
    codec = codec_for(Chart)
    back = codec.loads(codec.dumps(CHART))
    assert isinstance(back.svg, Markup) and back.svg == CHART.svg
    claims = codec_for(list[Claim])
    odd = [dataclasses.replace(CLAIM, value=v) for v in (0.1 + 0.2, 1e-310, -0.0, math.inf, math.nan, 10**20)]
    assert _same(claims.loads(claims.dumps(odd)), odd)


text_strategy = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF))  # surrogates included
optional_text = st.none() | text_strategy
claims_strategy = st.builds(
    Claim, model=text_strategy, benchmark=optional_text, benchmark_text=text_strategy, metric=text_strategy,
    value=st.floats() | st.integers(), unit=optional_text, setting=optional_text, params=optional_text,
    kind=text_strategy, evidence=text_strategy, start=st.integers(), end=st.integers(), qualifier=optional_text,
    metric_implied=st.booleans(), base_model=optional_text, confidence=optional_text)
papers_strategy = st.builds(
    Paper, id=text_strategy, title=text_strategy, abstract=text_strategy, published=optional_text,
    authors=st.none() | st.integers(), organization=optional_text, upvotes=st.none() | st.integers(),
    sources=st.lists(st.builds(Source, text_strategy, st.integers())).map(tuple),
    external_ids=st.dictionaries(text_strategy, text_strategy))
results_strategy = st.builds(
    ResultFile, paper=papers_strategy,
    claims=st.lists(st.builds(StoredClaim, text_strategy, text_strategy, claims_strategy, optional_text,
                              optional_text)).map(tuple),
    path=optional_text)


@given(results_strategy, st.lists(st.builds(Issue, text_strategy, text_strategy, text_strategy, text_strategy,
                                             text_strategy, optional_text)), st.integers())
def test_any_validated_outcome_round_trips(result, issues, dropped):
    codec = codec_for(build_kinds()["validated"])
    value = (result, issues, dropped)
    assert _same(codec.loads(codec.dumps(value)), value)


@given(st.dictionaries(text_strategy, st.tuples(text_strategy, st.integers(), st.integers() | st.floats())))
def test_a_dict_of_plain_tuples_stored_as_columns_round_trips(pages):
    # The manifest's shape: stored as [keys, column, column, column], decoded by zip alone.
    codec = codec_for(dict[str, tuple[str, int, float]])
    assert _same(codec.loads(codec.dumps(pages)), pages)
    assert _same(json.loads(codec.dumps(pages)), [list(pages), *([list(c) for c in zip(*pages.values(), strict=True)] or [[]] * 3)])


@given(st.lists(st.none() | results_strategy.map(lambda result: (result, [], 0))))
def test_loads_many_gives_what_loads_gives_one_by_one(outcomes):
    codec = codec_for(build_kinds()["validated"])
    texts = [None if outcome is None else codec.dumps(outcome) for outcome in outcomes]
    refusals: list = []
    assert _same(codec.loads_many(iter(texts), refusals.append),
                 [None if text is None else codec.loads(text) for text in texts])
    assert refusals == []


def test_loads_many_refuses_a_value_of_another_shape_and_goes_on():
    codec = codec_for(list[Claim])
    refusals: list = []
    good = codec.dumps([CLAIM])
    values = codec.loads_many([good, "[[1, 2]]", "[] extra", "not json", None, good], refusals.append)
    assert values[1:5] == [None] * 4 and _same(values[0], [CLAIM]) and _same(values[5], [CLAIM])
    assert len(refusals) == 3 and all(isinstance(r, CacheFormatError) for r in refusals)


@pytest.mark.parametrize("kind, text", [
    ("claims", '{"not": "a list"}'),
    ("claims", "[[1, 2]]"),  # a Claim of two fields
    ("validated", "[1, 2]"),
    ("charts", '[null, [["2024-13-45", 1, "m", "p", 1]], 0, "d"]'),  # not a date
    ("site", '{"site": "x", "pages": {"a": [1, 2]}}'),  # not columns
    ("site", '{"site": "x", "pages": [["a"], ["k"], [1]]}'),  # a column missing
    ("site", '{"site": "x", "pages": [["a", "b"], ["k"], [1], [2]]}'),  # columns of different lengths
    ("site", '{"site": "x", "other": 1}'),
    ("entry-keys", "[]"),
    ("ingested", "not json"),
])
def test_data_of_another_shape_is_refused(kind, text):
    with pytest.raises(CacheFormatError):
        codec_for(build_kinds()[kind]).loads(text)


def test_decoding_makes_only_the_declared_classes():
    """Whatever the data says, the decoded value is made of the declared types: no class name,
    no constructor, nothing in the data chooses what is built."""
    codec = codec_for(list[Claim])
    evil = json.dumps([{"__class__": "os.system", "args": ["echo hi"]}])
    with pytest.raises(CacheFormatError):
        codec.loads(evil)
    assert codec_for(dict[str, str]).loads('{"__reduce__": "os.system"}') == {"__reduce__": "os.system"}


def test_a_type_the_codec_cannot_store_is_refused_when_declared():
    with pytest.raises(TypeError, match="cannot store"):
        codec_for(set[str])
