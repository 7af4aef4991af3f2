"""`leaderboard sync`: the daily loop, fetch the new Daily Papers days and file their claims."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click

from ..paths import DEFAULT_RESULTS
from ..review import render_review_markdown
from ..sources import fetch
from ..sync import DEFAULT_MAX_NEW_CLAIMS, SyncOutcome, sync
from .common import registry_line, schemas_option
from .fetch import IsoDate, http_options


@click.command("sync")
@click.option("--since", type=IsoDate(), help="First day to fetch. [default: the day after the last synced day]")
@click.option("--until", type=IsoDate(), help="Last day to fetch. [default: yesterday, the last complete day in UTC]")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RESULTS,
              show_default=True, help="Result directory the claims are filed into.")
@click.option("--max-new-claims", type=click.IntRange(min=0), default=DEFAULT_MAX_NEW_CLAIMS, show_default=True,
              metavar="N", help="Stop, writing nothing, when the sync would add more claims than this.")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
              help="Processes to extract with; the output is the same for any number.")
@http_options(fetch.DEFAULT_HF_API, refresh=False, api_envvar="LEADERBOARD_HF_API_URL")
@schemas_option
def command(since: date | None, until: date | None, results_dir: Path, max_new_claims: int, jobs: int,
            data_dir: Path, **source) -> None:
    """Fetch every Daily Papers day since the last synced one and extract its papers into --results.

    The last synced day is kept in DATA/sync.json: a missed day is caught up, a re-run finds nothing
    new. Without it (and without --since) only yesterday is synced. Claims are filed as `extract
    --write` files them (reviewed claims kept); the summary ends with the report `review` gives.
    Nothing is written when the sync would add more than --max-new-claims claims or change a
    verified, rejected or added claim (exit 1). A day that fails to download stops the sync after
    the days before it, which are kept (exit 1; run again to continue).

    \b
    Examples:
      leaderboard sync                                 # every day since the last sync
      leaderboard sync --since 2025-06-01 --until 2025-06-30
    """
    if since and until and since > until:
        raise click.UsageError(f"--since {since} is after --until {until}")
    outcome = sync(data_dir, results_dir, since=since, until=until, max_new_claims=max_new_claims, jobs=jobs,
                   **source)
    _echo_outcome(outcome)
    click.echo(registry_line(), err=True)
    if outcome.failure:
        click.echo(f"Error: {outcome.failure}", err=True)
        raise click.exceptions.Exit(1)


def _echo_outcome(outcome: SyncOutcome) -> None:
    if outcome.nothing_new:
        where = f" up to {outcome.last_day}" if outcome.last_day else ""
        click.echo(f"Nothing new: Daily Papers are synced{where}.")
        return
    first, last = outcome.days[0], outcome.days[-1]
    span = f"{first}" if first == last else f"{first} to {last}"
    click.echo(f"Synced {len(outcome.days)} day(s), {span}: {outcome.listed_papers} paper(s) listed, "
               f"{outcome.new_papers} new paper(s), {outcome.new_claims} new claim(s), "
               f"{outcome.boards_affected} leaderboard(s) affected. Synced up to {outcome.last_day}.")
    if not outcome.review.results_changed:
        click.echo("Nothing new under the results directory.")
        return
    click.echo("")
    click.echo(render_review_markdown(outcome.review), nl=False)
