"""Export (model-index, pwc, jsonl, parquet) and import (model cards, model-index, PwC) as library calls."""

import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import make_compiled, make_registry

from leaderboard.compile.tables import compile_results
from leaderboard.interop.export import (
    EXPORT_FORMATS,
    ExportError,
    abstract_link,
    export,
    model_index,
    pwc_tables,
)
from leaderboard.interop.import_ import InteropFileError, import_files, pwc_numbers, read_interop_file
from leaderboard.render.downloads import CLAIMS_COLUMNS, claims_frame, to_csv
from leaderboard.store.registry import default_registry
from leaderboard.store.results import dump_result, load_result_file, load_results

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
SITE = "https://example.org/lb/"


@pytest.fixture
def compiled():
    """The render fixture's result files, compiled for real (no alias file)."""
    return compile_results(make_compiled().results, make_registry(), aliases={})


def leaderboard_rows(compiled) -> set[tuple]:
    """What a round trip must keep: (model, benchmark, metric, value, setting) of every named model."""
    return {(e.model_id, t.benchmark, t.metric, e.value, t.setting)
            for t in compiled.tables for e in t.entries if not e.model.startswith("(")}


def round_trip(compiled, fmt: str, tmp_path: Path) -> set[tuple]:
    exported = tmp_path / ("export.yaml" if fmt == "model-index" else "export.json")
    exported.write_bytes(export(compiled, make_registry(), fmt, site_url=SITE))
    results = tmp_path / "results"
    report = import_files([exported], make_registry(), results)
    assert report.errors == 0, [str(i) for i in report.issues]
    return leaderboard_rows(compile_results(load_results(results), make_registry(), aliases={}))


# ---------------------------------------------------------------- export


@pytest.mark.parametrize("fmt", ["model-index", "pwc"])
def test_round_trip_keeps_model_benchmark_metric_value_setting(compiled, fmt, tmp_path):
    assert round_trip(compiled, fmt, tmp_path) == leaderboard_rows(compiled)
    assert ("llama-2-70b", "gsm8k", "accuracy", 56.8, "8-shot") in leaderboard_rows(compiled)


def test_round_trip_imports_cited_added_claims_with_source(compiled, tmp_path):
    round_trip(compiled, "model-index", tmp_path)
    results = load_results(tmp_path / "results")
    claims = [c for r in results for c in r.claims]
    assert claims and {(c.status, c.claim.kind) for c in claims} == {("added", "cited")}
    assert all(c.source_url.startswith("https://") for c in claims)
    megatron = next(r for r in results if r.paper.id == "card-megatron-lm-8-3b")
    assert megatron.paper.title == "Model card: Megatron-LM 8.3B"
    assert {c.source_url for c in megatron.claims} == {"https://arxiv.org/abs/1909.08053"}


def test_model_index_block_shape(compiled):
    blocks = model_index(compiled, make_registry(), model="llama 2 70b", aliases={}, site_url=SITE)
    assert blocks == [{
        "name": "Llama 2 70B",
        "results": [
            {"task": {"type": "text-generation", "name": "grade-school maths"},
             "dataset": {"name": "GSM8K (8-shot)", "type": "gsm8k"},
             "metrics": [{"type": "accuracy", "value": 56.8, "name": "Accuracy"}],
             "source": {"url": "https://arxiv.org/abs/2307.09288",
                        "name": "Llama 2: Open Foundation and Fine-Tuned Chat Models"}},
            {"task": {"type": "text-generation", "name": "knowledge"},
             "dataset": {"name": "MMLU", "type": "mmlu"},
             "metrics": [{"type": "accuracy", "value": 68.9, "name": "Accuracy"}],
             "source": {"url": "https://arxiv.org/abs/2307.09288",
                        "name": "Llama 2: Open Foundation and Fine-Tuned Chat Models"}},
        ],
    }]


def test_model_index_yaml_is_one_document_per_model(compiled):
    text = export(compiled, make_registry(), "model-index", site_url=SITE).decode("utf-8")
    documents = list(yaml.safe_load_all(text))
    names = [d["model-index"][0]["name"] for d in documents]
    assert len(names) == len(set(names)) == 6 and "Mistral 7B" in names
    assert all(list(d) == ["model-index"] and len(d["model-index"]) == 1 for d in documents)


def test_source_is_arxiv_else_hugging_face_else_the_claim_on_the_site(compiled):
    papers = {r.paper.id: r.paper for r in compiled.results}
    assert abstract_link(papers["2307-llama2"], 2) == "https://arxiv.org/abs/2307.09288"
    assert abstract_link(papers["2307-llama2"], 2, SITE) == "https://arxiv.org/abs/2307.09288"
    hf_only = replace(papers["aa11bb22cc"], external_ids={"hf": "2406.01234"})
    assert abstract_link(hf_only, 2, SITE) == "https://huggingface.co/papers/2406.01234"
    both = replace(papers["aa11bb22cc"], external_ids={"hf": "2406.01234", "arxiv": "2406.01234"})
    assert abstract_link(both, 2) == "https://arxiv.org/abs/2406.01234"
    # a hash id (as every paper of results/ has) is no arXiv id: the claim's page on the site, if known
    assert abstract_link(papers["aa11bb22cc"], 2) is None
    assert abstract_link(papers["aa11bb22cc"], 2, SITE) == "https://example.org/lb/papers/aa11bb22cc.html#claim-2"
    assert abstract_link(papers["aa11bb22cc"], 2, "https://example.org/lb") == \
        "https://example.org/lb/papers/aa11bb22cc.html#claim-2"
    # a malformed arXiv id is no link out
    assert abstract_link(papers["ff00ee11dd"], 1) is None


@pytest.mark.parametrize("fmt", ["model-index", "pwc"])
def test_export_without_a_source_url_is_an_error_naming_the_papers(compiled, fmt):
    with pytest.raises(ExportError) as error:
        export(compiled, make_registry(), fmt)
    message = str(error.value)
    assert message.startswith("2 of 8 numbers have no source URL: 2 papers have no arXiv or Hugging Face id "
                              "(aa11bb22cc, ff00ee11dd)")
    assert "--site-url" in message


def test_export_needs_no_site_url_when_every_paper_has_an_id(compiled):
    with_ids = replace(compiled, results=tuple(
        replace(r, paper=replace(r.paper, external_ids={"hf": "2401.00001"})) for r in compiled.results))
    tasks = pwc_tables(with_ids, make_registry())
    urls = {row["paper_url"] for t in tasks for d in t["datasets"] for row in d["sota"]["rows"]}
    assert urls == {"https://huggingface.co/papers/2401.00001"}


def test_pwc_shape(compiled):
    tasks = pwc_tables(compiled, make_registry(), site_url=SITE)
    assert [t["task"] for t in tasks] == ["grade-school maths", "knowledge", "language modelling"]
    gsm8k = tasks[0]["datasets"][0]
    assert gsm8k["dataset"] == "GSM8K (8-shot)" and gsm8k["sota"]["metrics"] == ["Accuracy"]
    assert gsm8k["sota"]["rows"][1] == {
        "model_name": "Mistral 7B", "paper_title": "Re-evaluating Open Models",
        "paper_url": "https://example.org/lb/papers/aa11bb22cc.html#claim-2", "paper_date": None, "code_links": [], "model_links": [],
        "metrics": {"Accuracy": "52.2"}, "uses_additional_data": False,
    }
    assert tasks[2]["datasets"][0]["sota"]["rows"][0]["paper_date"] == "2019-09-17"


def test_claim_exports_have_the_claims_csv_columns(compiled):
    header = to_csv(claims_frame(compiled)).decode("utf-8").splitlines()[0].split(",")
    assert header == list(CLAIMS_COLUMNS)
    lines = export(compiled, make_registry(), "jsonl").decode("utf-8").splitlines()
    assert len(lines) == sum(len(r.claims) for r in compiled.results)
    assert all(list(json.loads(line)) == header for line in lines)
    frame = pd.read_parquet(io.BytesIO(export(compiled, make_registry(), "parquet")))
    assert list(frame.columns) == header and len(frame) == len(lines)
    pd.testing.assert_frame_equal(frame, claims_frame(compiled), check_dtype=False)


def test_jsonl_site_url_makes_links_absolute(compiled):
    first = json.loads(export(compiled, make_registry(), "jsonl", site_url=SITE).decode("utf-8").splitlines()[0])
    assert first["abstract_url"] == "https://example.org/lb/papers/1909-megatron.html#claim-1"


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_is_byte_identical_across_runs(fmt):
    first = export(compile_results(make_compiled().results, make_registry(), aliases={}), make_registry(), fmt,
                   site_url=SITE)
    second = export(compile_results(make_compiled().results, make_registry(), aliases={}), make_registry(), fmt,
                    site_url=SITE)
    assert first == second and first


# ---------------------------------------------------------------- import: real-shaped files


def test_model_card_fixture_imports(tmp_path):
    report = import_files([FIXTURES / "modelcard-README.md"], default_registry(), tmp_path)
    assert report.errors == 0
    assert [(f.paper_id, f.added, f.created) for f in report.files] == [("card-zephyr-7b-beta", 6, True)]
    result = load_result_file(tmp_path / "card-zephyr-7b-beta.json")
    assert result.paper.title == "Model card: zephyr-7b-beta"
    got = {(c.claim.benchmark, c.claim.metric, c.claim.value, c.claim.setting) for c in result.claims}
    assert got == {
        ("drop", "f1", 9.66243708053691, "3-Shot"),
        ("gsm8k", "acc", 12.736921910538287, "5-shot"),
        ("mmlu", "acc", 61.07, "5-Shot"),  # cais/mmlu, "MMLU (5-Shot)"
        ("winogrande", "acc", 77.74269928966061, "5-shot"),
        ("alpacaeval", "win rate", 0.906, None),
        ("mt-bench", "score", 7.34, None),
    }
    for stored in result.claims:
        assert result.paper.abstract[stored.claim.start:stored.claim.end] == stored.claim.evidence
        assert stored.claim.model == "zephyr-7b-beta" and stored.source_url.startswith("https://")
    assert "zephyr-7b-beta reports 61.07 acc on MMLU (5-Shot)." in result.paper.abstract


def test_model_card_unknowns_are_reported_not_guessed(tmp_path):
    report = import_files([FIXTURES / "modelcard-README.md"], default_registry(), tmp_path)
    found = {(i.code, i.severity, i.pointer) for i in report.issues}
    assert found == {
        ("unknown-metric", "warning", "/model-index/0/results/0/metrics/0"),  # acc_norm on ARC-Challenge
        ("unknown-metric", "warning", "/model-index/0/results/1/metrics/0"),  # acc_norm on HellaSwag
        ("unknown-metric", "warning", "/model-index/0/results/3/metrics/0"),  # mc2 on TruthfulQA
        ("unknown-benchmark", "warning", "/model-index/0/results/9/dataset"),
        ("value-may-be-fraction", "warning", "/model-index/0/results/7/metrics/0"),  # AlpacaEval 0.906
    }
    assert all(i.file.endswith("modelcard-README.md") for i in report.issues)


def test_unknown_benchmark_gets_did_you_mean(tmp_path):
    card = tmp_path / "card.yaml"
    card.write_text("model-index:\n- name: m\n  results:\n  - dataset: {name: HumanEvl, type: humanevl}\n"
                    "    metrics: [{type: pass@1, value: 50}]\n    source: {url: 'https://example.org'}\n")
    report = import_files([card], default_registry(), tmp_path / "results")
    [issue] = report.issues
    assert (issue.code, issue.pointer) == ("unknown-benchmark", "/model-index/0/results/0/dataset")
    assert "did you mean 'humaneval'" in issue.hint
    assert not (tmp_path / "results").exists()


def test_pwc_fixture_imports(tmp_path):
    report = import_files([FIXTURES / "evaluation-tables.json"], default_registry(), tmp_path)
    assert report.errors == 0
    results = {r.paper.title: r for r in load_results(tmp_path)}
    coatnet = results["CoAtNet: Marrying Convolution and Attention for All Data Sizes"]
    assert coatnet.paper.published == "2021-06-09" and coatnet.paper.external_ids == {"arxiv": "2106.04803"}
    [claim] = coatnet.claims
    assert (claim.claim.model, claim.claim.benchmark, claim.claim.metric, claim.claim.value, claim.claim.unit) == (
        "CoAtNet-7", "imagenet-1k", "Top 1 Accuracy", 90.88, "%")
    assert claim.source_url == "https://arxiv.org/abs/2106.04803v2"
    code_llama = results["Code Llama: Open Foundation Models for Code"]
    assert {(c.claim.benchmark, c.claim.value) for c in code_llama.claims} == {("humaneval", 53.7), ("mbpp", 56.2)}
    unknown = {(i.code, i.pointer) for i in report.issues}
    assert unknown == {
        ("unknown-metric", "/0/datasets/0/sota/metrics/1"),  # Number of params
        ("unknown-metric", "/0/datasets/0/sota/metrics/2"),  # GFLOPs
        ("unknown-benchmark", "/0/subtasks/0/datasets/0/dataset"),  # Oxford 102 Flowers
        ("unknown-metric", "/1/datasets/0/sota/metrics/1"),  # Pass@10
    }


def test_invalid_values_are_errors_and_left_out(tmp_path):
    card = tmp_path / "card.yaml"
    card.write_text(
        "model-index:\n- name: m\n  results:\n"
        "  - dataset: {name: MMLU, type: mmlu}\n    metrics: [{type: accuracy, value: 104.2}, {type: acc, value: n/a}]\n"
        "    source: {url: 'https://example.org/a'}\n"
        "  - dataset: {name: GSM8K, type: gsm8k}\n    metrics: [{type: accuracy, value: 80.5}]\n")
    report = import_files([card], default_registry(), tmp_path / "results")
    found = {(i.code, i.severity, i.pointer) for i in report.issues}
    assert found == {
        ("value-out-of-range", "error", "/model-index/0/results/0/metrics/0"),
        ("invalid-value", "error", "/model-index/0/results/0/metrics/1/value"),
        ("missing-source-url", "error", "/model-index/0/results/1/metrics/0"),
    }
    assert report.files == ()


def test_a_pwc_task_or_dataset_that_is_not_an_object_is_an_error_naming_it():
    document = [7, {"task": "QA", "datasets": ["MMLU"], "subtasks": [{"datasets": [None]}]}]
    numbers, issues = pwc_numbers(document, "tables.json", default_registry())
    assert numbers == []
    assert [(i.code, i.pointer, i.message) for i in issues] == [
        ("invalid-pwc", "/0", "a task is not an object"),
        ("invalid-pwc", "/1/datasets/0", "a dataset is not an object"),
        ("invalid-pwc", "/1/subtasks/0/datasets/0", "a dataset is not an object"),
    ]


def test_source_url_option_fills_missing_sources(tmp_path):
    card = tmp_path / "card.yaml"
    card.write_text("model-index:\n- name: m\n  results:\n"
                    "  - dataset: {name: GSM8K, type: gsm8k}\n    metrics: [{type: accuracy, value: 80.5}]\n")
    report = import_files([card], default_registry(), tmp_path / "r", source_url="https://huggingface.co/org/m")
    assert report.errors == 0
    [claim] = load_result_file(tmp_path / "r" / "card-m.json").claims
    assert claim.source_url == "https://huggingface.co/org/m"


# ---------------------------------------------------------------- import: merging


def test_reimport_changes_nothing_and_merge_keeps_other_claims(tmp_path):
    results = tmp_path / "results"
    card = tmp_path / "README.md"
    shutil.copy(FIXTURES / "modelcard-README.md", card)
    import_files([card], default_registry(), results)
    path = results / "card-zephyr-7b-beta.json"
    before = path.read_text(encoding="utf-8")
    again = import_files([card], default_registry(), results)
    assert [(f.added, f.unchanged) for f in again.files] == [(0, 6)]
    assert path.read_text(encoding="utf-8") == before

    # A person verifies one claim; the card then gains a result and changes a value.
    document = json.loads(before)
    document["claims"][0]["status"] = "verified"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    card.write_text(card.read_text(encoding="utf-8").replace("value: 7.34", "value: 7.5"), encoding="utf-8")
    report = import_files([card], default_registry(), results)
    assert [(f.added, f.unchanged) for f in report.files] == [(1, 5)]
    merged = load_result_file(path)
    old = {c["id"]: c for c in document["claims"]}
    assert all(json.loads(dump_result(merged))["claims"][i] == c for i, c in enumerate(document["claims"]))
    assert merged.claims[0].status == "verified" and len(merged.claims) == len(old) + 1
    assert merged.paper.abstract.startswith(document["abstract"] + " ")
    assert merged.claims[-1].claim.value == 7.5


def test_dry_run_writes_nothing(tmp_path):
    report = import_files([FIXTURES / "modelcard-README.md"], default_registry(), tmp_path / "r", dry_run=True)
    assert report.added == 6 and report.dry_run and not (tmp_path / "r").exists()


def test_pwc_papers_never_shadow_listed_papers(tmp_path):
    report = import_files([FIXTURES / "evaluation-tables.json"], default_registry(), tmp_path)
    assert all(f.paper_id.startswith("pwc-") for f in report.files)


# ---------------------------------------------------------------- malformed input


def test_malformed_front_matter_names_file_line_and_column(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nmodel-index:\n- name: x\n  results: [1, 2\n---\n# Prose\n")
    with pytest.raises(InteropFileError) as error:
        read_interop_file(card)
    assert error.value.file == str(card) and error.value.line == 6
    assert str(error.value).startswith(f"{card}:6: invalid YAML at column 1: ")


def test_unclosed_front_matter(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n")
    with pytest.raises(InteropFileError, match="never closed"):
        read_interop_file(card)


@pytest.mark.parametrize("name", ["evaluation-tables.json", "model-index.yaml"])  # told by content
def test_malformed_json_names_file_line_and_column(name, tmp_path):
    broken = tmp_path / name
    broken.write_text('[\n  {"task": "x",\n   "datasets": []\n   "subtasks": []}\n]\n')
    with pytest.raises(InteropFileError) as error:
        import_files([broken], default_registry(), tmp_path / "r")
    assert error.value.line == 4
    assert str(error.value).startswith(f"{broken}:4: invalid JSON at column 4: Expecting ',' delimiter")


def test_readme_without_model_index_is_an_error(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# Model\n")
    report = import_files([card], default_registry(), tmp_path / "r")
    assert [(i.code, i.severity) for i in report.issues] == [("no-model-index", "error")]
