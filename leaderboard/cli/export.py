from __future__ import annotations

from pathlib import Path

import click

from ..build import gather_validated
from ..compile.tables import compile_results
from ..interop.export import BINARY_FORMATS, DEFAULT_TASK_TYPE, EXPORT_FORMATS, export
from ..paths import DEFAULT_RESULTS
from ..store.registry import default_registry
from ..store.results import write_text_atomic
from .common import check_site_url, inputs_argument, inputs_or_default, schemas_option, show_progress


@click.command("export")
@schemas_option
@inputs_argument
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True,
              help="model-index: Hugging Face model-card YAML, one block per model; pwc: Papers with Code "
                   "evaluation-tables.json; jsonl, parquet: every claim, the columns of data/claims.csv.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output; parquet needs --out).")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RESULTS,
              show_default=True, help="Reviewed result files (one JSON file per paper).")
@click.option("--site-url", default=None, metavar="URL", callback=lambda _ctx, _param, value: check_site_url(value),
              help="Where the site is published. model-index, pwc: numbers of papers without an arXiv or Hugging "
                   "Face id link to their claim there (required when there are such numbers); jsonl, parquet: "
                   "abstract_url becomes absolute.")
@click.option("--model", default=None, metavar="NAME",
              help="model-index only: just this model (any spelling of it).")
@click.option("--task-type", default=DEFAULT_TASK_TYPE, show_default=True,
              help="model-index only: the Hugging Face task type written in every result.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes for extracting papers that have no result file.")
def command(inputs: tuple[str, ...], fmt: str, out: Path | None, results_dir: Path, site_url: str | None,
            model: str | None, task_type: str, jobs: int) -> None:
    """Export the leaderboards, compiled as `build` does (listings + result files, invalid claims left out).

    \b
    Examples:
      leaderboard export --format model-index --model "Llama 3 8B" --site-url https://example.org/lb/
      leaderboard export --format pwc --site-url https://example.org/lb/ --out evaluation-tables.json
      leaderboard export --format parquet --out claims.parquet
    """
    if fmt in BINARY_FORMATS and out is None:
        raise click.UsageError(f"--format {fmt} writes a binary file: give --out PATH")
    registry = default_registry()
    if show_progress():
        click.echo("  compiling...", err=True)
    results = gather_validated(inputs_or_default(inputs), results_dir, registry, jobs=jobs).results
    data = export(compile_results(results, registry), registry, fmt, site_url=site_url, task_type=task_type,
                  model=model)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)  # only text formats get here
    elif fmt in BINARY_FORMATS:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    else:
        write_text_atomic(out, data.decode("utf-8"))
    if out is not None:
        click.echo(f"wrote {out} ({fmt}, {len(data)} bytes)", err=True)
