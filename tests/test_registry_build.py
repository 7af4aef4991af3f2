"""The generated registry: tools/registry/build.py on tiny copies of each source format, the merge of
curated and generated entries, the 'unknown' direction, and the shipped generated file."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from leaderboard.compile.tables import compile_results
from leaderboard.models import Claim, Paper, ResultFile, StoredClaim
from leaderboard.paths import schemas_dir
from leaderboard.store.registry import GENERATED_FILE, default_registry, load_registry, normalise_name
from leaderboard.store.results import load_results
from leaderboard.store.validate import validate_document, validate_registry

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "tools" / "registry" / "build.py"
FIXTURES = Path(__file__).parent / "fixtures" / "registry"
SOURCES = FIXTURES / "sources"
CURATED = FIXTURES / "benchmarks.json"
SOURCE_OPTIONS = {"--helm": "helm", "--harness": "harness", "--lighteval": "lighteval",
                  "--sota-extractor": "sota-extractor", "--axcell": "axcell"}


def run_build(out: Path, sources: Path = SOURCES) -> dict:
    args = [a for option, name in SOURCE_OPTIONS.items() for a in (option, str(sources / name))]
    subprocess.run([sys.executable, str(BUILD), *args, "--out", str(out)], check=True, capture_output=True)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("generated") / "benchmarks-generated.json"


@pytest.fixture(scope="module")
def document(generated) -> dict:
    return run_build(generated)


def by_id(document: dict) -> dict[str, dict]:
    return {b["id"]: b for b in document["benchmarks"]}


def directions(entry: dict) -> dict[str, str]:
    return {m["id"]: m["direction"] for m in entry["metrics"]}


def validate_against_schema(document: dict) -> None:
    schema = json.loads((schemas_dir() / "registry.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)


def test_fixture_sources_give_the_known_entries(document):
    validate_against_schema(document)
    assert sorted(by_id(document)) == [
        "boolq", "event2mind", "hellaswag", "hub5-00-switchboard", "mmlu", "penn-treebank",
        "realtoxicityprompts", "switchboard-hub5-00", "the-pile", "voxforge-american-canadian", "wikitext"]
    entries = by_id(document)
    assert entries["mmlu"]["name"] == "MMLU"  # HELM's short display name, the long one an alias
    assert entries["mmlu"]["aliases"] == ["MMLU (Massive Multitask Language Understanding)"]
    # one harness dataset is one benchmark: the chat variant is not an alias
    assert "hellaswag_chat" not in entries["hellaswag"].get("aliases", [])
    # AxCell's HellaSwag merged into the harness entry, both sources kept
    assert [s["source"] for s in entries["hellaswag"]["sources"]] == ["lm-eval-harness", "axcell"]


def test_directions_come_from_sources_then_tables_then_rules_else_unknown(document):
    entries = by_id(document)
    assert directions(entries["the-pile"]) == {"bpb": "lower"}  # HELM lower_is_better
    assert directions(entries["mmlu"]) == {"exact-match": "higher"}  # HELM lower_is_better: false
    assert directions(entries["hellaswag"])["acc-norm"] == "higher"  # harness higher_is_better
    wikitext = directions(entries["wikitext"])
    assert wikitext["word-perplexity"] == "lower"  # rule: perplexity
    assert wikitext["coherence"] == "higher"  # only lighteval's metric table knows it
    assert directions(entries["penn-treebank"]) == {"validation-perplexity": "lower", "test-perplexity": "lower"}
    assert directions(entries["switchboard-hub5-00"]) == {"percentage-error": "lower"}
    # never guessed: NLP-progress's "Dev"/"Test" columns and HELM's toxic fraction without lower_is_better
    assert directions(entries["event2mind"]) == {"dev": "unknown", "test": "unknown"}
    assert directions(entries["realtoxicityprompts"]) == {"toxic-fraction": "unknown"}
    unknown = next(m for m in entries["event2mind"]["metrics"] if m["id"] == "dev")
    assert (unknown["unit"], unknown["min"], unknown["max"]) == (None, None, None)
    percent = entries["switchboard-hub5-00"]["metrics"][0]
    assert (percent["unit"], percent["min"], percent["max"]) == ("%", 0, 100)


def test_generic_short_and_common_names_are_not_matchable(document):
    entries = by_id(document)
    names = {normalise_name(n) for b in entries.values() for n in (b["id"], b["name"], *b.get("aliases", []))}
    # HELM "News" (stop list), harness "cb" (too short) and "indian" (a common word), NLP-progress
    # "Story", EFF's sentence-long dataset: no name left, so no entry
    for gone in ("news", "cb", "indian", "story", "switchboard", "swb", "americancanadian", "vox forge"):
        assert normalise_name(gone) not in names
    assert not any("SATIN" in b["name"] for b in entries.values())
    dropped = {d["name"]: d["reason"] for d in entries["hub5-00-switchboard"]["dropped_names"]}
    assert dropped == {"swb": "shorter than 4 letters and digits",
                       "switchboard": "a generic word (schemas/generic-names.json)"}
    assert "hub5 swb" in entries["hub5-00-switchboard"]["aliases"]
    # acronyms and CamelCase are names, not words
    assert "HellaSwag" in entries["hellaswag"]["aliases"]


def test_every_entry_records_its_sources_and_licences(document):
    for entry in document["benchmarks"]:
        assert entry["sources"] and all(s["licence"] and s["ref"] and s["source"] for s in entry["sources"])
    licences = {s["source"]: s["licence"] for b in document["benchmarks"] for s in b["sources"]}
    assert licences == {"helm": "Apache-2.0", "lm-eval-harness": "MIT", "nlp-progress": "MIT",
                        "eff": "CC-BY-SA-4.0", "axcell": "Apache-2.0"}
    assert set(document["generated"]["sources"]) == {"helm", "lm-eval-harness", "lighteval", "nlp-progress",
                                                     "eff", "axcell"}
    assert all(s["commit"] is None for s in document["generated"]["sources"].values())  # not checkouts


def test_the_commit_of_a_checkout_is_recorded(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    helm = sources / "helm"
    git = ["git", "-C", str(helm), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "fixture"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    document = run_build(tmp_path / "out.json", sources)
    assert document["generated"]["sources"]["helm"]["commit"] == head
    assert document["generated"]["sources"]["axcell"]["commit"] is None


def test_output_is_deterministic_and_sorted(tmp_path, generated):
    again = tmp_path / "again.json"
    run_build(again)
    assert again.read_bytes() == generated.read_bytes()
    ids = [b["id"] for b in json.loads(again.read_text())["benchmarks"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_curated_entries_win_over_generated_ones(generated):
    registry = load_registry(CURATED, generated=generated, validate_generated=True)
    curated = load_registry(CURATED)
    mmlu = registry.get("mmlu")
    assert mmlu == curated.get("mmlu") and not mmlu.generated  # the generated MMLU is left out
    assert registry.lookup("MMLU (Massive Multitask Language Understanding)") is None
    assert registry.lookup("Massive Multitask Language Understanding").id == "mmlu"
    hellaswag = registry.lookup("HellaSwag")
    assert hellaswag.generated and hellaswag.sources == ("lm-eval-harness", "axcell")
    assert len(registry) == len(curated) + 10


def test_a_curated_name_is_dropped_from_a_generated_alias(tmp_path, generated):
    curated = json.loads(CURATED.read_text())
    curated["benchmarks"][0]["aliases"].append("wikitext_document_level")  # humaneval, for the test
    path = tmp_path / "benchmarks.json"
    path.write_text(json.dumps(curated))
    registry = load_registry(path, generated=generated)
    assert registry.lookup("wikitext_document_level").id == "humaneval"
    assert registry.get("wikitext").aliases == ()


def test_unknown_direction_stays_off_the_boards_and_validate_says_what_to_do(generated):
    registry = load_registry(CURATED, generated=generated)
    claims = [StoredClaim(id=f"c{n}", status="extracted", claim=Claim(
        model="Foo-7B", benchmark="event2mind", benchmark_text="Event2Mind", metric=metric, value=4.2, unit=None,
        setting=None, params=None, kind="absolute", evidence="4.2", start=0, end=3))
        for n, metric in enumerate(["Dev", "Test"])]
    result = ResultFile(Paper(id="0a1b2c3d4e", title="T", abstract="...", published="2024-01-01"), tuple(claims))
    assert compile_results([result], registry, {}).tables == ()
    known = StoredClaim(id="c9", status="extracted", claim=Claim(
        model="Foo-7B", benchmark="penn-treebank", benchmark_text="Penn Treebank", metric="Test perplexity",
        value=56.1, unit=None, setting=None, params=None, kind="absolute", evidence="56.1", start=0, end=4))
    tables = compile_results([ResultFile(result.paper, (known,))], registry, {}).tables
    assert [(t.benchmark, t.metric, t.direction) for t in tables] == [("penn-treebank", "test-perplexity", "lower")]

    document = json.loads((Path(__file__).parent / "fixtures/results/valid/0a1b2c3d4e.json").read_text())
    document["claims"][0].update(benchmark="event2mind", benchmark_text="Event2Mind", metric="Dev", unit=None)
    issues = [i for i in validate_document(document, "r.json", registry) if i.code == "unknown-direction"]
    assert [(i.severity, i.pointer) for i in issues] == [("warning", "/claims/0/metric")]
    assert "set the direction in schemas/benchmarks.json" in issues[0].hint


def test_validate_checks_the_generated_file(tmp_path, generated, monkeypatch):
    schemas = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), schemas)
    broken = json.loads(generated.read_text())
    broken["benchmarks"][0]["metrics"][0]["direction"] = "sideways"
    (schemas / GENERATED_FILE).write_text(json.dumps(broken))
    monkeypatch.setenv("LEADERBOARD_SCHEMAS", str(schemas))
    registry, issues = validate_registry()
    assert registry is None
    assert [i.code for i in issues] == ["invalid-registry"]
    assert GENERATED_FILE in issues[0].file and "/benchmarks/0/metrics/0/direction" in issues[0].message


# ---------------------------------------------------------------- the shipped files


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads((schemas_dir() / GENERATED_FILE).read_text(encoding="utf-8"))


def test_shipped_generated_registry_is_large_valid_and_sourced(shipped):
    validate_against_schema(shipped)
    entries = shipped["benchmarks"]
    assert len(entries) >= 1000
    assert all(e["sources"] and all(s["source"] and s["licence"] for s in e["sources"]) for e in entries)
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for source in shipped["generated"]["sources"].values():
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])


def test_shipped_generated_names_respect_the_stop_list(shipped):
    stop = json.loads((schemas_dir() / "generic-names.json").read_text(encoding="utf-8"))
    generic = {normalise_name(n) for n in stop["names"]}
    for entry in shipped["benchmarks"]:
        for name in (entry["name"], *entry.get("aliases", [])):
            key = normalise_name(name)
            assert key not in generic and len(key) >= stop["min_length"], (entry["id"], name)


def test_default_registry_merges_both_files_and_curated_wins():
    registry = default_registry()
    curated = load_registry(schemas_dir() / "benchmarks.json")
    assert len(registry) >= len(curated) + 1000
    for benchmark in curated:
        assert registry.get(benchmark.id) == benchmark
    assert registry.lookup("Event2Mind").generated


def test_no_unknown_direction_metric_is_on_a_compiled_board():
    results = load_results(ROOT / "results")
    compiled = compile_results(results, default_registry(), {})
    assert compiled.tables
    assert {table.direction for table in compiled.tables} <= {"higher", "lower"}
