"""`leaderboard queue`: the unreviewed claims, most urgent first; `--interactive` to review them."""

from __future__ import annotations

import json
import os
import sys
import termios
import tty
from pathlib import Path

import click

from ..compile.queue import REASONS, QueueItem, review_queue
from ..paths import DEFAULT_RESULTS
from ..store.curate import (
    CurationError,
    confidence_of,
    load_policy,
    parse_assignments,
    reject_claim,
    set_claim,
    verify_claim,
)
from ..store.registry import default_registry
from ..store.results import load_results
from .common import schemas_option


@click.command("queue")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_RESULTS,
              show_default=True, help="The result files to review.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one claim a line; json: a list of objects.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show only the first N claims.")
@click.option("--interactive", "-i", is_flag=True,
              help="Review claim by claim on a terminal: v verify, r reject, e edit, s skip, q quit.")
@schemas_option
def command(results_dir: Path, fmt: str, limit: int | None, interactive: bool) -> None:
    """The claims nobody has reviewed yet, in the order to look at them.

    \b
    First come the claims the extractor is least sure of (low confidence), then those of an
    unnamed model, those that conflict with another paper's number, those whose benchmark is
    not in the registry, and values near the edge of the metric's range; then the rest. The
    publishing policy (./leaderboard.toml) says which of them are on the leaderboards meanwhile.

    \b
    Examples:
      leaderboard queue --limit 20
      leaderboard queue --format json
      leaderboard queue --interactive
    """
    registry = default_registry()
    items = review_queue(load_results(results_dir), registry, load_policy())
    shown = items[:limit] if limit else items
    if interactive:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise click.UsageError("--interactive needs a terminal; use --format json in scripts")
        _review(shown, results_dir, registry)
    elif fmt == "json":
        click.echo(json.dumps([item.to_json() for item in shown], indent=2, ensure_ascii=False))
    else:
        for item in shown:
            click.echo(_line(item))
        click.echo(f"{len(items)} unreviewed claim{'s' if len(items) != 1 else ''}"
                   f"{f', {len(shown)} shown' if len(shown) != len(items) else ''}; "
                   f"{sum(1 for i in items if i.held_back)} held back by the policy")


def _describe(item: QueueItem) -> str:
    claim = item.stored.claim
    unit = claim.unit or ""
    setting = f" ({claim.setting})" if claim.setting else ""
    benchmark = claim.benchmark or f"{claim.benchmark_text} (not in the registry)"
    return f"{claim.model} | {benchmark} {claim.metric} {claim.value}{unit}{setting} | {claim.kind}"


def _line(item: QueueItem) -> str:
    reasons = ",".join(item.reasons) or "-"
    held = " [held back]" if item.held_back else ""
    return f"{item.ref}\t{reasons}\t{_describe(item)} | {confidence_of(item.stored.claim)}{held}\t{item.stored.claim.evidence!r}"


def _highlighted(item: QueueItem) -> str:
    """The sentence with the evidence in reverse video (or marked >>...<< when it is not in it)."""
    evidence, sentence = item.stored.claim.evidence or "", item.sentence
    at = sentence.find(evidence) if evidence else -1
    if at < 0:
        return f"{sentence}\n  evidence: >>{evidence}<<"
    return sentence[:at] + click.style(evidence, reverse=True, bold=True) + sentence[at + len(evidence):]


def _review(items: list[QueueItem], results_dir: Path, registry) -> None:
    done = 0
    for number, item in enumerate(items, start=1):
        claim = item.stored.claim
        click.echo(click.style(f"\n[{number}/{len(items)}] {item.ref}  {item.paper_title}", bold=True))
        click.echo(f"  {_highlighted(item)}")
        click.echo(f"  claim: {_describe(item)}, confidence {confidence_of(claim)}"
                   f"{', held back by the policy' if item.held_back else ''}")
        if item.reasons:
            click.echo("  why now: " + "; ".join(REASONS[r] for r in item.reasons))
        if not _decide(item, results_dir, registry):
            break
        done += 1
    click.echo(f"\nReviewed {done} of {len(items)}.")


def _read_key(prompt: str) -> str:
    """One key, without Enter. Unlike click.getchar, the terminal leaves line mode before the
    prompt is shown and without flushing its input, so that a key typed early is not lost."""
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        click.echo(prompt, nl=False)
        return os.read(fd, 4).decode("utf-8", "replace")[:1]
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _decide(item: QueueItem, results_dir: Path, registry) -> bool:
    """Ask until one decision is written (or skipped); False to stop reviewing."""
    ref = f"{item.paper_id}#{item.stored.id}"  # by id: an edit may renumber the paper's claims
    while True:
        key = _read_key("  [v]erify  [r]eject  [e]dit  [s]kip  [q]uit > ").lower()
        click.echo(key)
        try:
            if key == "v":
                click.echo(str(verify_claim(results_dir, ref, registry)))
            elif key == "r":
                reason = click.prompt("  reason", default="", show_default=False)
                click.echo(str(reject_claim(results_dir, ref, reason, registry)))
            elif key == "e":
                line = click.prompt("  FIELD=VALUE ... (value=87.5 setting=5-shot)", default="", show_default=False)
                if not line.strip():
                    continue
                click.echo(str(set_claim(results_dir, ref, parse_assignments(line.split()), registry)))
            elif key == "s":
                return True
            elif key in ("q", "\x03", "\x04"):
                return False
            else:
                continue
            return True
        except CurationError as exc:
            click.echo(f"  Error: {exc}")
