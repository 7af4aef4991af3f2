"""Formats that round-trip: import tells formats apart by content, exports link every number to its
source, and the embedded corpus exported as pwc or model-index imports back to the same leaderboards."""

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import make_compiled

from leaderboard.build import build_site, gather_validated
from leaderboard.cli import main
from leaderboard.compile.reconcile import is_placeholder
from leaderboard.compile.tables import compile_results
from leaderboard.interop.export import export
from leaderboard.interop.import_ import InteropFileError, import_files, read_interop_file
from leaderboard.models import Compiled
from leaderboard.paths import DEFAULT_RESULTS
from leaderboard.render.downloads import CLAIMS_COLUMNS, claims_frame, claims_jsonl, claims_parquet, to_csv
from leaderboard.render.site import SiteOptions
from leaderboard.sources.ingest import embedded_corpus
from leaderboard.store.registry import default_registry
from leaderboard.store.results import load_results, write_result_file

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
SITE = "https://example.org/lb/"


# ---------------------------------------------------------------- detection by content


@pytest.mark.parametrize(("fixture", "name", "expected"), [
    ("evaluation-tables.json", "out.pwc", "pwc"),
    ("evaluation-tables.json", "model-index.yaml", "pwc"),
    ("evaluation-tables.json", "README.md", "pwc"),
    ("modelcard-README.md", "x.json", "model-index"),
    ("modelcard-README.md", "evaluation-tables.json", "model-index"),
])
def test_format_is_told_by_content_not_by_name(fixture, name, expected, tmp_path):
    misleading = tmp_path / name
    shutil.copyfile(FIXTURES / fixture, misleading)
    fmt, _documents = read_interop_file(misleading)
    assert fmt == expected
    report = import_files([misleading], default_registry(), tmp_path / "results")
    assert report.errors == 0 and report.added > 0, [str(i) for i in report.issues]


def test_bare_model_index_yaml_named_json_is_model_index(tmp_path):
    bare = tmp_path / "x.json"
    bare.write_text("model-index:\n- name: Some Model 7B\n  results:\n  - dataset: {name: MMLU, type: mmlu}\n"
                    "    metrics: [{type: accuracy, value: 61.5}]\n    source: {url: 'https://example.org/card'}\n",
                    encoding="utf-8")
    assert read_interop_file(bare)[0] == "model-index"
    report = import_files([bare], default_registry(), tmp_path / "results")
    assert report.errors == 0 and report.added == 1


def test_model_index_as_json_and_as_a_yaml_stream(tmp_path):
    entry = {"name": "M 7B", "results": [{"dataset": {"name": "MMLU", "type": "mmlu"},
                                          "metrics": [{"type": "accuracy", "value": 61.5}],
                                          "source": {"url": "https://example.org/m"}}]}
    as_json = tmp_path / "a.pwc"
    as_json.write_text(json.dumps({"model-index": [entry]}), encoding="utf-8")
    stream = tmp_path / "b.txt"
    stream.write_text("model-index:\n- name: A\n  results: []\n---\nmodel-index:\n- name: B\n  results: []\n",
                      encoding="utf-8")
    assert read_interop_file(as_json) == ("model-index", [{"model-index": [entry]}])
    fmt, documents = read_interop_file(stream)
    assert fmt == "model-index" and len(documents) == 2


@pytest.mark.parametrize(("content", "found"), [
    ('{"rows": [1, 2]}', "an object with keys 'rows'"),
    ("[1, 2, 3]", "a list of 3 items"),
    ("# A model\n\nJust prose, no front matter.\n", "plain text"),
    ("", "nothing"),
    ("license: mit\ntags: [a]\n", "an object with keys 'license', 'tags'"),
])
def test_unknown_content_names_the_file_and_the_formats_tried(content, found, tmp_path):
    unknown = tmp_path / "evaluation-tables.json"
    unknown.write_text(content, encoding="utf-8")
    with pytest.raises(InteropFileError) as error:
        import_files([unknown], default_registry(), tmp_path / "results")
    message = str(error.value)
    assert message.startswith(f"{unknown}: not a format `import` reads: it holds {found}")
    assert "model card" in message and "model-index" in message and "Papers with Code" in message
    assert not (tmp_path / "results").exists()


def test_flow_style_yaml_is_yaml_not_broken_json(tmp_path):
    flow = tmp_path / "card.json"
    flow.write_text("{model-index: [{name: M 7B, results: []}]}\n", encoding="utf-8")
    assert read_interop_file(flow) == ("model-index", [{"model-index": [{"name": "M 7B", "results": []}]}])


# ---------------------------------------------------------------- the embedded corpus, there and back


@pytest.fixture(scope="module")
def corpus() -> Compiled:
    """The embedded corpus and results/, compiled as `leaderboard export` compiles them."""
    registry = default_registry()
    inputs = [str(path) for path in embedded_corpus()]
    return compile_results(gather_validated(inputs, DEFAULT_RESULTS, registry).results, registry)


def leaderboard_rows(compiled: Compiled) -> dict[tuple, list[tuple]]:
    """Every table's named models, best first: {(benchmark, metric, setting, direction, unit):
    [(model id, params, value), ...]}. Placeholders ("(baseline)") are not exported (no model to
    publish), so the ranks here are among named models."""
    tables = {}
    for table in compiled.tables:
        rows = [(e.model_id, e.params, e.value) for e in table.entries if not is_placeholder(e.model)]
        if rows:
            tables[(table.benchmark, table.metric, table.setting, table.direction, table.unit)] = rows
    return tables


@pytest.mark.parametrize(("fmt", "name"), [("pwc", "out.pwc"), ("model-index", "out.data")])
def test_embedded_corpus_round_trips_through_export_and_import(corpus, fmt, name, tmp_path):
    registry = default_registry()
    exported = tmp_path / name
    exported.write_bytes(export(corpus, registry, fmt, site_url=SITE))
    report = import_files([exported], registry, tmp_path / "results")
    assert report.errors == 0, [str(i) for i in report.issues if i.severity == "error"]
    imported = compile_results(load_results(tmp_path / "results"), registry)
    expected = leaderboard_rows(corpus)
    assert sum(map(len, expected.values())) >= 90  # the corpus's 93 named entries, give or take a review
    assert leaderboard_rows(imported) == expected
    # every number links back to its claim on the site
    claims = [stored for result in load_results(tmp_path / "results") for stored in result.claims]
    assert len(claims) == report.added and all(c.source_url.startswith(SITE + "papers/") for c in claims)


def test_embedded_corpus_export_without_site_url_says_what_is_missing(corpus):
    with pytest.raises(Exception, match=r"numbers have no source URL: .* no arXiv or Hugging Face id .*--site-url"):
        export(corpus, default_registry(), "pwc")


# ---------------------------------------------------------------- --site-url in the downloads


LISTING = Path(__file__).parent / "fixtures" / "listings" / "page.txt"
LINKED_DOWNLOADS = ("data/claims.csv", "data/claims.jsonl", "data/leaderboards.json", "data/mmlu.csv")


def site_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
            and not p.name.startswith(".")}


def abstract_urls(site: Path) -> set[str]:
    claims = pd.read_csv(site / "data" / "claims.csv")["abstract_url"].tolist()
    benchmark = pd.read_csv(site / "data" / "mmlu.csv")["abstract_url"].tolist()
    lines = (site / "data" / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    document = json.loads((site / "data" / "leaderboards.json").read_text(encoding="utf-8"))
    sources = [s for t in document["tables"] for e in t["entries"] for s in e["sources"]]
    sources += [s for c in document["conflicts"] for s in c["sources"]]
    parquet = pd.read_parquet(site / "data" / "claims.parquet")["abstract_url"].tolist()
    urls = claims + benchmark + [json.loads(line)["abstract_url"] for line in lines] + parquet
    return set(urls + [s["abstract_url"] for s in sources])


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """The fixture listing and results built without and with --site-url (no cache)."""
    root = tmp_path_factory.mktemp("sites")
    built = {}
    for name, site_url in (("plain", None), ("absolute", SITE)):
        build_site([str(LISTING)], fixture_results(root / "results"), root / name, jobs=1,
                   options=SiteOptions(site_url=site_url))
        built[name] = root / name
    return built


def fixture_results(directory: Path) -> Path:
    """The render fixture's papers as result files (a conflict, a cited number, hostile text)."""
    for result in make_compiled().results:
        write_result_file(directory / f"{result.paper.id}.json", result)
    return directory


def test_site_url_makes_every_download_link_absolute(sites):
    urls = abstract_urls(sites["absolute"])
    assert len(urls) >= 5
    assert all(url.startswith(SITE + "papers/") and "#claim-" in url for url in urls), sorted(urls)[:3]
    # each link names a page of the same site: the relative link, re-rooted
    assert {url.removeprefix(SITE) for url in urls} == {url.removeprefix("../") for url in abstract_urls(sites["plain"])}


def test_without_site_url_download_links_stay_relative_to_data(sites):
    urls = abstract_urls(sites["plain"])
    assert urls and all(url.startswith("../papers/") for url in urls)
    assert (sites["plain"] / "data" / "../papers").resolve().is_dir()


def test_site_url_changes_the_downloads_and_nothing_else(sites):
    plain, absolute = site_tree(sites["plain"]), site_tree(sites["absolute"])
    assert plain.keys() == absolute.keys()
    changed = {path for path in plain if plain[path] != absolute[path]}
    assert set(LINKED_DOWNLOADS) <= changed
    assert all(path.startswith("data/") for path in changed), sorted(changed)


@pytest.mark.parametrize("jobs", [1, 2])
def test_cached_rebuilds_follow_the_site_url(sites, jobs, tmp_path):
    out, cache = tmp_path / "site", tmp_path / "cache"
    for site_url, reference in ((None, "plain"), (SITE, "absolute"), ("https://other.example/x", None),
                                (None, "plain")):
        build_site([str(LISTING)], fixture_results(tmp_path / "results"), out, jobs=jobs, cache_dir=cache,
                   options=SiteOptions(site_url=site_url))
        if reference:
            assert site_tree(out) == site_tree(sites[reference]), site_url
        else:
            assert all(url.startswith("https://other.example/x/papers/") for url in abstract_urls(out))


def test_build_refuses_a_site_url_that_is_not_http(tmp_path):
    result = CliRunner().invoke(main, ["build", str(LISTING), "--out", str(tmp_path / "s"), "--no-cache",
                                       "--site-url", "example.org/lb"])
    assert result.exit_code == 2
    assert "'example.org/lb' is not an http(s) address" in result.output
    assert not (tmp_path / "s").exists()


# ---------------------------------------------------------------- base_model and confidence in the downloads


def test_claim_downloads_carry_base_model_and_confidence_as_the_last_columns():
    compiled = make_compiled()
    first = compiled.results[0]
    marked = replace(first.claims[0], claim=replace(first.claims[0].claim, base_model="Mistral-7B", confidence="high"))
    compiled = replace(compiled, results=(replace(first, claims=(marked, *first.claims[1:])), *compiled.results[1:]))
    frame = claims_frame(compiled)
    assert list(CLAIMS_COLUMNS[-2:]) == ["base_model", "confidence"]
    csv = pd.read_csv(io.BytesIO(to_csv(frame)))
    lines = [json.loads(line) for line in claims_jsonl(frame).splitlines()]
    parquet = pd.read_parquet(io.BytesIO(claims_parquet(frame)))
    for rows in (csv.to_dict("records"), lines, parquet.to_dict("records")):
        assert list(rows[0])[-2:] == ["base_model", "confidence"]
        assert (rows[0]["base_model"], rows[0]["confidence"]) == ("Mistral-7B", "high")
        assert all(pd.isna(row["base_model"]) and pd.isna(row["confidence"]) for row in rows[1:])


def with_claim_fields(compiled: Compiled, paper_id: str, **fields) -> Compiled:
    """`compiled` with `fields` set on every claim of one paper (tables unchanged: they do not use them)."""
    results = tuple(replace(r, claims=tuple(replace(s, claim=replace(s.claim, **fields)) for s in r.claims))
                    if r.paper.id == paper_id else r for r in compiled.results)
    return replace(compiled, results=results)


def test_pwc_carries_base_model_and_confidence_there_and_back(tmp_path):
    registry = default_registry()
    compiled = compile_results(make_compiled().results, registry)
    marked = with_claim_fields(compiled, "aa11bb22cc", base_model="Mistral-7B", confidence="medium")
    exported = tmp_path / "tables.json"
    exported.write_bytes(export(marked, registry, "pwc", site_url=SITE))
    rows = [row for task in json.loads(exported.read_text(encoding="utf-8")) for d in task["datasets"]
            for row in d["sota"]["rows"]]
    assert {(row.get("base_model"), row.get("confidence")) for row in rows} == {(None, None), ("Mistral-7B", "medium")}
    report = import_files([exported], registry, tmp_path / "results")
    assert report.errors == 0, [str(i) for i in report.issues]
    claims = {(s.claim.model, s.claim.base_model, s.claim.confidence) for r in load_results(tmp_path / "results")
              for s in r.claims}
    assert ("Mistral 7B", "Mistral-7B", "medium") in claims
    assert {(base, confidence) for _model, base, confidence in claims} == {(None, None), ("Mistral-7B", "medium")}


def test_bad_values_in_a_misnamed_file_name_the_file_and_the_json_pointer(tmp_path):
    rows = [{"model_name": "M 7B", "paper_title": "P", "paper_url": "https://arxiv.org/abs/2401.00001",
             "metrics": {"Accuracy": "n/a"}},
            {"model_name": "N 7B", "paper_title": "Q", "paper_url": "https://arxiv.org/abs/2401.00002",
             "metrics": {"Accuracy": "61.5"}, "confidence": "certain"}]
    misnamed = tmp_path / "card.yaml"
    misnamed.write_text(json.dumps([{"task": "t", "datasets": [{"dataset": "MMLU", "sota": {
        "metrics": ["Accuracy"], "rows": rows}}]}]), encoding="utf-8")
    report = import_files([misnamed], default_registry(), tmp_path / "results")
    assert [(i.file, i.pointer, i.code) for i in report.issues] == [
        (str(misnamed), "/0/datasets/0/sota/rows/0/metrics/Accuracy", "invalid-value"),
        (str(misnamed), "/0/datasets/0/sota/rows/1/confidence", "invalid-value"),
    ]
    assert report.added == 0
