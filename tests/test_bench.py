"""The benchmark harness and what it measures: the corpus generator, `leaderboard bench`, the
build cache (incremental builds byte-identical to full ones, a deleted or corrupt cache) and
`--jobs` (the same output as one process). Nothing here is timed."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard import build
from leaderboard.bench import change_one_result, generate_blocks, generate_corpus, run_bench
from leaderboard.build import build_site
from leaderboard.cache import BuildCache
from leaderboard.cli import main
from leaderboard.errors import ResultFileError
from leaderboard.extract import extract_all, extract_claims
from leaderboard.ids import normalise_title
from leaderboard.render import output as render
from leaderboard.sources.ingest import ingest
from leaderboard.store.registry import default_registry
from leaderboard.store.results import write_results


def site_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- generator


def test_generator_is_deterministic_by_seed():
    assert generate_blocks(40, seed=7) == generate_blocks(40, seed=7)
    assert generate_blocks(40, seed=7) != generate_blocks(40, seed=8)


def test_generated_corpus_parses_with_distinct_titles_and_has_claims(tmp_path):
    files = generate_corpus(450, seed=1, out_dir=tmp_path, papers_per_file=100)
    assert [f.name for f in files] == [f"papers-{i:04d}.txt" for i in range(5)]
    papers = ingest([tmp_path])
    assert len(papers) == 450  # ingest merges equal titles: none were merged
    assert len({normalise_title(p.title) for p in papers}) == 450
    assert sum(p.published is not None for p in papers) > 300  # trailers with dates were parsed
    registry = default_registry()
    with_claims = [p for p in papers if extract_claims(p, registry)]
    assert 20 < len(with_claims) < 450


# ---------------------------------------------------------------- leaderboard bench


def test_bench_command_writes_the_design_keys(tmp_path):
    out = tmp_path / "figures.json"
    result = CliRunner().invoke(main, ["bench", "--papers", "200", "--json", str(out), "--jobs", "1",
                                       "--stages-only"])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["papers"] == 200 and figures["jobs"] == 1
    assert {"ingest", "extract", "validate", "reconcile", "render"} <= set(figures["stages"])
    for stage in figures["stages"].values():
        assert set(stage) == {"seconds", "papers_per_second", "peak_mb"}
        assert stage["seconds"] >= 0 and stage["peak_mb"] > 0
    assert figures["total_seconds"] >= max(s["seconds"] for s in figures["stages"].values())
    assert figures["peak_mb"] > 0
    assert "extract" in result.output and "total" in result.output


def test_timed_commands_run_on_a_packed_repository(tmp_path):
    """The three timed commands as the bench runs them, on a small corpus: the scratch repository is
    packed before timing (a commit of many loose objects would start `git gc --auto` in the
    background, during the timed commands), and the rebuild renders only what the change touched."""
    figures = run_bench(60, tmp_path, jobs=1, seed=3)
    builds = figures["builds"]
    assert builds["full_build"]["seconds"] > 0 and builds["full_build"]["peak_mb"] > 0
    incremental = builds["incremental_build"]
    assert 0 < incremental["rendered"] < incremental["unchanged"]
    assert (tmp_path / "repo" / "results" / incremental["changed_file"]).is_file()
    assert builds["review"]["command"].startswith("leaderboard review --base HEAD")
    objects = subprocess.run(["git", "count-objects", "-v"], cwd=tmp_path / "repo", capture_output=True, text=True,
                             check=True).stdout
    assert "\ncount: 0\n" in f"\n{objects}" and "packs: 1" in objects


# ---------------------------------------------------------------- cache and incremental builds


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    """60 generated papers and their result files (as `extract --write` makes them)."""
    root = tmp_path_factory.mktemp("corpus")
    listings = root / "listings"
    generate_corpus(60, seed=3, out_dir=listings, papers_per_file=25)
    papers = ingest([listings])
    results = root / "results"
    write_results(results, papers, extract_all(papers, default_registry()))
    return listings, results


def copy_results(source: Path, target: Path) -> Path:
    target.mkdir()
    for path in source.glob("*.json"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


def full_build(listings: Path, results: Path, out: Path):
    return build_site([str(listings)], results, out, jobs=1, cache_dir=None)


def test_incremental_build_renders_only_what_changed_and_equals_a_full_build(corpus, tmp_path):
    listings, original = corpus
    results = copy_results(original, tmp_path / "results")
    cache, site = tmp_path / "cache", tmp_path / "site"
    first = build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    assert first.reused == 0 and first.rendered == first.pages

    unchanged = build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    assert unchanged.rendered == 0 and unchanged.reused == unchanged.pages and unchanged.extracted == 0

    changed = change_one_result(results)
    incremental = build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    paper_page = f"papers/{changed.stem}.html"
    assert 1 <= incremental.rendered < 20 and incremental.reused > incremental.pages - 20
    full_build(listings, results, tmp_path / "full")
    assert site_tree(site) == site_tree(tmp_path / "full")
    assert paper_page in site_tree(site)


def _claims_in_leaderboards(results: Path) -> list[tuple[Path, dict, int]]:
    """(file, document, claim index) of every claim that is a score on a registry benchmark."""
    found = []
    for path in sorted(results.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for index, claim in enumerate(document["claims"]):
            if claim["kind"] in ("absolute", "cited") and claim.get("benchmark"):
                found.append((path, document, index))
    return found


def _save(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _change_value(results: Path, listings: Path, site: Path) -> None:
    path, document, index = _claims_in_leaderboards(results)[0]
    document["claims"][index]["value"] = document["claims"][index]["value"] / 2
    _save(path, document)


def _reject(results: Path, listings: Path, site: Path) -> None:
    path, document, index = _claims_in_leaderboards(results)[1]
    document["claims"][index]["status"] = "rejected"
    document["claims"][index]["note"] = "not what the paper reports"
    _save(path, document)


def _rename_model_to_another(results: Path, listings: Path, site: Path) -> None:
    claims = _claims_in_leaderboards(results)
    (path, document, index), (_, other, other_index) = claims[2], claims[-1]
    document["claims"][index]["model"] = other["claims"][other_index]["model"]  # two entries merge
    _save(path, document)


def _delete_result(results: Path, listings: Path, site: Path) -> None:
    _claims_in_leaderboards(results)[3][0].unlink()  # the paper is extracted from its listing again


def _add_listing(results: Path, listings: Path, site: Path) -> None:
    generate_corpus(7, seed=99, out_dir=listings / "more", papers_per_file=7)


def _deface_and_litter_the_site(results: Path, listings: Path, site: Path) -> None:
    next((site / "papers").iterdir()).unlink()
    (site / "models" / "stray.html").write_text("not ours", encoding="utf-8")
    (site / "index.html").write_text("defaced", encoding="utf-8")


@pytest.mark.parametrize("jobs", [1, 2])  # 2: a worker, and the downloads made by a forked child
@pytest.mark.parametrize("change", [_change_value, _reject, _rename_model_to_another, _delete_result, _add_listing,
                                    _deface_and_litter_the_site])
def test_every_kind_of_change_gives_the_site_of_a_full_build(corpus, tmp_path, change, jobs):
    listings_source, original = corpus
    listings = tmp_path / "listings"
    listings.mkdir()
    for path in listings_source.iterdir():
        (listings / path.name).write_bytes(path.read_bytes())
    results = copy_results(original, tmp_path / "results")
    cache, site = tmp_path / "cache", tmp_path / "site"
    build_site([str(listings)], results, site, jobs=jobs, cache_dir=cache)
    kept = {p.name: p.stat().st_ino for p in (site / "papers").iterdir()}
    texts = BuildCache(cache).load("table-json")  # each table's part of data/leaderboards.json
    assert texts and all(text.startswith("{") for text in texts.values())

    change(results, listings, site)
    incremental = build_site([str(listings)], results, site, jobs=jobs, cache_dir=cache)
    assert 0 < incremental.rendered < incremental.pages and incremental.reused > 0
    full_build(listings, results, tmp_path / "full")
    assert site_tree(site) == site_tree(tmp_path / "full")
    # Updated in place: most paper pages are the very files the first build wrote.
    same = sum(1 for p in (site / "papers").iterdir() if kept.get(p.name) == p.stat().st_ino)
    assert same >= len(kept) - 8


def test_an_unchanged_rebuild_writes_nothing(corpus, tmp_path):
    listings, results = corpus
    cache, site = tmp_path / "cache", tmp_path / "site"
    build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    again = build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    assert again.rendered == 0 and again.extracted == 0
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == before


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("edited", ["index.html", "data/claims.csv", "data/mmlu.csv"])
def test_an_edited_or_stray_site_file_is_put_right(corpus, tmp_path, jobs, edited):
    """Pages and downloads are checked against the files in the site (the downloads by their own
    process with two jobs): an edited file is made again, a stray file is removed."""
    listings, results = corpus
    cache, site = tmp_path / "cache", tmp_path / "site"
    build_site([str(listings)], results, site, jobs=jobs, cache_dir=cache)
    (site / edited).write_text("defaced", encoding="utf-8")
    (site / "data" / "stray.csv").write_text("=cmd()", encoding="utf-8")
    again = build_site([str(listings)], results, site, jobs=jobs, cache_dir=cache)
    assert again.rendered == 1
    full_build(listings, results, tmp_path / "full")
    assert site_tree(site) == site_tree(tmp_path / "full")


def _damage_cache(cache: Path, damage: str) -> None:
    """Damage every file of the cache directory (the database, its write-ahead log and shared
    memory, the lock file) as `damage` says."""
    files = sorted(p for p in cache.iterdir() if p.is_file())
    assert cache / "cache.sqlite3" in files
    for path in files:
        if damage == "delete":
            path.unlink()
        elif damage == "garbage":
            path.write_bytes(b"not a cache at all" * 100)
        elif damage == "truncate-header":
            path.write_bytes(path.read_bytes()[:100])
        elif damage == "truncate-half":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    database = cache / "cache.sqlite3"
    if damage in ("foreign", "old-version"):
        for path in files:
            path.unlink()
        with contextlib.closing(sqlite3.connect(database)) as other:
            if damage == "foreign":  # another program's SQLite file
                other.execute("CREATE TABLE entries (kind, key, value)")
            else:  # our tables, but the layout of another version of the cache
                other.executescript("PRAGMA application_id = 1279411009; PRAGMA user_version = 2;"
                                    "CREATE TABLE meta (name, value); CREATE TABLE entries (a, b);")
            other.commit()


def _cached_build_then_damage(corpus, tmp_path: Path, damage: str, jobs: int):
    """A cached build of a copy of the corpus into tmp_path/site, then its cache damaged: (a function
    that builds the same way again, the copied results directory)."""
    listings, original = corpus
    results = copy_results(original, tmp_path / "results")

    def build():
        return build_site([str(listings)], results, tmp_path / "site", jobs=jobs, cache_dir=tmp_path / "cache")

    build()
    _damage_cache(tmp_path / "cache", damage)
    return build, results


def _assert_site_equals_a_full_build(corpus, results: Path, tmp_path: Path) -> None:
    full_build(corpus[0], results, tmp_path / "full")
    assert site_tree(tmp_path / "site") == site_tree(tmp_path / "full")


@pytest.mark.parametrize("damage", ["delete", "garbage", "truncate-header", "truncate-half", "foreign", "old-version"])
def test_a_deleted_or_damaged_cache_still_gives_a_correct_build(corpus, tmp_path, damage):
    build, results = _cached_build_then_damage(corpus, tmp_path, damage, jobs=1)
    change_one_result(results)
    rebuilt = build()
    assert rebuilt.reused == 0  # nothing trusted: a full rebuild
    _assert_site_equals_a_full_build(corpus, results, tmp_path)
    if damage == "delete":
        assert rebuilt.warnings == ()
    else:
        assert rebuilt.warnings and all("cache" in w for w in rebuilt.warnings), rebuilt.warnings
    # The damaged file was made anew: the next build trusts it again, and says nothing.
    again = build()
    assert again.rendered == 0 and again.warnings == ()


@pytest.mark.parametrize("damage", ["garbage", "truncate-half"])
def test_a_damaged_cache_with_two_jobs_warns_once_and_is_made_anew(corpus, tmp_path, damage):
    """With two jobs the worker process meets the damage first (it reads the stat index)."""
    build, results = _cached_build_then_damage(corpus, tmp_path, damage, jobs=2)
    assert build().warnings
    _assert_site_equals_a_full_build(corpus, results, tmp_path)
    again = build()
    assert again.rendered == 0 and again.warnings == ()


def test_listing_papers_without_result_files_are_extracted_once(corpus, tmp_path):
    listings, _ = corpus
    cache = tmp_path / "cache"
    first = build_site([str(listings)], tmp_path / "no-results", tmp_path / "site", jobs=1, cache_dir=cache)
    assert first.extracted == 60
    second = build_site([str(listings)], tmp_path / "no-results", tmp_path / "site", jobs=1, cache_dir=cache)
    assert second.extracted == 0 and second.rendered == 0


def test_build_command_takes_cache_dir_and_no_cache(corpus, tmp_path):
    listings, results = corpus
    runner = CliRunner()
    args = ["build", str(listings), "--results", str(results), "--jobs", "1"]
    cached = runner.invoke(main, [*args, "--out", str(tmp_path / "a"), "--cache-dir", str(tmp_path / "c")])
    assert cached.exit_code == 0, cached.output
    assert (tmp_path / "c" / "cache.sqlite3").is_file()
    again = runner.invoke(main, [*args, "--out", str(tmp_path / "a"), "--cache-dir", str(tmp_path / "c")])
    assert "0 files rendered" in again.output
    uncached = runner.invoke(main, [*args, "--out", str(tmp_path / "b"), "--no-cache"])
    assert uncached.exit_code == 0, uncached.output
    assert site_tree(tmp_path / "a") == site_tree(tmp_path / "b")


# ---------------------------------------------------------------- --jobs


def test_two_jobs_give_the_same_site_as_one(corpus, tmp_path, monkeypatch):
    listings, results = corpus
    monkeypatch.setattr(render, "_PARALLEL_FROM", 1)  # pages made by forked workers even for a small site
    monkeypatch.setattr(build, "_PARALLEL_FROM", 1)  # and result files read and validated by them
    one = build_site([str(listings)], tmp_path / "none", tmp_path / "one", jobs=1, cache_dir=None)
    two = build_site([str(listings)], tmp_path / "none", tmp_path / "two", jobs=2, cache_dir=None)
    assert one.claims == two.claims and one.claims > 0
    assert site_tree(tmp_path / "one") == site_tree(tmp_path / "two")
    # and the cached rebuild, updating in place, in workers too
    changed = copy_results(results, tmp_path / "results")
    build_site([str(listings)], changed, tmp_path / "two", jobs=2, cache_dir=tmp_path / "cache")
    _change_value(changed, listings, tmp_path / "two")
    build_site([str(listings)], changed, tmp_path / "two", jobs=2, cache_dir=tmp_path / "cache")
    full_build(listings, changed, tmp_path / "full")
    assert site_tree(tmp_path / "two") == site_tree(tmp_path / "full")


def test_a_broken_result_file_read_by_workers_is_named_as_one_process_names_it(corpus, tmp_path, monkeypatch):
    listings, original = corpus
    results = copy_results(original, tmp_path / "results")
    broken = sorted(results.glob("*.json"))[17]
    broken.write_text('{"id": "x",\n "claims": [}', encoding="utf-8")
    monkeypatch.setattr(build, "_PARALLEL_FROM", 1)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(ResultFileError) as caught:
            build_site([str(listings)], results, tmp_path / f"site{jobs}", jobs=jobs, cache_dir=None)
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and f"{broken.name}:2: invalid JSON" in errors[0]


def test_extract_command_jobs_2_equals_jobs_1(corpus):
    listings, _ = corpus
    runner = CliRunner()
    one = runner.invoke(main, ["extract", str(listings), "--jobs", "1"])
    two = runner.invoke(main, ["extract", str(listings), "--jobs", "2"])
    assert one.exit_code == 0 and two.exit_code == 0
    assert one.output == two.output and one.output.count("\n") > 5


def test_the_background_worker_draws_what_this_process_draws(corpus):
    from leaderboard.build import _draw_in_worker, gather_validated
    from leaderboard.compile.tables import compile_results
    from leaderboard.render.chart import sota_chart, warm_up
    from leaderboard.workers import Worker

    listings, results = corpus
    registry = default_registry()
    tables = compile_results(gather_validated([str(listings)], results, registry).results, registry).tables
    worker = Worker()
    try:
        worker.submit(warm_up)
        worker.submit(_draw_in_worker, list(tables))
        assert worker.result() is None
        assert worker.result() == {table.key: sota_chart(table) for table in tables}
    finally:
        worker.close()


def test_a_registry_change_gives_the_site_of_a_full_build(corpus, tmp_path, monkeypatch):
    """registry.html and the index's count depend on the registry (an edit of schemas/ also changes
    the cache's fingerprint; this checks the pages' own inputs without that safety net)."""
    import leaderboard.store.registry as registry_module
    from leaderboard.store.registry import Benchmark, Metric, Registry, RegistrySource

    listings, original = corpus
    results = copy_results(original, tmp_path / "results")
    cache, site = tmp_path / "cache", tmp_path / "site"
    build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    extra = Benchmark("zz-new-bench", "Zz New Bench", (), "testing", None,
                      (Metric("score", "Score", "unknown", None, None, None),), sources=("helm",),
                      source_refs=(RegistrySource("helm", "Apache-2.0", "schema.yaml#zz", "stanford-crfm/helm", "abc123"),))
    grown = Registry([*default_registry(), extra])
    monkeypatch.setattr(registry_module, "default_registry", lambda: grown)
    incremental = build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    assert 0 < incremental.rendered < 5  # registry.html and index.html
    full_build(listings, results, tmp_path / "full")
    assert site_tree(site) == site_tree(tmp_path / "full")
    assert "Zz New Bench" in (site / "registry.html").read_text(encoding="utf-8")
