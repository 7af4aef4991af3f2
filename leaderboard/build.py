"""The main job: listings + result files -> validated, reconciled, compiled site.

Result files under results/ are the reviewed source of truth: a paper that has one is taken from it
as it is. A listed paper without one gets freshly extracted claims (status `extracted`), exactly what
`extract --write` would store. Claims with validation errors never reach a leaderboard.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache as cache_result
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import BuildCache, check_cache_dir, content_key, object_key
from .errors import ResultFileError
from .models import Compiled, Issue, Paper, ResultFile
from .paths import DEFAULT_RESULTS, DEFAULT_SITE
from .workers import Worker, can_fork

if TYPE_CHECKING:
    from .render.site import SiteOptions


@dataclass(frozen=True)
class BuildSummary:
    out_dir: Path
    papers: int
    claims: int
    tables: int
    entries: int
    conflicts: int
    pages: int
    excluded: int  # claims left out of the leaderboards because they failed validation
    issues: tuple[Issue, ...] = field(default=())
    extracted: int = 0  # papers whose claims were extracted in this build (not taken from the cache)
    rendered: int = 0  # site files rendered in this build; the others were unchanged since the last one
    reused: int = 0  # site files kept from the previous build (unchanged inputs)
    warnings: tuple[str, ...] = ()  # what went wrong with the cache (the site is right all the same)

    def __str__(self) -> str:
        text = (f"{self.papers} papers, {self.claims} claims -> {self.tables} leaderboards, "
                f"{self.entries} entries, {self.conflicts} conflicts; {self.pages} files in {self.out_dir}")
        if self.excluded:
            text += f"; {self.excluded} invalid claims left out (run `leaderboard validate`)"
        if self.reused:
            text += f"; {self.rendered} files rendered, {self.reused} unchanged since the last build"
        return text


@dataclass(frozen=True)
class Gathered:
    """Every paper's validated result, as the build publishes it."""

    results: list[ResultFile]  # sorted by paper id; claims with validation errors dropped
    issues: list[Issue]
    excluded: int  # claims dropped
    sources: dict[str, str]  # paper id -> hash of what its result came from (with a cache only)


def gather_validated(inputs: list[str] | None, results_dir: Path, registry, jobs: int = 1,
                     cache: BuildCache | None = None, keys: Callable[[], InputKeys] | None = None) -> Gathered:
    """One validated ResultFile per paper: from results/ where a file exists, else freshly
    extracted from the listings; claims with validation errors dropped (see `drop_invalid_claims`).

    With a `cache`: a listing or result file whose stat (or else bytes) is unchanged is not read
    again; a result file whose bytes are unchanged is neither parsed nor validated again; a paper
    whose text is unchanged is not extracted again. `keys` is what `request_input_keys` returned
    for the same inputs (by default it is called here).
    """
    from .store.results import result_from_paper

    cache = cache or BuildCache(None)
    keys = keys or request_input_keys(inputs, results_dir, cache)
    if cache.enabled:
        cache.preload("validated")  # meanwhile a worker may be looking at the input files
    found_keys = keys()
    cache.warnings.extend(w for w in found_keys.warnings if w not in cache.warnings)
    listed = ingest_cached(found_keys.listing_files, found_keys.listings, cache)
    folder = str(results_dir)
    found: list[tuple[str, str, tuple, str | None]] = []
    missing: list[tuple[str, str | None]] = []
    prefix = os.path.join(folder, "")  # paths as os.path.join(folder, name) makes them, 100,000 times faster
    outcomes = cache.get_many("validated", found_keys.results)
    for name, key, outcome in zip(found_keys.result_names, found_keys.results, outcomes, strict=True):
        if outcome is None:
            missing.append((prefix + name, key))
        else:
            found.append((str(outcome[0].paper.id), prefix + name, outcome, key))
    for (path, key), outcome in zip(missing, load_and_validate([p for p, _ in missing], registry, jobs), strict=True):
        if key:
            cache.put("validated", key, outcome)
        found.append((str(outcome[0].paper.id), str(path), outcome, key))
    found.sort(key=itemgetter(0, 1))
    stored = {pid: (outcome, key) for pid, _path, outcome, key in found}
    unreviewed = [listed.paper(pid) for pid in listed.ids if pid not in stored]
    claims = extract_cached(unreviewed, registry, jobs, cache)
    for paper in unreviewed:
        result = result_from_paper(paper, claims.get(paper.id, []))
        key = object_key(result) if cache.enabled else None
        outcome = cache.get("validated", key) if key else None
        if outcome is None:
            outcome = _validate_result(result, registry)
            if key:
                cache.put("validated", key, outcome)
        stored[paper.id] = (outcome, key)
    results, issues, excluded, sources = [], [], 0, {}
    for pid in sorted(stored):
        (result, result_issues, dropped), key = stored[pid]
        results.append(result)
        issues.extend(result_issues)
        excluded += dropped
        if key:
            sources[pid] = key
    return Gathered(results, issues, excluded, sources)


@dataclass(frozen=True)
class InputKeys:
    """The input files and their content keys (None: no cache, or the file cannot be read)."""

    listing_files: list[Path]
    listings: list[str | None]  # the listing files' keys, in order
    result_names: list[str]  # the result files' names, sorted
    results: list[str | None]  # ... and their keys
    warnings: tuple[str, ...] = ()  # the cache's, in the process that looked at the files


def request_input_keys(inputs: list[str] | None, results_dir: Path, cache: BuildCache,
                       worker: Worker | None = None) -> Callable[[], InputKeys]:
    """Start finding the input files and their keys (see `input_keys`); call the returned function
    for them. With a cache and a `worker`, the worker stats (and where needed reads) the files,
    100,000 of them at scale, while this process goes on."""
    from .sources.ingest import display_path, embedded_corpus, listing_files

    files = embedded_corpus() if inputs is None else listing_files(inputs)  # a missing input: raised here
    named = [(str(path), display_path(path)) for path in files]
    folder = str(results_dir)
    if not (cache.enabled and worker is not None):
        return lambda: replace(input_keys(cache, named, folder), listing_files=files)
    worker.submit(_input_keys_in_worker, cache.directory, named, folder)
    return lambda: replace(worker.result(), listing_files=files)


def input_keys(cache: BuildCache, listings: list[tuple[str, str]], results_folder: str) -> InputKeys:
    """The keys of the listing files ((path, display name) pairs) and of every result file in
    `results_folder`, from the cache's stat index where a file's stat is unchanged."""
    from .store.results import result_file_names

    names = result_file_names(results_folder)
    if not cache.enabled:
        return InputKeys([], [None] * len(listings), names, [None] * len(names))
    prefix = os.path.join(results_folder, "")
    return InputKeys([], [cache.file_key(path, name) for path, name in listings], names,
                     [cache.file_key(prefix + name) for name in names])


def _input_keys_in_worker(cache_dir: Path, listings: list[tuple[str, str]], results_folder: str) -> InputKeys:
    # The worker has its own cache object: it saves the stat index itself (the build's own cache
    # never loads it, so never writes it). The index only maps a file's stat to its content hash,
    # which stays true whether or not this build succeeds.
    cache = BuildCache(cache_dir)
    keys = input_keys(cache, listings, results_folder)
    cache.save_file_index()
    return replace(keys, warnings=tuple(cache.warnings))


class ListedPapers:
    """The merged papers of the listings: their ids at once, the Paper objects when first asked
    for (a rebuild whose papers all have result files never needs them)."""

    def __init__(self, ids: tuple[str, ...], load: Callable[[], list[Paper]]):
        self.ids = ids
        self._load = load
        self._papers: dict[str, Paper] | None = None

    def paper(self, paper_id: str) -> Paper:
        if self._papers is None:
            self._papers = {p.id: p for p in self._load()}
        return self._papers[paper_id]


def ingest_cached(files: list[Path], keys: list[str | None], cache: BuildCache) -> ListedPapers:
    """`ingest` of the listing `files`, parsing only those whose key (see `input_keys`) is new."""
    from .sources.ingest import merge_papers, parse_listing_file

    if not cache.enabled:
        papers = merge_papers(p for path in files for p in parse_listing_file(path))
        return ListedPapers(tuple(p.id for p in papers), lambda: papers)

    def parse(path: Path, key: str | None) -> list[Paper]:
        parsed = cache.get_blob("listings", key) if key else None
        if parsed is None:
            parsed = parse_listing_file(path)  # raises ListingError with file and line, as ingest does
            if key:
                cache.put_blob("listings", key, parsed)
        return parsed

    def merged() -> list[Paper]:
        return merge_papers(p for path, key in zip(files, keys, strict=True) for p in parse(path, key))

    digest = content_key(*keys) if None not in keys else None
    ids = cache.get("ingested", digest) if digest else None
    if ids is not None and all(cache.keep_blob("listings", key) for key in keys):
        return ListedPapers(ids, merged)
    papers = merged()
    ids = tuple(p.id for p in papers)
    if digest:
        cache.put("ingested", digest, ids)
    return ListedPapers(ids, lambda: papers)


def extract_cached(papers: list[Paper], registry, jobs: int, cache: BuildCache) -> dict:
    """`extract_all(papers)`, extracting only papers whose title or abstract is new to the cache
    (claims depend on nothing else of a paper; code and registry changes empty the cache)."""
    keys = {p.id: content_key(p.title, p.abstract) for p in papers}
    claims = {p.id: cache.get("claims", keys[p.id]) for p in papers}
    missing = [p for p in papers if claims[p.id] is None]
    if not missing:
        return claims
    from .extract import extract_all  # not before it is needed: a rebuild seldom extracts

    for paper_id, found in extract_all(missing, registry, jobs=jobs).items():
        claims[paper_id] = found
        cache.put("claims", keys[paper_id], found)
    return claims


_REGISTRY = None  # the registry, for forked workers
_PARALLEL_FROM = 4000  # fewer files are read faster than worker processes start


def load_and_validate(paths: list[Path] | list[str], registry, jobs: int = 1) -> list[tuple[ResultFile, list[Issue], int]]:
    """Read and validate result files (in `jobs` forked processes when there are many): for each,
    (the result without its invalid claims, its issues, how many claims were dropped). Raises the
    ResultFileError of the first file, in `paths` order, that cannot be published."""
    global _REGISTRY
    if jobs < 2 or len(paths) < _PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return _load_and_validate(paths, registry)
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(paths) // (jobs * 8))
    chunks = [paths[start:start + size] for start in range(0, len(paths), size)]
    _REGISTRY = registry
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return [outcome for part in pool.map(_load_and_validate, chunks) for outcome in part]
    finally:
        _REGISTRY = None


def _load_and_validate(paths: list[Path] | list[str], registry=None) -> list[tuple[ResultFile, list[Issue], int]]:
    from .store.results import load_result_file

    return [_validate_result(load_result_file(path), registry or _REGISTRY) for path in paths]


def drop_invalid_claims(results: list[ResultFile], registry) -> tuple[list[ResultFile], list[Issue], int]:
    """Validate every result in memory and drop the claims with an error: a wrong number on a
    leaderboard is worse than a missing one. Returns (results, every issue, claims dropped)."""
    cleaned, all_issues, excluded = [], [], 0
    for result in results:
        result, issues, dropped = _validate_result(result, registry)
        cleaned.append(result)
        all_issues.extend(issues)
        excluded += dropped
    return cleaned, all_issues, excluded


def _validate_result(result: ResultFile, registry) -> tuple[ResultFile, list[Issue], int]:
    from .store.results import result_to_json
    from .store.validate import validate_document

    file = result.path or f"results/{result.paper.id}.json"
    issues = validate_document(result_to_json(result), file, registry)
    paper_errors = [i for i in issues if i.severity == "error" and _claim_index(i.pointer) is None
                    and (i.code == "wrong-type" or i.pointer in ("", "/id", "/title", "/abstract"))]
    if result.path is not None and paper_errors:
        # A reviewed file whose paper cannot be published (a number for a title, a missing abstract,
        # an unsafe id) must not vanish silently either: stop, naming the file and the problem.
        # Lesser paper-level errors (a malformed arXiv id or date) are shown safely, as before.
        first = paper_errors[0]
        more = f" (and {len(paper_errors) - 1} more problems)" if len(paper_errors) > 1 else ""
        raise ResultFileError(f"{first.pointer or '/'}: {first.message}{more}", file=file,
                              hint=f"run `leaderboard validate {file}` and fix it first")
    bad = {_claim_index(i.pointer) for i in issues if i.severity == "error"} - {None}
    if bad:
        result = replace(result, claims=tuple(c for n, c in enumerate(result.claims) if n not in bad))
    return result, issues, len(bad)


def _claim_index(pointer: str) -> int | None:
    parts = pointer.split("/")
    if len(parts) >= 3 and parts[1] == "claims" and parts[2].isdigit():
        return int(parts[2])
    return None


def build_site(
    inputs: list[str] | None = None,
    results_dir: Path = DEFAULT_RESULTS,
    out_dir: Path = DEFAULT_SITE,
    markdown: Path | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    cache_dir: Path | None = None,
    options: SiteOptions | None = None,
) -> BuildSummary:
    """Run the whole pipeline and write the site; returns what was built.

    With a `cache_dir`, only what changed since the last build is parsed, extracted, validated,
    drawn and rendered (see leaderboard.cache); the site is byte-identical either way. `options`
    hold the publishing policy (which claims reach the leaderboards) and the repository URL. Raises
    CacheDirError when git tracks files in `cache_dir`.
    """
    step = progress or (lambda _stage: None)
    if cache_dir is not None:
        check_cache_dir(cache_dir)
    cache = BuildCache(cache_dir)
    out_dir = Path(out_dir)
    # A second process starts first, before the imports below: it looks at the input files (stat,
    # or read and hash) while this one imports and loads the cache, then imports matplotlib (most
    # of a second) and lists the previous site; it draws the changed charts later.
    worker = Worker() if jobs > 1 and can_fork() else None
    collecting = gc.isenabled()
    try:
        keys = request_input_keys(inputs, Path(results_dir), cache, worker)  # the worker's first task
        from .render.chart import warm_up
        from .render.output import lock_site, scan_site
        from .store.registry import default_registry

        registry = default_registry()
        with lock_site(out_dir):  # one build of an output directory at a time, from start to end
            if worker is not None:
                worker.submit(warm_up)
                worker.submit(scan_site, out_dir)
            step("ingest + extract + validate")
            # Everything read now lives until the end of the build: the cyclic garbage collector
            # would walk millions of objects again and again for nothing (at 100k papers that made
            # reading twice as slow and rendering a third slower). It is paused while reading,
            # then what was read is frozen (never walked again) until the build is over.
            gc.disable()
            try:
                gathered = gather_validated(inputs, Path(results_dir), registry, jobs=jobs, cache=cache, keys=keys)
            finally:
                gc.freeze()
                if collecting:
                    gc.enable()
            return _compile_and_render(gathered, registry, out_dir, markdown, jobs, step, cache, worker, options)
    finally:
        gc.unfreeze()
        if worker is not None:
            worker.close()


def _compile_and_render(gathered: Gathered, registry, out_dir: Path, markdown: Path | None, jobs: int,
                        step: Callable[[str], None], cache: BuildCache, worker: Worker | None,
                        options: SiteOptions | None = None) -> BuildSummary:
    from .compile.tables import compile_results
    from .render.output import write_markdown

    results = gathered.results
    step("reconcile + compile")
    from .render.site import SiteOptions

    options = options or SiteOptions()
    compiled: Compiled = compile_results(results, registry, policy=options.policy)
    step("render")
    site = render_with_cache(compiled, registry, out_dir, jobs, cache, sources=gathered.sources, worker=worker,
                             options=options)
    cache.save()
    if markdown:
        write_markdown(compiled.tables, Path(markdown))
    return BuildSummary(
        out_dir=out_dir,
        papers=len(results),
        claims=sum(len(r.claims) for r in results),
        tables=len(compiled.tables),
        entries=sum(len(t.entries) for t in compiled.tables),
        conflicts=len(compiled.conflicts),
        pages=len(site.manifest["pages"]),
        excluded=gathered.excluded,
        issues=tuple(gathered.issues),
        extracted=cache.computed("claims"),
        rendered=site.rendered,
        reused=site.reused,
        warnings=tuple(cache.warnings),
    )


def render_with_cache(compiled: Compiled, registry, out_dir: Path, jobs: int, cache: BuildCache,
                      sources: dict[str, str] | None = None, worker: Worker | None = None,
                      options: SiteOptions | None = None):
    """Draw the charts (in `jobs` processes) and write the site, both only for what changed since
    the build the cache remembers (everything, without a cache), and remember the new site in the
    cache. `sources` names each paper's result by a hash of its inputs (see gather_validated).
    Returns a render.SiteOutcome."""
    from .render.output import render_site_cached

    @cache_result
    def existing() -> dict | None:  # the previous site's files, as the worker found them
        if worker is None:
            return None
        worker.result()  # warm_up's: nothing
        return worker.result()  # scan_site's

    # Computed when first needed: the downloads (made by a child forked as rendering starts) need
    # only the table keys, and the sooner that child starts, the sooner it is done.
    table_keys = _OnFirstUse(lambda: {table.key: object_key(table) for table in compiled.tables}) \
        if cache.enabled else {}
    def drawn() -> dict:
        existing()  # the worker answers in the order it was asked: warm_up and scan_site first
        return draw_charts(compiled.tables, jobs, cache, table_keys, worker)

    charts = _OnFirstUse(drawn)
    rows = _OnFirstUse(lambda: entry_keys(compiled.tables, table_keys, cache)) if cache.enabled else None
    previous = cache.load("site")
    site = render_site_cached(compiled, registry, out_dir, previous, charts=charts,
                              sources=sources if cache.enabled else None, table_keys=table_keys,
                              entry_keys=rows, key=_page_key if cache.enabled else _no_key, jobs=jobs,
                              existing=existing, table_texts=_CachedTableTexts(cache) if cache.enabled else None,
                              options=options)
    if site.manifest != previous:  # written only when it changed: 100,000 entries at scale
        cache.replace("site", site.manifest)
    return site


@dataclass(frozen=True)
class _CachedTableTexts:
    """Each table's text in data/leaderboards.json, kept in the cache. Stored at once, by whichever
    process makes the downloads (a forked child with `--jobs` 2 or more): the child's copy of the
    cache is never saved. A text only ever belongs to one table hash, so keeping it early is safe."""

    cache: BuildCache

    def load(self) -> dict[str, str]:
        texts = self.cache.load(_TABLE_TEXTS)
        return dict(texts) if isinstance(texts, dict) else {}

    def store(self, texts: dict[str, str]) -> None:
        self.cache.write_document(_TABLE_TEXTS, texts)


_TABLE_TEXTS = "table-json"


class _OnFirstUse(Mapping):
    """A mapping computed by `make()` when it is first read."""

    def __init__(self, make: Callable[[], Mapping]):
        self._make = make
        self._value: Mapping | None = None

    def _mapping(self) -> Mapping:
        if self._value is None:
            self._value = self._make()
        return self._value

    def __getitem__(self, key):
        return self._mapping()[key]

    def __iter__(self):
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())


def entry_keys(tables, table_keys: dict[str, str], cache: BuildCache) -> dict[str, dict[str, str]]:
    """{table key: {model id: hash of what the model's page shows of that table}}: the model's row,
    the table's heading and its number of entries. Taken from the cache for unchanged tables."""
    from .render.markdown import table_heading

    found = {}
    for table in tables:
        keys = cache.get("entry-keys", table_keys[table.key])
        if keys is None:
            shared = (table.key, table_heading(table), len(table.entries))
            keys = {entry.model_id: object_key((shared, entry)) for entry in table.entries}
            cache.put("entry-keys", table_keys[table.key], keys)
        found[table.key] = keys
    return found


def _no_key(_inputs: object) -> None:
    return None


def _page_key(inputs: tuple[str | None, str, object]) -> str | None:
    """The cache key of a file's (generated, path, inputs); None (always render) for inputs that
    cannot be pickled."""
    generated, _path, value = inputs
    if value is None:
        return None
    if isinstance(value, str):  # short enough to be its own key: no time spent hashing 100,000 of them
        return value if generated is None else f"{generated!r}\0{value}"
    try:
        return object_key(inputs)
    except Exception:
        return None


def draw_charts(tables, jobs: int, cache: BuildCache, table_keys: dict[str, str] | None = None,
                worker: Worker | None = None) -> dict:
    """Every table's chart by Table.key: from the cache when the table is unchanged, else drawn
    (shared between this process and a warm `worker`, or in `jobs` processes: matplotlib is the
    slowest part of rendering)."""
    from .render.chart import sota_chart

    table_keys = table_keys or {}
    keys = {table.key: (table_keys.get(table.key) or object_key(table)) if cache.enabled else "" for table in tables}
    charts = {key: cache.get("charts", keys[key]) for key in keys}
    missing = [table for table in tables if charts[table.key] is None]
    if worker is not None and missing:
        # A few charts: all to the worker, which has imported matplotlib already; many: half each.
        theirs, ours = (missing, []) if len(missing) <= 8 else (missing[::2], missing[1::2])
        worker.submit(_draw_in_worker, theirs)
        drawn_here = {table.key: sota_chart(table) for table in ours}
        drawn_there = worker.result()
        drawn = [drawn_here.get(table.key) or drawn_there[table.key] for table in missing]
    elif jobs > 1 and len(missing) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            drawn = list(pool.map(sota_chart, missing, chunksize=1))
    else:
        drawn = [sota_chart(table) for table in missing]
    for table, chart in zip(missing, drawn, strict=True):
        charts[table.key] = chart
        cache.put("charts", keys[table.key], chart)
    return charts


def _draw_in_worker(tables: list) -> dict:
    from .render.chart import sota_chart

    return {table.key: sota_chart(table) for table in tables}
