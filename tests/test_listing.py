"""listing: the JSON listing format written by `fetch` and read by `ingest`."""

from __future__ import annotations

import json

import pytest

from leaderboard.errors import ListingError
from leaderboard.sources.ingest import parse_listing
from leaderboard.sources.listing import (
    listing_paper,
    parse_api_listing,
    render_listing,
    write_listing,
    write_text_atomic,
)

GAZAL = listing_paper("Gazal-R1:  Medical\nReasoning", "We present  Gazal-R1,\na model.", arxiv_id="2506.21594",
                      hf_id="2506.21594", published="2025-06-18", authors=["A", "B", "C"], organization="NVIDIA",
                      upvotes=7)
OTHER = listing_paper("Another Paper", "Its abstract.")


def test_render_puts_the_header_on_line_one_and_one_paper_a_line():
    text = render_listing("hf-daily-papers", {"date": "2025-06-30"}, [GAZAL, OTHER])
    lines = text.splitlines()
    assert lines[0] == ('{"format": "leaderboard-listing", "version": 1, "source": "hf-daily-papers", '
                        '"query": {"date": "2025-06-30"}, "papers": [')
    assert [json.loads(line.rstrip(",")) for line in lines[1:3]] == [GAZAL, OTHER]
    assert lines[3] == "]}"
    assert list(GAZAL) == ["arxiv_id", "hf_id", "title", "abstract", "published", "authors", "organization", "upvotes"]
    assert GAZAL["title"] == "Gazal-R1: Medical Reasoning" and GAZAL["abstract"] == "We present Gazal-R1, a model."


def test_a_rendered_listing_reads_back_with_lines_and_external_ids():
    text = render_listing("arxiv", {"id": "2506.21594"}, [GAZAL, OTHER])
    gazal, other = parse_listing(text, "data/x.json")
    assert (gazal.title, gazal.published, gazal.authors, gazal.organization, gazal.upvotes) == (
        "Gazal-R1: Medical Reasoning", "2025-06-18", 3, "NVIDIA", 7)
    assert gazal.external_ids == {"arxiv": "2506.21594", "hf": "2506.21594"}
    assert [p.sources[0].line for p in (gazal, other)] == [2, 3]
    assert other.external_ids == {} and other.authors is None


def test_an_empty_listing_reads_as_no_papers():
    assert parse_api_listing(render_listing("hf-daily-papers", {"date": "2025-06-29"}, []), "x.json") == []


def test_authors_may_be_a_count():
    [paper] = parse_api_listing(render_listing("x", {}, [listing_paper("T", "A", authors=4)]), "x.json")
    assert paper.authors == 4


@pytest.mark.parametrize(("change", "message"), [
    ({"upvotes": "7"}, "/papers/0/upvotes: expected an integer, got str"),
    ({"upvotes": True}, "/papers/0/upvotes: expected an integer, got bool"),
    ({"authors": [1, 2]}, "/papers/0/authors: expected a number or a list of names, got list"),
    ({"arxiv_id": 2506.21594}, "/papers/0/arxiv_id: expected a string, got float"),
    ({"published": "Jun 18, 2025"}, "/papers/0/published: 'Jun 18, 2025' is not an ISO date"),
    ({"published": "2025-02-30"}, "/papers/0/published: '2025-02-30' is not an ISO date"),
    ({"title": ""}, "/papers/0/title: missing or empty"),
])
def test_wrong_types_are_errors_with_file_line_and_pointer(change, message):
    text = render_listing("x", {}, [{**GAZAL, **change}])
    with pytest.raises(ListingError) as error:
        parse_api_listing(text, "data/x.json")
    assert str(error.value).startswith(f"data/x.json:2: {message}")


def test_a_newer_version_is_refused():
    text = render_listing("x", {}, [GAZAL]).replace('"version": 1', '"version": 2')
    with pytest.raises(ListingError, match=r"data/x.json:1: /version: listing version 2 is newer .* \(1\)"):
        parse_api_listing(text, "data/x.json")


def test_write_listing_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "deep" / "2025-06-30.json"
    write_listing(path, "hf-daily-papers", {"date": "2025-06-30"}, [GAZAL])
    write_listing(path, "hf-daily-papers", {"date": "2025-06-30"}, [OTHER])
    assert [p.name for p in path.parent.iterdir()] == ["2025-06-30.json"]
    assert [p.title for p in parse_api_listing(path.read_text(encoding="utf-8"), "x")] == ["Another Paper"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path):
    path = tmp_path / "listing.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "new \ud800")  # a lone surrogate cannot be written as UTF-8
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["listing.json"]
