"""Ingest: both dump formats, trailers, merging across listings, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaderboard.errors import ListingError
from leaderboard.ids import paper_id
from leaderboard.sources.ingest import embedded_corpus, ingest, parse_listing, parse_listing_file

FIXTURES = Path(__file__).parent / "fixtures" / "listings"


def by_title_prefix(papers, prefix):
    [paper] = [p for p in papers if p.title.startswith(prefix)]
    return paper


def test_page_dump_reads_authors_date_and_upvotes():
    papers = parse_listing_file(FIXTURES / "page.txt")
    gazal = by_title_prefix(papers, "Gazal-R1")
    assert gazal.authors == 3
    assert gazal.published == "2025-06-18"
    assert gazal.upvotes == 1
    assert gazal.abstract.endswith("79.6% on PubMedQA.")
    assert gazal.sources[0].line == 13


def test_page_dump_organization_line_and_partial_date():
    paper = by_title_prefix(parse_listing_file(FIXTURES / "page.txt"), "Nemotron Style")
    assert paper.organization == "NVIDIA"
    assert paper.authors is None
    # "Jan 19": the page shows no year and its capture date has none either: a partial ISO date.
    assert paper.published == "--01-19"
    assert paper.upvotes == 12


def test_page_dump_entry_without_trailer():
    papers = parse_listing_file(FIXTURES / "page.txt")
    relic = by_title_prefix(papers, "RELIC")
    assert relic.published is None and relic.authors is None
    assert relic.abstract.startswith("An entry without any trailer")
    # the entry after it is still read, with its own trailer
    assert by_title_prefix(papers, "Escapes and Unicode").published == "2023-10-12"
    assert len(papers) == 4


def test_tex_escapes_and_unicode_are_kept_verbatim():
    paper = by_title_prefix(parse_listing_file(FIXTURES / "page.txt"), "Escapes and Unicode")
    assert "54.1\\% on AlpacaEval" in paper.abstract
    assert "(\\eg, instruction tuning)" in paper.abstract
    assert "naïve baseline’s “quotes”" in paper.abstract
    assert paper.title == "Escapes and Unicode: TÜLU-Style Post-Training with 10\\% Gains"


def test_compact_dump_splits_glued_subscribe_prefix():
    papers = parse_listing_file(FIXTURES / "compact.txt")
    assert [p.title for p in papers] == [
        "Gazal-R1: Achieving State-of-the-Art Medical Reasoning with Parameter-Efficient Two-Stage Training",
        "PolyPrompt: Automating Knowledge Extraction from Multilingual Language Models with Dynamic Prompt Generation",
    ]
    assert papers[0].sources[0].line == 3 and papers[1].sources[0].line == 5
    assert papers[0].published is None


def test_paper_listed_twice_is_one_paper_with_both_sources_and_richest_metadata():
    papers = ingest([FIXTURES / "compact.txt", FIXTURES / "page.txt"])
    gazal = by_title_prefix(papers, "Gazal-R1")
    assert [Path(s.file).name for s in gazal.sources] == ["compact.txt", "page.txt"]
    assert gazal.authors == 3 and gazal.published == "2025-06-18"
    assert len(papers) == 5  # 2 compact + 4 page - 1 shared


def test_ids_are_stable_file_safe_and_match_the_gold_scheme():
    assert paper_id("TÜLU 3: Pushing Frontiers in Open Language Model Post-Training") == "05b3b76207"
    assert paper_id("Megatron-LM: Training  Multi-Billion") == paper_id("megatron lm training multi billion")
    for paper in ingest([FIXTURES / "page.txt"]):
        assert len(paper.id) == 10 and paper.id.isalnum()


def test_embedded_corpus_yields_every_distinct_paper_once():
    papers = ingest()
    assert len(embedded_corpus()) == 5
    assert len(papers) == 482
    assert len({p.id for p in papers}) == 482
    assert sum(len(p.sources) for p in papers) == 527
    gold_ids = {json.loads(line)["id"] for line in (Path(__file__).parent / "gold" / "dev.jsonl").open()}
    assert gold_ids <= {p.id for p in papers}


def test_embedded_sources_are_machine_independent():
    paper = next(p for p in ingest() if p.title.startswith("Megatron-LM"))
    assert {s.file for s in paper.sources} == {
        "corpus/daily-papers/000_eb557bd701ee8930.txt",
        "corpus/daily-papers/001_af6b2bb4a0ebc5d2.txt",
        "corpus/daily-papers/003_18e29d7cf14704c1.txt",
    }


def test_the_one_paper_whose_listings_differ_keeps_both_sources():
    paper = next(p for p in ingest() if p.title == "Baichuan Alignment Technical Report")
    assert len(paper.sources) == 2
    assert "hf-2025.pages.dev" in paper.abstract  # the longer of the two texts


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("empty.txt", None, "empty file"),
        ("blank.txt", None, "empty file"),
        ("binary.txt", None, "binary file"),
        ("no-abstract-page.txt", 11, "title with no abstract"),
        ("no-abstract-compact.txt", 4, "title with no abstract"),
        ("table.txt", 1, "not a known listing format"),
    ],
)
def test_malformed_listings_name_file_and_line(name, line, words):
    with pytest.raises(ListingError) as caught:
        parse_listing_file(FIXTURES / name)
    assert caught.value.file.endswith(name)
    assert caught.value.line == line
    assert words in str(caught.value)


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Title\nA caf\xe9 abstract".encode("latin-1"))
    with pytest.raises(ListingError, match="not UTF-8") as caught:
        parse_listing_file(path)
    assert caught.value.line == 2


def test_missing_input_is_a_clear_error(tmp_path):
    with pytest.raises(ListingError, match="no such file"):
        ingest([tmp_path / "nope.txt"])


def test_directory_input_reads_every_listing(tmp_path):
    for name in ("page.txt", "compact.txt"):
        (tmp_path / name).write_text((FIXTURES / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert len(ingest([tmp_path])) == 5


def test_crlf_line_endings_parse_like_lf():
    text = (FIXTURES / "page.txt").read_text(encoding="utf-8")
    assert parse_listing(text.replace("\n", "\r\n"), "x.txt") == parse_listing(text, "x.txt")
