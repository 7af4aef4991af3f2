"""sync: the daily loop against a real local HTTP server (pytest-httpserver) serving recorded-shape
Daily Papers responses for three days (tests/fixtures/api)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_fetch import JULY_1, JUNE_30, Sleeps, requested_dates, serve_daily

from leaderboard import sync as sync_module
from leaderboard.cli import main
from leaderboard.errors import FetchError, SyncRefused
from leaderboard.extract import extract_all
from leaderboard.sources import fetch
from leaderboard.sources.ingest import embedded_corpus, ingest
from leaderboard.store import results as results_module
from leaderboard.store.registry import default_registry
from leaderboard.store.results import dump_result, result_from_json, result_from_paper, write_results

JULY_2 = date(2025, 7, 2)
TODAY = date(2025, 8, 1)
DAYS = {JUNE_30: "daily_papers_2025-06-30.json", JULY_1: "daily_papers_2025-07-01.json",
        JULY_2: "daily_papers_2025-07-02.json"}
GAZAL = "8ed9269b43.json"  # the paper of 2025-06-30 with three claims


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A data repository as the working directory: listings name their files relative to it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    return tmp_path


@pytest.fixture
def api_url(httpserver) -> str:
    for day, name in DAYS.items():
        serve_daily(httpserver, day, name)
    return httpserver.url_for("").rstrip("/")


def run_sync(api_url: str, retries: int = fetch.DEFAULT_RETRIES, **kwargs):
    kwargs.setdefault("today", TODAY)
    http = fetch.HttpSettings(retries=retries, sleep=Sleeps())
    return sync_module.sync(Path("data"), Path("results"), api_url=api_url, http=http, **kwargs)


def state(repo: Path) -> dict:
    return json.loads((repo / "data" / "sync.json").read_text(encoding="utf-8"))


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_three_days_are_filed_exactly_as_extract_write_files_them(repo, api_url, httpserver):
    outcome = run_sync(api_url, since=JUNE_30, until=JULY_2)
    assert outcome.days == (JUNE_30, JULY_1, JULY_2) and outcome.failure is None
    assert requested_dates(httpserver) == ["2025-06-30", "2025-07-01", "2025-07-02"]
    assert state(repo) == {"format": "leaderboard-sync", "version": 1, "source": "hf-daily-papers",
                           "last_day": "2025-07-02"}
    assert sorted(p.name for p in (repo / "data" / "hf-daily-papers").iterdir()) == [
        "2025-06-30.json", "2025-07-01.json", "2025-07-02.json"]
    assert (outcome.listed_papers, outcome.new_papers, outcome.new_claims, outcome.boards_affected) == (5, 5, 8, 6)
    # the same files `extract --write` writes from the same listings (data/sync.json is no listing to ingest)
    papers = ingest([*embedded_corpus(), "data"])
    expected = repo / "expected"
    write_results(expected, papers, extract_all(papers, default_registry()))
    synced = tree(repo / "results")
    assert len(synced) == 5
    assert synced == {name: (expected / name).read_bytes() for name in synced}
    added = {(c.model, c.benchmark, c.value) for c in outcome.review.added}
    assert ("Dist-7B", "mmlu", 78.4) in added and ("Gazal-R1", "medqa", 87.1) in added


def test_a_rerun_finds_nothing_new_and_asks_nothing(repo, api_url, httpserver):
    run_sync(api_url, since=JUNE_30, until=JULY_2)
    before = tree(repo)
    outcome = run_sync(api_url, until=JULY_2)
    assert outcome.nothing_new and outcome.last_day == JULY_2
    assert len(httpserver.log) == 3  # the first run's requests only
    assert tree(repo) == before


def test_a_missed_day_is_caught_up_the_next_time(repo, api_url, httpserver):
    run_sync(api_url, since=JUNE_30, until=JUNE_30)
    # the cron did not run on July 2nd: on the 3rd, both July 1st and 2nd (yesterday) are synced
    outcome = run_sync(api_url, today=date(2025, 7, 3))
    assert outcome.days == (JULY_1, JULY_2)
    assert requested_dates(httpserver) == ["2025-06-30", "2025-07-01", "2025-07-02"]
    assert state(repo)["last_day"] == "2025-07-02"


def test_the_first_run_without_state_syncs_yesterday_only(repo, api_url, httpserver):
    outcome = run_sync(api_url, today=date(2025, 7, 2))
    assert outcome.days == (JULY_1,) and requested_dates(httpserver) == ["2025-07-01"]


def test_a_day_not_over_is_written_but_the_state_stays_before_it(repo, api_url, httpserver):
    outcome = run_sync(api_url, since=JULY_1, until=JULY_2, today=JULY_2)
    assert outcome.days == (JULY_1, JULY_2) and (repo / "data/hf-daily-papers/2025-07-02.json").exists()
    assert state(repo)["last_day"] == "2025-07-01"
    run_sync(api_url, until=JULY_2, today=date(2025, 7, 3))  # July 2nd is over now: fetched again
    assert requested_dates(httpserver)[-1] == "2025-07-02" and state(repo)["last_day"] == "2025-07-02"


def test_a_server_error_on_day_two_keeps_day_one_and_the_next_run_resumes(repo, httpserver):
    serve_daily(httpserver, JUNE_30, DAYS[JUNE_30])
    httpserver.expect_request("/api/daily_papers", query_string={"date": "2025-07-01"}).respond_with_data(
        "upstream failed", status=500)
    url = httpserver.url_for("").rstrip("/")
    outcome = run_sync(url, since=JUNE_30, until=JULY_2, retries=1)
    assert outcome.days == (JUNE_30,)
    assert "HTTP 500" in outcome.failure and "2025-07-01" in outcome.failure
    assert state(repo)["last_day"] == "2025-06-30"
    assert sorted(p.name for p in (repo / "data/hf-daily-papers").iterdir()) == ["2025-06-30.json"]
    assert sorted(p.name for p in (repo / "results").iterdir()) == ["6dc9c54f5a.json", GAZAL]
    assert requested_dates(httpserver) == ["2025-06-30", "2025-07-01", "2025-07-01"]  # one retry, then stop

    httpserver.clear()
    for day in (JULY_1, JULY_2):
        serve_daily(httpserver, day, DAYS[day])
    outcome = run_sync(url, until=JULY_2)
    assert outcome.days == (JULY_1, JULY_2) and outcome.failure is None
    assert requested_dates(httpserver) == ["2025-07-01", "2025-07-02"]
    assert state(repo)["last_day"] == "2025-07-02" and len(list((repo / "results").iterdir())) == 5


def test_a_failure_on_the_first_day_writes_nothing(repo, httpserver):
    httpserver.expect_request("/api/daily_papers").respond_with_data("<html>down</html>", content_type="text/html")
    with pytest.raises(FetchError, match="expected JSON, got HTML"):
        run_sync(httpserver.url_for("").rstrip("/"), since=JUNE_30, until=JULY_2)
    assert not (repo / "data").exists() and tree(repo / "results") == {}


def test_more_new_claims_than_the_limit_stops_and_writes_nothing(repo, api_url):
    with pytest.raises(SyncRefused, match="would add 8 claims, more than the limit of 7; nothing was written"):
        run_sync(api_url, since=JUNE_30, until=JULY_2, max_new_claims=7)
    assert not (repo / "data").exists() and tree(repo / "results") == {}
    assert run_sync(api_url, since=JUNE_30, until=JULY_2, max_new_claims=8).new_claims == 8  # the limit itself passes


def reviewed_gazal(repo: Path) -> bytes:
    """The Gazal-R1 file after a person verified its first claim and rejected its second."""
    path = repo / "results" / GAZAL
    document = json.loads(path.read_text(encoding="utf-8"))
    document["claims"][0]["status"] = "verified"
    document["claims"][1]["status"] = "rejected"
    path.write_text(dump_result(result_from_json(document)), encoding="utf-8")  # as `claim` commands write it
    return path.read_bytes()


def test_syncing_a_day_again_keeps_reviewed_claims(repo, api_url):
    run_sync(api_url, since=JUNE_30, until=JUNE_30)
    reviewed = reviewed_gazal(repo)
    outcome = run_sync(api_url, since=JUNE_30, until=JUNE_30)
    assert outcome.days == (JUNE_30,) and not outcome.review.results_changed
    assert (repo / "results" / GAZAL).read_bytes() == reviewed


def test_a_change_to_reviewed_claims_stops_the_sync_and_writes_nothing(repo, api_url, monkeypatch):
    """The guard behind `extract --write`'s promise: were re-extraction to lose human work (simulated
    by a merge that forgets the existing file), the sync refuses before writing."""
    run_sync(api_url, since=JUNE_30, until=JUNE_30)
    reviewed = reviewed_gazal(repo)
    before = tree(repo)
    monkeypatch.setattr(results_module, "merge_result", lambda existing, paper, claims: result_from_paper(paper, claims))
    with pytest.raises(SyncRefused) as refused:
        run_sync(api_url, since=JUNE_30, until=JULY_2)
    message = str(refused.value)
    assert message.startswith(f"results/{GAZAL}: the sync would change 2 claim(s) a person reviewed")
    assert "nothing was written" in message
    assert tree(repo) == before and (repo / "results" / GAZAL).read_bytes() == reviewed


def test_a_broken_state_file_is_named(repo, api_url):
    (repo / "data").mkdir()
    (repo / "data" / "sync.json").write_text('{"format": "leaderboard-sync", "last_day": "July"}', encoding="utf-8")
    with pytest.raises(sync_module.InputError, match=r"data/sync.json: /last_day: 'July' is not a date"):
        run_sync(api_url)


# ---------------------------------------------------------------- the command


def cli(*args: str):
    return CliRunner().invoke(main, ["sync", "--jobs", "1", *args], catch_exceptions=False)


def test_cli_prints_the_summary_and_the_review_then_nothing_new(repo, api_url):
    done = cli("--api-url", api_url, "--since", "2025-06-30", "--until", "2025-07-02")
    assert done.exit_code == 0, done.output
    first = done.output.splitlines()[0]
    assert first == ("Synced 3 day(s), 2025-06-30 to 2025-07-02: 5 paper(s) listed, 5 new paper(s), 8 new claim(s), "
                     "6 leaderboard(s) affected. Synced up to 2025-07-02.")
    assert "## Leaderboard review" in done.output and "#### MMLU: Accuracy, higher is better (new leaderboard)" \
        in done.output and "**Verdict:** ✅ Valid: 8 added" in done.output
    again = cli("--api-url", api_url, "--until", "2025-07-02")
    assert again.exit_code == 0 and again.stdout == "Nothing new: Daily Papers are synced up to 2025-07-02.\n"
    assert again.stderr.startswith("Registry: ") and again.stderr.endswith("(packaged with leaderboard)\n")


def test_cli_refusal_is_an_error_with_exit_1(repo, api_url):
    done = cli("--api-url", api_url, "--since", "2025-06-30", "--until", "2025-07-02", "--max-new-claims", "2")
    assert done.exit_code == 1
    assert "Error: the sync would add 8 claims, more than the limit of 2; nothing was written" in done.output
    assert not (repo / "data").exists()


def test_cli_reports_the_days_kept_before_a_failure_and_exits_1(repo, httpserver):
    serve_daily(httpserver, JUNE_30, DAYS[JUNE_30])
    httpserver.expect_request("/api/daily_papers", query_string={"date": "2025-07-01"}).respond_with_data(
        "", status=503)
    done = cli("--api-url", httpserver.url_for("").rstrip("/"), "--since", "2025-06-30", "--until", "2025-07-01",
               "--retries", "0")
    assert done.exit_code == 1
    assert done.output.startswith("Synced 1 day(s), 2025-06-30: 2 paper(s) listed")
    assert "Error: GET " in done.output and "HTTP 503" in done.output


def test_cli_since_after_until_is_a_usage_error(repo):
    done = cli("--since", "2025-07-02", "--until", "2025-07-01")
    assert done.exit_code == 2 and "--since 2025-07-02 is after --until 2025-07-01" in done.output
