"""leaderboard.review on real temporary git repositories: claims, leaderboards, verdict, safe Markdown.

The helpers here (ResultRepo, result_document, claim_document) are shared with test_cli_review.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from leaderboard.errors import GitError
from leaderboard.ids import paper_id
from leaderboard.review.diff import review_directories, review_revisions
from leaderboard.review.git import WORKING_TREE, directory_snapshot, git_snapshot, worktree_and_base_snapshots
from leaderboard.review.report import render_review_markdown, review_to_json

ZWSP = "\u200b"


# ---------------------------------------------------------------- building result files


def claim_document(abstract: str, evidence: str, model: str, value: float, claim_id: str, *,
                   benchmark: str | None = "mmlu", benchmark_text: str = "MMLU", metric: str = "accuracy",
                   unit: str | None = "%", kind: str = "absolute", status: str = "verified") -> dict:
    """A claim whose evidence is found in the abstract (or deliberately not: start/end are then 0)."""
    start = abstract.find(evidence)
    start = max(start, 0)
    return {
        "id": claim_id, "status": status, "model": model, "params": None, "benchmark": benchmark,
        "benchmark_text": benchmark_text, "metric": metric, "metric_implied": False, "value": value, "unit": unit,
        "qualifier": None, "setting": None, "kind": kind, "evidence": evidence, "start": start,
        "end": start + len(evidence),
    }


def result_document(title: str, abstract: str, claims: list[dict]) -> dict:
    return {
        "$schema": "../schemas/result.schema.json", "id": paper_id(title), "title": title, "abstract": abstract,
        "published": "2024-05-01", "authors": 3, "organization": None, "upvotes": None, "external_ids": {},
        "sources": [], "claims": claims,
    }


ALPHA_TITLE = "Alpha: a small language model"
ALPHA_ABSTRACT = "We present Alpha-7B, which reaches 70.5% on MMLU."
BETA_TITLE = "Beta: scaling up"
BETA_ABSTRACT = "Beta-13B scores 75.2% on MMLU, ahead of Alpha-7B at 70.5% on MMLU."
GAMMA_TITLE = "Gamma: tiny but useful"
GAMMA_ABSTRACT = "Gamma-3B achieves 60.1% on MMLU and a perplexity of 12.3 on WikiText-103."


def alpha(value: float = 70.5) -> dict:
    abstract = ALPHA_ABSTRACT.replace("70.5", str(value))
    return result_document(ALPHA_TITLE, abstract, [
        claim_document(abstract, f"Alpha-7B, which reaches {value}% on MMLU", "Alpha-7B", value, "a1"),
    ])


def beta() -> dict:
    return result_document(BETA_TITLE, BETA_ABSTRACT, [
        claim_document(BETA_ABSTRACT, "Beta-13B scores 75.2% on MMLU", "Beta-13B", 75.2, "b1"),
        claim_document(BETA_ABSTRACT, "Alpha-7B at 70.5% on MMLU", "Alpha-7B", 70.5, "b2", kind="cited",
                       status="extracted"),
    ])


def gamma(with_perplexity: bool = False) -> dict:
    claims = [claim_document(GAMMA_ABSTRACT, "Gamma-3B achieves 60.1% on MMLU", "Gamma-3B", 60.1, "g1")]
    if with_perplexity:
        claims.append(claim_document(GAMMA_ABSTRACT, "perplexity of 12.3 on WikiText-103", "Gamma-3B", 12.3, "g2",
                                     benchmark="wikitext-103", benchmark_text="WikiText-103", metric="perplexity",
                                     unit=None, status="added"))
    return result_document(GAMMA_TITLE, GAMMA_ABSTRACT, claims)


def new_paper(title: str, abstract: str, evidence: str, model: str, value: float, **fields) -> dict:
    return result_document(title, abstract, [claim_document(abstract, evidence, model, value, "n1", **fields)])


def file_name(document: dict) -> str:
    return f"{document['id']}.json"


# ---------------------------------------------------------------- a real git repository


class ResultRepo:
    """A git repository in a temporary directory with results/ committed on `main`."""

    def __init__(self, path: Path):
        self.path = path
        self.results = path / "results"
        self.results.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test")
        self.git("config", "user.email", "test@example.invalid")
        self.git("config", "commit.gpgsign", "false")
        for document in (alpha(), beta(), gamma()):
            self.write(document)
        (path / "README.md").write_text("results database\n", encoding="utf-8")
        self.base = self.commit("base results")

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def write(self, document: dict, name: str | None = None) -> Path:
        path = self.results / (name or file_name(document))
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def delete(self, document: dict) -> None:
        (self.results / file_name(document)).unlink()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path) -> ResultRepo:
    return ResultRepo(tmp_path / "repo")


def review(repo: ResultRepo, head: str | None = None):
    return review_revisions(repo.base, head, repo=repo.path)


def test_the_working_tree_read_through_git_is_what_is_on_disk(repo):
    """Only files git sees as changed or untracked are read from disk; the snapshot must still be
    exactly the directory's *.json files: modified, deleted, added (untracked, staged, ignored),
    a staged-then-edited file, a file untracked by `git rm --cached`, and things never read."""
    (repo.path / ".gitignore").write_text("results/ignored-*.json\n", encoding="utf-8")
    repo.write(alpha(71.0))  # modified
    repo.delete(beta())  # deleted
    repo.write(new_paper("Delta: new", "Delta-1B gets 50.0% on MMLU.", "50.0%", "Delta-1B", 50.0))  # untracked
    staged = repo.write(new_paper("Eps: staged", "Eps-2B gets 51.0% on MMLU.", "51.0%", "Eps-2B", 51.0))
    repo.git("add", str(staged))
    staged.write_text(staged.read_text(encoding="utf-8").replace("51.0", "52.0"), encoding="utf-8")  # edited after add
    repo.write(new_paper("Zeta: ignored", "Zeta-3B gets 53.0% on MMLU.", "53.0%", "Zeta-3B", 53.0),
               name="ignored-zeta.json")
    repo.git("rm", "-q", "--cached", f"results/{file_name(gamma())}")  # still on disk, no longer tracked
    (repo.results / "notes.txt").write_text("not a result\n", encoding="utf-8")
    (repo.results / "nested").mkdir()
    repo.write(alpha(99.0), name="nested/deep.json")  # not directly in results/: never read

    base, head = worktree_and_base_snapshots(repo.path, repo.base)

    assert base == git_snapshot(repo.path, repo.base)
    assert head == on_disk(repo)
    assert set(head.files) == {file_name(alpha()), file_name(gamma()), "ignored-zeta.json",
                               f"{paper_id('Delta: new')}.json", f"{paper_id('Eps: staged')}.json"}
    assert b"52.0" in head.files[f"{paper_id('Eps: staged')}.json"]


def test_the_working_tree_without_results_has_no_files(repo):
    for document in (alpha(), beta(), gamma()):
        repo.delete(document)
    repo.results.rmdir()
    base, head = worktree_and_base_snapshots(repo.path, repo.base)
    assert len(base.files) == 3 and head.files == {} == on_disk(repo).files


def on_disk(repo: ResultRepo):
    """Every *.json file in results/, read from disk: what the working tree's snapshot must hold."""
    return directory_snapshot(repo.results, label=WORKING_TREE, prefix="results", must_exist=False)


# ---------------------------------------------------------------- claims


def test_adding_a_claim_to_a_paper_opens_a_new_leaderboard(repo):
    repo.write(gamma(with_perplexity=True))
    result = review(repo)
    assert result.valid and [f.status for f in result.files] == ["modified"]
    assert [(c.claim_id, c.model, c.value, c.benchmark) for c in result.added] == [("g2", "Gamma-3B", 12.3,
                                                                                    "wikitext-103")]
    assert not result.changed and not result.removed
    [board] = result.leaderboards
    assert board.key == "wikitext-103--perplexity" and board.status == "new"
    assert [e.model for e in board.added] == ["Gamma-3B"]
    report = render_review_markdown(result)
    assert "**Added**" in report and "**Gamma-3B**: WikiText-103 perplexity 12.3" in report
    assert report.rstrip().splitlines()[-1].startswith("**Verdict:** ✅ Valid: 1 added, 0 changed, 0 removed")


def test_changing_a_value_shows_old_and_new_and_the_new_conflict(repo):
    repo.write(alpha(72.5))
    result = review(repo)
    [change] = result.changed
    assert change.old.value == 70.5 and change.new.value == 72.5
    assert change.fields[0].name == "value"  # the value first, then evidence, offsets ...
    assert [f.name for f in change.fields] == ["value", "evidence"]
    [board] = result.leaderboards
    assert not board.leader_changed
    [move] = board.moved
    assert (move.model, move.old_rank, move.new_rank, move.old_value, move.new_value) == ("Alpha-7B", 2, 2, 70.5, 72.5)
    [conflict] = board.new_conflicts  # Beta's paper still says 70.5
    assert conflict.model_id == move.model_id and {v for v, _ in conflict.values} == {72.5, 70.5}
    report = render_review_markdown(result)
    assert "value 70.5 → 72.5" in report
    assert "New conflict: **Alpha-7B**: 72.5% (*Alpha: a small language model*) vs 70.5% (*Beta: scaling up*)" in report


def test_deleting_a_file_removes_all_its_claims_and_can_change_the_leader(repo):
    repo.delete(beta())
    result = review(repo)
    assert [f.status for f in result.files] == ["deleted"]
    assert sorted(c.claim_id for c in result.removed) == ["b1", "b2"]
    [board] = result.leaderboards
    assert board.leader_changed and board.new_leader.model == "Alpha-7B" and board.old_leader.model == "Beta-13B"
    assert [e.model for e in board.dropped] == ["Beta-13B"]
    report = render_review_markdown(result)
    assert "**Removed**" in report and "New leader: **Alpha-7B** 70.5%, was **Beta-13B**" in report


def test_a_new_paper_taking_the_lead_names_the_new_leader(repo):
    repo.write(new_paper("Omega: the big one", "Omega-70B reaches 88.8% on MMLU.", "Omega-70B reaches 88.8% on MMLU",
                         "Omega-70B", 88.8))
    repo.commit("omega")
    result = review(repo, head="HEAD")
    [board] = result.leaderboards
    assert board.leader_changed and board.new_leader.model == "Omega-70B" and board.new_leader.rank == 1
    assert [(m.model, m.old_rank, m.new_rank) for m in board.moved] == [("Beta-13B", 1, 2), ("Alpha-7B", 2, 3),
                                                                        ("Gamma-3B", 3, 4)]
    assert "new leader on MMLU" in result.verdict
    report = render_review_markdown(result)
    assert "🏆 New leader: **Omega-70B** 88.8%, was **Beta-13B**" in report
    assert "Moved: **Beta-13B** #1 → #2" in report


def broken_numbers() -> dict:
    """A result file with an out-of-range score and a claim on an unregistered benchmark."""
    abstract = "Zeta-1B reaches 104.2% on MMLU and 50.0% on FooBench."
    return result_document("Zeta: broken numbers", abstract, [
        claim_document(abstract, "Zeta-1B reaches 104.2% on MMLU", "Zeta-1B", 104.2, "z1"),
        claim_document(abstract, "50.0% on FooBench", "Zeta-1B", 50.0, "z2", benchmark="foobench",
                       benchmark_text="FooBench"),
        claim_document(abstract, "Zeta-1B reaches 99.9% on MMLU", "Zeta-1B", 99.9, "z3"),
    ])


def test_invalid_claims_are_listed_first_with_file_and_pointer(repo):
    document = broken_numbers()
    repo.write(document)
    result = review(repo)
    assert not result.valid
    found = {(i.code, i.pointer) for i in result.errors}
    assert {("value-out-of-range", "/claims/0/value"), ("unknown-benchmark", "/claims/1/benchmark"),
            ("evidence-not-in-abstract", "/claims/2/evidence")} <= found
    assert {i.file for i in result.errors} == {f"results/{file_name(document)}"}
    # Invalid claims are still listed as added, but never reach a leaderboard.
    assert len(result.added) == 3 and not result.leaderboards
    report = render_review_markdown(result)
    order = [report.index(h) for h in ("### ❌ Validation errors", "### Claims", "### Leaderboards", "**Verdict:**")]
    assert order == sorted(order)
    assert f"`results/{file_name(document)}` at `/claims/0/value`: **error\\[value-out-of-range\\]**" in report
    assert "(fix: " in report
    assert "**Verdict:** ❌ Not ready:" in report


def test_a_file_that_is_not_json_is_an_error_not_a_crash(repo):
    (repo.results / "broken.json").write_text('{"id": "broken",', encoding="utf-8")
    result = review(repo)
    assert [(i.code, i.file, i.pointer) for i in result.errors] == [("invalid-json", "results/broken.json", "")]
    assert not result.added and not result.removed


def test_a_change_outside_results_is_one_line(repo):
    (repo.path / "README.md").write_text("changed\n", encoding="utf-8")
    head = repo.commit("docs only")
    result = review(repo, head=head)
    assert result.valid and not result.results_changed
    report = render_review_markdown(result)
    assert report.count("\n") == 1 and "No changes under `results/`" in report and "nothing to review" in report


def test_two_directories_without_git(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir()
    head.mkdir()
    for directory, documents in ((base, [alpha(), beta()]), (head, [alpha(72.5), beta(), gamma()])):
        for document in documents:
            (directory / file_name(document)).write_text(json.dumps(document), encoding="utf-8")
    result = review_directories(base, head)
    assert result.valid and result.base == str(base)
    assert sorted(f.status for f in result.files) == ["added", "modified"]
    assert [c.claim_id for c in result.added] == ["g1"] and [c.new.claim_id for c in result.changed] == ["a1"]
    assert {f.path for f in result.files} == {f"{head}/{file_name(alpha())}", f"{head}/{file_name(gamma())}"}


def test_bad_revision_is_a_clear_git_error(repo):
    with pytest.raises(GitError, match="unknown revision 'no-such-branch'"):
        review_revisions("no-such-branch", repo=repo.path)
    with pytest.raises(GitError, match="invalid revision"):
        review_revisions("--output=/tmp/x", repo=repo.path)


def test_a_directory_outside_git_is_a_clear_git_error(tmp_path):
    with pytest.raises(GitError, match="not inside a git repository"):
        review_revisions("main", repo=tmp_path)


def test_json_form_has_the_same_content(repo):
    repo.write(alpha(72.5))
    document = review_to_json(review(repo))
    assert json.loads(json.dumps(document)) == document
    assert document["valid"] is True and document["results_changed"] is True
    assert document["claims"]["changed"][0]["fields"][0] == {"name": "value", "old": 70.5, "new": 72.5}
    assert document["leaderboards"][0]["key"] == "mmlu--accuracy"
    assert document["verdict"].startswith("✅ Valid")


# ---------------------------------------------------------------- safe Markdown


HOSTILE = "@octocat [x](javascript:alert(1)) <img src=x onerror=alert(2)> **bold** | `code` https://evil.example"


def test_hostile_text_cannot_inject_links_mentions_or_html(repo):
    abstract = f"{HOSTILE} reaches 91.0% on MMLU."
    title = "Pwn <script>alert(3)</script> [t](http://evil.example) @github/security"
    repo.write(result_document(title, abstract, [
        claim_document(abstract, "reaches 91.0% on MMLU", HOSTILE, 91.0, "h1", status="added"),
    ]))
    report = render_review_markdown(review(repo))
    assert "New leader" in report  # the hostile model is on the board, as inert text
    for raw in ("@octocat", "@github", "[x](", "](javascript", "**bold**", "`code`", "https://evil", "http://evil",
                "| `code"):
        assert raw not in report, raw
    assert not re.search(r"(?<!\\)[<>]", report)  # no HTML: every angle bracket is escaped
    assert f"@{ZWSP}octocat" in report and "\\[x\\]\\(javascript:alert\\(1\\)\\)" in report
    assert "\\<img src=x onerror=alert\\(2\\)\\>" in report and "\\<script\\>" in report
