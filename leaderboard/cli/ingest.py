from __future__ import annotations

import click

from ..sources.ingest import ingest, iter_jsonl
from .common import inputs_argument, inputs_or_default


@click.command("ingest")
@inputs_argument
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True,
              help="jsonl: one paper a line; table: id, date and title for a quick look.")
def command(inputs: tuple[str, ...], fmt: str) -> None:
    """Parse listings (default: the embedded corpus) and print one line per distinct paper.

    INPUT is a Daily Papers page dump, a fetched JSON listing, or a directory of them.

    \b
    Examples:
      leaderboard ingest | head -1
      leaderboard ingest data/ --format table
    """
    papers = ingest(inputs_or_default(inputs))
    if fmt == "jsonl":
        for line in iter_jsonl(papers):
            click.echo(line)
    else:
        for paper in papers:
            click.echo(f"{paper.id}  {paper.published or '':10}  {paper.title}")
