from __future__ import annotations

import json
from pathlib import Path

import click

from ..evaluate import DELTA, FIELDS, LEADERBOARD, EvalReport, Mismatch, evaluate, load_gold, papers_of_gold
from ..sources.ingest import ingest
from ..store.registry import default_registry
from .common import inputs_argument, inputs_or_default, schemas_option

_CLASSES = ((LEADERBOARD, "leaderboard claims (absolute + cited)"), (DELTA, "deltas"))


@click.command("eval")
@schemas_option
@click.option("--gold", "gold_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Hand-labelled claims, one paper a line (see docs/data-formats.md, 'Gold files').")
@inputs_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: figures, then misses and false positives; json: the same report for machines.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Processes to extract with.")
def command(gold_file: Path, inputs: tuple[str, ...], fmt: str, jobs: int) -> None:
    """Score extraction against a gold file, whole rows first: a prediction counts only when value,
    kind group (absolute/cited vs delta), benchmark and model all agree with a gold claim.

    Prints whole-row precision, recall and F1 for leaderboard claims (absolute + cited) and for
    deltas, beside them the value+benchmark figure (model ignored), the accuracy of each field on
    the pairs that agree on value, whole-row precision per confidence, then every miss and false
    positive with the fields that differ.

    Papers come from the gold file itself when its lines carry an "abstract"; otherwise from INPUT
    listings (default: the embedded corpus), matched to the gold file by id.

    \b
    Examples:
      leaderboard eval --gold tests/gold/dev.jsonl
      leaderboard eval --gold tests/gold/external-dev.jsonl
      leaderboard eval --gold tests/gold/dev.jsonl --format json | jq .scores
    """
    gold = load_gold(gold_file)
    papers = papers_of_gold(gold) if not inputs else None
    if papers is None:
        papers = ingest(inputs_or_default(inputs))
    report = evaluate(gold, papers, default_registry(), str(gold_file), jobs=jobs)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report))


def render_text(report: EvalReport) -> str:
    lines = [f"{report.gold_file}: {report.papers} papers", "whole rows (value, kind group, benchmark, model):"]
    for name, label in _CLASSES:
        score, loose = report.scores[name], report.value_benchmark[name]
        lines.append(f"  {label:40} precision {score.precision:.3f}  recall {score.recall:.3f}  F1 {score.f1:.3f}"
                     f"  ({score.true_positives} matched, {score.false_positives} wrong, {score.gold} gold)"
                     f"   value+benchmark: P {loose.precision:.3f} R {loose.recall:.3f}")
    if report.missing_papers:
        lines.append(f"  {len(report.missing_papers)} gold papers not in the inputs: {', '.join(report.missing_papers[:10])}")
    lines.append("field accuracy on value-matched pairs:")
    for name, label in _CLASSES:
        accs = report.fields[name]
        pairs = accs[FIELDS[0]].pairs
        lines.append(f"  {label:40} ({pairs} pairs) "
                     + "  ".join(f"{f} {accs[f].accuracy:.3f}" for f in FIELDS))
    lines.append("whole-row precision by confidence:")
    lines.append("  " + "  ".join(f"{name} {score.precision:.3f} ({score.true_positives}/"
                                  f"{score.true_positives + score.false_positives})"
                                  for name, score in report.confidence.items()))
    lines.append("")
    lines.append(f"Misses ({len(report.misses)}):")
    lines += [_mismatch_line(m) for m in report.misses]
    lines.append(f"False positives ({len(report.false_positives)}):")
    lines += [_mismatch_line(f) for f in report.false_positives]
    return "\n".join(lines)


def _mismatch_line(mismatch: Mismatch) -> str:
    differs = (f"  differs: {','.join(mismatch.differs)} (vs {mismatch.counterpart})" if mismatch.differs
               else "  (no claim of that value)")
    return (f"  {mismatch.paper_id}  {mismatch.value:g}  {mismatch.benchmark}  [{mismatch.kind}]  "
            f"model={mismatch.model}{differs}  {mismatch.evidence!r}")
