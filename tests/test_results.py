import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from leaderboard.errors import ResultFileError
from leaderboard.models import Claim, Paper, Source, StoredClaim
from leaderboard.store.results import (
    WriteSummary,
    claim_id,
    dump_result,
    load_result_file,
    load_results,
    result_from_paper,
    result_to_json,
    write_result_file,
    write_results,
)
from leaderboard.store.validate import validate_document

FIXTURES = Path(__file__).parent / "fixtures" / "results"
ABSTRACT = "Foo-7B scores 87.1% on MMLU and 45.0% on HumanEval, compared to 80.0% for Bar on MMLU."


def make_claim(value: float = 87.1, model: str = "Foo-7B", benchmark_text: str = "MMLU", kind: str = "absolute",
               evidence: str = "Foo-7B scores 87.1% on MMLU", **changes) -> Claim:
    start = ABSTRACT.index(evidence)
    claim = Claim(model=model, benchmark="mmlu", benchmark_text=benchmark_text, metric="accuracy", value=value,
                  unit="%", setting=None, params="7B", kind=kind, evidence=evidence, start=start,
                  end=start + len(evidence), metric_implied=True)
    return replace(claim, **changes)


FOO_MMLU = make_claim()
FOO_HUMANEVAL = make_claim(45.0, benchmark="humaneval", benchmark_text="HumanEval", metric="pass@1",
                           evidence="45.0% on HumanEval")
BAR_MMLU = make_claim(80.0, model="Bar", kind="cited", params=None, evidence="80.0% for Bar on MMLU")
PAPER = Paper(id="0a1b2c3d4e", title="Foo", abstract=ABSTRACT, published="2024-05-01",
              sources=(Source("corpus/daily-papers/000_x.txt", 3),))


def test_claim_id_is_stable_and_depends_on_every_field():
    assert claim_id(FOO_MMLU) == claim_id(make_claim())
    assert claim_id(FOO_MMLU) != claim_id(replace(FOO_MMLU, setting="5-shot"))
    assert claim_id(FOO_MMLU).startswith("c") and len(claim_id(FOO_MMLU)) == 11
    # 87 typed by hand is the extractor's 87.0
    assert claim_id(replace(FOO_MMLU, value=87)) == claim_id(replace(FOO_MMLU, value=87.0))


def test_round_trip_keeps_every_field_and_the_bytes(tmp_path):
    result = result_from_paper(PAPER, [BAR_MMLU, FOO_HUMANEVAL, FOO_MMLU])
    path = tmp_path / f"{PAPER.id}.json"
    write_result_file(path, result)
    loaded = load_result_file(path)
    assert loaded.paper == PAPER
    assert loaded.claims == result.claims
    assert dump_result(loaded) == path.read_text(encoding="utf-8")


def test_dump_is_pretty_ordered_and_ends_with_newline():
    text = dump_result(result_from_paper(PAPER, [BAR_MMLU, FOO_MMLU]))
    assert text.endswith("}\n") and text.startswith('{\n  "$schema": "../schemas/result.schema.json",\n  "id"')
    document = json.loads(text)
    assert [c["start"] for c in document["claims"]] == sorted(c["start"] for c in document["claims"])
    assert list(document["claims"][0])[:3] == ["id", "status", "model"]


def test_generated_file_is_schema_valid():
    document = result_to_json(result_from_paper(PAPER, [FOO_MMLU, BAR_MMLU]))
    assert validate_document(document, f"results/{PAPER.id}.json", registry=None) == []


def test_unicode_is_written_as_is(tmp_path):
    paper = replace(PAPER, title="Modèle — évalué")
    path = tmp_path / "x.json"
    write_result_file(path, result_from_paper(paper, []))
    assert "Modèle — évalué" in path.read_text(encoding="utf-8")


def test_write_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / f"{PAPER.id}.json"
    write_result_file(path, result_from_paper(PAPER, [FOO_MMLU]))
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_result_file(path, result_from_paper(PAPER, []))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_load_reports_bad_json_with_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "id": "x",\n  "title" "y"\n}\n', encoding="utf-8")
    with pytest.raises(ResultFileError) as error:
        load_result_file(path)
    assert error.value.file == str(path) and error.value.line == 3
    assert "column 11" in str(error.value)


@pytest.mark.parametrize("content", [b"[1, 2]", b"\xff\xfe{}", b""])
def test_load_never_crashes_on_odd_files(tmp_path, content):
    path = tmp_path / "odd.json"
    path.write_bytes(content)
    with pytest.raises(ResultFileError):
        load_result_file(path)


def test_load_is_lenient_about_schema_problems(tmp_path):
    path = tmp_path / "thin.json"
    path.write_text('{"id": "thin", "claims": [{"id": "a", "value": "n/a"}, 3]}', encoding="utf-8")
    result = load_result_file(path)
    assert result.paper.id == "thin" and result.claims[0].claim.value == "n/a" and len(result.claims) == 1


def test_load_results_sorted_by_id(tmp_path):
    for paper_id in ("b000000000", "a000000000"):
        write_result_file(tmp_path / f"{paper_id}.json", result_from_paper(replace(PAPER, id=paper_id), []))
    assert [r.paper.id for r in load_results(tmp_path)] == ["a000000000", "b000000000"]
    assert load_results(tmp_path / "missing") == []


def test_load_shipped_fixture():
    result = load_result_file(FIXTURES / "valid" / "0a1b2c3d4e.json")
    assert len(result.claims) == 5 and all(c.id == claim_id(c.claim) for c in result.claims)


# ---------------------------------------------------------------- re-extraction


def _stored(path: Path) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads(path.read_text(encoding="utf-8"))["claims"]}


def _edit(path: Path, edit) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_write_results_creates_then_leaves_unchanged_files_untouched(tmp_path):
    summary = write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU]})
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 0)
    path = tmp_path / f"{PAPER.id}.json"
    os.utime(path, ns=(1, 1))
    summary = write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU]})
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert path.stat().st_mtime_ns == 1  # not rewritten at all
    assert str(summary).startswith("0 created, 0 updated, 1 unchanged")


def test_reextraction_refreshes_extracted_claims(tmp_path):
    write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU, BAR_MMLU]})
    improved = replace(FOO_MMLU, setting="5-shot")
    summary = write_results(tmp_path, [PAPER], {PAPER.id: [improved, FOO_HUMANEVAL]})
    assert summary.updated == 1
    stored = _stored(tmp_path / f"{PAPER.id}.json")
    # the old version of the claim and the claim no longer produced are gone
    assert set(stored) == {claim_id(improved), claim_id(FOO_HUMANEVAL)}


def test_reextraction_keeps_verified_rejected_added_and_edited_claims(tmp_path):
    path = tmp_path / f"{PAPER.id}.json"
    write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU, BAR_MMLU, FOO_HUMANEVAL]})
    foo, bar, humaneval = claim_id(FOO_MMLU), claim_id(BAR_MMLU), claim_id(FOO_HUMANEVAL)

    def review(document):
        by_id = {c["id"]: c for c in document["claims"]}
        by_id[foo]["status"] = "verified"
        by_id[bar]["status"] = "rejected"
        by_id[bar]["note"] = "Bar's number is from another benchmark version"
        by_id[humaneval]["setting"] = "zero-shot"  # edited, status left as extracted
        document["claims"].append({**by_id[foo], "id": "added-1", "status": "added", "model": "Foo-7B-Chat"})

    _edit(path, review)
    reviewed = _stored(path)
    # the extractor now produces different versions of all three, plus nothing else
    write_results(tmp_path, [PAPER], {PAPER.id: [replace(FOO_MMLU, params="7.0B"), replace(BAR_MMLU, params="1B"),
                                                 FOO_HUMANEVAL]})
    after = _stored(path)
    for kept in (foo, bar, humaneval, "added-1"):
        assert after[kept] == reviewed[kept]
    # a fresh claim about a number a person already decided on (same span, value, benchmark) is not added again
    assert set(after) == {foo, bar, humaneval, "added-1"}


def test_reextraction_drops_nothing_human_when_extraction_finds_nothing(tmp_path):
    path = tmp_path / f"{PAPER.id}.json"
    write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU, BAR_MMLU]})
    _edit(path, lambda d: d["claims"][0].update(status="verified"))
    write_results(tmp_path, [PAPER], {})
    assert [c["status"] for c in json.loads(path.read_text())["claims"]] == ["verified"]


def test_reextraction_refreshes_metadata_but_keeps_what_only_the_file_knows(tmp_path):
    path = tmp_path / f"{PAPER.id}.json"
    write_results(tmp_path, [PAPER], {})
    _edit(path, lambda d: d.update(organization="Foo Lab", external_ids={"arxiv": "2405.00001"}))
    write_results(tmp_path, [replace(PAPER, upvotes=7, title="Foo, revised")], {})
    document = json.loads(path.read_text())
    assert document["upvotes"] == 7 and document["title"] == "Foo, revised"
    assert document["organization"] == "Foo Lab" and document["external_ids"] == {"arxiv": "2405.00001"}


def test_files_of_papers_in_no_listing_are_left_alone(tmp_path):
    stray = tmp_path / "ffffffffff.json"
    stray.write_text("hand written, not even JSON", encoding="utf-8")
    summary = write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU]})
    assert summary == WriteSummary(created=1, updated=0, unchanged=0, kept_claims=0)
    assert stray.read_text(encoding="utf-8") == "hand written, not even JSON"


def test_write_results_refuses_to_merge_into_a_broken_file(tmp_path):
    path = tmp_path / f"{PAPER.id}.json"
    write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU]})
    _edit(path, lambda d: d["claims"][0].update(status="verifyed"))
    before = path.read_bytes()
    with pytest.raises(ResultFileError) as error:
        write_results(tmp_path, [PAPER], {PAPER.id: [FOO_MMLU]})
    assert "/claims/0/status" in str(error.value)
    assert path.read_bytes() == before


def test_stored_claim_round_trip_keeps_note_and_source_url(tmp_path):
    stored = StoredClaim(id="added-1", status="added", claim=FOO_MMLU, note="from the model card",
                         source_url="https://example.org/card")
    result = replace(result_from_paper(PAPER, []), claims=(stored,))
    path = tmp_path / "r.json"
    write_result_file(path, result)
    assert load_result_file(path).claims == (stored,)
