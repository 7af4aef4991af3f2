from __future__ import annotations

import json

import click

from ..paths import DEFAULT_RESULTS
from ..review import render_review_markdown, review_directories, review_revisions, review_to_json
from .common import registry_line, schemas_option

_DIRECTORY = click.Path(exists=True, file_okay=False)


@click.command("review")
@schemas_option
@click.option("--base", metavar="REF", help="Git revision to compare against (a branch, tag or commit).")
@click.option("--head", metavar="REF", help="Git revision with the change. [default: the working tree]")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True,
              help="markdown: the pull-request comment; json: the same review for machines.")
@click.option("--results", "results", default=str(DEFAULT_RESULTS), show_default=True, metavar="DIR",
              help="Results directory, relative to --repo.")
@click.option("--repo", default=".", show_default=True, type=_DIRECTORY, metavar="DIR",
              help="The git repository (any directory inside it).")
@click.option("--base-dir", type=_DIRECTORY, metavar="DIR", help="Without git: the result files before the change.")
@click.option("--head-dir", type=_DIRECTORY, metavar="DIR", help="Without git: the result files after the change.")
def command(base: str | None, head: str | None, fmt: str, results: str, repo: str, base_dir: str | None,
            head_dir: str | None) -> None:
    """Report what a change to the result files does to the leaderboards.

    Validation errors of the changed files come first (file, JSON pointer, message, fix), then the
    claims added, changed and removed, then for each affected leaderboard the new leader, moved,
    new and dropped entries and new conflicts, then a one-line verdict. Exits 1 when a changed
    file has validation errors.

    \b
    Examples:
      leaderboard review --base origin/main                # working tree against main
      leaderboard review --base v1.0 --head HEAD --format json
      leaderboard review --base-dir old/results --head-dir results
    """
    if base_dir or head_dir:
        if not (base_dir and head_dir) or base or head:
            raise click.UsageError("use --base-dir and --head-dir together, without --base/--head")
        review = review_directories(base_dir, head_dir)
    elif base:
        review = review_revisions(base, head, repo=repo, results=results)
    else:
        raise click.UsageError("name what to compare: --base REF, or --base-dir DIR --head-dir DIR")
    click.echo(registry_line(), err=True)  # stdout is the report (a pull-request comment)
    if fmt == "json":
        click.echo(json.dumps(review_to_json(review), indent=2, ensure_ascii=False))
    else:
        click.echo(render_review_markdown(review), nl=False)
    if not review.valid:
        raise click.exceptions.Exit(1)
