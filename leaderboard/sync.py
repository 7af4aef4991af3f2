"""The daily loop: fetch every Daily Papers day since the last synced one and file its claims.

`sync` chains what a maintainer used to run by hand: `fetch daily-papers` for each day after the
last synced day, `extract --write` for the papers of those days (the same ingest, extraction and
merge, so human work is kept exactly as there), and the report `review` gives for the change.

State: `DATA/sync.json` holds the last day synced (see `read_state`); it lives in the repository,
so a missed day is caught up by the next run and a re-run finds nothing new. Without state and
without `since`, the first run syncs only the last complete day (yesterday, UTC): a data repository
decides itself how far back to go (`--since`). A day is synced once it is over in UTC: a listing of
a day still running (`until` today) is written, but the state stays at yesterday, so the next run
fetches that day again with the papers added since.

Order of work, so that a failure leaves either the old state or the new one:

1. every day is fetched into a temporary directory (fetch's rules: retries, backoff, checked
   responses); a failure after some days keeps those days and is reported with them;
2. the papers of the fetched days are ingested with every other listing (as `extract` reads them),
   extracted and merged with the existing result files, in memory;
3. the change is reviewed and checked against the safety limits: too many new claims, or any change
   to a verified, rejected or added claim, raises SyncRefused before anything is written;
4. listings, then result files, then the state are written, each file atomically.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .errors import FetchError, InputError, SyncRefused
from .extract import extract_all
from .models import Paper
from .paths import SYNC_STATE_FILE
from .review.diff import Review, review_snapshots
from .review.git import Snapshot, directory_snapshot
from .sources.fetch import (
    DEFAULT_HF_API,
    DEFAULT_HTTP,
    HttpSettings,
    daily_papers_path,
    date_range,
    fetch_daily_papers,
)
from .sources.ingest import (
    display_path,
    embedded_corpus,
    listing_files,
    merge_papers,
    parse_listing,
    parse_listing_file,
)
from .store.results import HUMAN_STATUSES, PlannedFile, apply_plan, plan_results, write_text_atomic

STATE_FORMAT = "leaderboard-sync"
STATE_VERSION = 1
DEFAULT_MAX_NEW_CLAIMS = 500


# ---------------------------------------------------------------- state


def state_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / SYNC_STATE_FILE


def read_state(data_dir: Path | str) -> date | None:
    """The last day synced, from `DATA/sync.json`; None when there is no state yet.

    {"format": "leaderboard-sync", "version": 1, "source": "hf-daily-papers", "last_day": "2025-07-02"}
    """
    path = state_path(data_dir)
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the sync state: {exc}", file=str(path),
                         hint="fix it, or delete it and run `leaderboard sync --since YYYY-MM-DD`") from None
    if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
        raise InputError(f'not a sync state: expected an object with "format": "{STATE_FORMAT}"', file=str(path))
    try:
        return date.fromisoformat(str(document.get("last_day")))
    except ValueError:
        raise InputError(f"/last_day: {document.get('last_day')!r} is not a date (YYYY-MM-DD)", file=str(path),
                         hint="fix it, or delete the file and run `leaderboard sync --since YYYY-MM-DD`") from None


def write_state(data_dir: Path | str, last_day: date) -> None:
    document = {"format": STATE_FORMAT, "version": STATE_VERSION, "source": "hf-daily-papers",
                "last_day": last_day.isoformat()}
    write_text_atomic(state_path(data_dir), json.dumps(document, indent=2) + "\n")


def days_to_sync(last_day: date | None, since: date | None, until: date | None, today: date) -> list[date]:
    """The days a sync fetches: from `since` (default: the day after the last synced one; without
    state, the last day) to `until` (default: yesterday, the last complete day in UTC)."""
    end = until or today - timedelta(days=1)
    start = since or (last_day + timedelta(days=1) if last_day else end)
    return date_range(start, end) if start <= end else []


# ---------------------------------------------------------------- outcome


@dataclass(frozen=True)
class SyncOutcome:
    """What a sync did. `failure` is the fetch error that stopped it after `days` (which are kept)."""

    days: tuple[date, ...] = ()
    listed_papers: int = 0  # papers in the listings of those days
    new_papers: int = 0  # result files created
    review: Review | None = None
    last_day: date | None = None  # the state after the sync
    failure: str | None = None

    @property
    def new_claims(self) -> int:
        return len(self.review.added) if self.review else 0

    @property
    def boards_affected(self) -> int:
        return len(self.review.leaderboards) if self.review else 0

    @property
    def nothing_new(self) -> bool:
        return not self.days


# ---------------------------------------------------------------- the loop


def sync(
    data_dir: Path | str,
    results_dir: Path | str,
    *,
    since: date | None = None,
    until: date | None = None,
    max_new_claims: int = DEFAULT_MAX_NEW_CLAIMS,
    api_url: str = DEFAULT_HF_API,
    http: HttpSettings = DEFAULT_HTTP,
    today: date | None = None,
    jobs: int = 1,
    registry=None,
) -> SyncOutcome:
    """Fetch the days after the last synced one into `data_dir`, extract their papers into `results_dir`.

    Raises FetchError when not even the first day could be fetched, SyncRefused when the change breaks a
    safety limit (nothing is written in either case).
    """
    if registry is None:
        from .store.registry import default_registry

        registry = default_registry()
    data_dir, results_dir = Path(data_dir), Path(results_dir)
    today = today or datetime.now(UTC).date()
    last_day = read_state(data_dir)
    days = days_to_sync(last_day, since, until, today)
    if not days:
        return SyncOutcome(last_day=last_day)
    with tempfile.TemporaryDirectory(prefix="leaderboard-sync-") as staging:
        failure = None
        try:
            fetch_daily_papers(days, Path(staging), api_url=api_url, http=http, refresh=True, today=today)
        except FetchError as exc:
            failure = exc
        listings = dict(_staged_listings(days, Path(staging), data_dir))
    fetched = tuple(day for day in days if daily_papers_path(data_dir, day) in listings)
    if not fetched:
        raise failure or FetchError("no day was fetched")
    papers, listed = _papers_of(listings, data_dir)
    plan = plan_results(results_dir, papers, extract_all(papers, registry, jobs=jobs))
    review = review_plan(results_dir, plan, registry)
    check_safety(review, max_new_claims)
    for path, text in listings.items():
        write_text_atomic(path, text)
    apply_plan(plan)
    # a day still running in UTC is fetched again next time: the state stays before it
    new_last = max(d for d in (last_day, min(fetched[-1], today - timedelta(days=1))) if d is not None)
    write_state(data_dir, new_last)
    return SyncOutcome(days=fetched, listed_papers=listed, new_papers=sum(p.old_text is None for p in plan),
                       review=review, last_day=new_last, failure=str(failure) if failure else None)


def _staged_listings(days: list[date], staging: Path, data_dir: Path) -> Iterator[tuple[Path, str]]:
    """(final path, text) of every day fetched into the staging directory."""
    for day in days:
        staged = daily_papers_path(staging, day)
        if staged.exists():
            yield daily_papers_path(data_dir, day), staged.read_text(encoding="utf-8")


def _papers_of(listings: dict[Path, str], data_dir: Path) -> tuple[list[Paper], int]:
    """The papers of the new listings, each merged with its entries in every other listing, and how
    many papers the new listings hold. Listings are read in the order `extract` reads them by default
    (the embedded corpus, then DATA's files sorted), since a merged paper lists its sources in that order."""
    existing = listing_files([data_dir]) if data_dir.is_dir() else []
    files = [*embedded_corpus(), *sorted(set(existing) | set(listings))]
    per_file = [parse_listing(listings[f], display_path(f)) if f in listings else parse_listing_file(f) for f in files]
    new_sources = {display_path(path) for path in listings}
    merged = merge_papers(paper for papers in per_file for paper in papers)
    listed = sum(len(papers) for f, papers in zip(files, per_file, strict=True) if f in listings)
    return [p for p in merged if any(source.file in new_sources for source in p.sources)], listed


# ---------------------------------------------------------------- review and safety


def review_plan(results_dir: Path, plan: tuple[PlannedFile, ...], registry) -> Review:
    """The review of `results_dir` now against `results_dir` with the plan written (nothing is written)."""
    before = directory_snapshot(results_dir, label="before the sync", must_exist=False)
    after = dict(before.files)
    after.update((p.path.name, p.text.encode("utf-8")) for p in plan if p.changed)
    after_sync = Snapshot(label="after the sync", prefix=before.prefix, files=dict(sorted(after.items())))
    return review_snapshots(before, after_sync, registry)


def check_safety(review: Review, max_new_claims: int) -> None:
    """Refuse a sync that adds more than `max_new_claims` claims or changes a person's claim."""
    touched = [c.old for c in review.changed if c.old.status in HUMAN_STATUSES]
    touched += [c for c in review.removed if c.status in HUMAN_STATUSES]
    if touched:
        first = touched[0]
        raise SyncRefused(f"the sync would change {len(touched)} claim(s) a person reviewed, first {first.claim_id} "
                          f"({first.status}); nothing was written", file=first.path,
                          hint="re-extraction must keep verified, rejected and added claims: report this as a bug")
    if len(review.added) > max_new_claims:
        raise SyncRefused(f"the sync would add {len(review.added)} claims, more than the limit of {max_new_claims}; "
                          "nothing was written",
                          hint="check the listings (a flood of papers, or a changed API?), then sync fewer days "
                               "with --until, or raise the limit with --max-new-claims")
