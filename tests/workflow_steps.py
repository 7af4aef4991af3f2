"""Running a GitHub Actions job's `run:` steps here, as a runner runs them (used by the workflow tests).

Each step is a script run by `bash --noprofile --norc -eo pipefail` from the checkout, with the job's
and then the step's `env:`, whose `${{ }}` expressions are replaced by the values GitHub would give
them (`context`: an expression missing there is a KeyError, so a new one must be added on purpose).
Steps stop at the first failure, as GitHub skips the rest. `uses:` steps are not run, and neither is
the `Install` step: the caller's PATH has the venv of the built wheel, installed outside the checkout.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_STEP = "python -m pip install --quiet ."
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepRun:
    name: str
    returncode: int
    stdout: str
    stderr: str


def substitute(value: str, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda match: context[match.group(1)], str(value))


def run_job(job: dict, workspace: Path, env: dict[str, str], context: dict[str, str]) -> list[StepRun]:
    """The job's `run:` steps in order, until one fails."""
    done = []
    for step in job["steps"]:
        if "run" not in step or step["run"].strip() == INSTALL_STEP:
            continue
        assert "${{" not in step["run"], "expressions go through env:, never into a script"
        step_env = env | {key: substitute(value, context)
                          for key, value in {**job.get("env", {}), **step.get("env", {})}.items()}
        script = workspace.parent / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        outcome = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                                 env=step_env, capture_output=True, text=True, timeout=300)
        done.append(StepRun(step.get("name", step["run"]), outcome.returncode, outcome.stdout, outcome.stderr))
        if outcome.returncode != 0:
            break
    return done
