"""Compile result files into ranked leaderboards: one Table per (benchmark, metric, setting).

A claim enters a leaderboard when the publishing policy lets it through (curate.Policy, from
leaderboard.toml: by default verified and added claims, and extracted ones of high or medium
confidence; never rejected ones), is a score (kind absolute or cited, not a
delta), names a registry benchmark, and its metric is one of that benchmark's metrics (no metric
means the headline metric) with the value in the metric's range. Claims about the same
(model, benchmark, metric, setting) merge into one Entry listing every source; the chosen source
comes first, by this order of preference:

1. kind `absolute` (the paper's own measurement) over `cited`;
2. status `verified`, then `added`, then `extracted` (a person checked it);
3. the earliest publication date (the paper that introduced a model usually reports it first;
   a full date before a month-day date before none);
4. paper id, then position in the paper: only so that the choice never depends on input order.

When the sources disagree on the value, the entry is marked as a conflict and a Conflict lists them.

Compiling runs on every build over every result (100k papers and more), so the hot path works on
plain tuples and caches each lookup (benchmark and metric, setting, model id) once per compilation.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from ..models import Compiled, Conflict, Entry, ResultFile, SourceRef, Table
from ..store.curate import DEFAULT_POLICY, Policy
from ..store.registry import Benchmark, Metric, Registry
from .reconcile import canonical_model_id, canonical_setting, display_names, is_placeholder, load_model_aliases

LEADERBOARD_KINDS = ("absolute", "cited")
_KIND_RANK = {"absolute": 0, "cited": 1}
_STATUS_RANK = {"verified": 0, "added": 1, "extracted": 2}

# A leaderboard row is a plain tuple (a dataclass per row costs more than the rest of compiling):
#   (spec, model_id, source, params)
# with spec = (table key, benchmark, metric, setting) shared by the rows of one table, the key being
# (benchmark id, metric id, setting); source is the claim's SourceRef, made while the claim is at
# hand (each row is one source of one entry), and params the claim's stated size.
Row = tuple
_SPEC, _MODEL_ID, _SOURCE, _PARAMS = range(4)
_TableSpec = tuple[tuple[str, str, str | None], Benchmark, Metric, str | None]

_PLACEHOLDER = object()  # the model cache's mark of a placeholder name: its id depends on the paper


def compile_results(results: Iterable[ResultFile], registry: Registry,
                    aliases: dict[str, str] | None = None, rows_cache: dict[int, tuple] | None = None,
                    policy: Policy = DEFAULT_POLICY) -> Compiled:
    """Ranked tables, conflicts and every result, in a deterministic order.

    `aliases` maps model spellings to canonical ids (see reconcile.load_model_aliases); None reads
    the project's alias file, {} uses the naming rules alone. `rows_cache`, shared by several
    compilations with the same registry and aliases (both sides of a review), keeps each result
    object's leaderboard rows, so that a result common to them is looked at once (its SourceRefs
    are then shared by the compilations: they are frozen). `policy` says which claims are published.
    """
    # The cyclic garbage collector is paused, as for loading (cache._unpickle): nothing built here is
    # in a reference cycle, and with 100,000 results alive a full collection walks millions of
    # objects (0.4 s or more), more than compiling itself. The collections this compilation's
    # allocations call for happen after it, over what survives (the tables), not over its rows.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        aliases = load_model_aliases() if aliases is None else aliases
        return _compile(results, registry, aliases, rows_cache, policy)
    finally:
        if was_enabled:
            gc.enable()


def _compile(results: Iterable[ResultFile], registry: Registry, aliases: dict[str, str],
             rows_cache: dict[int, tuple] | None, policy: Policy = DEFAULT_POLICY) -> Compiled:
    ordered, with_claims = _ordered(results)
    admit = _Admission(registry, aliases, policy)
    rows: list[Row] = []
    if rows_cache is None:
        for result in with_claims:
            admit.rows(result, rows)
    else:
        for result in with_claims:
            cached = rows_cache.get(id(result))
            if cached is None or cached[0] is not result:  # the id of a result no longer alive may be reused
                cached = rows_cache[id(result)] = (result, admit.rows(result, []))
            rows += cached[1]
    names = display_names((row[_MODEL_ID], row[_SOURCE].model) for row in rows)
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        key = row[_SPEC][0]
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
        else:
            group.append(row)
    del rows
    tables, conflicts = [], []
    for group in groups.values():
        table, table_conflicts = _table(group, names)
        tables.append(table)
        conflicts += table_conflicts
    tables.sort(key=lambda t: t.key)
    conflicts.sort(key=lambda c: (c.table_key, c.model_id))
    return Compiled(tables=tuple(tables), conflicts=tuple(conflicts), results=ordered)


def _ordered(results: Iterable[ResultFile]) -> tuple[tuple[ResultFile, ...], list[ResultFile]]:
    """The results by paper id, then path (a stable sort), and those of them with claims (few have any).

    Results are usually loaded in that order already (one file per paper id), and then not sorted.
    """
    results = tuple(results)
    with_claims = []
    previous = None
    for result in results:
        paper_id = result.paper.id
        if type(paper_id) is not str or (previous is not None and paper_id <= previous):
            break  # not in order (or equal or odd ids): sort
        previous = paper_id
        if result.claims:
            with_claims.append(result)
    else:  # distinct ids in increasing order: sorting would change nothing
        return results, with_claims
    ordered = tuple(sorted(results, key=lambda r: (str(r.paper.id), r.path or "")))
    return ordered, [result for result in ordered if result.claims]


class _Admission:
    """Which claims go on a leaderboard, with the lookups of one compilation cached.

    The registry and aliases are fixed for the compilation, so each (benchmark, metric, setting)
    and each (model, params) spelling is looked up once, however many claims repeat it.
    """

    def __init__(self, registry: Registry, aliases: dict[str, str], policy: Policy = DEFAULT_POLICY):
        self.registry = registry
        self.publishes = policy.publishes
        self.aliases = aliases
        self.lookups: dict[tuple, list | None] = {}  # (benchmark, metric, setting) as written -> [benchmark, metric, spec]
        self.specs: dict[tuple, _TableSpec] = {}  # table key -> its spec
        self.models: dict[tuple, object] = {}  # (model, params) as written -> model id or _PLACEHOLDER

    def rows(self, result: ResultFile, rows: list[Row]) -> list[Row]:
        """Appends the claims of one paper that belong on a leaderboard to `rows`, and returns it."""
        lookups, models, publishes = self.lookups, self.models, self.publishes
        paper = result.paper
        index = 0
        for stored in result.claims:
            index += 1
            claim = stored.claim
            if claim.kind not in LEADERBOARD_KINDS or not publishes(stored):
                continue
            value = claim.value
            if type(value) is not float:  # a number: int or float, not bool
                if type(value) is bool or not isinstance(value, int | float):
                    continue
                value = float(value)
            key = (claim.benchmark, claim.metric, claim.setting)
            try:
                found = lookups.get(key, False)
            except TypeError:  # an unhashable field (never in a valid result): look it up uncached
                key, found = None, False
            if found is False:
                found = self._lookup(claim.benchmark, claim.metric)
                if key is not None:
                    lookups[key] = found
            if found is None:
                continue
            model = claim.model
            if not found[1].accepts(value) or not isinstance(model, str):
                continue
            spec = found[2]
            if spec is None:
                spec = self._spec(found[0], found[1], claim.setting)
                if key is not None:
                    found[2] = spec
            params = claim.params
            try:
                model_id = models.get((model, params))
            except TypeError:  # unhashable params (never in a valid result)
                model_id = None
            if model_id is None or model_id is _PLACEHOLDER:
                model_id = self._model_id(model, params, paper.id)
            source = SourceRef(
                paper_id=paper.id,
                paper_title=paper.title,
                published=paper.published,
                claim_id=stored.id,
                claim_index=index,
                model=model,
                value=value,
                kind=claim.kind,
                evidence=claim.evidence,
                status=stored.status,
                base_model=claim.base_model,
            )
            rows.append((spec, model_id, source, params))
        return rows

    def _lookup(self, benchmark_name: object, metric_name: object) -> list | None:
        benchmark = self.registry.get(benchmark_name) if isinstance(benchmark_name, str) else None
        metric = benchmark.metric(metric_name) if benchmark else None
        if metric is None or metric.direction == "unknown":  # unrankable until a person sets the direction
            return None
        return [benchmark, metric, None]

    def _spec(self, benchmark: Benchmark, metric: Metric, setting: object) -> _TableSpec:
        setting = canonical_setting(setting)
        key = (benchmark.id, metric.id, setting)
        return self.specs.setdefault(key, (key, benchmark, metric, setting))

    def _model_id(self, name: str, params: object, paper_id: str) -> str:
        key = (name, params)
        try:
            model_id = self.models.get(key)
        except TypeError:  # unhashable params (never in a valid result)
            return canonical_model_id(name, self.aliases, paper_id=paper_id, params=params)
        if model_id is None:
            model_id = self.models[key] = (
                _PLACEHOLDER if is_placeholder(name) else canonical_model_id(name, self.aliases, params=params))
        if model_id is _PLACEHOLDER:  # "(prior SOTA)": one model per paper
            return canonical_model_id(name, self.aliases, paper_id=paper_id, params=params)
        return model_id


def preference(row: Row) -> tuple:
    """Sort key of a source: the first is the number the leaderboard shows (see module docstring)."""
    source = row[_SOURCE]
    return (
        _KIND_RANK.get(source.kind, 2),
        _STATUS_RANK.get(source.status, 3),
        _date_key(source.published),
        str(source.paper_id),
        source.claim_index,
    )


def _date_key(published: str | None) -> tuple:
    if not published:
        return (2, "")
    return (1, published) if published.startswith("--") else (0, published)


def _table(rows: list[Row], names: dict[str, str]) -> tuple[Table, list[Conflict]]:
    """The table of one group of rows, ranked, and its conflicts."""
    _, benchmark, metric, setting = rows[0][_SPEC]
    by_model: dict[str, list[Row]] = {}
    for row in rows:
        group = by_model.get(row[_MODEL_ID])
        if group is None:
            by_model[row[_MODEL_ID]] = [row]
        else:
            group.append(row)
    # Best first by the metric's direction; equal values share a rank (1, 2, 2, 4), ordered by name
    sign = -1 if metric.direction == "higher" else 1
    ranked = []
    for model_id, group in by_model.items():
        if len(group) > 1:
            group.sort(key=preference)
        model = names[model_id]
        ranked.append((sign * group[0][_SOURCE].value, model.casefold(), model_id, model, group))
    ranked.sort(key=lambda item: item[:3])
    entries = []
    rank = previous = 0
    for position, (_, _, model_id, model, group) in enumerate(ranked, start=1):
        value = group[0][_SOURCE].value
        if position == 1 or previous != value:
            rank = position
        previous = value
        entries.append(_entry(rank, model_id, model, group, metric, setting))
    table = Table(
        benchmark=benchmark.id,
        benchmark_name=benchmark.name,
        metric=metric.id,
        metric_name=metric.name,
        setting=setting,
        direction=metric.direction,
        unit=metric.unit,
        entries=tuple(entries),
    )
    conflicts = [_conflict(table, entry) for entry in entries if entry.conflict]
    return table, conflicts


def _entry(rank: int, model_id: str, model: str, rows: list[Row], metric: Metric, setting: str | None) -> Entry:
    """One model's row; `rows` are in order of preference."""
    chosen = rows[0][_SOURCE]
    if len(rows) == 1:
        params = rows[0][_PARAMS] or None
        conflict = False
        sources = (chosen,)
    else:
        params = next((r[_PARAMS] for r in rows if r[_PARAMS]), None)
        conflict = len({r[_SOURCE].value for r in rows}) > 1
        sources = tuple([r[_SOURCE] for r in rows])
    return Entry(
        rank=rank,
        model_id=model_id,
        model=model,
        params=params,
        value=chosen.value,
        unit=metric.unit,
        setting=setting,
        kind=chosen.kind,
        conflict=conflict,
        sources=sources,
    )


def _conflict(table: Table, entry: Entry) -> Conflict:
    return Conflict(
        table_key=table.key,
        benchmark=table.benchmark,
        metric=table.metric,
        setting=table.setting,
        model_id=entry.model_id,
        model=entry.model,
        chosen=entry.source,
        sources=entry.sources,
    )
