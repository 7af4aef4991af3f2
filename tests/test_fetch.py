"""fetch: against a real local HTTP server (pytest-httpserver) serving recorded-shape responses."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from urllib3.util import Retry
from werkzeug import Response

from leaderboard.errors import FetchError
from leaderboard.sources import fetch
from leaderboard.sources.ingest import ingest
from leaderboard.sources.listing import parse_api_listing

FIXTURES = Path(__file__).parent / "fixtures" / "api"
JUNE_30 = date(2025, 6, 30)
JULY_1 = date(2025, 7, 1)
TODAY = date(2025, 8, 1)  # every fixture date is over, so cached listings count as final


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def serve_daily(httpserver, day: date, name: str, **kwargs) -> None:
    content_type = "text/html" if name.endswith(".html") else "application/json"
    httpserver.expect_request("/api/daily_papers", query_string={"date": day.isoformat()}).respond_with_data(
        fixture_text(name), content_type=content_type, **kwargs)


class Sleeps(list):
    """An injected sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def api_url(httpserver) -> str:
    return httpserver.url_for("").rstrip("/")


def fetch_days(days, data_dir, api_url, sleeps, progress=None, refresh=False, **settings):
    """Daily Papers of `days`; `settings` are HttpSettings' (timeout, retries, cache_dir)."""
    http = fetch.HttpSettings(sleep=sleeps, **settings)
    return fetch.fetch_daily_papers(days, data_dir, api_url, http, progress, refresh=refresh, today=TODAY)


def requested_dates(httpserver) -> list[str]:
    return [request.args.get("date") for request, _ in httpserver.log]


# --- Daily Papers ----------------------------------------------------------------------------


def test_a_date_becomes_one_listing_in_the_documented_format(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")

    summary = fetch_days([JUNE_30], tmp_path, api_url, sleeps)

    path = tmp_path / "hf-daily-papers" / "2025-06-30.json"
    assert summary == fetch.FetchSummary(written=(path,), cached=(), papers=2)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert {k: document[k] for k in ("format", "version", "source", "query")} == {
        "format": "leaderboard-listing", "version": 1, "source": "hf-daily-papers", "query": {"date": "2025-06-30"}}
    gazal, adapters = document["papers"]
    assert gazal["arxiv_id"] == gazal["hf_id"] == "2506.21594"
    assert gazal["published"] == "2025-06-18"  # the paper's date, not the day it was listed
    assert gazal["authors"] == ["Ahmed M. Adly", "Mostafa Samy", "Amr Fawzy"]
    assert gazal["organization"] is None and gazal["upvotes"] == 7
    assert "\n" not in gazal["abstract"]
    assert adapters["organization"] == "NVIDIA"
    # one paper a line, so ingest can name the line of each paper
    assert [p.sources[0].line for p in parse_api_listing(path.read_text(encoding="utf-8"), "x")] == [2, 3]


def test_requests_name_the_tool_and_ask_for_json(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("leaderboard/")
    assert request.headers["Accept"] == "application/json"


def test_items_with_fields_at_the_top_level_are_read_too(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_top_level.json")
    fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    [paper] = json.loads((tmp_path / "hf-daily-papers" / "2025-06-30.json").read_text())["papers"]
    assert paper == {"arxiv_id": "2406.12345", "hf_id": "2406.12345",
                     "title": "Flat Items: Mirrors That Put Every Field at the Top Level",
                     "abstract": paper["abstract"], "published": "2024-06-18",
                     "authors": ["Ada Lovelace", "Charles Babbage"], "organization": "Analytical Engines", "upvotes": 2}


def test_a_day_without_papers_is_a_finished_day(httpserver, api_url, tmp_path, sleeps):
    httpserver.expect_request("/api/daily_papers").respond_with_json([])
    assert fetch_days([JUNE_30], tmp_path, api_url, sleeps).papers == 0
    assert fetch_days([JUNE_30], tmp_path, api_url, sleeps).cached == (tmp_path / "hf-daily-papers" / "2025-06-30.json",)
    assert len(httpserver.log) == 1
    assert ingest([tmp_path]) == []


def test_a_range_skips_the_dates_already_fetched(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JULY_1, "daily_papers_2025-07-01.json")
    cached = tmp_path / "hf-daily-papers" / "2025-06-30.json"
    cached.parent.mkdir(parents=True)
    cached.write_text("left as it is", encoding="utf-8")
    progress = []

    summary = fetch_days(fetch.date_range(JUNE_30, JULY_1), tmp_path, api_url, sleeps,
                         progress=lambda item, outcome: progress.append((item, outcome)))

    assert requested_dates(httpserver) == ["2025-07-01"]
    assert summary.cached == (cached,) and summary.written == (tmp_path / "hf-daily-papers" / "2025-07-01.json",)
    assert cached.read_text(encoding="utf-8") == "left as it is"
    assert progress == [("2025-06-30", "cached"), ("2025-07-01", "fetched")]


def test_refresh_fetches_again(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    summary = fetch_days([JUNE_30], tmp_path, api_url, sleeps, refresh=True)
    assert len(summary.written) == 1 and len(httpserver.log) == 2


def test_a_day_that_is_not_over_is_fetched_again(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    for _ in range(2):
        fetch.fetch_daily_papers([JUNE_30], tmp_path, api_url=api_url, http=fetch.HttpSettings(sleep=sleeps), today=JUNE_30)
    assert len(httpserver.log) == 2


def test_an_interrupted_range_resumes_after_the_last_finished_date(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    httpserver.expect_oneshot_request("/api/daily_papers", query_string={"date": "2025-07-01"}).respond_with_data(
        "[{\"paper\": {\"id\": \"2507.0", content_type="application/json")
    serve_daily(httpserver, JULY_1, "daily_papers_2025-07-01.json")
    days = fetch.date_range(JUNE_30, JULY_1)

    with pytest.raises(FetchError, match=r"1 listing\(s\) written before this are kept"):
        fetch_days(days, tmp_path, api_url, sleeps)
    assert [p.name for p in (tmp_path / "hf-daily-papers").iterdir()] == ["2025-06-30.json"]  # no temp files

    summary = fetch_days(days, tmp_path, api_url, sleeps)
    assert [p.name for p in summary.written] == ["2025-07-01.json"] and len(summary.cached) == 1
    assert requested_dates(httpserver) == ["2025-06-30", "2025-07-01", "2025-07-01"]


def test_raw_responses_in_the_cache_dir_are_read_offline(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    cache = tmp_path / "cache"
    fetch_days([JUNE_30], tmp_path / "one", api_url, sleeps, cache_dir=cache)
    summary = fetch_days([JUNE_30], tmp_path / "two", api_url, sleeps, cache_dir=cache)
    assert summary.papers == 2 and len(httpserver.log) == 1
    assert (tmp_path / "one" / "hf-daily-papers" / "2025-06-30.json").read_bytes() == \
        (tmp_path / "two" / "hf-daily-papers" / "2025-06-30.json").read_bytes()


# --- robust HTTP -----------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(httpserver, api_url, tmp_path, sleeps):
    httpserver.expect_oneshot_request("/api/daily_papers").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"})
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    assert fetch_days([JUNE_30], tmp_path, api_url, sleeps).papers == 2
    assert sleeps == [7.0] and len(httpserver.log) == 2


def test_a_retry_after_longer_than_the_cap_gives_up_at_once(httpserver, api_url, tmp_path, sleeps):
    httpserver.expect_request("/api/daily_papers").respond_with_data(
        "", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match=r"HTTP 503 .*asks to wait 3600 s .*try again later"):
        fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    assert sleeps == [] and len(httpserver.log) == 1


def test_500_twice_then_success_backs_off_exponentially(httpserver, api_url, tmp_path, sleeps):
    for _ in range(2):
        httpserver.expect_ordered_request("/api/daily_papers").respond_with_data("oops", status=500)
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    assert fetch_days([JUNE_30], tmp_path, api_url, sleeps).papers == 2
    assert sleeps == [1.0, 2.0] and len(httpserver.log) == 3


def test_5xx_until_the_retries_run_out_is_a_clear_error(httpserver, api_url, tmp_path, sleeps):
    httpserver.expect_request("/api/daily_papers").respond_with_data("oops", status=502)
    with pytest.raises(FetchError) as error:
        fetch_days([JUNE_30], tmp_path, api_url, sleeps, retries=2)
    assert str(error.value) == f"GET {api_url}/api/daily_papers?date=2025-06-30: HTTP 502 BAD GATEWAY (gave up after 3 attempts)"
    assert len(httpserver.log) == 3 and not (tmp_path / "hf-daily-papers").exists()


def test_503_then_success_waits_once(httpserver, api_url, tmp_path, sleeps):
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_data("busy", status=503)
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    assert fetch_days([JUNE_30], tmp_path, api_url, sleeps).papers == 2
    assert sleeps == [1.0] and len(httpserver.log) == 2


def test_429_with_an_http_date_waits_until_then(httpserver, api_url, tmp_path, sleeps):
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    httpserver.expect_oneshot_request("/api/daily_papers").respond_with_data(
        "slow down", status=429, headers={"Retry-After": later})
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    assert fetch_days([JUNE_30], tmp_path, api_url, sleeps).papers == 2
    assert len(sleeps) == 1 and 17 < sleeps[0] <= 20 and len(httpserver.log) == 2


def test_an_http_date_beyond_the_cap_gives_up_at_once(httpserver, api_url, tmp_path, sleeps):
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    httpserver.expect_request("/api/daily_papers").respond_with_data("", status=429, headers={"Retry-After": later})
    with pytest.raises(FetchError, match=r"HTTP 429 .*asks to wait 7[12]\d\d s \(more than 60 s\): try again later"):
        fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    assert sleeps == [] and len(httpserver.log) == 1


def test_the_retries_are_urllib3s_mounted_on_the_session():
    session = fetch.new_session()
    fetch.HttpClient(session, retries=3)
    for prefix in ("http://", "https://"):
        retry = session.get_adapter(prefix + "example.org").max_retries
        assert isinstance(retry, Retry) and retry.total == 3
        assert retry.is_retry("GET", 503) and retry.is_retry("GET", 429) and not retry.is_retry("GET", 404)


def test_a_client_error_is_not_retried(httpserver, api_url, tmp_path, sleeps):
    httpserver.expect_request("/api/daily_papers").respond_with_data("no", status=404)
    with pytest.raises(FetchError, match="HTTP 404 NOT FOUND"):
        fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    assert len(httpserver.log) == 1 and sleeps == []


def test_a_slow_server_hits_the_read_timeout_then_gives_up(httpserver, api_url, tmp_path, sleeps):
    def slow(request):
        time.sleep(0.6)
        return Response("[]", content_type="application/json")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"no answer within 0.2 s \(timeout\) \(gave up after 2 attempts\)"):
        fetch_days([JUNE_30], tmp_path, api_url, sleeps, timeout=0.2, retries=1)
    assert sleeps == [1.0]  # one backoff between the two attempts
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0),
    ("Fri, 01 Aug 2025 12:00:30 GMT", 30.0),
    ("Fri, 01 Aug 2025 11:00:00 GMT", 0.0),  # in the past: no wait
    ("soon", None),
    (None, None),
])
def test_retry_after_reads_seconds_and_http_dates(value, seconds):
    now = datetime(2025, 8, 1, 12, 0, 0, tzinfo=UTC)
    assert fetch.retry_after_seconds(value, now=now) == seconds


# --- bad responses ---------------------------------------------------------------------------


def test_html_instead_of_json_is_a_clear_error(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_error_page.html")
    with pytest.raises(FetchError) as error:
        fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    assert str(error.value).startswith(f"{api_url}/api/daily_papers?date=2025-06-30: expected JSON, got HTML")


def test_truncated_json_is_a_clear_error(httpserver, api_url, tmp_path, sleeps):
    text = fixture_text("daily_papers_2025-06-30.json")
    httpserver.expect_request("/api/daily_papers").respond_with_data(text[: len(text) // 2],
                                                                     content_type="application/json")
    with pytest.raises(FetchError, match=r"2025-06-30: invalid JSON at line \d+ column \d+: .*\(truncated response\?\)"):
        fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    assert not (tmp_path / "hf-daily-papers").exists()


def test_a_missing_title_is_named_by_its_json_pointer(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_missing_title.json")
    with pytest.raises(FetchError) as error:
        fetch_days([JUNE_30], tmp_path, api_url, sleeps)
    assert str(error.value) == (f"{api_url}/api/daily_papers?date=2025-06-30: /1/paper/title: missing "
                                "(every paper needs a 'title')")


@pytest.mark.parametrize(("document", "message"), [
    ({"papers": []}, "expected a JSON list of papers, got an object"),
    (["x"], "/0: expected an object, got a string"),
    ([{"paper": []}], "/0/paper: expected an object, got a list"),
    ([{"paper": {"id": "2406.1", "title": "T", "summary": "S", "upvotes": "many"}}],
     "/0/paper/upvotes: expected an integer, got a string"),
    ([{"paper": {"id": "2406.1", "title": "T", "summary": "S", "authors": [{"name": 3}]}}],
     "/0/paper/authors/0: expected an author name, got an object"),
    ([{"paper": {"id": "2406.1", "title": "T", "summary": "S", "publishedAt": "yesterday"}}],
     "/0/paper/publishedAt: 'yesterday' is not an ISO date"),
    ([{"paper": {"title": "T", "summary": "S"}}], "/0/paper/id: missing"),
    ([{"id": "2406.1", "title": "T", "summary": " "}], "/0/summary: empty"),
])
def test_wrong_shapes_are_named_by_their_json_pointer(httpserver, api_url, tmp_path, sleeps, document, message):
    httpserver.expect_request("/api/daily_papers").respond_with_json(document)
    with pytest.raises(FetchError, match="^" + api_url.replace(".", r"\.") + r".*: " + message.replace("(", r"\(")
                       .replace("[", r"\[")):
        fetch_days([JUNE_30], tmp_path, api_url, sleeps)


# --- arXiv -----------------------------------------------------------------------------------


def serve_arxiv(httpserver, id_list: str, max_results: int, name: str) -> None:
    httpserver.expect_request("/api/query", query_string={"id_list": id_list, "max_results": str(max_results)}
                              ).respond_with_data(fixture_text(name), content_type="application/atom+xml")


def test_an_atom_feed_with_two_entries_becomes_two_listings(httpserver, api_url, tmp_path, sleeps):
    serve_arxiv(httpserver, "1909.08053,2506.21594", 2, "arxiv_two_entries.xml")

    summary = fetch.fetch_arxiv(["arXiv:1909.08053v4", "https://arxiv.org/abs/2506.21594"], tmp_path,
                                api_url=api_url, http=fetch.HttpSettings(sleep=sleeps))

    assert [p.name for p in summary.written] == ["1909.08053.json", "2506.21594.json"] and summary.papers == 2
    document = json.loads((tmp_path / "arxiv" / "1909.08053.json").read_text(encoding="utf-8"))
    assert document["source"] == "arxiv" and document["query"] == {"id": "1909.08053"}
    [megatron] = document["papers"]
    assert megatron["arxiv_id"] == "1909.08053" and megatron["hf_id"] is None
    assert megatron["title"] == "Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism"
    assert megatron["abstract"].startswith("Recent work in language modeling demonstrates that training large")
    assert megatron["published"] == "2019-09-17" and len(megatron["authors"]) == 6
    assert httpserver.log[0][0].headers["Accept"] == "application/atom+xml"


def test_arxiv_ids_already_fetched_are_skipped(httpserver, api_url, tmp_path, sleeps):
    serve_arxiv(httpserver, "1909.08053,2506.21594", 2, "arxiv_two_entries.xml")
    fetch.fetch_arxiv(["1909.08053", "2506.21594"], tmp_path, api_url=api_url, http=fetch.HttpSettings(sleep=sleeps))
    summary = fetch.fetch_arxiv(["1909.08053v2", "2506.21594"], tmp_path, api_url=api_url, http=fetch.HttpSettings(sleep=sleeps))
    assert summary.written == () and len(summary.cached) == 2 and len(httpserver.log) == 1


def test_ids_go_in_batches_with_a_polite_pause_between_requests(httpserver, api_url, tmp_path, sleeps):
    serve_arxiv(httpserver, "1909.08053", 1, "arxiv_two_entries.xml")
    serve_arxiv(httpserver, "2506.21594", 1, "arxiv_two_entries.xml")
    summary = fetch.fetch_arxiv(["1909.08053", "2506.21594"], tmp_path, api_url=api_url, http=fetch.HttpSettings(sleep=sleeps), batch_size=1)
    assert len(summary.written) == 2 and len(httpserver.log) == 2
    assert len(sleeps) == 1 and 2.5 < sleeps[0] <= fetch.ARXIV_INTERVAL_SECONDS


def test_an_id_arxiv_rejects_is_an_error(httpserver, api_url, tmp_path, sleeps):
    serve_arxiv(httpserver, "9999.99999", 1, "arxiv_bad_id.xml")
    with pytest.raises(FetchError, match="arXiv says: incorrect id format for 9999.99999"):
        fetch.fetch_arxiv(["9999.99999"], tmp_path, api_url=api_url, http=fetch.HttpSettings(sleep=sleeps))


def test_an_id_missing_from_the_feed_is_an_error_that_keeps_the_others(httpserver, api_url, tmp_path, sleeps):
    serve_arxiv(httpserver, "1909.08053,2506.21594,2501.00001", 3, "arxiv_two_entries.xml")
    with pytest.raises(FetchError, match=r"arXiv returned no paper for 2501\.00001 \[2 listing\(s\) written"):
        fetch.fetch_arxiv(["1909.08053", "2506.21594", "2501.00001"], tmp_path, api_url=api_url, http=fetch.HttpSettings(sleep=sleeps))
    assert sorted(p.name for p in (tmp_path / "arxiv").iterdir()) == ["1909.08053.json", "2506.21594.json"]


@pytest.mark.parametrize(("body", "message"), [
    ("<!DOCTYPE html><html><body>Bad gateway</body></html>", "expected an Atom feed, got HTML"),
    ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1',
     "invalid XML"),
    ('<?xml version="1.0"?><rss/>', "expected an Atom <feed>, got <rss>"),
    ('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1909.08053v1</id>'
     "<summary>S</summary></entry></feed>", r"/feed/entry\[1\]/title: missing"),
])
def test_bad_atom_feeds_are_clear_errors(httpserver, api_url, tmp_path, sleeps, body, message):
    httpserver.expect_request("/api/query").respond_with_data(body, content_type="application/atom+xml")
    with pytest.raises(FetchError, match=message):
        fetch.fetch_arxiv(["1909.08053"], tmp_path, api_url=api_url, http=fetch.HttpSettings(sleep=sleeps))


@pytest.mark.parametrize(("text", "expected"), [
    ("2406.12345", "2406.12345"),
    ("2406.12345v3", "2406.12345"),
    ("arXiv:2406.12345", "2406.12345"),
    ("https://arxiv.org/abs/2406.12345v2", "2406.12345"),
    ("https://arxiv.org/pdf/2406.12345v2.pdf", "2406.12345"),
    ("hep-th/9901001v1", "hep-th/9901001"),
    ("math.GT/0309136", "math.GT/0309136"),
])
def test_arxiv_ids_are_normalised(text, expected):
    assert fetch.normalise_arxiv_id(text) == expected


@pytest.mark.parametrize("text", ["", "foo", "2406.123", "../etc/passwd", "2406.12345/../x"])
def test_what_is_no_arxiv_id_is_refused(text):
    with pytest.raises(FetchError, match="not an arXiv id"):
        fetch.normalise_arxiv_id(text)


def test_old_style_ids_get_a_file_name_without_a_slash(tmp_path):
    assert fetch.arxiv_path(tmp_path, "hep-th/9901001") == tmp_path / "arxiv" / "hep-th_9901001.json"


# --- fetched listings in ingest ----------------------------------------------------------------


def test_fetched_listings_merge_with_a_page_dump_and_keep_their_external_ids(httpserver, api_url, tmp_path, sleeps):
    serve_daily(httpserver, JUNE_30, "daily_papers_2025-06-30.json")
    serve_arxiv(httpserver, "1909.08053", 1, "arxiv_two_entries.xml")
    fetch_days([JUNE_30], tmp_path / "data", api_url, sleeps)
    fetch.fetch_arxiv(["1909.08053"], tmp_path / "data", api_url=api_url, http=fetch.HttpSettings(sleep=sleeps))

    papers = {p.title: p for p in ingest([FIXTURES / "page_dump.txt", tmp_path / "data"])}

    assert len(papers) == 3  # Megatron-LM and Gazal-R1 merged; the adapters paper is only fetched
    megatron = papers["Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism"]
    assert megatron.external_ids == {"arxiv": "1909.08053"}
    assert [s.file.rsplit("/", 2)[-2:] for s in megatron.sources] == [["api", "page_dump.txt"], ["arxiv", "1909.08053.json"]]
    assert megatron.abstract.endswith("(90.9% compared to SOTA accuracy of 89.4%).")  # the longer abstract wins
    gazal = papers["Gazal-R1: Achieving State-of-the-Art Medical Reasoning with Parameter-Efficient Two-Stage Training"]
    assert gazal.external_ids == {"arxiv": "2506.21594", "hf": "2506.21594"}
    assert (gazal.published, gazal.authors, gazal.upvotes) == ("2025-06-18", 3, 7)
    assert len(gazal.sources) == 2
    assert papers["Sparse Mixture Adapters for Long-Context Retrieval"].organization == "NVIDIA"


def test_a_server_that_refuses_connections_is_retried_then_a_clear_error(tmp_path, sleeps):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match=rf"^GET http://127\.0\.0\.1:{port}/api/daily_papers\?date=2025-06-30: "
                                         r"connection failed \(NewConnectionError: .*Connection refused\) \(gave up after 2 attempts\)$"):
        fetch_days([JUNE_30], tmp_path, f"http://127.0.0.1:{port}", sleeps, retries=1)
    assert sleeps == [1.0]
