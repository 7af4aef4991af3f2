"""`leaderboard claim ...`: review decisions and corrections, written safely into result files."""

from __future__ import annotations

from pathlib import Path

import click

from ..paths import DEFAULT_RESULTS
from ..store.curate import add_claim, parse_assignments, reject_claim, set_claim, verify_claim
from ..store.registry import default_registry
from .common import schemas_option

results_option = click.option(
    "--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RESULTS,
    show_default=True, help="The result files to edit.")


@click.group("claim")
def command() -> None:
    """Verify, reject, correct or add claims in result files.

    REF names a claim as the site does: PAPER-ID#N, N being the claim's number on the paper's
    page (its #claim-N anchor), or PAPER-ID#CLAIM-ID, or a bare claim id. Each command validates
    the file before writing it (atomically, in the canonical format), prints what changed, and
    exits 1 without touching the file when the reference or a value is wrong.

    \b
    Examples:
      leaderboard claim verify 01646feb6a#1 01646feb6a#2
      leaderboard claim reject 01646feb6a#3 --reason "best of 256 samples"
      leaderboard claim set 01646feb6a#1 value=87.5 setting=5-shot
      leaderboard claim add 01646feb6a --evidence "87.5% on MMLU" model=Foo-7B benchmark=mmlu value=87.5
    """


@command.command("verify")
@click.argument("refs", nargs=-1, required=True, metavar="REF...")
@results_option
@schemas_option
def verify(refs: tuple[str, ...], results_dir: Path) -> None:
    """Mark claims as verified: a person checked the number against the abstract."""
    registry = default_registry()
    for ref in refs:
        click.echo(str(verify_claim(results_dir, ref, registry)))


@command.command("reject")
@click.argument("ref", metavar="REF")
@click.option("--reason", required=True, help="Why the number is wrong or not comparable (kept as the claim's note).")
@results_option
@schemas_option
def reject(ref: str, reason: str, results_dir: Path) -> None:
    """Reject a claim: it leaves the leaderboards, and re-extraction never brings it back."""
    click.echo(str(reject_claim(results_dir, ref, reason, default_registry())))


@command.command("set")
@click.argument("ref", metavar="REF")
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@results_option
@schemas_option
def set_(ref: str, assignments: tuple[str, ...], results_dir: Path) -> None:
    """Correct fields of a claim; an extracted claim becomes verified (a person checked it).

    FIELD is one of model, benchmark (a registry id or name; empty for none), benchmark_text,
    metric, value, unit, setting, params, kind, qualifier, base_model. An empty VALUE clears an
    optional field (setting=).
    """
    click.echo(str(set_claim(results_dir, ref, parse_assignments(assignments), default_registry())))


@command.command("add")
@click.argument("paper", metavar="PAPER-ID")
@click.option("--evidence", required=True, help="The words of the abstract that state the number, copied exactly.")
@click.option("--note", default=None, help="A note kept with the claim.")
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@results_option
@schemas_option
def add(paper: str, evidence: str, note: str | None, assignments: tuple[str, ...], results_dir: Path) -> None:
    """Add a claim the extractor missed (status `added`); model, benchmark and value are required.

    The metric defaults to the benchmark's headline metric (and its unit), kind to absolute.
    """
    click.echo(str(add_claim(results_dir, paper, evidence, parse_assignments(assignments), default_registry(),
                             note=note)))
