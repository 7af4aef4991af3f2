"""The sync workflow end to end, without the internet: `.github/workflows/sync.yml`'s `run:` steps, read
from the YAML, in a temporary data repository against a local Daily Papers server.

The data repository is a git repository shaped like a data repo (results/ with reviewed claims, schemas/,
data/sync.json), pushed to a bare repository that plays "origin" (GitHub); the workspace is a full
clone of it, as actions/checkout with fetch-depth 0 leaves it. The steps run as GitHub runs them
(`bash --noprofile --norc -eo pipefail`, from the workspace, the step's `env:` with its `${{ }}`
expressions replaced by the values GitHub gives them for a workflow_dispatch with `until` set, so the
days are fixed), stopping at the first failing step.

What differs from GitHub, on purpose: the `uses:` steps are not run (the clone is the checkout; the
`Install` step is replaced by the venv of the built wheel, installed outside the checkout: `venv_bin`), the
Daily Papers API is a pytest-httpserver serving the recorded-shape responses of tests/fixtures/api (via
LEADERBOARD_HF_API_URL), and `gh` - the one command replaced - is a stub script on PATH that records
its arguments and the body file it was given, and answers `gh pr list` from what it recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from test_fetch import JULY_1, JUNE_30, serve_daily
from test_review import alpha, beta, file_name, gamma
from test_sync import DAYS, JULY_2
from workflow_steps import StepRun, run_job

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "sync.yml"
# The values GitHub gives the expressions of sync.yml for a workflow_dispatch on main with `until` set;
# an expression not listed is a KeyError (add it with the value GitHub would give it).
GITHUB_CONTEXT = {"inputs.since": "", "inputs.until": "2025-07-02", "github.token": "ghs_not_a_real_token",
                  "github.repository": "owner/data", "github.event.repository.default_branch": "main"}
GH_STUB = """#!/usr/bin/env python3
# `gh` for the test: records its arguments (and the body file's text), answers `pr list` from the log.
import json, os, sys
log = os.environ["GH_STUB_LOG"]
args = sys.argv[1:]
record = {"argv": args, "GH_TOKEN": os.environ.get("GH_TOKEN"), "GH_REPO": os.environ.get("GH_REPO")}
if "--body-file" in args:
    record["body"] = open(args[args.index("--body-file") + 1], encoding="utf-8").read()
calls = [json.loads(line) for line in open(log, encoding="utf-8")] if os.path.exists(log) else []
with open(log, "a", encoding="utf-8") as stream:
    stream.write(json.dumps(record) + "\\n")
if args[:2] == ["pr", "list"]:
    print(sum(1 for call in calls if call["argv"][:2] == ["pr", "create"]))
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@dataclass
class DataRepo:
    origin: Path  # the bare repository standing for GitHub
    tmp: Path
    env: dict[str, str]
    runs: int = 0

    def checkout(self) -> Path:
        """A fresh full clone, as actions/checkout (fetch-depth: 0) makes it for each run."""
        self.runs += 1
        workspace = self.tmp / f"run{self.runs}" / "workspace"
        workspace.parent.mkdir()
        git(self.tmp, "clone", "-q", str(self.origin), str(workspace))
        return workspace

    def run_workflow(self) -> list[StepRun]:
        [job] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"].values()
        steps = run_job(job, self.checkout(), self.env, GITHUB_CONTEXT)
        assert all(step.returncode == 0 for step in steps), steps
        return steps

    def branch(self, name: str) -> str | None:
        found = git(self.origin, "for-each-ref", "--format=%(objectname)", f"refs/heads/{name}")
        return found or None

    def show(self, revision: str, path: str) -> str:
        return git(self.origin, "show", f"{revision}:{path}")

    def gh_calls(self) -> list[dict]:
        log = Path(self.env["GH_STUB_LOG"])
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


@pytest.fixture
def data_repo(tmp_path, httpserver, venv_bin) -> DataRepo:
    for day, name in DAYS.items():
        serve_daily(httpserver, day, name)
    seed = tmp_path / "seed"
    (seed / "results").mkdir(parents=True)
    for document in (alpha(), beta(), gamma()):
        (seed / "results" / file_name(document)).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    shutil.copytree(ROOT / "schemas", seed / "schemas")
    (seed / "data").mkdir()
    (seed / "data" / "sync.json").write_text(json.dumps(
        {"format": "leaderboard-sync", "version": 1, "source": "hf-daily-papers", "last_day": "2025-06-29"}),
        encoding="utf-8")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "-c", "user.name=Maintainer", "-c", "user.email=m@example.invalid", "add", "-A")
    git(seed, "-c", "user.name=Maintainer", "-c", "user.email=m@example.invalid", "-c", "commit.gpgsign=false",
        "commit", "-q", "-m", "results database")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "gh").write_text(GH_STUB, encoding="utf-8")
    (stubs / "gh").chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GH_", "LEADERBOARD_"))}
    env |= {"PATH": os.pathsep.join([str(stubs), str(venv_bin), env.get("PATH", "")]),
            "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(runner_temp),
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
            "GH_STUB_LOG": str(tmp_path / "gh-calls.jsonl"),
            "LEADERBOARD_HF_API_URL": httpserver.url_for("").rstrip("/")}
    return DataRepo(origin, tmp_path, env)


def test_sync_workflow_opens_one_pull_request_and_a_second_run_changes_nothing(data_repo, httpserver):
    """Three days of Daily Papers become one commit on sync/daily and one pull request whose body is
    the review; a second run on the same days pushes nothing and asks gh for nothing; once merged,
    the next run finds nothing new. `gh` is a recording stub (see the module docstring)."""
    main_before = data_repo.branch("main")
    steps = data_repo.run_workflow()
    assert [s.name for s in steps] == ["Sync", "Commit to the sync branch and open or update the pull request"]
    assert steps[0].stdout.startswith("Synced 3 day(s), 2025-06-30 to 2025-07-02: 5 paper(s) listed, 5 new paper(s), "
                                      "8 new claim(s)")
    assert [day.isoformat() for day in (JUNE_30, JULY_1, JULY_2)] == [r.args["date"] for r, _ in httpserver.log]

    # the branch: one commit on top of main with the listings, the state and the new result files
    branch = data_repo.branch("sync/daily")
    assert branch and data_repo.branch("main") == main_before
    assert git(data_repo.origin, "rev-parse", f"{branch}^") == main_before
    changed = git(data_repo.origin, "diff", "--name-status", main_before, branch).splitlines()
    assert sorted(line.split("\t")[1] for line in changed if line.startswith("A")) == [
        "data/hf-daily-papers/2025-06-30.json", "data/hf-daily-papers/2025-07-01.json",
        "data/hf-daily-papers/2025-07-02.json",
        "results/0d3ffb19ad.json", "results/1904470121.json", "results/31ec5a1047.json", "results/6dc9c54f5a.json",
        "results/8ed9269b43.json"]
    assert [line for line in changed if not line.startswith("A")] == ["M\tdata/sync.json"]
    assert json.loads(data_repo.show(branch, "data/sync.json"))["last_day"] == "2025-07-02"
    assert git(data_repo.origin, "log", "-1", "--format=%s", branch) == "Daily Papers sync 2025-06-30 to 2025-07-02"
    dist = json.loads(data_repo.show(branch, "results/1904470121.json"))
    assert [(c["model"], c["benchmark"], c["value"], c["status"]) for c in dist["claims"]] == [
        ("Dist-7B", "mmlu", 78.4, "extracted"), ("Dist-7B", "gsm8k", 88.9, "extracted")]

    # the pull request: opened once, with the token, titled with the days, its body the review
    calls = data_repo.gh_calls()
    assert [call["argv"][:2] for call in calls] == [["pr", "list"], ["pr", "create"]]
    create = calls[1]
    assert create["GH_TOKEN"] == "ghs_not_a_real_token" and create["GH_REPO"] == "owner/data"
    argv = create["argv"]
    assert argv[argv.index("--head") + 1] == "sync/daily" and argv[argv.index("--base") + 1] == "main"
    assert argv[argv.index("--title") + 1] == "Daily Papers sync 2025-06-30 to 2025-07-02"
    body = create["body"]
    assert body.startswith("## Leaderboard review\n\n`results/` in the working tree compared with `origin/main (")
    assert "### Claims: 8 added, 0 changed, 0 removed" in body
    assert "#### MMLU: Accuracy, higher is better\n\n- 🏆 New leader: **Dist-7B** 78.4%, was **Beta-13B**" in body
    assert body.rstrip().endswith("**Verdict:** ✅ Valid: 8 added, 0 changed, 0 removed claims; 6 leaderboards "
                                  "affected; new leader on MMLU.")

    # the same days again, the pull request still open: nothing pushed, gh not called
    steps = data_repo.run_workflow()
    assert "The sync branch already holds exactly this: nothing to push." in steps[1].stdout
    assert data_repo.branch("sync/daily") == branch and len(data_repo.gh_calls()) == 2

    # merged: the next run on the same days finds nothing new, and opens nothing
    git(data_repo.origin, "update-ref", "refs/heads/main", branch)
    steps = data_repo.run_workflow()
    assert steps[0].stdout == "Nothing new: Daily Papers are synced up to 2025-07-02.\n"
    assert "Nothing new under data/ or results/: no pull request." in steps[1].stdout
    assert data_repo.branch("main") == branch and len(data_repo.gh_calls()) == 2
    assert len(httpserver.log) == 6  # the second run fetched the three days again; the third asked nothing
