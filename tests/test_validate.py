import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaderboard.models import Issue
from leaderboard.paths import RESULT_SCHEMA, schema_file
from leaderboard.store import validate as validate_module
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


# ---------------------------------------------------------------- the quick schema check = jsonschema

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
_safe_id = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)
_claim = st.fixed_dictionaries({
    "id": _safe_id, "status": st.sampled_from(["extracted", "verified", "rejected", "added"]), "model": _text,
    "params": st.sampled_from([None, "7B", "350M", "8x7B", "1.5T"]), "benchmark": st.one_of(st.none(), _safe_id),
    "benchmark_text": _text, "metric": _text, "metric_implied": st.booleans(),
    "value": st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False)),
    "unit": st.sampled_from(["%", "points", None]),
    "qualifier": st.sampled_from(["up to", "over", "at least", "about", "below", None]),
    "setting": st.one_of(st.none(), _text), "kind": st.sampled_from(["absolute", "cited", "delta"]),
    "evidence": _text, "start": st.integers(0, 10**4), "end": st.integers(0, 10**4),
}, optional={
    "base_model": st.one_of(st.none(), _text), "confidence": st.sampled_from(["high", "medium", "low", None]),
    "note": _text, "source_url": st.sampled_from(["https://example.org/x", "http://a.b/c?d=1"]),
})
_document = st.fixed_dictionaries({
    "id": _safe_id, "title": _text, "abstract": _text,
    "published": st.sampled_from([None, "2024-02-29", "1999-12-31", "--01-19", "--12-31"]),
    "authors": st.one_of(st.none(), st.integers(1, 500)), "organization": st.one_of(st.none(), _text),
    "upvotes": st.one_of(st.none(), st.integers(0, 10**4)),
    "external_ids": st.fixed_dictionaries({}, optional={
        "arxiv": st.sampled_from(["2406.12345", "hep-th/9901001", "math.AG/0101001"]),
        "hf": st.sampled_from(["2406.12345", "org/name_1.2"]), "doi": st.sampled_from(["10.1234/abc.5"])}),
    "sources": st.lists(st.fixed_dictionaries({"file": _text, "line": st.integers(1, 10**5)}), max_size=2),
    "claims": st.lists(_claim, max_size=3),
}, optional={"$schema": _text})

# Wrong values of every kind: other types, integral floats, bools for numbers, bad enums (case and
# type), out-of-range numbers, unsafe ids, impossible dates, bad patterns, empty strings.
_wrong = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 1.0, 2.5, -0.5, 10**20, "", "x", "NULL", "Verified", "%%",
                     "2024-02-30", "2024-13-01", "--13-01", "--02-30", "..", "a..b", "Upper", "-start", "8b", "7B ",
                     "ftp://x", "https://", "2406.123", "10.12/x", [], [1], {}, {"a": 1}]),
    _text, st.integers(), st.floats(allow_nan=False),
)


# Near misses for each field: the wrong values a person (or a bug) would write there.
_NEAR_MISSES = {
    "id": ["", "Upper", "a..b", "-start", "a/b", "x" * 129], "title": ["", None, 3], "abstract": ["", []],
    "published": ["2024-02-30", "2024-13-01", "--13-01", "--02-30", "24-01-01", "", 2024],
    "authors": [0, -1, 1.5, True, "3"], "organization": ["", 0], "upvotes": [-1, 0.5, False, "7"],
    "external_ids": [[], None], "arxiv": ["2406.123", "2406.12345v2", ""], "hf": ["a..b", "a b", ""],
    "doi": ["10.12/x", "10.1234/", "doi:10.1234/x"], "sources": [{}, None], "file": ["", 1], "line": [0, -3, 1.5],
    "claims": [{}, "c"], "status": ["Verified", "", None, 1], "model": ["", None], "params": ["7b", "7 B", "B", 7],
    "benchmark": ["MMLU", "", "a..b", 1], "benchmark_text": [""], "metric": ["", None], "metric_implied": [0, "true"],
    "value": ["87.1", None, True], "unit": ["percent", "", 0], "qualifier": ["Up to", "under", ""],
    "setting": ["", 5], "kind": ["relative", None], "evidence": [""], "start": [-1, 0.5, "0"], "end": [-1, None],
    "base_model": ["", 1], "confidence": ["High", 1, ""], "note": ["", None], "source_url": ["ftp://x", "https://", ""],
    "$schema": [1, None],
}
_wrong = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 1.0, 2.5, 10**20, "", "x", [], [1], {}, {"a": 1}]),
    _text, st.integers(), st.floats(allow_nan=False),
)


@st.composite
def _mutated(draw):
    """A valid result file, then 0 to 3 mistakes at random places in it: a near miss or any wrong value
    for a field, a field deleted, a field added (unknown, or known but in the wrong place)."""
    document = draw(_document)
    mistakes = draw(st.integers(0, 3))
    for _ in range(mistakes):
        nested = [document.get("external_ids")]
        for key in ("sources", "claims"):
            nested += document.get(key) if isinstance(document.get(key), list) else []
        target = draw(st.sampled_from([document, *(c for c in nested if isinstance(c, dict))]))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        keys = sorted(target)
        if action == "add" or not keys:
            key = draw(st.sampled_from(["titel", "extra", "arxiv", "note", "confidence", "base_model", "line"]))
        else:
            key = draw(st.sampled_from(keys))
        if action == "delete" and key in target:
            del target[key]
        else:
            target[key] = draw(st.one_of(st.sampled_from(_NEAR_MISSES.get(key, [None])), _wrong))
    return document, mistakes


def _plain_schema_issues(document, file):
    """The plain path: jsonschema's every error, as schema_issues reports them."""
    validator = validate_module._result_validator(str(schema_file(RESULT_SCHEMA)))
    issues = [i for error in validator.iter_errors(document) for i in validate_module._schema_error_issues(error, file)]
    return sorted(issues, key=lambda issue: validate_module._pointer_key(issue.pointer))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_the_quick_schema_check_answers_as_jsonschema(case):
    document, mistakes = case
    before = copy.deepcopy(document)
    schema_path = str(schema_file(RESULT_SCHEMA))
    quick = validate_module._result_fast_check(schema_path)(document)
    valid = validate_module._result_validator(schema_path).is_valid(document)
    assert not quick or valid  # "plainly valid" is never said of an invalid file
    if not mistakes:
        assert quick  # and is said of every valid one made of plain JSON values (the fast path is taken)
    assert validate_module.schema_issues(document, "f.json") == _plain_schema_issues(document, "f.json")
    assert document == before


def test_the_quick_schema_check_leaves_integral_floats_to_jsonschema():
    # 3.0 is an integer to JSON Schema: the quick check is in doubt, jsonschema answers (valid).
    document = {"id": "x", "title": "t", "abstract": "a", "published": None, "authors": 3.0, "organization": None,
                "upvotes": 0, "external_ids": {}, "sources": [], "claims": []}
    schema_path = str(schema_file(RESULT_SCHEMA))
    assert not validate_module._result_fast_check(schema_path)(document)
    assert validate_module.schema_issues(document, "f.json") == []


def _assert_quick_check_agrees(document) -> None:
    schema_path = str(schema_file(RESULT_SCHEMA))
    quick = validate_module._result_fast_check(schema_path)(document)
    assert not quick or validate_module._result_validator(schema_path).is_valid(document), document
    assert validate_module.schema_issues(document, "f.json") == _plain_schema_issues(document, "f.json")


_FULL_CLAIM = {"id": "c1", "status": "verified", "model": "M", "params": "7B", "benchmark": "mmlu",
               "benchmark_text": "MMLU", "metric": "accuracy", "metric_implied": False, "value": 1, "unit": "%",
               "qualifier": None, "setting": None, "kind": "absolute", "evidence": "e", "start": 0, "end": 1,
               "base_model": "B", "confidence": "high", "note": "n", "source_url": "https://example.org/x"}
_FULL_DOCUMENT = {"$schema": "s", "id": "x", "title": "t", "abstract": "a", "published": "2024-02-29", "authors": 1,
                  "organization": "o", "upvotes": 0, "external_ids": {"arxiv": "2406.12345", "hf": "h", "doi": "10.1234/x"},
                  "sources": [{"file": "f", "line": 1}], "claims": [_FULL_CLAIM]}


def test_every_near_miss_of_every_field_gets_jsonschemas_answer():
    """Each near miss of _NEAR_MISSES in each field where it can occur, one at a time, and each field
    deleted: the quick check never calls a wrong file valid, and the issues are jsonschema's."""
    _assert_quick_check_agrees(_FULL_DOCUMENT)
    assert validate_module.schema_issues(_FULL_DOCUMENT, "f.json") == []
    paths = [()] + [("external_ids",), ("sources", 0), ("claims", 0)]
    for path in paths:
        container = _FULL_DOCUMENT
        for part in path:
            container = container[part]
        for key in container:
            for value in [*_NEAR_MISSES.get(key, []), "__deleted__"]:
                document = copy.deepcopy(_FULL_DOCUMENT)
                target = document
                for part in path:
                    target = target[part]
                if value == "__deleted__":
                    del target[key]
                else:
                    target[key] = value
                _assert_quick_check_agrees(document)
