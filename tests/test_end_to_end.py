"""The README's Quickstart build command, run as a new user would, from the repository root."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).parent.parent


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", readme, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_quickstart_has_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert commands[0].startswith("./run build") and commands[1].startswith("./run test")


def test_readme_build_command_builds_the_site(tmp_path):
    out = tmp_path / "site"
    command = shlex.split(quickstart_commands()[0]) + ["--out", str(out), "--markdown", str(tmp_path / "lb.md")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"Site: {out.resolve() / 'index.html'}" in done.stdout
    assert re.search(r"482 papers, \d+ claims -> \d+ leaderboards, \d+ entries, \d+ conflicts", done.stdout)
    assert (out / "index.html").is_file()
    benchmark_pages = sorted((out / "benchmarks").glob("*.html"))
    assert len(benchmark_pages) >= 5
    claims = pd.read_csv(out / "data" / "claims.csv")
    assert len(claims) > 50 and {"model", "benchmark", "value", "evidence"} <= set(claims.columns)
    assert (tmp_path / "lb.md").read_text(encoding="utf-8").count("|") > 20
