from __future__ import annotations

import json

import click

from ..store.validate import validate_paths
from .common import schemas_option


@click.command("validate")
@schemas_option
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATH]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one issue a line and a summary; json: the whole report as one JSON object.")
def command(paths: tuple[str, ...], fmt: str) -> None:
    """Check result files (default: results/), the benchmark registry and the model alias file.

    PATH is a result file or a directory of them. Every problem is reported, each as
    FILE:POINTER: SEVERITY[CODE] MESSAGE (hint: HOW TO FIX). Exit code 1 when there is any
    error; warnings alone exit 0.

    \b
    Examples:
      leaderboard validate
      leaderboard validate results/01646feb6a.json --format json
    """
    report = validate_paths(list(paths) or None)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for issue in report.issues:
            click.echo(str(issue))
        click.echo(report.summary())
    if not report.valid:
        raise click.exceptions.Exit(1)
