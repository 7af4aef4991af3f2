from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ..extract import claim_to_json, extract_all
from ..paths import DEFAULT_RESULTS
from ..sources.ingest import ingest
from ..store.registry import default_registry
from .common import inputs_argument, inputs_or_default, schemas_option


@click.command("extract")
@schemas_option
@inputs_argument
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True,
              help="jsonl: one claim a line, keys as in docs/data-formats.md.")
@click.option("--write", is_flag=True, help="Write the claims into the result files instead of printing them.")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RESULTS,
              show_default=True, help="Result directory used with --write.")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
              help="Processes to extract with; the output is the same for any number.")
def command(inputs: tuple[str, ...], fmt: str, write: bool, results_dir: Path, jobs: int) -> None:
    """Extract score claims from the abstracts of listings (default: the embedded corpus).

    Without --write, print one JSON line per claim; with --write, (re)generate one result file per
    paper under --results, keeping reviewed claims.

    \b
    Examples:
      leaderboard extract | head -3
      leaderboard extract data/ --jobs 4
      leaderboard extract --write --results results/
    """
    papers = ingest(inputs_or_default(inputs))
    claims = extract_all(papers, default_registry(), jobs=jobs)
    if write:
        from ..store.results import write_results

        click.echo(str(write_results(results_dir, papers, claims)))
        return
    for paper in papers:
        for claim in claims[paper.id]:
            click.echo(json.dumps(claim_to_json(claim, paper), ensure_ascii=False))
