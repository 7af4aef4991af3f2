"""The main job: listings + result files -> validated, reconciled, compiled site.

Result files under results/ are the reviewed source of truth: a paper that has one is taken from it
as it is. A listed paper without one gets freshly extracted claims (status `extracted`), exactly what
`extract --write` would store. Claims with validation errors never reach a leaderboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cache import BuildCache, content_key, object_key
from .errors import ResultFileError
from .models import Compiled, Issue, Paper, ResultFile
from .paths import DEFAULT_RESULTS, DEFAULT_SITE


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

    def __str__(self) -> str:
        text = (f"{self.papers} papers, {self.claims} claims -> {self.tables} leaderboards, "
                f"{self.entries} entries, {self.conflicts} conflicts; {self.pages} files in {self.out_dir}")
        if self.excluded:
            text += f"; {self.excluded} invalid claims left out (run `leaderboard validate`)"
        if self.reused:
            text += f"; {self.rendered} files rendered, {self.reused} unchanged since the last build"
        return text


def gather_results(inputs: list[str] | None, results_dir: Path, registry, jobs: int = 1,
                   cache: BuildCache | None = None) -> list[ResultFile]:
    """One ResultFile per paper: from results/ where a file exists, else freshly extracted.

    With a `cache`, listings and result files whose bytes are unchanged are not parsed again, and
    papers whose title and abstract are unchanged are not extracted again.
    """
    from .results import result_from_paper

    cache = cache or BuildCache(None)
    papers = ingest_cached(inputs, cache)
    stored = {r.paper.id: r for r in load_results_cached(results_dir, cache)} if results_dir.is_dir() else {}
    unreviewed = [p for p in papers if p.id not in stored]
    extracted = extract_cached(unreviewed, registry, jobs, cache)
    results = [stored.get(p.id) or result_from_paper(p, extracted.get(p.id, [])) for p in papers]
    listed = {p.id for p in papers}
    results += [r for pid, r in sorted(stored.items()) if pid not in listed]
    return sorted(results, key=lambda r: r.paper.id)


def ingest_cached(inputs: list[str] | None, cache: BuildCache) -> list[Paper]:
    """`ingest(inputs)`, parsing only the listing files whose bytes (or display name) changed."""
    from .ingest import display_path, embedded_corpus, listing_files, merge_papers, parse_listing_file

    files = embedded_corpus() if inputs is None else listing_files(inputs)
    papers: list[Paper] = []
    for path in files:
        key = _file_key(path, display_path(path)) if cache.enabled else None
        parsed = cache.get("listings", key) if key else None
        if parsed is None:
            parsed = parse_listing_file(path)  # raises ListingError with file and line, as ingest does
            if key:
                cache.put("listings", key, parsed)
        papers.extend(parsed)
    return merge_papers(papers)


def load_results_cached(results_dir: Path, cache: BuildCache) -> list[ResultFile]:
    """`load_results(results_dir)`, parsing only the result files whose bytes changed."""
    from .results import load_result_file, result_paths

    results = []
    for path in result_paths(results_dir):
        key = _file_key(path, str(path)) if cache.enabled else None
        result = cache.get("result-files", key) if key else None
        if result is None:
            result = load_result_file(path)
            if key:
                cache.put("result-files", key, result)
        if key:
            cache.remember_origin(result, key)
        results.append(result)
    return sorted(results, key=lambda r: (str(r.paper.id), r.path or ""))


def _file_key(path: Path, name: str) -> str | None:
    try:
        return content_key(name, path.read_bytes())
    except OSError:
        return None  # unreadable: the parser reports it


def extract_cached(papers: list[Paper], registry, jobs: int, cache: BuildCache) -> dict:
    """`extract_all(papers)`, extracting only papers whose title or abstract is new to the cache
    (claims depend on nothing else of a paper; code and registry changes empty the cache)."""
    from .extract import extract_all

    keys = {p.id: content_key(p.title, p.abstract) for p in papers}
    claims = {p.id: cache.get("claims", keys[p.id]) for p in papers}
    missing = [p for p in papers if claims[p.id] is None]
    for paper_id, found in extract_all(missing, registry, jobs=jobs).items():
        claims[paper_id] = found
        cache.put("claims", keys[paper_id], found)
    return claims


def drop_invalid_claims(results: list[ResultFile], registry,
                        cache: BuildCache | None = None) -> tuple[list[ResultFile], list[Issue], int]:
    """Validate every result in memory and drop the claims with an error: a wrong number on a
    leaderboard is worse than a missing one. Returns (results, every issue, claims dropped).
    With a `cache`, a result identical to one validated before is not validated again."""
    cache = cache or BuildCache(None)
    cleaned, all_issues, excluded = [], [], 0
    for result in results:
        key = (cache.origin(result) or object_key(result)) if cache.enabled else None
        outcome = cache.get("validated", key) if key else None
        if outcome is None:
            outcome = _validate_result(result, registry)
            if key:
                cache.put("validated", key, outcome)
        result, issues, dropped = outcome
        cleaned.append(result)
        all_issues.extend(issues)
        excluded += dropped
    return cleaned, all_issues, excluded


def _validate_result(result: ResultFile, registry) -> tuple[ResultFile, list[Issue], int]:
    from .results import result_to_json
    from .validate import validate_document

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
) -> BuildSummary:
    """Run the whole pipeline and write the site; returns what was built.

    With a `cache_dir`, only what changed since the last build is parsed, extracted, validated,
    drawn and rendered (see leaderboard.cache); the site is byte-identical either way.
    """
    from .compile import compile_results
    from .registry import default_registry
    from .render import write_markdown

    step = progress or (lambda _stage: None)
    cache = BuildCache(cache_dir)
    registry = default_registry()
    step("ingest + extract")
    results = gather_results(inputs, Path(results_dir), registry, jobs=jobs, cache=cache)
    extracted = cache.computed("claims")
    step("validate")
    results, issues, excluded = drop_invalid_claims(results, registry, cache=cache)
    step("reconcile + compile")
    compiled: Compiled = compile_results(results, registry)
    step("render")
    site = render_with_cache(compiled, registry, Path(out_dir), jobs, cache)
    pages = site.paths
    cache.replace("site", site.manifest)
    cache.save()
    if markdown:
        write_markdown(compiled.tables, Path(markdown))
    return BuildSummary(
        out_dir=Path(out_dir),
        papers=len(results),
        claims=sum(len(r.claims) for r in results),
        tables=len(compiled.tables),
        entries=sum(len(t.entries) for t in compiled.tables),
        conflicts=len(compiled.conflicts),
        pages=len(pages),
        excluded=excluded,
        issues=tuple(issues),
        extracted=extracted,
        rendered=site.rendered,
        reused=site.reused,
    )


def render_with_cache(compiled: Compiled, registry, out_dir: Path, jobs: int, cache: BuildCache):
    """Draw the charts (in `jobs` processes) and write the site, both only for what changed since
    the build the cache remembers (everything, without a cache). Returns a render.SiteOutcome."""
    from .render import render_site_cached

    charts = draw_charts(compiled.tables, jobs, cache)
    return render_site_cached(compiled, registry, out_dir, cache.load("site"), charts=charts,
                              key=_page_key if cache.enabled else _no_key)


def _no_key(_inputs: object) -> None:
    return None


def _page_key(inputs: object) -> str | None:
    """The cache key of a page's inputs; None (always render) for inputs that cannot be pickled."""
    try:
        return object_key(inputs)
    except Exception:
        return None


def draw_charts(tables, jobs: int, cache: BuildCache) -> dict:
    """Every table's chart by Table.key: from the cache when the table is unchanged, else drawn
    (in `jobs` processes: matplotlib is the slowest part of rendering)."""
    from .chart import sota_chart

    keys = {table.key: object_key(table) if cache.enabled else "" for table in tables}
    charts = {key: cache.get("charts", keys[key]) for key in keys}
    missing = [table for table in tables if charts[table.key] is None]
    if jobs > 1 and len(missing) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            drawn = list(pool.map(sota_chart, missing, chunksize=1))
    else:
        drawn = [sota_chart(table) for table in missing]
    for table, chart in zip(missing, drawn, strict=True):
        charts[table.key] = chart
        cache.put("charts", keys[table.key], chart)
    return charts
