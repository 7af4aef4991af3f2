from __future__ import annotations

from pathlib import Path

import click

from ..interop.import_ import import_files
from ..paths import DEFAULT_RESULTS
from ..store.registry import default_registry
from .common import schemas_option


@click.command("import")
@schemas_option
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                metavar="FILE...")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RESULTS,
              show_default=True, help="Where the result files are written.")
@click.option("--source-url", default=None, metavar="URL",
              help="Source of numbers whose file gives none, e.g. the model card's address.")
@click.option("--dry-run", is_flag=True, help="Report what would be written, write nothing.")
def command(files: tuple[Path, ...], results_dir: Path, source_url: str | None, dry_run: bool) -> None:
    """Turn model cards, model-index YAML and Papers with Code JSON into result files.

    FILE is a model card README.md (its YAML front matter), a model-index YAML (or JSON) file, or a
    Papers with Code evaluation-tables.json, told apart by content whatever the file is called; any
    other content is an error naming the file and the formats tried. Every number becomes a claim of kind `cited` and status
    `added` with its source URL, filed under a paper of its own (`card-<model>`, `pwc-<id>`).
    Benchmarks and metrics are matched by registry name or alias only: unknown ones are reported
    and left out. Exit code 1 for malformed files, invalid values or missing source URLs.

    \b
    Examples:
      leaderboard import README.md --source-url https://huggingface.co/org/model
      leaderboard import evaluation-tables.json --dry-run
    """
    report = import_files(files, default_registry(), results_dir, source_url=source_url, dry_run=dry_run)
    for written in report.files:
        click.echo(str(written))
    for issue in report.issues:
        click.echo(str(issue))
    click.echo(str(report))
    if report.errors:
        raise click.exceptions.Exit(1)
