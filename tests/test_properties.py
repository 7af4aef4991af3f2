"""Property-based tests (hypothesis) for the two stages that read text from strangers: ingest and extract.

For arbitrary text (and arbitrary bytes in a file), and for text built from the pieces the extractor
looks for (numbers, %, \\%, parentheses, registry benchmark names, model-like tokens, scoring words):

- nothing raises but the project's own errors (`LeaderboardError` subclasses);
- every claim's evidence is exactly `abstract[start:end]`;
- the output is the same on every run, and the same for `extract_all(jobs=1)` and `jobs=2`.

The budget is moderate (at most 200 examples a test, no example database written into the tree).
"""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaderboard.errors import LeaderboardError
from leaderboard.extract import extract_all, extract_claims
from leaderboard.models import KINDS, Paper
from leaderboard.sources.ingest import ingest, parse_listing, parse_listing_file
from leaderboard.store.registry import default_registry

REGISTRY = default_registry()
NAMES = sorted({n for b in REGISTRY for n in (b.id, b.name, *b.aliases)})

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------- strategies

NUMBERS = st.one_of(
    st.integers(0, 10_000).map(str),
    st.floats(0, 1000, allow_nan=False).map(lambda x: f"{x:.{len(str(x)) % 4}f}"),
    st.sampled_from(["87.1", "1,000", "0.5", ".5", "-2.5", "+3.1", "−1.2", "2024", "100", "3.8", "12"]),
)
WORDS = st.sampled_from([
    "on", "the", "achieves", "scores", "reaches", "a score of", "accuracy", "of", "vs.", "versus", "from", "to", "by",
    "improves", "outperforms", "compared to", "respectively", "and", ",", ".", ";", ":", "=", "points", "pp",
    "percentage points", "5-shot", "zero-shot", "CoT", "pass@1", "win rate", "benchmark", "dataset", "up to", "over",
    "about", "baseline", "We", "Our model", "Specifically,", "average", "tokens", "parameters", "faster", "x", "×",
    "[12]", "e.g.", "et al.", "Table 3", "v2", "\n", "\t", "\u00a0", "  ", "“", "”", "'", "’", "@", "#", "<b>", "&amp;",
])
MODELS = st.sampled_from([
    "Llama 3 8B", "Llama-3.1-8B-Instruct", "GPT-4", "GPT-4o", "phi-3-mini", "Gazal-R1", "Qwen2.5-7B", "Mixtral 8x7B",
    "TinyLM-350M", "o1", "DeepSeek-V3", "Model-X 1.5B", "7B", "3.8 billion parameter", "(prior SOTA)",
])
# Whole claim-shaped phrases, so that many examples do produce claims to check.
PHRASES = st.one_of(
    st.builds("{} {} {}% on {}".format, MODELS, st.sampled_from(["achieves", "scores", "reaches", "gets"]), NUMBERS,
              st.sampled_from(NAMES)),
    st.builds("{} ({}{})".format, st.sampled_from(NAMES), NUMBERS, st.sampled_from(["%", "\\%", "", " vs. 12.5"])),
    st.builds("improves {} by {} points".format, st.sampled_from(NAMES), NUMBERS),
    st.builds("{}% and {}% on {} and {}, respectively".format, NUMBERS, NUMBERS, st.sampled_from(NAMES),
              st.sampled_from(NAMES)),
    st.builds("from {}% to {}% on {}".format, NUMBERS, NUMBERS, st.sampled_from(NAMES)),
)
PIECES = st.one_of(
    PHRASES,
    NUMBERS,
    NUMBERS.map(lambda n: n + "%"),
    NUMBERS.map(lambda n: n + "\\%"),
    NUMBERS.map(lambda n: n + " %"),
    st.sampled_from(["%", "\\%", "(", ")", "((", "))", "[", "]", "-", "–", "—", "~", "/", "+", "."]),
    st.sampled_from(NAMES),
    st.sampled_from(NAMES).map(str.lower),
    st.sampled_from(NAMES).map(lambda n: f"({n})"),
    MODELS,
    WORDS,
    st.text(max_size=8),
)
SEPARATORS = st.sampled_from([" ", " ", " ", "", ", ", ". ", " (", ") ", "\n"])


@st.composite
def abstracts(draw) -> str:
    pieces = draw(st.lists(st.tuples(PIECES, SEPARATORS), max_size=60))
    text = "".join(piece + separator for piece, separator in pieces)
    return draw(st.sampled_from([text, text.strip(), text + "."]))


ANY_ABSTRACT = st.one_of(abstracts(), st.text(max_size=400))

# Listing-shaped text: lines a page or compact dump is made of, in any order, with blank lines.
LISTING_LINES = st.one_of(
    st.sampled_from([
        "", "", "", "Subscribe", "SubscribeA title", "Daily Papers", "New", "·", "• 6 authors", "1 author", "nvidia NVIDIA",
        "Jan 3, 2024 5", "Apr 16", "Feb 30", "Dec 31, 1999", "May 1 99999999999999999999", "{", "[", "}", "\ufeff",
        "A Title: With Words", "<script>alert(1)</script>",
        "We present a model that reaches 87.1% on MMLU and 50.2% on GSM8K in many of our settings here.",
        "word " * 12, "x" * 401,
    ]),
    st.text(max_size=80).map(lambda s: s.replace("\n", " ")),
)
LISTINGS = st.lists(LISTING_LINES, max_size=40).map("\n".join)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
PAPER_ENTRIES = st.dictionaries(
    st.sampled_from(["arxiv_id", "hf_id", "title", "abstract", "published", "authors", "organization", "upvotes", "x"]),
    JSON_VALUES, max_size=9)


@st.composite
def api_listings(draw) -> str:
    header = {"format": draw(st.sampled_from(["leaderboard-listing", "other", 1])),
              "version": draw(st.sampled_from([1, 2, 0, "1", None])),
              "source": draw(st.sampled_from(["hf-daily-papers", "arxiv", "x", None])),
              "query": draw(st.sampled_from([{}, {"date": "2025-06-30"}, {"id": "1909.08053"}, [], None])),
              "papers": draw(st.one_of(st.lists(PAPER_ENTRIES, max_size=4), JSON_VALUES))}
    if draw(st.booleans()):
        header = draw(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3)) | header
    text = json.dumps(header, ensure_ascii=draw(st.booleans()))
    cut = draw(st.integers(0, len(text)))
    return draw(st.sampled_from([text, text[:cut]]))


# ---------------------------------------------------------------- helpers


def check_claims(abstract: str, claims) -> None:
    """The invariants every extraction keeps."""
    for claim in claims:
        assert 0 <= claim.start <= claim.end <= len(abstract)
        assert claim.evidence == abstract[claim.start:claim.end]
        assert claim.evidence
        assert isinstance(claim.value, float | int) and math.isfinite(claim.value)
        assert claim.kind in KINDS
        assert claim.unit in (None, "%", "points")
        assert claim.benchmark is None or REGISTRY.get(claim.benchmark) is not None
        assert claim.model and claim.metric and claim.benchmark_text
    assert [c.start for c in claims] == sorted(c.start for c in claims)


def extract_or_none(paper: Paper):
    try:
        return extract_claims(paper, REGISTRY)
    except LeaderboardError:
        return None  # the project's own error: allowed


def parse_or_none(text: str, file: str = "h.txt"):
    try:
        return parse_listing(text, file)
    except LeaderboardError:
        return None


# ---------------------------------------------------------------- extract


@SETTINGS
@given(abstract=ANY_ABSTRACT, title=st.one_of(st.text(max_size=60), MODELS))
def test_extract_claims_on_arbitrary_abstracts(abstract, title):
    paper = Paper("p", title, abstract)
    first = extract_or_none(paper)
    if first is None:
        return
    check_claims(abstract, first)
    assert extract_or_none(paper) == first  # deterministic


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(ANY_ABSTRACT, min_size=2, max_size=12))
def test_extract_all_is_the_same_for_any_number_of_jobs(texts):
    papers = [Paper(f"p{i:03d}", f"Paper {i}", text) for i, text in enumerate(texts)]
    one = extract_all(papers, REGISTRY, jobs=1)
    two = extract_all(papers, REGISTRY, jobs=2)
    assert one == two
    assert list(one) == list(two) == [p.id for p in papers]
    for paper in papers:
        check_claims(paper.abstract, one[paper.id])


def test_extract_all_on_the_embedded_corpus_is_the_same_for_any_number_of_jobs():
    papers = ingest(None)[:120]
    assert extract_all(papers, REGISTRY, jobs=1) == extract_all(papers, REGISTRY, jobs=2)


# ---------------------------------------------------------------- ingest


@SETTINGS
@given(text=st.one_of(st.text(max_size=600), LISTINGS, api_listings()))
def test_parse_listing_on_arbitrary_text(text):
    papers = parse_or_none(text)
    if papers is None:
        return
    if text.lstrip()[:1] not in ("{", "["):
        assert papers, "a page dump that parses has papers (an empty one is an error)"
    assert parse_or_none(text) == papers  # deterministic
    for paper in papers:
        assert isinstance(paper.title, str) and paper.title.strip()
        assert isinstance(paper.abstract, str) and paper.abstract.strip()
        assert len(paper.id) == 10 and all(c in "0123456789abcdef" for c in paper.id)
        for claim_list in (extract_or_none(paper),):
            if claim_list is not None:
                check_claims(paper.abstract, claim_list)


@SETTINGS
@given(text=LISTINGS)
def test_page_dump_text_is_kept_exactly(text):
    papers = parse_or_none(text)
    lines = {line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")}
    for paper in papers or ():
        assert paper.abstract in lines  # the abstract is a listed line, character for character


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=400), LISTINGS.map(str.encode), api_listings().map(str.encode),
                      st.text(max_size=200).map(lambda s: s.encode("utf-16"))),
       suffix=st.sampled_from([".txt", ".json"]))
def test_arbitrary_bytes_in_a_listing_file(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("listing") / f"listing{suffix}"
    path.write_bytes(data)
    try:
        first = parse_listing_file(path)
    except LeaderboardError as exc:
        assert str(path) in str(exc) or path.name in str(exc)  # the message names the file
        return
    assert parse_listing_file(path) == first
    assert ingest([path]) == ingest([path.parent])
