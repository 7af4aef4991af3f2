"""`leaderboard review` on real temporary git repositories: report content and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_review import (
    ResultRepo,
    alpha,
    beta,
    broken_numbers,
    claim_document,
    file_name,
    gamma,
    new_paper,
    result_document,
)

from leaderboard.cli import main


@pytest.fixture
def repo(tmp_path) -> ResultRepo:
    return ResultRepo(tmp_path / "repo")


def run(*args: str):
    return CliRunner().invoke(main, ["review", *args])


def test_added_claim_exits_0_with_the_claim_listed(repo):
    repo.write(gamma(with_perplexity=True))
    result = run("--base", repo.base, "--repo", str(repo.path))
    assert result.exit_code == 0, result.output
    assert "**Added**" in result.output and "**Gamma-3B**: WikiText-103 perplexity 12.3" in result.output
    assert "WikiText-103: Perplexity, lower is better (new leaderboard)" in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("**Verdict:** ✅ Valid: 1 added")


def test_changed_value_between_two_commits(repo):
    repo.write(alpha(72.5))
    head = repo.commit("alpha re-evaluated")
    result = run("--base", repo.base, "--head", head, "--repo", str(repo.path))
    assert result.exit_code == 0, result.output
    assert "value 70.5 → 72.5" in result.output and "Score changed: **Alpha-7B** 70.5% → 72.5% (still #2)" in result.output


def test_invalid_claims_exit_1_with_errors_first(repo, monkeypatch):
    document = broken_numbers()
    repo.write(document)
    monkeypatch.chdir(repo.path)  # --repo defaults to the current directory
    result = run("--base", "main")
    assert result.exit_code == 1
    path = f"`results/{file_name(document)}`"
    for pointer, code in (("/claims/0/value", "value-out-of-range"), ("/claims/1/benchmark", "unknown-benchmark"),
                          ("/claims/2/evidence", "evidence-not-in-abstract")):
        assert f"{path} at `{pointer}`: **error\\[{code}\\]**" in result.output
    assert result.output.index("Validation errors") < result.output.index("### Claims")
    assert "**Verdict:** ❌ Not ready: 3 validation errors in 1 file" in result.output


def test_deleted_file_lists_removed_claims(repo):
    repo.delete(beta())
    result = run("--base", repo.base, "--repo", str(repo.path))
    assert result.exit_code == 0
    assert "**Removed**" in result.output and "claim `b1`" in result.output and "claim `b2`" in result.output
    assert "- Dropped: #1 **Beta-13B** 75.2%" in result.output
    assert "New leader: **Alpha-7B** 70.5%, was **Beta-13B**" in result.output


def test_taking_the_lead_names_the_new_leader(repo):
    repo.write(new_paper("Omega: the big one", "Omega-70B reaches 88.8% on MMLU.", "Omega-70B reaches 88.8% on MMLU",
                         "Omega-70B", 88.8))
    result = run("--base", repo.base, "--repo", str(repo.path))
    assert result.exit_code == 0
    assert "🏆 New leader: **Omega-70B** 88.8%, was **Beta-13B**" in result.output
    assert "new leader on MMLU" in result.output


def test_change_outside_results_is_one_line(repo):
    (repo.path / "README.md").write_text("just docs\n", encoding="utf-8")
    result = run("--base", repo.base, "--head", repo.commit("docs"), "--repo", str(repo.path))
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1 and "No changes under `results/`" in result.stdout


def test_json_format(repo):
    repo.write(alpha(72.5))
    result = run("--base", repo.base, "--repo", str(repo.path), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)  # stderr says which registry was used
    assert document["valid"] and document["claims"]["changed"][0]["new"]["value"] == 72.5


def test_two_directories(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    for directory, documents in ((base, [alpha(), beta()]), (head, [alpha(), gamma()])):
        directory.mkdir()
        for document in documents:
            (directory / file_name(document)).write_text(json.dumps(document), encoding="utf-8")
    result = run("--base-dir", str(base), "--head-dir", str(head))
    assert result.exit_code == 0, result.output
    assert f"`{head}/{file_name(beta())}`: deleted" in result.output
    assert f"`{head}/{file_name(gamma())}`: added" in result.output
    assert "New leader: **Alpha-7B**" in result.output


def test_bad_revision_is_a_clear_error_exit_1(repo):
    result = run("--base", "origin/nope", "--repo", str(repo.path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: unknown revision 'origin/nope'") and "Traceback" not in result.output


def test_not_a_git_repository_is_a_clear_error_exit_1(tmp_path):
    result = run("--base", "main", "--repo", str(tmp_path))
    assert result.exit_code == 1 and "not inside a git repository" in result.output


@pytest.mark.parametrize("args", [
    [],
    ["--base-dir", "."],
    ["--base", "main", "--base-dir", ".", "--head-dir", "."],
    ["--base", "main", "--format", "html"],
    ["--base-dir", "no/such/dir", "--head-dir", "."],
])
def test_usage_errors_exit_2(args):
    assert run(*args).exit_code == 2


HOSTILE_MODEL = "@octocat [x](javascript:alert(1))"


def test_hostile_model_name_is_neutralised(repo):
    abstract = f"{HOSTILE_MODEL} reaches 91.0% on MMLU."
    repo.write(result_document("Hostile", abstract, [
        claim_document(abstract, "reaches 91.0% on MMLU", HOSTILE_MODEL, 91.0, "h1", status="added"),
    ]))
    result = run("--base", repo.base, "--repo", str(repo.path))
    assert result.exit_code == 0
    assert "@octocat" not in result.output and "[x](" not in result.output
    assert "**@\u200boctocat \\[x\\]\\(javascript:alert\\(1\\)\\)**" in result.output


def test_contributing_example_is_valid_and_reviews_cleanly(tmp_path):
    text = (Path(__file__).parent.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    document = json.loads(example)
    base, head = tmp_path / "base", tmp_path / "results"
    base.mkdir()
    head.mkdir()
    (head / f"{document['id']}.json").write_text(example, encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", str(head)]).exit_code == 0
    result = run("--base-dir", str(base), "--head-dir", str(head))
    assert result.exit_code == 0 and "**Verdict:** ✅ Valid: 3 added" in result.output
