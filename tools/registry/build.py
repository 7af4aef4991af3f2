"""Build the generated benchmark registry (schemas/benchmarks-generated.json) from open taxonomies.

Runs offline on local checkouts of the sources; each is optional:

    python tools/registry/build.py --helm ~/src/helm --harness ~/src/lm-evaluation-harness \
        --lighteval ~/src/lighteval --sota-extractor ~/src/sota-extractor --axcell ~/src/axcell \
        --out schemas/benchmarks-generated.json

The output is deterministic (entries sorted by id, sources in a fixed order) and records which commit
of each checkout was read. Hand-curated entries stay in schemas/benchmarks.json; the loader lets them
win over generated ones, so a regeneration never loses them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from leaderboard.store.registry import normalise_name  # noqa: E402  (the loader's own key)

SOURCES = {  # name -> (repository, licence), in merge order: an earlier source names the benchmark
    "helm": ("stanford-crfm/helm", "Apache-2.0"),
    "lm-eval-harness": ("EleutherAI/lm-evaluation-harness", "MIT"),
    "lighteval": ("huggingface/lighteval", "MIT"),
    "nlp-progress": ("paperswithcode/sota-extractor", "MIT"),  # NLP-progress data (MIT, per sota-extractor README)
    "eff": ("paperswithcode/sota-extractor", "CC-BY-SA-4.0"),  # EFF AI progress data (per sota-extractor README)
    "axcell": ("paperswithcode/axcell", "Apache-2.0"),
}
MAX_NAME_WORDS = 8
MAX_HARNESS_CONFIGS = 12  # more configurations of one dataset are its subjects or languages, not benchmarks  # longer "names" (EFF's sentences) are descriptions, not names


# ---------------------------------------------------------------- data


@dataclass
class RawMetric:
    name: str
    higher: bool | None = None  # as the source states it; None when it does not


@dataclass
class RawBenchmark:
    """One benchmark as a source describes it, before the names are checked and sources merged."""
    source: str
    ref: str  # where in the source: run group, task, dataset
    name: str
    aliases: list[str] = field(default_factory=list)
    task: str = ""
    metrics: list[RawMetric] = field(default_factory=list)


@dataclass
class Knowledge:
    """What the build knows about names: stop list, metric rules, directions stated by metric tables."""
    generic: set[str]
    min_length: int
    common_zipf: float
    rules: list[dict]
    directions: dict[str, bool] = field(default_factory=dict)  # normalised metric name -> higher is better
    complements: dict[str, str] = field(default_factory=dict)  # normalised metric -> its complement
    metric_aliases: dict[str, list[str]] = field(default_factory=dict)  # normalised metric -> aliases


def slug(text: str) -> str:
    text = text.lower().replace("@", "-at-").replace("%", "pct")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


# ---------------------------------------------------------------- sources


class _TolerantLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML that reads the harness's `!function module.name` tags as plain strings."""


_TolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _yaml(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_TolerantLoader)  # noqa: S506  (a safe loader subclass)


def read_helm(root: Path) -> list[RawBenchmark]:
    """HELM run groups that are scenarios (they name a headline metric), with `lower_is_better`."""
    found = []
    for path in sorted((root / "src/helm/benchmark/static").glob("schema_*.yaml")):
        schema = _yaml(path) or {}
        lower = {m["name"]: m.get("lower_is_better") for m in schema.get("metrics") or [] if "name" in m}
        names = {m["name"]: m.get("display_name") or m["name"] for m in schema.get("metrics") or [] if "name" in m}
        for group in schema.get("run_groups") or []:
            main = (group.get("environment") or {}).get("main_name")
            if not main or group.get("subgroups"):
                continue
            stated = lower.get(main)
            display = group.get("display_name") or group["name"]
            short = group.get("short_display_name")
            found.append(RawBenchmark(
                "helm", f"{path.name}#{group['name']}", short or display,
                [display] if short else [],
                task=((group.get("taxonomy") or {}).get("task") or "").strip(),
                metrics=[RawMetric(names.get(main, main), None if stated is None else not stated)]))
    return found


def read_harness(root: Path) -> list[RawBenchmark]:
    """lm-evaluation-harness tasks: one benchmark per dataset, named by its shortest task name.

    A dataset with a few configurations (super_glue: boolq, cb, copa ...) holds that many benchmarks,
    one per configuration; one with many (mmlu's 57 subjects, xnli's languages) is one benchmark with
    parts. Subtasks and prompt variants (mmlu_abstract_algebra, arc_challenge_chat) are not aliases:
    thousands of them would only add noise to name matching.
    """
    tasks = root / "lm_eval/tasks"
    found: dict[tuple[str, str], RawBenchmark] = {}
    configs: dict[str, set[str]] = {}
    for path in sorted(tasks.rglob("*.yaml")):
        config = _resolved(path, 0)
        task, dataset, part = config.get("task"), config.get("dataset_path"), config.get("dataset_name")
        if not isinstance(task, str) or not isinstance(dataset, str) or "{" in task:
            continue
        part = part if isinstance(part, str) else ""
        configs.setdefault(dataset, set()).add(part)
        entry = found.setdefault((dataset, part), RawBenchmark(
            "lm-eval-harness", f"{dataset}:{part}" if part else dataset, task,
            task=path.parent.relative_to(tasks).parts[0].replace("_", " ")))
        if (len(task), task) < (len(entry.name), entry.name):
            entry.name = task
        for metric in config.get("metric_list") or []:
            if isinstance(metric, dict) and isinstance(metric.get("metric"), str):
                stated = metric.get("higher_is_better")
                entry.metrics.append(RawMetric(metric["metric"], stated if isinstance(stated, bool) else None))
    benchmarks = []
    for dataset in sorted(configs):
        parts = [found[(dataset, part)] for part in sorted(configs[dataset])]
        if len(parts) > MAX_HARNESS_CONFIGS:
            merged = min(parts, key=lambda p: (len(p.name), p.name))
            parts = [RawBenchmark("lm-eval-harness", dataset, merged.name, task=merged.task,
                                  metrics=[m for p in parts for m in p.metrics])]
        if len(parts) == 1:
            parts[0].aliases.append(dataset.rsplit("/", 1)[-1])
        for part in parts:
            part.metrics = part.metrics or [RawMetric("acc")]  # the harness's default metric
        benchmarks += parts
    return benchmarks


def _resolved(path: Path, depth: int) -> dict:
    """A harness task config with its `include` chain applied (the including file wins)."""
    try:
        config = _yaml(path)
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return {}
    if not isinstance(config, dict):
        return {}
    include = config.get("include")
    if isinstance(include, str) and depth < 5:
        return {**_resolved(path.parent / include, depth + 1), **config}
    return config


def read_lighteval(root: Path) -> dict[str, bool]:
    """The lighteval metric table: metric name -> higher is better (read with ast, never imported)."""
    tree = ast.parse((root / "src/lighteval/metrics/metrics.py").read_text(encoding="utf-8"))
    table: dict[str, bool] = {}
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        kwargs = {k.arg: k.value for k in call.keywords if k.arg}
        if "metric_name" not in kwargs or "higher_is_better" not in kwargs:
            continue
        try:
            names, higher = ast.literal_eval(kwargs["metric_name"]), ast.literal_eval(kwargs["higher_is_better"])
        except ValueError:
            continue
        for name in [names] if isinstance(names, str) else names:
            value = higher.get(name) if isinstance(higher, dict) else higher
            if isinstance(value, bool):
                table.setdefault(normalise_name(name), value)
    return table


def read_sota_tasks(path: Path, source: str) -> list[RawBenchmark]:
    """NLP-progress / EFF task trees (sota-extractor format): datasets, subdatasets and metric names."""
    found = []

    def visit(tasks: list, parent: str) -> None:
        for task in tasks:
            name = task.get("task") or parent
            for dataset in task.get("datasets") or []:
                for item in [dataset, *(dataset.get("subdatasets") or [])]:
                    metrics = (item.get("sota") or {}).get("metrics") or []
                    if item.get("dataset") and metrics:
                        found.append(RawBenchmark(source, f"{name}/{item['dataset']}", item["dataset"].strip(),
                                                  task=name, metrics=[RawMetric(m) for m in metrics]))
            visit(task.get("subtasks") or [], name)

    visit(json.loads(path.read_text(encoding="utf-8")), "")
    return found


def read_axcell(root: Path) -> tuple[list[RawBenchmark], dict, dict]:
    """AxCell's manual dictionaries: datasets with aliases, metric aliases, accuracy/error complements."""
    tree = ast.parse((root / "axcell/models/linking/manual_dicts.py").read_text(encoding="utf-8"))
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            value = node.value
            if isinstance(value, ast.DictComp):  # complementary_metrics = {k.lower(): v for k, v in {...}.items()}
                value = value.generators[0].iter.func.value
            try:
                values[name] = ast.literal_eval(value)
            except ValueError:
                continue
    datasets = [RawBenchmark("axcell", name, name, list(aliases), task="dataset in AxCell's taxonomy",
                            metrics=[RawMetric("score")])
                for name, aliases in sorted(values.get("datasets", {}).items())]
    metric_aliases = {normalise_name(k): list(v) for k, v in values.get("metrics", {}).items()}
    complements = {normalise_name(k): normalise_name(v) for k, v in values.get("complementary_metrics", {}).items()}
    return datasets, metric_aliases, complements


# ---------------------------------------------------------------- metrics


def metric_entry(raw: RawMetric, known: Knowledge) -> dict:
    """A registry metric: direction as stated, else from the metric tables, else by rule, else unknown."""
    key = normalise_name(raw.name)
    rule = _rule(raw.name, known)
    higher = raw.higher if raw.higher is not None else known.directions.get(key)
    if higher is None and key in known.complements:  # AxCell: accuracy and error are complements
        complement = known.directions.get(known.complements[key])
        higher = None if complement is None else not complement
    direction = ("higher" if higher else "lower") if higher is not None else (rule or {}).get("direction", "unknown")
    ranged = rule if rule and rule["direction"] == direction else {}
    aliases = sorted({a for a in known.metric_aliases.get(key, []) if normalise_name(a) != key}
                     - {raw.name})
    entry = {"id": slug(raw.name), "name": raw.name}
    if aliases:
        entry["aliases"] = aliases
    entry.update(direction=direction, unit=ranged.get("unit"), min=ranged.get("min"), max=ranged.get("max"))
    return entry


def _rule(name: str, known: Knowledge) -> dict | None:
    text = re.sub(r"[_\-]+", " ", name.lower())
    return next((r for r in known.rules if re.search(r["pattern"], text)), None)


# ---------------------------------------------------------------- names and merge


def name_problem(name: str, known: Knowledge) -> str | None:
    """Why `name` may not be a matchable name of a generated entry, or None when it may."""
    key = normalise_name(name)
    if len(key) < known.min_length:
        return f"shorter than {known.min_length} letters and digits"
    if key.isdigit():
        return "a number"
    if key in known.generic:
        return "a generic word (schemas/generic-names.json)"
    if len(name.split()) > MAX_NAME_WORDS:
        return f"longer than {MAX_NAME_WORDS} words: a description, not a name"
    if _common_words(name, known.common_zipf):
        return "common English words (wordfreq)"
    return None


def _common_words(name: str, zipf: float) -> bool:
    """A name written like ordinary words ("indian", "Supervised", "test clean") made of common ones.

    Acronyms (DROP, RACE) and CamelCase (HellaSwag) are written as names, so they stay.
    """
    words = re.split(r"[\s_\-]+", name.strip())
    if not all(w.isalpha() for w in words):
        return False
    if len(words) == 1:
        written_as_word = words[0].islower() or (words[0][0].isupper() and words[0][1:].islower())
    else:
        written_as_word = all(w.islower() for w in words)
    return written_as_word and all(zipf_frequency(w.lower(), "en") >= zipf for w in words)


def build(raws: list[RawBenchmark], known: Knowledge) -> list[dict]:
    """Merge the sources' benchmarks by name into registry entries, sorted by id."""
    entries: list[dict] = []
    owner: dict[str, dict] = {}  # normalised name -> entry
    for raw in raws:
        names, dropped = [], []
        for name in dict.fromkeys(n.strip() for n in [raw.name, *raw.aliases] if n and n.strip()):
            problem = name_problem(name, known)
            (dropped.append({"name": name, "reason": problem}) if problem else names.append(name))
        entry = next((owner[k] for k in map(normalise_name, names) if k in owner), None)
        if entry is None:
            if not names:
                continue
            entry = {"id": "", "name": names[0], "aliases": [], "task": raw.task or raw.source,
                     "homepage": None, "metrics": [], "sources": [], "dropped_names": []}
            entries.append(entry)
        _absorb(entry, raw, names, dropped, owner, known)
    _assign_ids(entries, owner)
    return sorted((_tidy(e) for e in entries), key=lambda e: e["id"])


def _absorb(entry: dict, raw: RawBenchmark, names: list[str], dropped: list[dict], owner: dict, known: Knowledge):
    for name in names:
        key = normalise_name(name)
        if owner.setdefault(key, entry) is not entry:
            dropped.append({"name": name, "reason": f"also a name of {owner[key]['name']!r}"})
        elif name != entry["name"] and normalise_name(name) not in map(normalise_name, entry["aliases"]):
            entry["aliases"].append(name)
    have = {m["id"] for m in entry["metrics"]}
    for raw_metric in raw.metrics:
        metric = metric_entry(raw_metric, known)
        if metric["id"] not in have:
            have.add(metric["id"])
            entry["metrics"].append(metric)
    entry["sources"].append({"source": raw.source, "licence": SOURCES[raw.source][1], "ref": raw.ref})
    entry["dropped_names"] += [d for d in dropped if d not in entry["dropped_names"]]


def _assign_ids(entries: list[dict], owner: dict[str, dict]) -> None:
    """Ids from names; an id is a name too (the loader looks ids up), so it may not be another entry's."""
    taken: set[str] = set()
    for entry in entries:
        base = slug(entry["name"])
        candidate, n = base, 2
        while candidate in taken or owner.get(normalise_name(candidate), entry) is not entry:
            candidate, n = f"{base}-{n}", n + 1
        taken.add(candidate)
        entry["id"] = candidate


def _tidy(entry: dict) -> dict:
    entry["aliases"] = sorted(entry["aliases"], key=str.casefold)
    if not entry["aliases"]:
        del entry["aliases"]
    if not entry["dropped_names"]:
        del entry["dropped_names"]
    return entry


# ---------------------------------------------------------------- files


def commit_of(directory: Path) -> str | None:
    """The checked-out commit of a source checkout; None for a directory that is not a checkout's top."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    top = git("rev-parse", "--show-toplevel")
    if not top or Path(top).resolve() != directory.resolve():
        return None  # a plain directory, or one inside another repository (this project's fixtures)
    return git("rev-parse", "HEAD") or None


def wordfreq_version() -> str:
    from importlib.metadata import version
    return version("wordfreq")


def load_knowledge(schemas: Path) -> Knowledge:
    generic = json.loads((schemas / "generic-names.json").read_text(encoding="utf-8"))
    rules = json.loads((schemas / "metric-rules.json").read_text(encoding="utf-8"))["rules"]
    return Knowledge({normalise_name(n) for n in generic["names"]}, generic["min_length"],
                     generic["common_word_zipf"], rules)


def generate(args: argparse.Namespace) -> dict:
    known = load_knowledge(Path(args.schemas))
    raws: list[RawBenchmark] = []
    used: dict[str, Path] = {}
    if args.lighteval:
        known.directions.update(read_lighteval(Path(args.lighteval)))
        used["lighteval"] = Path(args.lighteval)
    if args.axcell:
        axcell, known.metric_aliases, known.complements = read_axcell(Path(args.axcell))
        used["axcell"] = Path(args.axcell)
    if args.helm:
        raws += read_helm(Path(args.helm))
        used["helm"] = Path(args.helm)
    if args.harness:
        raws += read_harness(Path(args.harness))
        used["lm-eval-harness"] = Path(args.harness)
    if args.sota_extractor:
        tasks = Path(args.sota_extractor) / "data/tasks"
        raws += read_sota_tasks(tasks / "nlp-progress.json", "nlp-progress")
        raws += read_sota_tasks(tasks / "eff.json", "eff")
        used["nlp-progress"] = used["eff"] = Path(args.sota_extractor)
    if args.axcell:
        raws += axcell
    sources = {name: {"repository": SOURCES[name][0], "commit": commit_of(path), "licence": SOURCES[name][1]}
               for name, path in sorted(used.items())}
    return {"$schema": "./registry.schema.json", "version": 1,
            "generated": {"by": "tools/registry/build.py", "wordfreq": wordfreq_version(), "sources": sources},
            "benchmarks": build(raws, known)}


def dumps(document: dict) -> str:
    """Compact but diffable: one line per benchmark."""
    head = {k: v for k, v in document.items() if k != "benchmarks"}
    lines = ",\n".join("    " + json.dumps(b, ensure_ascii=False, sort_keys=False) for b in document["benchmarks"])
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]
    return f'{text},\n  "benchmarks": [\n{lines}\n  ]\n}}\n'


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as out:
        out.write(text)
    os.chmod(out.name, 0o644)  # NamedTemporaryFile makes it 0600; the file is shipped data
    os.replace(out.name, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--helm", help="checkout of stanford-crfm/helm")
    parser.add_argument("--harness", help="checkout of EleutherAI/lm-evaluation-harness")
    parser.add_argument("--lighteval", help="checkout of huggingface/lighteval")
    parser.add_argument("--sota-extractor", help="checkout of paperswithcode/sota-extractor (NLP-progress, EFF)")
    parser.add_argument("--axcell", help="checkout of paperswithcode/axcell")
    parser.add_argument("--schemas", default=str(ROOT / "schemas"), help="where generic-names.json and metric-rules.json are")
    parser.add_argument("--out", default=str(ROOT / "schemas/benchmarks-generated.json"))
    args = parser.parse_args(argv)
    document = generate(args)
    write_atomic(Path(args.out), dumps(document))
    print(f"{len(document['benchmarks'])} benchmarks -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
