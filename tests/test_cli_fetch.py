"""`leaderboard fetch`: end to end through the CLI against a local HTTP server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard.cli import main
from leaderboard.sources import fetch

FIXTURES = Path(__file__).parent / "fixtures" / "api"


@pytest.fixture
def api_url(httpserver) -> str:
    return httpserver.url_for("").rstrip("/")


def serve(httpserver, path: str, query: dict, name: str, content_type: str) -> None:
    httpserver.expect_request(path, query_string=query).respond_with_data(
        (FIXTURES / name).read_text(encoding="utf-8"), content_type=content_type)


def run(*args: str):
    return CliRunner().invoke(main, ["fetch", *args])


def test_daily_papers_range_end_to_end(httpserver, api_url, tmp_path):
    serve(httpserver, "/api/daily_papers", {"date": "2025-06-30"}, "daily_papers_2025-06-30.json", "application/json")
    serve(httpserver, "/api/daily_papers", {"date": "2025-07-01"}, "daily_papers_2025-07-01.json", "application/json")
    data = tmp_path / "data"
    args = ["daily-papers", "--from", "2025-06-30", "--to", "2025-07-01", "--api-url", api_url, "--data-dir", str(data)]

    first = run(*args)
    assert first.exit_code == 0, first.output
    assert first.stdout == f"Wrote 2 listing(s) with 3 paper(s) to {data.as_posix()}/hf-daily-papers/\n"
    assert first.stderr == ""  # no progress bar outside a terminal
    assert sorted(p.name for p in (data / "hf-daily-papers").iterdir()) == ["2025-06-30.json", "2025-07-01.json"]

    again = run(*args)
    assert again.exit_code == 0
    assert again.stdout == (f"Wrote 0 listing(s) with 0 paper(s) to {data.as_posix()}/hf-daily-papers/\n"
                            "Skipped 2 day(s) already fetched (--refresh fetches them again).\n")
    assert len(httpserver.log) == 2

    ingested = CliRunner().invoke(main, ["ingest", str(data)])
    assert ingested.exit_code == 0
    assert {json.loads(line)["external_ids"]["hf"] for line in ingested.stdout.splitlines()} == {
        "2506.21594", "2506.22432", "2507.00011"}


def test_arxiv_ids_as_arguments_and_options(httpserver, api_url, tmp_path):
    serve(httpserver, "/api/query", {"id_list": "2506.21594,1909.08053", "max_results": "2"},
          "arxiv_two_entries.xml", "application/atom+xml")
    result = run("arxiv", "--id", "2506.21594", "arXiv:1909.08053v4", "--api-url", api_url, "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote 2 listing(s) with 2 paper(s) to {tmp_path.as_posix()}/arxiv/\n"
    assert sorted(p.name for p in (tmp_path / "arxiv").iterdir()) == ["1909.08053.json", "2506.21594.json"]


def test_a_progress_bar_shows_on_a_terminal(httpserver, api_url, tmp_path, monkeypatch):
    monkeypatch.setattr("leaderboard.cli.fetch.show_progress", lambda: True)
    serve(httpserver, "/api/daily_papers", {"date": "2025-06-30"}, "daily_papers_2025-06-30.json", "application/json")
    result = run("daily-papers", "--date", "2025-06-30", "--api-url", api_url, "--data-dir", str(tmp_path))
    assert result.exit_code == 0
    assert "Fetching Daily Papers" in result.stderr


def test_a_bad_response_exits_1_with_the_url(httpserver, api_url, tmp_path):
    serve(httpserver, "/api/daily_papers", {"date": "2025-06-30"}, "daily_papers_error_page.html", "text/html")
    result = run("daily-papers", "--date", "2025-06-30", "--api-url", api_url, "--data-dir", str(tmp_path),
                 "--retries", "0", "--timeout", "5")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {api_url}/api/daily_papers?date=2025-06-30: expected JSON, got HTML "
                             "(is the API URL right, or is the site down?)\n")


@pytest.mark.parametrize(("args", "function"), [
    (["daily-papers", "--date", "2025-06-30"], "fetch_daily_papers"),
    (["arxiv", "1909.08053"], "fetch_arxiv"),
])
def test_the_http_options_reach_the_library_as_one_settings_value(args, function, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(fetch, function, lambda items, data_dir, **kwargs: calls.append(kwargs) or fetch.FetchSummary())
    result = run(*args, "--data-dir", str(tmp_path), "--timeout", "7", "--retries", "2", "--cache-dir", str(tmp_path / "raw"))
    assert result.exit_code == 0, result.output
    assert calls[0]["http"] == fetch.HttpSettings(timeout=7.0, retries=2, cache_dir=tmp_path / "raw")
    assert calls[0]["refresh"] is False


@pytest.mark.parametrize(("args", "message"), [
    (["daily-papers", "--date", "2025-6-30"], "'2025-6-30' is not a date of the form YYYY-MM-DD"),
    (["daily-papers", "--from", "2025-07-01", "--to", "2025-06-30"], "--from 2025-07-01 is after --to 2025-06-30"),
    (["daily-papers", "--to", "2025-06-30"], "--to needs --from"),
    (["daily-papers"], "give --date YYYY-MM-DD, or --from YYYY-MM-DD [--to YYYY-MM-DD]"),
    (["daily-papers", "--date", "2025-06-30", "--retries", "-1"], "Invalid value for '--retries'"),
    (["arxiv"], "give at least one arXiv id"),
    (["arxiv", "not-an-id"], "not an arXiv id: 'not-an-id'"),
    (["bioRxiv"], "No such command 'bioRxiv'"),
])
def test_usage_errors_exit_2(httpserver, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert httpserver.log == []


@pytest.mark.parametrize("source", [[], ["daily-papers"], ["arxiv"]])
def test_every_fetch_command_has_help_with_examples(source):
    result = run(*source, "--help")
    assert result.exit_code == 0 and "Examples:" in result.stdout
