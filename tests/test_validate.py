import json
from pathlib import Path

import pytest

from leaderboard.models import Issue
from leaderboard.store.registry import load_registry
from leaderboard.store.validate import (
    Report,
    validate_document,
    validate_file,
    validate_model_aliases,
    validate_paths,
    validate_registry,
    value_in_text,
)

FIXTURES = Path(__file__).parent / "fixtures"
RESULTS = FIXTURES / "results"
REGISTRY = load_registry(FIXTURES / "registry" / "benchmarks.json")

# Every invalid fixture with the (code, pointer) pairs it must produce: no more, no less.
EXPECTED = {
    "schema0001.json": {
        ("missing-property", "/title"),
        ("unknown-property", "/titel"),
        ("invalid-value", "/published"),
        ("wrong-type", "/claims/0/value"),
        ("invalid-value", "/claims/0/status"),
        ("missing-property", "/claims/1/kind"),
        ("invalid-format", "/claims/1/id"),
    },
    "registry01.json": {
        ("unknown-benchmark", "/claims/0/benchmark"),
        ("unknown-metric", "/claims/1/metric"),
        ("unit-mismatch", "/claims/2/unit"),
        ("value-out-of-range", "/claims/5/value"),
        ("unregistered-benchmark", "/claims/6/benchmark"),
        ("duplicate-claim-id", "/claims/7/id"),
    },
    "evidence-wrong-name.json": {
        ("file-name-mismatch", "/id"),
        ("evidence-not-in-abstract", "/claims/0/evidence"),
        ("evidence-offsets", "/claims/1/start"),
        ("value-not-in-evidence", "/claims/2/value"),
    },
    "broken0001.json": {("invalid-json", "")},
}


def pairs(issues: list[Issue]) -> set[tuple[str, str]]:
    return {(issue.code, issue.pointer) for issue in issues}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_produces_exactly_its_issues(name):
    assert pairs(validate_file(RESULTS / "invalid" / name, REGISTRY)) == EXPECTED[name]


def test_valid_fixture_has_no_issues():
    assert validate_file(RESULTS / "valid" / "0a1b2c3d4e.json", REGISTRY) == []


def test_every_issue_is_complete():
    report = validate_paths([RESULTS / "invalid"], REGISTRY)
    for issue in report.issues:
        assert issue.code and issue.severity in ("error", "warning") and issue.file.endswith(".json")
        assert issue.message and issue.hint
        assert issue.pointer == "" or issue.pointer.startswith("/")


def test_directory_reports_all_files_and_all_errors_at_once():
    report = validate_paths([RESULTS / "invalid", RESULTS / "valid"], REGISTRY)
    assert len(report.files) == 5
    # 18 expected pairs, one of them a warning; '../x' breaks two rules at /claims/1/id
    assert (report.errors, report.warnings) == (18, 1) and not report.valid
    assert report.summary() == f"5 files checked, {report.errors} errors, 1 warning"


def test_messages_say_what_is_wrong():
    issues = {i.code: i for i in validate_file(RESULTS / "invalid" / "registry01.json", REGISTRY)}
    assert issues["value-out-of-range"].message == "104.2 > 100"
    assert "'mmlu-pro'" in issues["unknown-benchmark"].hint  # did you mean
    assert "'humaneval'" in issues["unregistered-benchmark"].hint
    assert issues["unregistered-benchmark"].severity == "warning"
    bad_json = validate_file(RESULTS / "invalid" / "broken0001.json", REGISTRY)[0]
    assert "line 3, column 16" in bad_json.message


def test_directory_named_like_a_file(tmp_path):
    (tmp_path / "abc.json").mkdir()
    report = validate_paths([tmp_path / "abc.json"], REGISTRY)
    assert pairs(report.issues) == {("not-a-file", "")}


def test_directory_of_results_skips_subdirectories(tmp_path):
    (tmp_path / "abc.json").mkdir()
    report = validate_paths([tmp_path], REGISTRY)
    assert pairs(report.issues) == {("not-a-file", "")}


def test_missing_and_non_utf8_files(tmp_path):
    (tmp_path / "latin.json").write_bytes(b'{"title": "Mod\xe8le"}')
    report = validate_paths([tmp_path / "nothing.json", tmp_path / "latin.json"], REGISTRY)
    assert pairs(report.issues) == {("file-not-found", ""), ("not-utf8", "")}


def test_rejected_claims_skip_registry_checks_but_not_evidence_checks():
    document = json.loads((RESULTS / "valid" / "0a1b2c3d4e.json").read_text())
    claim = document["claims"][0]
    claim.update(status="rejected", benchmark="nonsense", value=104.2)
    assert pairs(validate_document(document, "results/0a1b2c3d4e.json", REGISTRY)) == {
        ("value-not-in-evidence", "/claims/0/value")}


def test_deltas_are_not_range_checked_like_scores():
    document = json.loads((RESULTS / "valid" / "0a1b2c3d4e.json").read_text())
    delta = next(c for c in document["claims"] if c["kind"] == "delta")
    delta["unit"] = "%"  # a relative improvement on a pass@1 scale is fine
    assert validate_document(document, "results/0a1b2c3d4e.json", REGISTRY) == []
    delta.update(value=-5)
    assert ("value-out-of-range", f"/claims/{document['claims'].index(delta)}/value") in pairs(
        validate_document(document, "results/0a1b2c3d4e.json", REGISTRY))


def test_fraction_of_a_percentage_is_a_warning():
    abstract = "Foo scores 0.87 on MMLU."
    document = json.loads((RESULTS / "valid" / "0a1b2c3d4e.json").read_text())
    document.update(abstract=abstract, claims=[{**document["claims"][0], "value": 0.87, "unit": None,
                                                "evidence": "0.87 on MMLU", "start": 11, "end": 23}])
    issues = validate_document(document, "results/0a1b2c3d4e.json", REGISTRY)
    assert [(i.code, i.severity) for i in issues] == [("value-may-be-fraction", "warning")]


@pytest.mark.parametrize("value, text, found", [
    (87.1, "scores 87.1% on MMLU", True),
    (87.1, "scores 87.10 on MMLU", True),
    (87.0, "scores 87% on MMLU", True),
    (87, "scores 87.0 on MMLU", True),
    (1356, "1,356 on Chatbot Arena", True),
    (0.94, "above .94", True),
    (87.1, "scores 87.15 on MMLU", False),
    (87.0, "scores 87.1 on MMLU", False),
    (8.0, "GPT-4 8B", True),
])
def test_value_in_text(value, text, found):
    assert value_in_text(value, text) is found


def test_a_non_object_document_is_one_schema_issue():
    assert pairs(validate_document([1, 2], "results/x.json", REGISTRY)) == {("wrong-type", "")}


def test_unsafe_paper_id_is_rejected_by_the_schema():
    document = json.loads((RESULTS / "valid" / "0a1b2c3d4e.json").read_text())
    document["id"] = "../../etc/passwd"
    assert ("invalid-format", "/id") in pairs(validate_document(document, "results/x.json", REGISTRY))


def test_broken_registry_is_an_issue(tmp_path):
    broken = tmp_path / "benchmarks.json"
    broken.write_text('{"version": 1, "benchmarks": [{"id": "Bad Id"}]}', encoding="utf-8")
    registry, issues = validate_registry(broken)
    assert registry is None and [i.code for i in issues] == ["invalid-registry"]
    assert issues[0].file == str(broken)


def test_shipped_registry_and_aliases_are_valid():
    registry, issues = validate_registry()
    assert registry is not None and issues == []
    assert validate_model_aliases() == []


def test_broken_alias_file_is_an_issue(tmp_path):
    aliases = tmp_path / "models.json"
    aliases.write_text('{"version": 1, "models": [{"id": "a", "aliases": ["B"]}, {"id": "b", "aliases": ["c"]}]}')
    assert [i.code for i in validate_model_aliases(aliases)] == ["invalid-model-aliases"]


def test_report_json_form():
    report = Report(issues=(Issue("x-y", "warning", "f.json", "/a", "m", "h"),), files=("f.json",))
    assert report.valid and report.to_json() == {
        "valid": True, "files": ["f.json"], "errors": 0, "warnings": 1,
        "issues": [{"code": "x-y", "severity": "warning", "file": "f.json", "pointer": "/a", "message": "m",
                    "hint": "h"}]}


def test_shipped_results_are_valid():
    """The repository's own results/ (whatever it holds) must pass `leaderboard validate`."""
    shipped = Path(__file__).parent.parent / "results"
    report = validate_paths([shipped])
    assert report.valid, "\n".join(str(i) for i in report.issues if i.severity == "error")
