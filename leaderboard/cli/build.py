from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import click

from ..build import build_site
from ..paths import DEFAULT_RESULTS, DEFAULT_SITE
from ..workers import run_apart
from .common import (
    check_site_url,
    inputs_argument,
    inputs_or_default,
    registry_line,
    repo_url_option,
    schemas_option,
    show_progress,
    site_options,
)


@click.command("build")
@schemas_option
@inputs_argument
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RESULTS,
              show_default=True, help="Reviewed result files (one JSON file per paper).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_SITE,
              show_default=True, help="Where the site is written.")
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every leaderboard as Markdown tables to this file.")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
              help="Processes for extracting papers that have no result file, and for drawing charts.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              show_default="a directory for OUT in the user cache directory",
              help="Where to keep what the next build can reuse (safe to delete; never a directory git tracks).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache: parse, extract and render everything.")
@click.option("--repo-url", default=None, metavar="URL", callback=repo_url_option,
              help="The data repository (https://github.com/OWNER/REPO): each claim gets 'Suggest a fix' and 'Report' links.")
@click.option("--site-url", default=None, metavar="URL", callback=lambda _ctx, _param, value: check_site_url(value),
              help="Where the site is published: the abstract_url links in the CSV/JSON downloads become absolute "
                   "(https://.../papers/...), so they still work once downloaded. The pages do not change.")
def command(inputs: tuple[str, ...], results_dir: Path, out_dir: Path, markdown: Path | None, jobs: int,
            cache_dir: Path | None, no_cache: bool, repo_url: str | None, site_url: str | None) -> None:
    """Build the site: listings (default: the embedded corpus) + result files -> validated,
    reconciled leaderboards in OUT, with CSV downloads.

    \b
    Examples:
      leaderboard build
      leaderboard build --out public --markdown leaderboards.md
      leaderboard build data/ --results results/
      leaderboard build --jobs 1 --no-cache
      leaderboard build --repo-url https://github.com/OWNER/REPO
      leaderboard build --site-url https://example.org/lb/

    The publishing policy (which claims reach the leaderboards) is read from ./leaderboard.toml.
    """
    def progress(stage: str) -> None:
        if show_progress():
            click.echo(f"  {stage}...", err=True)

    if not no_cache and cache_dir is None:
        from ..cache import default_cache_dir

        cache_dir = default_cache_dir(out_dir)
    summary = run_apart(partial(build_site, inputs_or_default(inputs), results_dir, out_dir, markdown, jobs=jobs,
                                progress=progress, cache_dir=None if no_cache else cache_dir,
                                options=site_options(repo_url, site_url)))
    for warning in summary.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(str(summary))
    click.echo(registry_line())
    if markdown:
        click.echo(f"Markdown tables: {markdown}")
    click.echo(f"Site: {(out_dir / 'index.html').resolve()}")
