"""`leaderboard fetch SOURCE`: pull new listings from public APIs into the data directory."""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import click

from ..errors import FetchError
from ..paths import DEFAULT_DATA
from ..sources import fetch
from .common import show_progress


class IsoDate(click.ParamType):
    """A YYYY-MM-DD date; anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # fromisoformat also takes 20250630
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date of the form YYYY-MM-DD", param, ctx)


def http_options(default_api: str, refresh: bool = True, api_envvar: str | None = None) -> Callable:
    """The options every source shares, with the same names as the library's arguments (`sync`
    uses them too, without --refresh: it always fetches the days it syncs). The command gets
    --timeout, --retries and --cache-dir as one `http` keyword, a `fetch.HttpSettings`."""
    options = [
        click.option("--api-url", default=default_api, show_default=True, metavar="URL", envvar=api_envvar,
                     show_envvar=api_envvar is not None, help="Base URL of the API (a mirror, or a local server in tests)."),
        click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA,
                     show_default=True, help="Where listings are written."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=fetch.DEFAULT_TIMEOUT, show_default=True,
                     metavar="SECONDS", help="How long to wait for the server's answer."),
        click.option("--retries", type=click.IntRange(min=0), default=fetch.DEFAULT_RETRIES, show_default=True,
                     help="Retries after a timeout, 429 or 5xx answer, with growing waits."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Also keep raw responses here, so a re-run reads them offline (safe to delete)."),
    ]
    if refresh:
        options.insert(2, click.option("--refresh", is_flag=True, help="Fetch again what is already in the data directory."))

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def with_settings(*args, timeout: float, retries: int, cache_dir: Path | None, **kwargs):
            settings = fetch.HttpSettings(timeout=timeout, retries=retries, cache_dir=cache_dir)
            return function(*args, http=settings, **kwargs)

        for option in reversed(options):
            with_settings = option(with_settings)
        return with_settings

    return decorate


@click.group("fetch")
def command() -> None:
    """Pull new listings from public APIs into the data directory (default data/).

    Each date or paper becomes one JSON listing that `ingest` and `build` read like the page dumps.
    What is already there is skipped, so a re-run fetches only what is missing and an interrupted
    range resumes where it stopped.

    \b
    Examples:
      leaderboard fetch daily-papers --date 2025-06-30
      leaderboard fetch daily-papers --from 2025-06-01 --to 2025-06-30
      leaderboard fetch arxiv 1909.08053 2506.21594
    """


@command.command("daily-papers", short_help="Hugging Face Daily Papers, by date.")
@click.option("--date", "dates", type=IsoDate(), multiple=True, help="A day to fetch (repeatable).")
@click.option("--from", "start", type=IsoDate(), help="First day of a range.")
@click.option("--to", "end", type=IsoDate(), help="Last day of a range (default: today, UTC).")
@http_options(fetch.DEFAULT_HF_API)
def daily_papers(dates: tuple[date, ...], start: date | None, end: date | None, data_dir: Path, **source) -> None:
    """Fetch Hugging Face Daily Papers listings into DATA/hf-daily-papers/YYYY-MM-DD.json.

    \b
    Examples:
      leaderboard fetch daily-papers --date 2025-06-30
      leaderboard fetch daily-papers --from 2025-06-01 --to 2025-06-30 --data-dir data/
    """
    days = list(dates) + _range(start, end)
    if not days:
        raise click.UsageError("give --date YYYY-MM-DD, or --from YYYY-MM-DD [--to YYYY-MM-DD]")
    with _progress(len(set(days)), "Fetching Daily Papers") as progress:
        summary = fetch.fetch_daily_papers(days, data_dir, progress=progress, **source)
    _echo_summary(summary, "day", data_dir / "hf-daily-papers")


def _range(start: date | None, end: date | None) -> list[date]:
    if start is None:
        if end is not None:
            raise click.UsageError("--to needs --from")
        return []
    end = end or datetime.now(UTC).date()
    if start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    return fetch.date_range(start, end)


@command.command("arxiv", short_help="arXiv metadata, by id.")
@click.argument("id_arguments", nargs=-1, metavar="[ID]...")
@click.option("--id", "id_options", multiple=True, metavar="ID", help="An arXiv id (repeatable), e.g. 2406.12345.")
@http_options(fetch.DEFAULT_ARXIV_API)
def arxiv(id_arguments: tuple[str, ...], id_options: tuple[str, ...], data_dir: Path, **source) -> None:
    """Fetch arXiv metadata for each ID into DATA/arxiv/<id>.json.

    IDs may carry a version (2406.12345v2), an `arXiv:` prefix, or be abstract URLs.

    \b
    Examples:
      leaderboard fetch arxiv 1909.08053
      leaderboard fetch arxiv --id 2506.21594 --id arXiv:1909.08053v4
    """
    raw_ids = id_options + id_arguments
    if not raw_ids:
        raise click.UsageError("give at least one arXiv id")
    ids = []
    for raw in raw_ids:
        try:
            ids.append(fetch.normalise_arxiv_id(raw))
        except FetchError as exc:
            raise click.BadParameter(str(exc), param_hint="ID") from None
    with _progress(len(set(ids)), "Fetching arXiv") as progress:
        summary = fetch.fetch_arxiv(ids, data_dir, progress=progress, **source)
    _echo_summary(summary, "paper", data_dir / "arxiv")


@contextlib.contextmanager
def _progress(length: int, label: str) -> Iterator[fetch.ProgressCallback | None]:
    """A progress bar on stderr when it is a terminal; no callback (and no output) otherwise."""
    if not show_progress():
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda item, outcome: bar.update(1)


def _echo_summary(summary: fetch.FetchSummary, unit: str, where: Path) -> None:
    click.echo(f"Wrote {len(summary.written)} listing(s) with {summary.papers} paper(s) to {where.as_posix()}/")
    if summary.cached:
        click.echo(f"Skipped {len(summary.cached)} {unit}(s) already fetched (--refresh fetches them again).")
