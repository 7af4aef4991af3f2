import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_SCHEMAS = Path(__file__).parent.parent / "schemas"


@pytest.fixture
def schemas(tmp_path, monkeypatch):
    """The project's schemas with the small test registry, so results are checked against known benchmarks."""
    directory = tmp_path / "schemas"
    shutil.copytree(PROJECT_SCHEMAS, directory)
    shutil.copy(FIXTURES / "registry" / "benchmarks.json", directory / "benchmarks.json")
    monkeypatch.setenv("LEADERBOARD_SCHEMAS", str(directory))
    return directory


def run(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_valid_files_exit_0(schemas):
    result = run(str(FIXTURES / "results" / "valid"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["1 file checked, 0 errors, 0 warnings"]


def test_errors_exit_1_with_one_line_per_issue(schemas, tmp_path):
    target = tmp_path / "registry01.json"
    shutil.copy(FIXTURES / "results" / "invalid" / "registry01.json", target)
    result = run(str(target))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{target.as_posix()}:/claims/5/value: error[value-out-of-range] 104.2 > 100 (hint: " in result.output
    assert any(line.startswith(f"{target.as_posix()}:/claims/6/benchmark: warning[unregistered-benchmark] ")
               for line in lines)
    assert lines[-1] == "1 file checked, 5 errors, 1 warning"
    assert len(lines) == 7


def test_warnings_alone_exit_0(schemas, tmp_path):
    document = json.loads((FIXTURES / "results" / "valid" / "0a1b2c3d4e.json").read_text())
    document["claims"][0]["benchmark"] = None
    path = tmp_path / "0a1b2c3d4e.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 0
    assert "warning[unregistered-benchmark]" in result.output and result.output.endswith("0 errors, 1 warning\n")


def test_default_is_results_directory(schemas, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES / "results" / "valid", tmp_path / "results")
    result = run()
    assert result.exit_code == 0 and "1 file checked" in result.output


def test_json_format_gives_the_same_report(schemas):
    result = run(str(FIXTURES / "results" / "invalid" / "broken0001.json"), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False and report["errors"] == 1
    [issue] = report["issues"]
    assert issue["code"] == "invalid-json" and issue["pointer"] == "" and "line 3, column 16" in issue["message"]


def test_broken_registry_exits_1(schemas):
    (schemas / "benchmarks.json").write_text("{", encoding="utf-8")
    result = run(str(FIXTURES / "results" / "valid"))
    assert result.exit_code == 1 and "error[invalid-registry]" in result.output


def test_usage_error_exits_2():
    assert run("--format", "xml").exit_code == 2


def test_help():
    result = run("--help")
    assert result.exit_code == 0 and "results/" in result.output
