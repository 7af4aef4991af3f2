from __future__ import annotations

import json
from pathlib import Path

import click

from ..evaluate import DELTA, LEADERBOARD, EvalReport, evaluate, load_gold
from ..ingest import ingest
from ..registry import default_registry
from .common import inputs_argument, inputs_or_default, schemas_option


@click.command("eval")
@schemas_option
@click.option("--gold", "gold_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Hand-labelled claims, one paper a line (format: docs/data-formats.md).")
@inputs_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: figures, then misses and false positives; json: the same report for machines.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Processes to extract with.")
def command(gold_file: Path, inputs: tuple[str, ...], fmt: str, jobs: int) -> None:
    """Score extraction against a gold file: precision, recall and F1 for leaderboard claims
    (absolute + cited) and for deltas, with every miss and false positive.

    Papers are taken from INPUT listings (default: the embedded corpus) and matched to the gold
    file by id.

    \b
    Examples:
      leaderboard eval --gold tests/gold/dev.jsonl
      leaderboard eval --gold tests/gold/dev.jsonl --format json | jq .scores
    """
    gold = load_gold(gold_file)
    report = evaluate(gold, ingest(inputs_or_default(inputs)), default_registry(), str(gold_file), jobs=jobs)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report))


def render_text(report: EvalReport) -> str:
    lines = [f"{report.gold_file}: {report.papers} papers"]
    for name, label in ((LEADERBOARD, "leaderboard claims (absolute + cited)"), (DELTA, "deltas")):
        score = report.scores[name]
        lines.append(f"  {label:40} precision {score.precision:.3f}  recall {score.recall:.3f}  F1 {score.f1:.3f}"
                     f"  ({score.true_positives} matched, {score.false_positives} wrong, {score.gold} gold)")
    if report.missing_papers:
        lines.append(f"  {len(report.missing_papers)} gold papers not in the inputs: {', '.join(report.missing_papers[:10])}")
    lines.append("")
    lines.append(f"Misses ({len(report.misses)}):")
    lines += [f"  {m.paper_id}  {m.value:g}  {m.benchmark}  [{m.kind}]  {m.evidence!r}" for m in report.misses]
    lines.append(f"False positives ({len(report.false_positives)}):")
    lines += [f"  {f.paper_id}  {f.value:g}  {f.benchmark}  [{f.kind}]  {f.evidence!r}" for f in report.false_positives]
    return "\n".join(lines)
