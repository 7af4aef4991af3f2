"""The benchmark registry: benchmarks, their aliases and metrics.

Two files make the default registry: `schemas/benchmarks.json`, curated by hand, and
`schemas/benchmarks-generated.json`, written by tools/registry/build.py from open taxonomies. A
curated entry wins over a generated one with the same id or name, so a regeneration never loses
curated work. The registry is data; this module only reads it (validated against
`schemas/registry.schema.json`) and answers name lookups. Names match after normalisation: case, spaces and punctuation are
ignored, so "MMLU-Pro", "MMLU Pro" and "mmlu pro" are one benchmark.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import jsonschema

from ..errors import RegistryError
from ..paths import schema_file, schemas_dir

REGISTRY_FILE = "benchmarks.json"
GENERATED_FILE = "benchmarks-generated.json"
REGISTRY_SCHEMA = "registry.schema.json"

_NON_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)  # extraction asks for the same few thousand names again and again
def normalise_name(text: str) -> str:
    """The lookup key of a benchmark or metric name: lowercase letters and digits only."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).lower())


@dataclass(frozen=True)
class Metric:
    id: str  # "accuracy", "perplexity", "pass-at-1"
    name: str  # display name
    direction: str  # "higher" or "lower" is better, or "unknown": then its claims stay off the leaderboards
    unit: str | None  # "%" or None
    min: float | None
    max: float | None
    aliases: tuple[str, ...] = ()

    def accepts(self, value: float) -> bool:
        """True when `value` lies in the metric's valid range."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class RegistrySource:
    """Where a generated entry comes from: the source's item, its licence, and the repository and commit read
    (from the generated file's header; None when the header does not name them)."""
    source: str  # "helm", "lm-eval-harness", ...
    licence: str
    ref: str  # the run group, task or dataset in that source
    repository: str | None = None  # "stanford-crfm/helm"
    commit: str | None = None


@dataclass(frozen=True)
class Benchmark:
    id: str
    name: str
    aliases: tuple[str, ...]
    task: str
    homepage: str | None
    metrics: tuple[Metric, ...]  # the first is the benchmark's headline metric
    sources: tuple[str, ...] = ()  # generated entries: the taxonomies it comes from ("helm", ...)
    source_refs: tuple[RegistrySource, ...] = ()  # generated entries: each source item with its licence

    @property
    def generated(self) -> bool:
        return bool(self.sources)

    @property
    def default_metric(self) -> Metric:
        return self.metrics[0]

    def metric(self, text: str | None) -> Metric | None:
        """The metric named `text` (id, name or alias), or the headline metric for None.

        Abstracts write metrics loosely ("BLEU scores", "pass@1 score", "success rates"): a trailing
        "score(s)" and a plural "s" are ignored, and a bare "score" means the headline metric.
        """
        if text is None:
            return self.default_metric
        for key in _metric_keys(text):
            if key == "score":
                return self.default_metric
            for metric in self.metrics:
                if key in {normalise_name(n) for n in (metric.id, metric.name, *metric.aliases)}:
                    return metric
        return None


_ABBREVIATION = re.compile(r"\([^()]*\)")


def _metric_keys(text: str) -> list[str]:
    """Lookup keys for a metric name as written, the exact form first."""
    plain = _ABBREVIATION.sub(" ", text).strip() or text  # "Win Rate (LC WR)": drop the abbreviation
    key = normalise_name(plain)
    keys = [normalise_name(text), key]
    for prefix in ("average", "mean", "overall"):  # "average win rate": the aggregate is the metric itself
        if key.startswith(prefix) and len(key) > len(prefix):
            keys.append(key[len(prefix):])
    for suffix in ("scores", "score"):
        if key.endswith(suffix) and len(key) > len(suffix):
            keys.append(key[: -len(suffix)])
    keys += [k[:-3] + "y" for k in list(keys) if k.endswith("ies")]
    keys += [k[:-1] for k in list(keys) if k.endswith("s") and len(k) > 3]
    return list(dict.fromkeys(keys))


class Registry:
    """All benchmarks, with lookups by id, name or alias."""

    def __init__(self, benchmarks: list[Benchmark], path: str = REGISTRY_FILE):
        self.path = path
        self.benchmarks: dict[str, Benchmark] = {b.id: b for b in benchmarks}
        self._by_name: dict[str, Benchmark] = {}
        self._suggestions: dict[tuple[str, int], list[str]] = {}  # suggest() is pure: asked once per name
        for benchmark in benchmarks:
            for name in (benchmark.id, benchmark.name, *benchmark.aliases):
                self._by_name.setdefault(normalise_name(name), benchmark)

    def __iter__(self):
        return iter(self.benchmarks.values())

    def __len__(self) -> int:
        return len(self.benchmarks)

    def get(self, benchmark_id: str) -> Benchmark | None:
        return self.benchmarks.get(benchmark_id)

    def lookup(self, text: str) -> Benchmark | None:
        """The benchmark whose id, name or an alias is `text` after normalisation."""
        return self._by_name.get(normalise_name(text))

    def names(self) -> list[str]:
        """Every id, name and alias: the vocabulary for suggestions."""
        return sorted({n for b in self for n in (b.id, b.name, *b.aliases)})

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Did-you-mean candidates for an unknown benchmark name, as registry ids."""
        known = self._suggestions.get((text, limit))
        if known is None:
            known = self._suggestions[(text, limit)] = self._suggest(text, limit)
        return list(known)

    def _suggest(self, text: str, limit: int) -> list[str]:
        by_key = {normalise_name(n): b.id for b in self for n in (b.id, b.name, *b.aliases)}
        close = difflib.get_close_matches(normalise_name(text), list(by_key), n=limit * 3, cutoff=0.6)
        return list(dict.fromkeys(by_key[k] for k in close))[:limit]


def load_registry(path: Path | str | None = None, generated: Path | str | None = None,
                  validate_generated: bool = False) -> Registry:
    """Load the curated registry and, when given, a generated one under it.

    Without arguments: `schemas/benchmarks.json` plus `schemas/benchmarks-generated.json` (the packaged
    one when the schemas directory in use has none). Every problem is a RegistryError naming file and JSON pointer. The curated file is always
    validated against the schema; the generated one (1,000+ entries, written by a tested script) only
    when `validate_generated` is set, as `leaderboard validate` and the tests do.
    """
    if path is None and generated is None and schema_file(GENERATED_FILE).exists():
        # A data repository's schemas/ may hold only its curated file: the packaged generated one stays under it.
        generated = schema_file(GENERATED_FILE)
    path = Path(path) if path else schemas_dir() / REGISTRY_FILE
    schema = read_json_file(schema_file(REGISTRY_SCHEMA))
    benchmarks = _read_benchmarks(path, schema)
    if generated is not None:
        benchmarks = merge_curated(benchmarks, _read_benchmarks(Path(generated), schema if validate_generated else None))
    return Registry(benchmarks, str(path))


def _read_benchmarks(path: Path, schema: dict | None) -> list[Benchmark]:
    document = read_json_file(path)
    if schema is not None:
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [f"{_pointer(e.absolute_path)}: {e.message}" for e in errors[:20]]
            raise RegistryError("invalid registry:\n  " + "\n  ".join(lines), file=str(path),
                                hint=f"fix the entries named above; the format is {REGISTRY_SCHEMA}")
    try:
        origins = document.get("generated", {}).get("sources", {})
        benchmarks = [_benchmark(entry, origins) for entry in document["benchmarks"]]
    except (KeyError, TypeError) as exc:  # only an unvalidated file gets here
        raise RegistryError(f"invalid registry: missing or malformed {exc}", file=str(path),
                            hint=f"regenerate it, or check it with `leaderboard validate`; the format is {REGISTRY_SCHEMA}") from None
    _check_unique_names(benchmarks, str(path))
    return benchmarks


def merge_curated(curated: list[Benchmark], generated: list[Benchmark]) -> list[Benchmark]:
    """Curated benchmarks plus the generated ones; a curated id or name always wins.

    A generated benchmark whose id or name is a curated name is left out (the curated entry is the
    same benchmark); a generated alias that is a curated name is dropped from the generated entry.
    """
    taken = {normalise_name(n) for b in curated for n in (b.id, b.name, *b.aliases)}
    ids = {b.id for b in curated}
    merged = list(curated)
    for benchmark in generated:
        if benchmark.id in ids or normalise_name(benchmark.id) in taken or normalise_name(benchmark.name) in taken:
            continue
        aliases = tuple(a for a in benchmark.aliases if normalise_name(a) not in taken)
        merged.append(benchmark if aliases == benchmark.aliases else replace(benchmark, aliases=aliases))
    return merged


def default_registry() -> Registry:
    """The registry of the schemas directory in use (`paths.schemas_dir`), loaded once per process."""
    return _registry_of(schemas_dir().resolve())


@lru_cache(maxsize=4)
def _registry_of(directory: Path) -> Registry:
    return load_registry()  # reads schemas_dir(), which is `directory`: the key of the cache


def read_json_file(path: Path) -> object:
    """A schema-side JSON file (registry, aliases, schemas); problems are RegistryErrors naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise RegistryError(f"invalid JSON at column {exc.colno}: {exc.msg}", file=str(path), line=exc.lineno) from None


def _pointer(parts) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts) if parts else ""


def _benchmark(entry: dict, origins: dict | None = None) -> Benchmark:
    metrics = tuple(
        Metric(
            id=m["id"],
            name=m.get("name", m["id"]),
            direction=m["direction"],
            unit=m.get("unit"),
            min=m.get("min"),
            max=m.get("max"),
            aliases=tuple(m.get("aliases", ())),
        )
        for m in entry["metrics"]
    )
    return Benchmark(
        id=entry["id"],
        name=entry["name"],
        aliases=tuple(entry.get("aliases", ())),
        task=entry.get("task", ""),
        homepage=entry.get("homepage"),
        metrics=metrics,
        sources=tuple(dict.fromkeys(source["source"] for source in entry.get("sources", ()))),
        source_refs=tuple(_source_ref(source, (origins or {}).get(source["source"], {})) for source in entry.get("sources", ())),
    )


def _source_ref(source: dict, origin: dict) -> RegistrySource:
    return RegistrySource(source["source"], source.get("licence", ""), source.get("ref", ""),
                     origin.get("repository"), origin.get("commit"))


def _check_unique_names(benchmarks: list[Benchmark], file: str) -> None:
    """Two benchmarks must never answer to the same name: a lookup would depend on file order."""
    owner: dict[str, str] = {}
    for index, benchmark in enumerate(benchmarks):
        for name in {normalise_name(n) for n in (benchmark.id, benchmark.name, *benchmark.aliases)}:
            if name in owner and owner[name] != benchmark.id:
                raise RegistryError(
                    f"/benchmarks/{index}: name {name!r} is used by both {owner[name]!r} and {benchmark.id!r}",
                    file=file, hint="keep the alias on one benchmark only")
            owner[name] = benchmark.id
