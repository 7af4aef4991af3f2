"""A synthetic corpus for benchmarking: N realistic papers in the Daily Papers page-dump format.

Every abstract is recombined from real sentences of the embedded corpus. Each real sentence is
turned once into a template whose slots are the paper's own model name, the benchmark names found
by the extractor's own index, and the decimal or percent figures. A generated paper takes the shape
of a real abstract (its sequence of opening, body, score and closing sentences, so the claim density
stays realistic) and fills each place with a random real sentence of that kind, its slots filled by
a fresh model name, other registry benchmarks and nearby numbers. Everything is drawn from one
`random.Random(seed)`, so a seed gives the same corpus byte for byte; filling templates is plain
string joining, so 100,000 papers take seconds.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import LeaderboardError
from .extract.attribution import paper_context
from .extract.mentions import benchmark_index
from .extract.numbers import NUMBER
from .extract.sentences import sentence_spans
from .ids import MONTHS, normalise_title
from .models import Paper
from .sources.ingest import ingest
from .store.registry import Registry, default_registry

PAPERS_PER_FILE = 1000
_PAGE_HEADER = ("new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
                "byAK and the research community\n\nApr 16\n\n")
_SYLLABLES = ("ka", "lo", "mi", "ra", "ze", "tu", "vo", "xi", "ne", "sa", "do", "ri", "ta", "phi", "quo", "len",
              "mar", "sol", "ven", "gra", "tor", "lux", "nym", "zor", "bel", "cas", "dra", "el", "fin", "hal")
_FAMILIES = ("Llama", "Qwen", "Mistral", "Gemma", "Phi", "DeepSeek", "Falcon", "OLMo", "InternLM", "Yi")
_SUFFIXES = ("", "", "", "-Instruct", "-Chat", "-Base", "-R1", "-Coder", "-Math", "-VL")
_SIZES = ("", "", "1.5B", "3B", "7B", "8B", "13B", "14B", "32B", "70B", "0.5B", "2B")
_ORGS = (("nvidia", "NVIDIA"), ("google", "Google"), ("meta-llama", "Meta Llama"), ("Qwen", "Qwen"),
         ("allenai", "Ai2"), ("microsoft", "Microsoft"), ("deepseek-ai", "DeepSeek"), ("mistralai", "Mistral AI"))

# A slot is ("model",), ("benchmark", original text) or ("number", value, decimals, percent).
_Part = str | tuple


_KINDS = ("opening", "body", "score", "closing")


@dataclass(frozen=True)
class _Sentences:
    """The sentence templates of the embedded corpus by kind, and each real abstract's sequence of kinds."""

    by_kind: dict[str, tuple[tuple[_Part, ...], ...]]  # "score": a benchmark and a figure, where claims come from
    shapes: tuple[tuple[str, ...], ...]  # e.g. ("opening", "body", "score", "closing"): keeps the real claim density
    subtitles: tuple[str, ...]
    benchmark_names: tuple[str, ...]


def generate_corpus(n: int, seed: int, out_dir: Path | str, papers_per_file: int = PAPERS_PER_FILE,
                    registry: Registry | None = None) -> list[Path]:
    """Write `n` generated papers as page-dump listings into `out_dir` (created); returns the files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = generate_blocks(n, seed, registry)
    files = []
    for number, first in enumerate(range(0, n, papers_per_file)):
        path = out_dir / f"papers-{number:04d}.txt"
        path.write_text(_PAGE_HEADER + "\n".join(blocks[first:first + papers_per_file]), encoding="utf-8")
        files.append(path)
    return files


def generate_blocks(n: int, seed: int, registry: Registry | None = None) -> list[str]:
    """The page-dump text of `n` papers (title, abstract, trailer), deterministic by `seed`."""
    sentences = sentence_templates(registry or default_registry())
    rng = random.Random(seed)
    seen_titles: set[str] = set()
    blocks = []
    for _ in range(n):
        model = _model_name(rng)
        title = _title(rng, model, sentences.subtitles, seen_titles)
        shape = sentences.shapes[int(rng.random() * len(sentences.shapes))]
        abstract = " ".join(_fill(_pick(rng, sentences.by_kind[kind]), model, rng, sentences.benchmark_names)
                            for kind in shape)
        blocks.append(f"{title}\n\n{abstract}\n\n{_trailer(rng)}")
    return blocks


_TEMPLATES: dict[int, _Sentences] = {}


def sentence_templates(registry: Registry) -> _Sentences:
    """Templates of every sentence of the embedded corpus; built once per registry."""
    key = id(registry)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _build_templates(ingest(), registry)
    return _TEMPLATES[key]


def _build_templates(papers: list[Paper], registry: Registry) -> _Sentences:
    index = benchmark_index(registry)
    by_kind: dict[str, list[tuple[_Part, ...]]] = {kind: [] for kind in _KINDS}
    shapes = []
    for paper in papers:
        text = paper.abstract
        slots = _slots(paper, text, index)
        spans = sentence_spans(text)
        shape = []
        for position, (start, end) in enumerate(spans):
            template = _template(text, start, end, slots)
            kind = _kind(template, position, len(spans))
            by_kind[kind].append(template)
            shape.append(kind)
        shapes.append(tuple(shape))
    subtitles = tuple(sorted({p.title.partition(": ")[2] or p.title for p in papers}))
    names = tuple(sorted({n for b in registry for n in (b.name, *b.aliases)}))
    return _Sentences({k: tuple(v) for k, v in by_kind.items()}, tuple(shapes), subtitles, names)


def _kind(template: tuple[_Part, ...], position: int, count: int) -> str:
    slots = {part[0] for part in template if isinstance(part, tuple)}
    if position == 0:
        return "opening"
    if {"benchmark", "number"} <= slots:
        return "score"
    return "closing" if position == count - 1 else "body"


def _slots(paper: Paper, text: str, index) -> list[tuple[int, int, tuple]]:
    """Non-overlapping (start, end, slot) of an abstract: benchmarks, own model names, figures."""
    found = [(m.start, m.end, ("benchmark", m.text)) for m in index.find(text, 0, len(text))]
    names = sorted((n for n in paper_context(paper).own_names if len(n) >= 3), key=len, reverse=True)
    if names:
        pattern = re.compile(r"(?<![\w\-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w\-])")
        found += [(m.start(), m.end(), ("model",)) for m in pattern.finditer(text)]
    for match in NUMBER.finditer(text):
        digits = match.group("num")
        percent = bool(match.group("pct"))
        if "," in digits or ("." not in digits and not percent):
            continue  # counts, years and sizes stay as written
        decimals = len(digits.partition(".")[2])
        found.append((match.start("num"), match.end("num"), ("number", float(digits), decimals, percent)))
    taken: list[tuple[int, int, tuple]] = []
    for start, end, slot in sorted(found, key=lambda f: (f[0], -f[1])):
        if not taken or start >= taken[-1][1]:
            taken.append((start, end, slot))
    return taken


def _template(text: str, start: int, end: int, slots: list[tuple[int, int, tuple]]) -> tuple[_Part, ...]:
    parts: list[_Part] = []
    position = start
    for slot_start, slot_end, slot in slots:
        if slot_start < start or slot_end > end:
            continue
        parts += [text[position:slot_start], slot]
        position = slot_end
    parts.append(text[position:end])
    return tuple(part for part in parts if part != "")


def _pick(rng: random.Random, templates: tuple[tuple[_Part, ...], ...]) -> tuple[_Part, ...]:
    return templates[int(rng.random() * len(templates))]


def _fill(template: tuple[_Part, ...], model: str, rng: random.Random, benchmark_names: tuple[str, ...]) -> str:
    # rng.random() drawn directly (not choice/uniform): this loop runs a million times for 100k papers.
    draw = rng.random
    out = []
    for part in template:
        if part.__class__ is str:
            out.append(part)
        elif part[0] == "model":
            out.append(model)
        elif part[0] == "benchmark":
            out.append(benchmark_names[int(draw() * len(benchmark_names))] if draw() < 0.5 else part[1])
        else:  # a figure near the original, with as many decimals; percentages stay below 100
            _, value, decimals, percent = part
            new = value * (0.85 + 0.3 * draw())
            out.append(f"{min(new, 99.0) if percent else new:.{decimals}f}")
    return "".join(out)


def _model_name(rng: random.Random) -> str:
    if rng.random() < 0.3:
        base = f"{rng.choice(_FAMILIES)}-{rng.randint(1, 4)}"
    else:
        base = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        base += rng.choice(("", "", f"-{rng.randint(1, 3)}", f"-{rng.randint(1, 3)}.{rng.randint(0, 9)}"))
    size = rng.choice(_SIZES)
    return base + rng.choice(_SUFFIXES) + (f"-{size}" if size else "")


def _title(rng: random.Random, model: str, subtitles: tuple[str, ...], seen: set[str]) -> str:
    """A title never seen before in this corpus (normalised as ingest merges them)."""
    for attempt in range(100):
        title = f"{model}: {rng.choice(subtitles)}" + (f" ({attempt + 1})" if attempt > 10 else "")
        key = normalise_title(title)
        if key not in seen:
            seen.add(key)
            return title
    raise RuntimeError("could not make a distinct title")  # pragma: no cover - 100 draws never all collide


def _trailer(rng: random.Random) -> str:
    """The author-count or organization line, the dot, and the date line (with upvotes sometimes)."""
    draw = rng.random()
    if draw < 0.1:
        return ""
    if draw < 0.2:
        handle, name = rng.choice(_ORGS)
        who = f"{handle} {name}"
    else:
        count = rng.randint(1, 40)
        who = f"  • {count} author{'s' if count > 1 else ''}"
    date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2025)}"
    if rng.random() < 0.5:
        date += f" {rng.randint(1, 300)}"
    return f"{who}\n·\n{date}\n"


# --- timing the pipeline on a generated corpus -----------------------------------------------

PEAK_MB_MEANS = ("peak resident set size (RSS) of the process so far, in MiB, read after the stage with "
                 "getrusage: the bench process or its largest worker process, whichever is higher; "
                 "for builds and reviews: the peak RSS of that command's process")


@dataclass(frozen=True)
class StageTime:
    seconds: float
    papers_per_second: float
    peak_mb: float

    def to_json(self) -> dict:
        return {"seconds": round(self.seconds, 3), "papers_per_second": round(self.papers_per_second, 1),
                "peak_mb": round(self.peak_mb, 1)}


def run_bench(papers: int, work_dir: Path | str, jobs: int = 1, seed: int = 0, builds: bool = True,
              progress=None) -> dict:
    """Generate `papers` papers under `work_dir`, time every stage on them, and return the figures in
    the `bench --json` form of docs/data-formats.md, "Bench figures"
    (plus `seed`, `generate`, `builds` and `peak_mb_means`).

    Stages run in one process, each on the previous one's output: ingest, extract (`jobs`
    processes), write-results (one result file per paper), validate (read those files and check
    them, dropping invalid claims, as the build does), reconcile (+ compile), render (the whole
    site, no cache, charts drawn in `jobs` processes as the build does). With `builds`, three commands are then timed as
    separate processes: a full `leaderboard build` (cold cache), an incremental build after one
    result file changed, and `leaderboard review` of that change in a scratch git repository.
    """
    from .build import drop_invalid_claims, render_with_cache
    from .cache import BuildCache
    from .compile.tables import compile_results
    from .extract import extract_all
    from .store.results import load_results, write_results

    step = progress or (lambda _message: None)
    work = Path(work_dir)
    registry = default_registry()
    # results/ sits in a directory that becomes a git repository for the review measurement
    listings, results_dir, site_dir = work / "listings", work / "repo" / "results", work / "site"
    stages: dict[str, StageTime] = {}

    def timed(name: str, action):
        step(f"{name}...")
        start = _now()
        value = action()
        stages[name] = _stage_time(_now() - start, papers)
        step(f"{name}: {stages[name].seconds:.2f} s")
        return value

    generate_start = _now()
    generate_corpus(papers, seed, listings, registry=registry)
    generate_seconds = _now() - generate_start
    ingested = timed("ingest", lambda: ingest([listings]))
    claims = timed("extract", lambda: extract_all(ingested, registry, jobs=jobs))
    timed("write-results", lambda: write_results(results_dir, ingested, claims))
    valid = timed("validate", lambda: drop_invalid_claims(load_results(results_dir), registry)[0])
    compiled = timed("reconcile", lambda: compile_results(valid, registry))
    timed("render", lambda: render_with_cache(compiled, registry, site_dir, jobs, BuildCache(None)))
    figures = {
        "papers": papers,
        "jobs": jobs,
        "seed": seed,
        "stages": {name: stage.to_json() for name, stage in stages.items()},
        "total_seconds": round(sum(stage.seconds for stage in stages.values()), 3),
        "peak_mb": round(max(stage.peak_mb for stage in stages.values()), 1),
        "generate_seconds": round(generate_seconds, 3),
        "claims": sum(len(found) for found in claims.values()),
        "peak_mb_means": PEAK_MB_MEANS,
    }
    if builds:
        figures["builds"] = time_commands(work, listings, results_dir, jobs, step)
    return figures


def time_commands(work: Path, listings: Path, results_dir: Path, jobs: int, step) -> dict:
    """Time `leaderboard build` (cold cache), the rebuild after one result file changed, and
    `leaderboard review` of that change, each as its own process."""
    build = ["build", str(listings), "--results", str(results_dir),
             "--out", str(work / "built-site"), "--cache-dir", str(work / "cache"), "--jobs", str(jobs)]
    figures = {}
    step("full build...")
    figures["full_build"] = _run_command(build, work)
    repo = results_dir.parent
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "generated results")
    # A commit of 100k loose objects starts `git gc --auto` in the background, which would run during
    # the timed commands below; pack now instead, untimed: a CI clone's objects are packed too.
    _git(repo, "gc", "-q")
    changed = change_one_result(results_dir)
    step(f"incremental build after changing {changed.name}...")
    figures["incremental_build"] = {**_run_command(build, work), "changed_file": changed.name}
    step("review of the change...")
    review = ["review", "--base", "HEAD", "--repo", str(repo)]
    figures["review"] = _run_command(review, work, ok=(0, 1))  # 1: the change has validation errors
    return figures


def change_one_result(results_dir: Path) -> Path:
    """Mark the first valid extracted score on a registry benchmark (in file order) as verified: the
    kind of one-file change a reviewer makes, and one that reaches a leaderboard (its benchmark page,
    the model's page and the downloads change with it). Returns the file."""
    from .store.validate import validate_document

    registry = default_registry()
    for path in sorted(results_dir.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        claims = document.get("claims", [])
        if not any(claim.get("status") == "extracted" for claim in claims):
            continue
        flagged = {issue.pointer.split("/")[2] for issue in validate_document(document, str(path), registry)
                   if issue.pointer.startswith("/claims/")}
        for index, claim in enumerate(claims):
            if claim.get("status") == "extracted" and str(index) not in flagged \
                    and claim.get("kind") in ("absolute", "cited") and registry.get(claim.get("benchmark") or ""):
                claim["status"] = "verified"
                path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
                return path
    raise BenchError("no result file has a valid claim to change")


class BenchError(LeaderboardError):
    """A timed command failed."""


_RENDERED = re.compile(r"(\d+) files rendered, (\d+) unchanged")


# Runs `leaderboard ARGS...` and, at exit, writes the process's own peak RSS (VmHWM: unlike
# ru_maxrss it is not inherited from the forking bench process) and its workers' to $BENCH_RSS_FILE.
_WRAPPER = """
import atexit, os, re, resource, sys
def _report():
    status = open("/proc/self/status").read()
    own = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    open(os.environ["BENCH_RSS_FILE"], "w").write(str(max(own, workers)))
atexit.register(_report)
from leaderboard.cli import main
main(sys.argv[1:], prog_name="leaderboard")
"""


def _run_command(args: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> dict:
    """Run `leaderboard ARGS` in a fresh process: its wall seconds and peak RSS."""
    # The previous step wrote hundreds of megabytes (results, a site, git objects): let the kernel
    # write them out first, so that the disk and the flusher threads are not charged to this command.
    os.sync()
    with tempfile.TemporaryDirectory() as scratch:
        rss_file = Path(scratch) / "rss"
        env = {**os.environ, "BENCH_RSS_FILE": str(rss_file)}
        start = _now()
        done = subprocess.run([sys.executable, "-c", _WRAPPER, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        seconds = _now() - start
        text = done.stdout.decode("utf-8", "replace")
        if done.returncode not in ok:
            raise BenchError(f"leaderboard {args[0]} exited {done.returncode}: {text[-2000:]}")
        peak = _mib(int(rss_file.read_text())) if rss_file.exists() else 0.0
    figures = {"seconds": round(seconds, 3), "peak_mb": round(peak, 1), "command": " ".join(["leaderboard", *args])}
    rendered = _RENDERED.search(text)
    if rendered:
        figures.update(rendered=int(rendered[1]), unchanged=int(rendered[2]))
    return figures


def _git(repo: Path, *args: str) -> None:
    command = ["git", "-c", "user.name=leaderboard bench", "-c", "user.email=bench@localhost",
               "-c", "commit.gpgsign=false", "-c", "gc.auto=0", *args]
    subprocess.run(command, cwd=repo, check=True, stdout=subprocess.DEVNULL)


def _now() -> float:
    return time.perf_counter()


def _mib(maxrss_kib: int) -> float:
    return maxrss_kib / 1024  # Linux reports ru_maxrss in KiB


def peak_rss_mb() -> float:
    """Peak RSS so far of this process or of its largest finished child (worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return _mib(max(own, children))


def _stage_time(seconds: float, papers: int) -> StageTime:
    return StageTime(seconds, papers / seconds if seconds > 0 else 0.0, peak_rss_mb())
