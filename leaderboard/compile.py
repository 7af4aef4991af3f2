"""Compile result files into ranked leaderboards: one Table per (benchmark, metric, setting).

A claim enters a leaderboard when it is not rejected, is a score (kind absolute or cited, not a
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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .models import Compiled, Conflict, Entry, ResultFile, SourceRef, StoredClaim, Table
from .reconcile import canonical_model_id, canonical_setting, display_names, load_model_aliases
from .registry import Benchmark, Metric, Registry

LEADERBOARD_KINDS = ("absolute", "cited")
_KIND_RANK = {"absolute": 0, "cited": 1}
_STATUS_RANK = {"verified": 0, "added": 1, "extracted": 2}


@dataclass(frozen=True)
class _Row:
    """One claim admitted to a leaderboard, with everything needed to place it."""

    result: ResultFile
    stored: StoredClaim
    index: int  # 1-based position in the result file's claims
    benchmark: Benchmark
    metric: Metric
    setting: str | None
    model_id: str

    @property
    def value(self) -> float:
        return float(self.stored.claim.value)


def compile_results(results: Iterable[ResultFile], registry: Registry,
                    aliases: dict[str, str] | None = None, rows_cache: dict[int, tuple] | None = None) -> Compiled:
    """Ranked tables, conflicts and every result, in a deterministic order.

    `aliases` maps model spellings to canonical ids (see reconcile.load_model_aliases); None reads
    the project's alias file, {} uses the naming rules alone. `rows_cache`, shared by several
    compilations with the same registry and aliases (both sides of a review), keeps each result
    object's leaderboard rows, so that a result common to them is looked at once.
    """
    aliases = load_model_aliases() if aliases is None else aliases
    ordered = tuple(sorted(results, key=lambda r: (str(r.paper.id), r.path or "")))
    if rows_cache is None:
        rows = [row for result in ordered for row in leaderboard_rows(result, registry, aliases)]
    else:
        rows = []
        for result in ordered:
            cached = rows_cache.get(id(result))
            if cached is None or cached[0] is not result:  # the id of a result no longer alive may be reused
                cached = rows_cache[id(result)] = (result, leaderboard_rows(result, registry, aliases))
            rows.extend(cached[1])
    names = display_names((row.model_id, row.stored.claim.model) for row in rows)
    groups: dict[tuple, list[_Row]] = {}
    for row in rows:
        groups.setdefault((row.benchmark.id, row.metric.id, row.setting), []).append(row)
    tables, conflicts = [], []
    for group in groups.values():
        table, table_conflicts = _table(group, names)
        tables.append(table)
        conflicts.extend(table_conflicts)
    tables.sort(key=lambda t: t.key)
    conflicts.sort(key=lambda c: (c.table_key, c.model_id))
    return Compiled(tables=tuple(tables), conflicts=tuple(conflicts), results=ordered)


def leaderboard_rows(result: ResultFile, registry: Registry, aliases: dict[str, str]) -> list[_Row]:
    """The claims of one paper that belong on a leaderboard."""
    rows = []
    for index, stored in enumerate(result.claims, start=1):
        claim = stored.claim
        if stored.status == "rejected" or claim.kind not in LEADERBOARD_KINDS or not _is_number(claim.value):
            continue
        benchmark = registry.get(claim.benchmark) if isinstance(claim.benchmark, str) else None
        metric = benchmark.metric(claim.metric) if benchmark else None
        if metric is None or not metric.accepts(float(claim.value)) or not isinstance(claim.model, str):
            continue
        model_id = canonical_model_id(claim.model, aliases, paper_id=result.paper.id, params=claim.params)
        rows.append(_Row(result, stored, index, benchmark, metric, canonical_setting(claim.setting), model_id))
    return rows


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def preference(row: _Row) -> tuple:
    """Sort key of a source: the first is the number the leaderboard shows (see module docstring)."""
    return (
        _KIND_RANK.get(row.stored.claim.kind, 2),
        _STATUS_RANK.get(row.stored.status, 3),
        _date_key(row.result.paper.published),
        str(row.result.paper.id),
        row.index,
    )


def _date_key(published: str | None) -> tuple:
    if not published:
        return (2, "")
    return (1, published) if published.startswith("--") else (0, published)


def _table(rows: list[_Row], names: dict[str, str]) -> tuple[Table, list[Conflict]]:
    first = rows[0]
    by_model: dict[str, list[_Row]] = {}
    for row in rows:
        by_model.setdefault(row.model_id, []).append(row)
    entries = [_entry(sorted(group, key=preference), names) for group in by_model.values()]
    table = Table(
        benchmark=first.benchmark.id,
        benchmark_name=first.benchmark.name,
        metric=first.metric.id,
        metric_name=first.metric.name,
        setting=first.setting,
        direction=first.metric.direction,
        unit=first.metric.unit,
        entries=rank_entries(entries, first.metric.direction),
    )
    conflicts = [_conflict(table, entry) for entry in table.entries if entry.conflict]
    return table, conflicts


def _entry(rows: list[_Row], names: dict[str, str]) -> Entry:
    """One model's row; `rows` are in order of preference."""
    chosen = rows[0]
    params = next((r.stored.claim.params for r in rows if r.stored.claim.params), None)
    return Entry(
        rank=0,  # set by rank_entries
        model_id=chosen.model_id,
        model=names[chosen.model_id],
        params=params,
        value=chosen.value,
        unit=chosen.metric.unit,
        setting=chosen.setting,
        kind=chosen.stored.claim.kind,
        conflict=len({r.value for r in rows}) > 1,
        sources=tuple(_source_ref(r) for r in rows),
    )


def _source_ref(row: _Row) -> SourceRef:
    claim = row.stored.claim
    return SourceRef(
        paper_id=row.result.paper.id,
        paper_title=row.result.paper.title,
        published=row.result.paper.published,
        claim_id=row.stored.id,
        claim_index=row.index,
        model=claim.model,
        value=float(claim.value),
        kind=claim.kind,
        evidence=claim.evidence,
        status=row.stored.status,
    )


def rank_entries(entries: list[Entry], direction: str) -> tuple[Entry, ...]:
    """Best first by the metric's direction; equal values share a rank (1, 2, 2, 4), ordered by name."""
    sign = -1 if direction == "higher" else 1
    ordered = sorted(entries, key=lambda e: (sign * e.value, e.model.casefold(), e.model_id))
    ranked: list[Entry] = []
    for position, entry in enumerate(ordered, start=1):
        tied = ranked and ranked[-1].value == entry.value
        ranked.append(replace(entry, rank=ranked[-1].rank if tied else position))
    return tuple(ranked)


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
