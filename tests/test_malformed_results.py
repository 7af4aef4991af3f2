"""Malformed result files: each gives one clear error; `validate` reports all of them in one run.

`build` treats results/ as the reviewed source of truth: a result file it cannot read (bad JSON, not
UTF-8, empty, not an object, a directory or dangling link named *.json) or whose paper cannot be
published (a wrong type, a missing title or abstract, an unsafe id) stops it with `Error: FILE...` and
exit code 1, before anything is written; a claim with an error is left out of the leaderboards, as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard.cli import main
from leaderboard.errors import ResultFileError
from leaderboard.extract import extract_all
from leaderboard.sources.ingest import ingest
from leaderboard.store.registry import default_registry
from leaderboard.store.results import dump_result, load_result_file, result_from_paper
from leaderboard.store.validate import validate_paths

FIXTURE = Path(__file__).parent / "fixtures" / "hostile" / "page.txt"


def _valid_document() -> dict:
    """A valid result file: the first fixture paper with two extracted claims."""
    papers = ingest([FIXTURE])
    claims = extract_all(papers, default_registry())
    paper = next(p for p in papers if len(claims[p.id]) >= 2)
    return json.loads(dump_result(result_from_paper(paper, claims[paper.id])))


VALID = _valid_document()
PAPER_ID = VALID["id"]


def _with(**changes) -> str:
    return json.dumps({**VALID, **changes}, indent=2)


def _duplicate_ids() -> str:
    document = json.loads(_with(id="duplicates"))
    document["claims"][1]["id"] = document["claims"][0]["id"]
    return json.dumps(document, indent=2)


# name -> (how to make it, expected issue code, expected pointer, words of the message)
MALFORMED = {
    "bad-json.json": (lambda p: p.write_text('{\n  "id": "bad-json",\n  "title": ,\n}\n'), "invalid-json", "",
                      "line 3, column 12"),
    "empty.json": (lambda p: p.write_bytes(b""), "invalid-json", "", "line 1, column 1"),
    "not-utf8.json": (lambda p: p.write_bytes(b'{"title": "caf\xe9"}'), "not-utf8", "", "byte 14"),
    "a-list.json": (lambda p: p.write_text("[1, 2]"), "wrong-type", "", "not of type 'object'"),
    "directory.json": (lambda p: p.mkdir(), "not-a-file", "", "is a directory"),
    "dangling.json": (lambda p: p.symlink_to(p.parent / "missing-target.json"), "file-not-found", "", "no such file"),
    f"{PAPER_ID}.json": (lambda p: p.write_text(_with(title=5)), "wrong-type", "/title", "5 is not of type 'string'"),
    "duplicates.json": (lambda p: p.write_text(_duplicate_ids()), "duplicate-claim-id", "/claims/1/id", "already used"),
}


def _make(directory: Path, name: str) -> Path:
    path = directory / name
    MALFORMED[name][0](path)
    return path


@pytest.mark.parametrize("name", list(MALFORMED))
def test_each_malformed_file_gives_one_clear_error(tmp_path, name):
    path = _make(tmp_path, name)
    _maker, code, pointer, words = MALFORMED[name]
    report = validate_paths([path])
    assert [(i.code, i.severity, i.pointer) for i in report.issues] == [(code, "error", pointer)]
    issue = report.issues[0]
    assert issue.file == path.as_posix() and words in issue.message and issue.hint
    assert str(issue).startswith(f"{path.as_posix()}:{pointer}: error[{code}] ")


def test_load_result_file_raises_one_clear_error(tmp_path):
    for name in ("bad-json.json", "empty.json", "not-utf8.json", "a-list.json", "directory.json", "dangling.json"):
        path = _make(tmp_path, name)
        with pytest.raises(ResultFileError) as caught:
            load_result_file(path)
        assert str(caught.value).startswith(str(path)), str(caught.value)
    with pytest.raises(ResultFileError, match=r"bad-json.json:3: invalid JSON at column 12"):
        load_result_file(tmp_path / "bad-json.json")


def test_validate_reports_every_malformed_file_in_one_run(tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    for name in MALFORMED:
        _make(results, name)
    (results / "good.json").write_text(_with(id="good"))  # a valid file among them: no issue
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["validate", "results"])
    assert outcome.exit_code == 1
    lines = outcome.output.splitlines()
    for name, (_maker, code, pointer, _words) in MALFORMED.items():
        assert f"results/{name}:{pointer}: error[{code}]" in outcome.output, name
    assert not any("results/good.json" in line for line in lines)
    assert lines[-1].startswith(f"{len(MALFORMED) + 1} files checked, {len(MALFORMED)} errors")
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("name", list(MALFORMED))
def test_build_stops_with_a_clear_error_naming_the_file(tmp_path, monkeypatch, name):
    results = tmp_path / "results"
    results.mkdir()
    _make(results, name)
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["build", str(FIXTURE), "--results", "results", "--out", "site", "--jobs", "1",
                                        "--no-cache"])
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.exception
    if name == "duplicates.json":  # claim-level: the second claim is left out, the site is built
        assert outcome.exit_code == 0, outcome.output
        assert "1 invalid claims left out" in outcome.output
        return
    assert outcome.exit_code == 1, outcome.output
    assert outcome.output.startswith(f"Error: results/{name}"), outcome.output
    assert not (tmp_path / "site").exists()  # stopped before writing anything


def test_build_of_a_malformed_file_prints_no_traceback(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    _make(results, f"{PAPER_ID}.json")
    outcome = subprocess.run([sys.executable, "-m", "leaderboard", "build", str(FIXTURE), "--results", "results",
                              "--out", "site", "--jobs", "1", "--no-cache"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)
    assert outcome.returncode == 1
    assert outcome.stderr == (f"Error: results/{PAPER_ID}.json: /title: 5 is not of type 'string' "
                              f"(run `leaderboard validate results/{PAPER_ID}.json` and fix it first)\n")


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux only")
def test_a_file_that_cannot_be_read_gives_one_clear_error_even_as_root(tmp_path):
    """Reading /proc/self/mem from offset 0 fails with EIO for any user, root included: a real read error."""
    path = tmp_path / "io-error.json"
    path.symlink_to("/proc/self/mem")
    report = validate_paths([tmp_path])
    assert [(i.code, i.file, i.pointer) for i in report.issues] == [("unreadable-file", path.as_posix(), "")]
    assert "cannot read: Input/output error" in report.issues[0].message
    with pytest.raises(ResultFileError, match="io-error.json: cannot read"):
        load_result_file(path)


def test_build_shows_a_paper_with_lesser_errors_safely(tmp_path, monkeypatch):
    """A malformed arXiv id or date is no reason to stop: the paper is built, without a link out."""
    results = tmp_path / "results"
    results.mkdir()
    (results / f"{PAPER_ID}.json").write_text(_with(external_ids={"arxiv": "javascript:alert(1)"}, published="2024-13-45"))
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["build", str(FIXTURE), "--results", "results", "--out", "site", "--jobs", "1",
                                        "--no-cache"])
    assert outcome.exit_code == 0, outcome.output
    page = (tmp_path / "site" / "papers" / f"{PAPER_ID}.html").read_text(encoding="utf-8")
    assert "href=\"javascript" not in page and "arxiv.org" not in page and "2024-13-45" in page
