"""The GitHub Actions workflows: PR code never runs with a write token, and every action is pinned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).parent.parent / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the bare key `on` as true
    return {on: None} if isinstance(on, str) else dict.fromkeys(on) if isinstance(on, list) else on


def steps(workflow: dict):
    for job in workflow["jobs"].values():
        yield from job.get("steps", [])


def writes(permissions) -> list[str]:
    if permissions in ("write-all",):
        return ["write-all"]
    return [scope for scope, level in (permissions or {}).items() if level == "write"]


def test_the_four_workflows_exist():
    assert {p.name for p in WORKFLOWS.glob("*.yml")} >= {"tests.yml", "review.yml", "review-comment.yml", "pages.yml"}


def test_review_runs_on_pull_request_without_any_write_permission():
    workflow = load("review.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        assert not writes(job.get("permissions")), job
    code = [line for line in (WORKFLOWS / "review.yml").read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")]
    assert not any("pull_request_target" in line or "secrets." in line for line in code)
    checkout = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    run = "\n".join(s.get("run", "") for s in steps(workflow))
    assert 'leaderboard review --base "origin/${BASE_REF}" --format markdown > review/report.md' in run
    assert "exit-code.txt" in run and "pr-number.txt" in run
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in steps(workflow))


def test_comment_job_runs_on_workflow_run_and_never_checks_out_code():
    workflow = load("review-comment.yml")
    assert set(triggers(workflow)) == {"workflow_run"}
    assert triggers(workflow)["workflow_run"]["workflows"] == [load("review.yml")["name"]]
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert writes(job["permissions"]) == ["pull-requests"]
    uses = [s.get("uses", "") for s in steps(workflow)]
    assert not any(u.startswith("actions/checkout@") for u in uses)
    assert not any(s.get("run") for s in steps(workflow))  # nothing from the pull request is executed
    script = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/github-script@"))["with"]["script"]
    assert "<!-- leaderboard-review -->" in script and "65536" in script and "/^[0-9]{1,10}$/" in script


def test_pages_deploys_from_main_with_pages_and_id_token_write():
    workflow = load("pages.yml")
    assert triggers(workflow)["push"] == {"branches": ["main"]}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    uses = [s.get("uses", "").split("@")[0] for s in steps(workflow)]
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)
    build = next(s for s in steps(workflow) if s.get("name") == "Build the site")
    assert build["run"].strip() == "leaderboard build --out _site --no-cache"  # run by tests/test_install.py


def test_tests_run_on_push_and_pull_request():
    workflow = load("tests.yml")
    assert set(triggers(workflow)) == {"push", "pull_request"}
    runs = [s["run"].strip() for s in steps(workflow) if "run" in s]
    # Playwright's Chromium, installed into the venv `./run install` made, before the tests use it.
    assert runs == ["./run install", ".venv/bin/playwright install --with-deps chromium", "./run test", "./run lint"]
    assert not any("apt-get" in run for run in runs)


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_every_action_is_pinned_to_a_full_commit_with_a_version_comment(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert lines
    for line in lines:
        reference, _, comment = line.split("uses:", 1)[1].partition("#")
        assert PINNED.match(reference.strip()), line
        assert re.match(r"\s*v\d+\.\d+\.\d+$", comment), line


def test_workflow_run_is_suppressed_for_zizmor_only_with_its_reason():
    """zizmor's dangerous-triggers finding is ignored on the workflow_run line alone, after a comment
    saying why it is safe; the tests below check each reason."""
    lines = (WORKFLOWS / "review-comment.yml").read_text(encoding="utf-8").splitlines()
    ignored = [i for i, line in enumerate(lines) if "zizmor: ignore" in line]
    assert [lines[i].strip() for i in ignored] == ["workflow_run: # zizmor: ignore[dangerous-triggers]"]
    reason = " ".join(line.strip("# ") for line in lines[:ignored[0]] if line.strip().startswith("#"))
    for words in ("never checks out, installs or runs the pull request's code", "artifact",
                  "`actions: read` and `pull-requests: write`"):
        assert words in reason
    for name in ("review.yml", "pages.yml", "tests.yml"):
        assert "zizmor: ignore" not in (WORKFLOWS / name).read_text(encoding="utf-8")


def test_review_comment_uses_only_the_artifact_with_least_permissions():
    workflow = load("review-comment.yml")
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    assert [s["uses"].split("@")[0] for s in job["steps"]] == ["actions/download-artifact", "actions/github-script"]
    download = job["steps"][0]["with"]
    assert download["run-id"] == "${{ github.event.workflow_run.id }}" and download["name"] == "leaderboard-review"
    script = job["steps"][1]["with"]["script"]
    # Nothing from the pull request is executed or evaluated: no processes, no eval, no dynamic require.
    assert re.findall(r"require\('([^']+)'\)", script) == ["fs"]
    assert not re.search(r"\beval\(|new Function|child_process|exec\(", script)
    # Values that came from the pull request reach the script through env:, never spliced into it.
    assert "${{" not in script


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_no_expression_is_spliced_into_a_script(name):
    for step in steps(load(name)):
        assert "${{" not in step.get("run", ""), step
def test_sync_runs_daily_and_on_demand_with_write_rights_only_in_its_opt_in_job():
    workflow = load("sync.yml")
    assert set(triggers(workflow)) == {"schedule", "workflow_dispatch"}
    assert triggers(workflow)["schedule"] == [{"cron": "23 4 * * *"}]
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert job["if"] == "vars.LEADERBOARD_SYNC == 'true'"  # a fork or copy is untouched until it opts in
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    text = (WORKFLOWS / "sync.yml").read_text(encoding="utf-8")
    assert "pull_request" not in text and "secrets." not in text  # no pull-request code, no secrets
    run = "\n".join(s.get("run", "") for s in job["steps"])
    assert "python -m pip install --quiet ." in run and 'leaderboard sync "${days[@]}"' in run
    assert 'leaderboard review --base "origin/${BASE_BRANCH}" --format markdown > "$body"' in run
    assert "gh pr create" in run and "gh pr edit" in run and "push --force origin" in run
