"""The package as a user gets it, and the workflows run end to end with it.

Once per session the sdist and the wheel are built (`python -m build`: the wheel is built from the
sdist, so both are proven) and the wheel is installed into a fresh venv outside the checkout (pip's cache
makes that a matter of seconds). Then, in temporary git repositories shaped like a data repository
(results/, schemas/, no code), the `run:` steps of `.github/workflows/review.yml` and the build step of
`pages.yml` are read from the YAML and run as GitHub runs them: `bash --noprofile --norc -eo pipefail`,
from the checkout's root, each step's `env:` with its `${{ }}` expressions replaced by the values GitHub
gives them for a pull request, stopping at the first step that fails (GitHub skips the rest).

What differs from GitHub, on purpose: the `uses:` steps are not run. actions/checkout is the clone made
here (all history, `origin/main`, and GitHub's merge commit of the pull request checked out);
actions/setup-python and the `Install` step (`python -m pip install --quiet .`, which builds and installs
this very wheel from the checkout) are the venv of the session fixture, since the data repository here is
not the project's own checkout; the artifact steps are checked by name and path against what
review-comment.yml downloads and reads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from test_review import ResultRepo, alpha, claim_document, file_name, result_document

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PR_NUMBER = "7"
# The values GitHub gives the expressions the workflows use, for pull request #7 into main. An expression
# not listed here is a KeyError: a new one must be added here, with the value GitHub would give it.
GITHUB_CONTEXT = {"github.base_ref": "main", "github.event.pull_request.number": PR_NUMBER}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INSTALL_STEP = "python -m pip install --quiet ."
TOY_ABSTRACT = "Toy-1B reaches 81.5% on ToyBench, a benchmark only this data repository knows."


# ---------------------------------------------------------------- the package, built and installed

@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True,
                   capture_output=True)
    return out


@pytest.fixture(scope="session")
def venv_bin(dist, tmp_path_factory) -> Path:
    """bin/ of a fresh venv, outside the checkout, with the wheel installed (not editable)."""
    venv = tmp_path_factory.mktemp("venv")
    assert not venv.is_relative_to(ROOT)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(dist.glob("leaderboard-*.whl"))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True, env=user_env(venv))
    return venv / "bin"


def user_env(venv: Path) -> dict[str, str]:
    """The environment of a user (or a runner) with the venv first on PATH and nothing pointing into
    the checkout or at other schemas."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LEADERBOARD_SCHEMAS", "VIRTUAL_ENV", "COVERAGE_PROCESS_START")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_sdist_and_wheel_pass_twine_check(dist):
    files = sorted(str(p) for p in dist.iterdir())
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_the_wheel_has_the_schemas_inside_the_package(dist):
    names = zipfile.ZipFile(next(dist.glob("*.whl"))).namelist()
    shipped = {n.removeprefix("leaderboard/schemas/") for n in names if n.startswith("leaderboard/schemas/")}
    in_git = {p.relative_to(ROOT / "schemas").as_posix() for p in (ROOT / "schemas").rglob("*") if p.is_file()}
    assert shipped == in_git  # every one (the extraction word lists too), and nothing else
    assert not any(n.startswith(("schemas/", "tests/")) for n in names)  # nothing outside the package


def test_the_sdist_has_what_the_test_suite_reads(dist):
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for needed in ("tests/conftest.py", "tests/gold/dev.jsonl", "tests/fixtures/registry/benchmarks.json",
                   "schemas/benchmarks.json", ".github/workflows/review.yml", "README.md", "pyproject.toml"):
        assert needed in names
    assert {n for n in names if n.startswith("leaderboard/corpus/")}
    assert {n for n in names if n.startswith("results/")}


# ---------------------------------------------------------------- data repositories and the workflows

@dataclass
class StepRun:
    name: str
    returncode: int
    stdout: str
    stderr: str


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def substitute(value: str) -> str:
    return EXPRESSION.sub(lambda match: GITHUB_CONTEXT[match.group(1)], str(value))


def run_job(job: dict, workspace: Path, venv: Path) -> list[StepRun]:
    """The job's `run:` steps, in order, until one fails (see the module's docstring)."""
    done = []
    for step in job["steps"]:
        if "run" not in step:
            continue
        if step["run"].strip() == INSTALL_STEP:
            continue  # the session's venv (see the module's docstring)
        assert "${{" not in step["run"], "expressions go through env:, never into a script"
        env = user_env(venv) | {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace)}
        env |= {key: substitute(value) for key, value in step.get("env", {}).items()}
        script = workspace.parent / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        outcome = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                                 env=env, capture_output=True, text=True, timeout=300)
        done.append(StepRun(step.get("name", step["run"]), outcome.returncode, outcome.stdout, outcome.stderr))
        if outcome.returncode != 0:
            break
    return done


def toy_registry() -> dict:
    """The packaged registry plus ToyBench: a data repository curating its own."""
    registry = json.loads((ROOT / "schemas" / "benchmarks.json").read_text(encoding="utf-8"))
    registry["benchmarks"].append({
        "id": "toybench", "name": "ToyBench", "task": "toy tasks", "homepage": None,
        "metrics": [{"id": "accuracy", "name": "Accuracy", "aliases": ["acc"], "direction": "higher", "unit": "%",
                     "min": 0, "max": 100}]})
    return registry


def toy_paper() -> dict:
    return result_document("Toy: a data repository's own benchmark", TOY_ABSTRACT, [
        claim_document(TOY_ABSTRACT, "Toy-1B reaches 81.5% on ToyBench", "Toy-1B", 81.5, "t1",
                       benchmark="toybench", benchmark_text="ToyBench")])


def broken_paper() -> dict:
    abstract = "Zeta-1B reaches 104.2% on MMLU."
    return result_document("Zeta: broken numbers", abstract, [
        claim_document(abstract, "Zeta-1B reaches 104.2% on MMLU", "Zeta-1B", 104.2, "z1")])


@pytest.fixture
def upstream(tmp_path) -> ResultRepo:
    """The data repository on GitHub: results/ and its own schemas/ (with ToyBench) on main."""
    repo = ResultRepo(tmp_path / "upstream")
    (repo.path / "schemas").mkdir()
    (repo.path / "schemas" / "benchmarks.json").write_text(json.dumps(toy_registry(), indent=2), encoding="utf-8")
    repo.commit("the data repository's own registry")
    return repo


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false",
                    *args], cwd=cwd, check=True, capture_output=True)


def pull_request_checkout(upstream: ResultRepo, tmp_path: Path, documents: list[dict]) -> Path:
    """What actions/checkout gives review.yml: a clone with all history and `origin/main`, at GitHub's
    refs/pull/N/merge (the pull request's branch merged into main), detached."""
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", str(upstream.path), str(workspace))
    git(workspace, "checkout", "-q", "-b", "change")
    for document in documents:
        (workspace / "results" / file_name(document)).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "a pull request")
    git(workspace, "checkout", "-q", "--detach", "origin/main")
    git(workspace, "merge", "-q", "--no-ff", "-m", f"Merge pull request #{PR_NUMBER}", "change")
    return workspace


def review_job() -> dict:
    return load("review.yml")["jobs"]["review"]


def test_review_workflow_on_a_valid_change_passes_with_the_report(upstream, tmp_path, venv_bin):
    workspace = pull_request_checkout(upstream, tmp_path, [toy_paper(), alpha(72.5)])
    steps = run_job(review_job(), workspace, venv_bin.parent)
    assert [s.returncode for s in steps] == [0, 0]  # the review, then "Fail when ..." with exit 0
    report = (workspace / "review" / "report.md").read_text(encoding="utf-8")
    assert steps[0].stdout == report  # `cat review/report.md`: the report is in the job's log
    assert "**Toy-1B**: ToyBench accuracy 81.5%" in report and "value 70.5 → 72.5" in report
    assert report.rstrip().splitlines()[-1].startswith("**Verdict:** ✅ Valid: 1 added, 1 changed")
    assert (workspace / "review" / "exit-code.txt").read_text() == "0\n"
    assert (workspace / "review" / "pr-number.txt").read_text() == f"{PR_NUMBER}\n"
    # ToyBench is valid only because the data repository's registry was used, and the log says so.
    assert "Registry: schemas/benchmarks.json (schemas/ of the working directory)" in steps[0].stderr


def test_review_workflow_on_an_invalid_change_fails_after_writing_the_report(upstream, tmp_path, venv_bin):
    workspace = pull_request_checkout(upstream, tmp_path, [broken_paper()])
    steps = run_job(review_job(), workspace, venv_bin.parent)
    assert [(s.name, s.returncode) for s in steps] == [
        ("Review the change", 0), ("Fail when the change has validation errors", 1)]
    report = (workspace / "review" / "report.md").read_text(encoding="utf-8")
    assert "/claims/0/value`: **error\\[value-out-of-range\\]**" in report
    assert "**Verdict:** ❌ Not ready: 1 validation error in 1 file" in report
    assert (workspace / "review" / "exit-code.txt").read_text() == "1\n"


def test_review_workflow_uploads_what_review_comment_reads():
    upload = next(s for s in review_job()["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    [comment] = load("review-comment.yml")["jobs"].values()
    download = next(s for s in comment["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert upload["with"]["name"] == download["with"]["name"] == "leaderboard-review"
    assert upload["with"]["path"] == f"{download['with']['path']}/"
    script = next(s for s in comment["steps"] if "script" in s.get("with", {}))["with"]["script"]
    run = "\n".join(s.get("run", "") for s in review_job()["steps"])
    read = set(re.findall(r"readFileSync\('(review/[\w.-]+)'", script))
    assert read == {"review/pr-number.txt", "review/report.md"} and all(f"> {path}" in run for path in read)


def test_pages_workflow_builds_the_site_from_scratch(upstream, tmp_path, venv_bin):
    upstream.write(toy_paper())
    upstream.commit("ToyBench results")
    workspace = tmp_path / "pages"
    git(tmp_path, "clone", "-q", str(upstream.path), str(workspace))
    job = load("pages.yml")["jobs"]["build"]
    [build] = run_job(job, workspace, venv_bin.parent)
    assert build.returncode == 0, build.stderr
    assert "Registry: schemas/benchmarks.json (schemas/ of the working directory)" in build.stdout
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    site = workspace / upload["with"]["path"]
    assert "Toy-1B" in (site / "benchmarks" / "toybench.html").read_text(encoding="utf-8")
    assert not (workspace / ".leaderboard-cache").exists()  # --no-cache: nothing written for later


def test_without_schemas_the_packaged_registry_is_used_from_any_directory(tmp_path, venv_bin):
    """The bug of issue 16: outside the checkout, `review` and `build` could not find the registry."""
    repo = ResultRepo(tmp_path / "data")
    repo.write(alpha(71.0))
    repo.commit("alpha re-evaluated")
    env = user_env(venv_bin.parent)
    review = subprocess.run(["leaderboard", "review", "--base", "HEAD~1"], cwd=repo.path, env=env,
                            capture_output=True, text=True)
    assert review.returncode == 0, review.stderr
    assert "**Verdict:** ✅ Valid: 0 added, 1 changed" in review.stdout
    packaged = venv_bin.parent / "lib"
    [line] = [line for line in review.stderr.splitlines() if line.startswith("Registry: ")]
    assert line.endswith("/leaderboard/schemas/benchmarks.json (packaged with leaderboard)")
    assert Path(line.split()[1]).is_relative_to(packaged)
    build = subprocess.run(["leaderboard", "build", "--jobs", "1", "--no-cache"], cwd=repo.path, env=env,
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert (repo.path / "site" / "index.html").is_file()


def test_schemas_option_overrides_the_working_directory(tmp_path, venv_bin, upstream):
    """--schemas beats ./schemas: with the packaged registry (copied), ToyBench is unknown again."""
    shutil.copytree(ROOT / "schemas", tmp_path / "plain")
    upstream.write(toy_paper())
    validate = subprocess.run(["leaderboard", "validate", "--schemas", str(tmp_path / "plain")], cwd=upstream.path,
                              env=user_env(venv_bin.parent), capture_output=True, text=True)
    assert validate.returncode == 1 and "unknown-benchmark" in validate.stdout
    assert subprocess.run(["leaderboard", "validate"], cwd=upstream.path, env=user_env(venv_bin.parent),
                          capture_output=True, text=True).returncode == 0
