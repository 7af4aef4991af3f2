"""The site's one list of pages (`_Site.outputs`), which the full build, the cached build and the
fixtures all go through: every page's key covers everything the page shows (a page whose key is
unchanged renders the same bytes, so an incremental build never leaves one stale), every page
reacts to its inputs, and a cached rebuild equals a cold build after every kind of change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, make_compiled, make_registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bench import site_tree

from leaderboard.build import _page_key, build_site, entry_keys
from leaderboard.cache import BuildCache, object_key
from leaderboard.compile.tables import compile_results
from leaderboard.extract import extract_all
from leaderboard.render.chart import sota_chart
from leaderboard.render.output import render_site, render_site_cached
from leaderboard.render.site import SiteOptions, site_builder
from leaderboard.sources.ingest import ingest
from leaderboard.store.curate import Policy
from leaderboard.store.registry import Registry, default_registry
from leaderboard.store.results import write_results

BASE_RESULTS = make_compiled().results
BASE_REGISTRY = make_registry()
DEFAULT_OPTIONS = SiteOptions()
_CHARTS: dict[str, object] = {}  # drawn once per table content: matplotlib is most of a render


def _chart(table):
    key = object_key(table)
    if key not in _CHARTS:
        _CHARTS[key] = sota_chart(table)
    return _CHARTS[key]


def keyed_site(results=BASE_RESULTS, registry: Registry = BASE_REGISTRY, options: SiteOptions = DEFAULT_OPTIONS,
               generated: str | None = "2024-03-01") -> dict[str, tuple[object, bytes]]:
    """{path: (cache key, bytes)} of every file of the site, keyed as the cached build keys them. The
    registry is part of the key through the cache's fingerprint (the schemas directory's files)."""
    compiled = compile_results(results, registry, policy=options.policy, aliases={})
    charts = {table.key: _chart(table) for table in compiled.tables}
    site = site_builder(compiled, registry, generated, charts, options=options)
    sources = {result.paper.id: object_key(result) for result in results}
    table_keys = {table.key: object_key(table) for table in compiled.tables}
    rows = entry_keys(compiled.tables, table_keys, BuildCache(None))
    fingerprint = object_key(list(registry))
    return {path: ((fingerprint, _page_key((generated, path, inputs))), make())
            for path, inputs, make in site.outputs(sources, table_keys, rows)}


BASE_SITE = keyed_site()


# ---------------------------------------------------------------- changes to every kind of input


def _claim_change(result_index: int, claim_index: int, **changes):
    def change(results, registry, options):
        result = results[result_index % len(results)]
        claims = list(result.claims)
        n = claim_index % len(claims)
        stored = claims[n]
        claim_fields = {k: v for k, v in changes.items() if k not in ("status", "note")}
        stored_fields = {k: v for k, v in changes.items() if k in ("status", "note")}
        claims[n] = replace(stored, claim=replace(stored.claim, **claim_fields), **stored_fields)
        results = list(results)
        results[result_index % len(results)] = replace(result, claims=tuple(claims))
        return tuple(results), registry, options
    return change


def _paper_change(result_index: int, **changes):
    def change(results, registry, options):
        results = list(results)
        n = result_index % len(results)
        results[n] = replace(results[n], paper=replace(results[n].paper, **changes))
        return tuple(results), registry, options
    return change


def _drop_result(result_index: int):
    def change(results, registry, options):
        return tuple(r for n, r in enumerate(results) if n != result_index % len(results)), registry, options
    return change


def _add_result(result_index: int):
    def change(results, registry, options):
        copy = results[result_index % len(results)]
        paper = replace(copy.paper, id=f"zz-copy-{copy.paper.id}", title=f"A reproduction of {copy.paper.title}")
        return (*results, replace(copy, paper=paper)), registry, options
    return change


def _benchmark_change(benchmark_index: int, **changes):
    def change(results, registry, options):
        benchmarks = list(registry)
        n = benchmark_index % len(benchmarks)
        benchmarks[n] = replace(benchmarks[n], **changes)
        return results, Registry(benchmarks), options
    return change


def _direction_flip(benchmark_index: int):
    def change(results, registry, options):
        benchmarks = list(registry)
        n = benchmark_index % len(benchmarks)
        flipped = {"higher": "lower", "lower": "higher", "unknown": "higher"}
        metrics = tuple(replace(m, direction=flipped[m.direction]) for m in benchmarks[n].metrics)
        benchmarks[n] = replace(benchmarks[n], metrics=metrics)
        return results, Registry(benchmarks), options
    return change


def _options(**changes):
    def change(results, registry, options):
        return results, registry, replace(options, **changes)
    return change


MODELS = ["Megatron-LM", "GPT-2", "Llama 2 70B", "Mistral 7B", "GPT-3.5", "A New Model 13B"]
indices = st.integers(0, 20)
CHANGES = st.one_of(
    st.builds(lambda r, c, v: _claim_change(r, c, value=v), indices, indices,
              st.floats(0.5, 99.5, allow_nan=False).map(lambda v: round(v, 1))),
    st.builds(lambda r, c, s: _claim_change(r, c, status=s), indices, indices,
              st.sampled_from(["extracted", "verified", "rejected", "added"])),
    st.builds(lambda r, c, m: _claim_change(r, c, model=m), indices, indices, st.sampled_from(MODELS)),
    st.builds(lambda r, c, s: _claim_change(r, c, setting=s), indices, indices, st.sampled_from([None, "5-shot"])),
    st.builds(lambda r, c, p: _claim_change(r, c, params=p), indices, indices, st.sampled_from([None, "2B", "80B"])),
    st.builds(lambda r, c, k: _claim_change(r, c, kind=k), indices, indices, st.sampled_from(["absolute", "cited"])),
    st.builds(lambda r, c, b: _claim_change(r, c, benchmark=b), indices, indices,
              st.sampled_from([None, "mmlu", "gsm8k", "hellaswag"])),
    st.builds(lambda r, c: _claim_change(r, c, note="checked against table 2"), indices, indices),
    st.builds(lambda r, c: _claim_change(r, c, confidence="low"), indices, indices),
    st.builds(lambda r, t: _paper_change(r, title=t), indices, st.sampled_from(["A title", "Another <b>title</b>"])),
    st.builds(lambda r, d: _paper_change(r, published=d), indices, st.sampled_from([None, "2025-01-02", "--03-04"])),
    st.builds(lambda r: _paper_change(r, external_ids={"arxiv": "2401.00001"}), indices),
    st.builds(_drop_result, indices),
    st.builds(_add_result, indices),
    st.builds(lambda b, n: _benchmark_change(b, name=n), indices, st.sampled_from(["Renamed", "ZZZ last"])),
    st.builds(lambda b: _benchmark_change(b, homepage="https://example.org/bench"), indices),
    st.builds(lambda b: _benchmark_change(b, task="a new task"), indices),
    st.builds(lambda b: _benchmark_change(b, aliases=("Another Name",)), indices),
    st.builds(_direction_flip, indices),
    st.builds(lambda u: _options(repo_url=u), st.sampled_from([None, "https://github.com/a/b"])),
    st.builds(lambda u: _options(site_url=u), st.sampled_from([None, "https://example.org/lb/"])),
    st.builds(lambda p: _options(policy=p), st.sampled_from([Policy(extracted=("high",)), Policy()])),
)


def assert_no_stale_page(before: dict, after: dict) -> set[str]:
    """A page whose key is the same in both sites has the same bytes; returns the pages that changed."""
    changed = set()
    for path in before.keys() & after.keys():
        (key_before, bytes_before), (key_after, bytes_after) = before[path], after[path]
        if key_before == key_after:
            assert bytes_before == bytes_after, f"{path}: same key, other bytes (stale after an incremental build)"
        elif bytes_before != bytes_after:
            changed.add(path)
    return changed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CHANGES, min_size=1, max_size=3))
def test_a_page_whose_key_is_unchanged_renders_the_same_bytes(changes):
    results, registry, options = BASE_RESULTS, BASE_REGISTRY, DEFAULT_OPTIONS
    for change in changes:
        results, registry, options = change(results, registry, options)
    assert_no_stale_page(BASE_SITE, keyed_site(results, registry, options))


# One change to each kind of input a page declares; together they touch every page.
EVERY_INPUT = {
    "claim value": _claim_change(0, 2, value=42.5),  # Megatron-LM on MMLU: its row, its paper
    "claim model": _claim_change(1, 0, model="Llama 2 70B Chat"),
    "claim status": _claim_change(2, 0, status="rejected"),
    "claim benchmark": _claim_change(0, 2, benchmark="hellaswag"),
    "claim on a benchmark without results": _claim_change(1, 0, benchmark="piqa"),
    "extracted claim confidence": _claim_change(3, 1, confidence="low"),
    "paper title": _paper_change(0, title="Megatron, retitled"),
    "paper date": _paper_change(2, published="2023-12-01"),
    "paper added": _add_result(1),
    "every paper's": lambda res, reg, opt: (
        tuple(replace(r, paper=replace(r.paper, title=r.paper.title + " (v2)")) for r in res), reg, opt),
    "registry name": _benchmark_change(0, name="MMLU (renamed)"),
    "registry benchmark without results": _benchmark_change(4, task="physical reasoning"),
    "repo url": _options(repo_url="https://github.com/a/b"),
    "site url": _options(site_url="https://example.org/lb/"),
    "policy": _options(policy=Policy(extracted=("high",))),
    "generated": None,
}


def test_every_page_changes_with_its_declared_inputs():
    reached: set[str] = set()
    for name, change in EVERY_INPUT.items():
        if change is None:
            after = keyed_site(generated="2025-06-30")
        else:
            results, registry, options = change(BASE_RESULTS, BASE_REGISTRY, DEFAULT_OPTIONS)
            after = keyed_site(results, registry, options)
        changed = assert_no_stale_page(BASE_SITE, after)
        assert changed, f"{name}: changed no page"
        reached |= changed
    # Every page and download depends on at least one input (static files on their own content only).
    assert reached == {path for path in BASE_SITE if not path.startswith("static/")}


# ---------------------------------------------------------------- incremental = cold, with the real build


LISTING = """\
Megatron-LM: Training Multi-Billion Parameter Language Models

We train an 8.3B parameter transformer. Megatron-LM achieves a perplexity of 10.8 on WikiText-103, compared to 17.5 for GPT-2 (1.5B). It also scores 38.6% on MMLU. We describe the training data, the architecture and the evaluation protocol in detail, and release the weights for research use.

  • 6 authors
·
Sep 17, 2019

Llama 2: Open Foundation and Fine-Tuned Chat Models

Llama 2 70B reaches 68.9% on MMLU and 56.8% on GSM8K (8-shot). We describe the training data, the architecture and the evaluation protocol in detail, and release the weights for research use.

  • 9 authors
·
Jul 18, 2023

Mistral 7B

Mistral 7B scores 60.1% on MMLU and 52.2% on GSM8K. We describe the training data, the architecture and the evaluation protocol in detail, and release the weights for research use.

  • 3 authors
·
Oct 10, 2023
"""


@pytest.fixture
def inputs(tmp_path) -> tuple[Path, Path]:
    """A listing of three papers, and result files for two of them (the third is extracted)."""
    listings = tmp_path / "listings"
    listings.mkdir()
    (listings / "papers.txt").write_text(LISTING, encoding="utf-8")
    from leaderboard.extract import extract_all
    from leaderboard.sources.ingest import ingest
    from leaderboard.store.registry import default_registry

    papers = ingest([listings])
    results = tmp_path / "results"
    write_results(results, papers[:2], extract_all(papers[:2], default_registry()))
    for path in results.glob("*.json"):  # reviewed: each file says more than its paper's extraction
        _set_status(path, 0, "verified")
    return listings, results


def _set_status(path: Path, index: int, status: str) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    document["claims"][index]["status"] = status
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _edit_result(listings: Path, results: Path) -> None:
    path = sorted(results.glob("*.json"))[0]
    document = json.loads(path.read_text(encoding="utf-8"))
    document["claims"][0]["value"] = document["claims"][0]["value"] + 1
    document["claims"][-1]["status"] = "verified"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _add_result_file(listings: Path, results: Path) -> None:
    papers = ingest([listings])
    third = [p for p in papers if not (results / f"{p.id}.json").exists()]
    write_results(results, third, extract_all(third, default_registry()))
    _set_status(results / f"{third[0].id}.json", 0, "rejected")  # reviewed: unlike its extraction


def _remove_result(listings: Path, results: Path) -> None:
    sorted(results.glob("*.json"))[-1].unlink()


def _edit_listing(listings: Path, results: Path) -> None:
    text = (listings / "papers.txt").read_text(encoding="utf-8")
    (listings / "papers.txt").write_text(text.replace("52.2% on GSM8K", "55.0% on GSM8K").replace(
        "Oct 10, 2023", "Oct 11, 2023"), encoding="utf-8")


def _add_listing(listings: Path, results: Path) -> None:
    (listings / "more.txt").write_text("Gemma 7B\n\nGemma 7B scores 64.3% on MMLU. We describe the training data, the architecture and the evaluation protocol in detail, and release the weights for research use.\n\n  • 2 authors\n·\nFeb 21, 2024\n", encoding="utf-8")


@pytest.mark.parametrize("change", [_edit_result, _add_result_file, _remove_result, _edit_listing, _add_listing])
def test_a_cached_rebuild_equals_a_cold_build_after_each_kind_of_change(inputs, tmp_path, change):
    listings, results = inputs
    site, cache = tmp_path / "site", tmp_path / "cache"
    build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    before = site_tree(site)
    change(listings, results)
    rebuilt = build_site([str(listings)], results, site, jobs=1, cache_dir=cache)
    build_site([str(listings)], results, tmp_path / "cold", jobs=1, cache_dir=None)
    assert site_tree(site) == site_tree(tmp_path / "cold")
    assert site_tree(site) != before and rebuilt.reused > 0  # a real change, made incrementally


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    """The real `leaderboard` command, in a process of its own (as a user runs it)."""
    run = subprocess.run([sys.executable, "-m", "leaderboard", *args], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("change", ["registry", "repo-url", "site-url"])
def test_the_cli_rebuild_equals_a_cold_build_after_a_registry_or_option_change(inputs, tmp_path, change):
    listings, results = inputs
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    env = {"LEADERBOARD_SCHEMAS": str(schemas)}
    common = [str(listings), "--results", str(results), "--jobs", "1"]
    cached = [*common, "--out", str(tmp_path / "site"), "--cache-dir", str(tmp_path / "cache")]
    _cli("build", *cached, "--repo-url", "https://github.com/a/b", cwd=tmp_path, env=env)
    before = site_tree(tmp_path / "site")
    options = ["--repo-url", "https://github.com/a/b"]
    if change == "registry":
        registry = json.loads((schemas / "benchmarks.json").read_text(encoding="utf-8"))
        entries = registry["benchmarks"] if isinstance(registry, dict) else registry
        mmlu = next(b for b in entries if b["id"] == "mmlu")
        mmlu["name"] = "MMLU (renamed)"
        (schemas / "benchmarks.json").write_text(json.dumps(registry, indent=2) + "\n", encoding="utf-8")
    elif change == "repo-url":
        options = ["--repo-url", "https://github.com/c/d"]
    else:
        options += ["--site-url", "https://example.org/lb/"]
    _cli("build", *cached, *options, cwd=tmp_path, env=env)
    _cli("build", *common, "--out", str(tmp_path / "cold"), "--no-cache", *options, cwd=tmp_path, env=env)
    assert site_tree(tmp_path / "site") == site_tree(tmp_path / "cold") != before


def test_the_fixtures_writer_and_the_builds_writer_give_one_site(tmp_path):
    """`render_site` (the tests' built_site) and `render_site_cached` (every `leaderboard build`,
    with or without a cache) write the same files from the one page list."""
    render_site(make_compiled(), make_registry(), tmp_path / "plain", generated="2024-03-01")
    render_site_cached(make_compiled(), make_registry(), tmp_path / "cached", None, generated="2024-03-01",
                       key=lambda _inputs: None)
    assert site_tree(tmp_path / "plain") == site_tree(tmp_path / "cached")
    assert "papers/1909-megatron.html" in site_tree(tmp_path / "plain")
