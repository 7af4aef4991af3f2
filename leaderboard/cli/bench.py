from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import click

from ..bench import run_bench
from .common import schemas_option, show_progress


@click.command("bench")
@schemas_option
@click.option("--papers", type=click.IntRange(min=1), required=True, help="How many papers to generate.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the figures to this JSON file (keys as in docs/data-formats.md, 'Bench figures').")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
              help="Processes for extraction and charts.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated corpus.")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Work in this directory and keep the corpus, results and sites (default: a temporary one).")
@click.option("--stages-only", is_flag=True,
              help="Skip the full build, incremental build and review measurements.")
def command(papers: int, json_file: Path | None, jobs: int, seed: int, keep: Path | None, stages_only: bool) -> None:
    """Time every stage on a generated corpus of N realistic papers.

    Prints, per stage, wall seconds, papers per second and peak memory (the peak RSS of the
    process so far, in MiB), and the total; then the wall time and peak RSS of a full
    `leaderboard build` (cold cache), of a rebuild after one result file changed, and of
    `leaderboard review` of that change.

    \b
    Examples:
      leaderboard bench --papers 1000
      leaderboard bench --papers 100000 --json bench-results/bench-100000.json
      leaderboard bench --papers 10000 --jobs 1 --keep /tmp/bench-10k
    """
    def progress(message: str) -> None:
        if show_progress():
            click.echo(f"  {message}", err=True)

    if keep is not None and keep.exists() and any(keep.iterdir()):
        raise click.UsageError(f"--keep directory {keep} is not empty")
    work = keep or Path(tempfile.mkdtemp(prefix="leaderboard-bench-"))
    try:
        figures = run_bench(papers, work, jobs=jobs, seed=seed, builds=not stages_only, progress=progress)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    click.echo(format_figures(figures))
    if json_file:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        click.echo(f"Figures: {json_file}")


def format_figures(figures: dict) -> str:
    lines = [f"{figures['papers']} papers ({figures['claims']} claims), {figures['jobs']} jobs, seed {figures['seed']}",
             f"{'stage':<16}{'seconds':>10}{'papers/s':>12}{'peak MiB':>10}"]
    for name, stage in figures["stages"].items():
        lines.append(f"{name:<16}{stage['seconds']:>10.2f}{stage['papers_per_second']:>12.0f}{stage['peak_mb']:>10.0f}")
    lines.append(f"{'total':<16}{figures['total_seconds']:>10.2f}{'':>12}{figures['peak_mb']:>10.0f}")
    for name, run in figures.get("builds", {}).items():
        extra = f" ({run['rendered']} files rendered)" if "rendered" in run else ""
        lines.append(f"{name.replace('_', ' '):<20}{run['seconds']:>6.2f} s, peak {run['peak_mb']:.0f} MiB{extra}")
    lines.append("peak MiB: peak RSS of the process so far (the bench, its workers, or the timed command)")
    return "\n".join(lines)
