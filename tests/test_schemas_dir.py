"""Which schemas directory a command uses: --schemas, $LEADERBOARD_SCHEMAS, ./schemas, or the packaged one.

tests/test_install.py checks the same from an installed wheel; these run in-process and fast.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_install import toy_paper, toy_registry
from test_review import file_name

from leaderboard import paths
from leaderboard.cli import main
from leaderboard.store.registry import default_registry

ROOT = Path(__file__).parent.parent
READERS = ("bench", "build", "claim add", "claim reject", "claim set", "claim verify", "eval", "export", "extract",
           "import", "queue", "review", "sync", "validate")


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """A working directory outside the checkout holding a result file on ToyBench, a benchmark that
    only the registry of toy_registry_dir knows."""
    monkeypatch.delenv("LEADERBOARD_SCHEMAS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / file_name(toy_paper())).write_text(json.dumps(toy_paper()), encoding="utf-8")
    return tmp_path


def toy_registry_dir(directory: Path) -> Path:
    """A schemas directory with only a registry (with ToyBench): the JSON Schemas come from the package."""
    directory.mkdir()
    (directory / "benchmarks.json").write_text(json.dumps(toy_registry()), encoding="utf-8")
    return directory


def validate(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_without_schemas_here_the_packaged_ones_are_used(elsewhere):
    assert paths.schemas_source() == (paths.packaged_schemas(), "packaged with leaderboard")
    assert (paths.packaged_schemas() / "benchmarks.json").is_file()
    assert "unknown-benchmark" in validate().output  # ToyBench is not in the packaged registry


def test_schemas_of_the_working_directory_override_the_packaged_ones(elsewhere):
    toy_registry_dir(elsewhere / "schemas")
    assert paths.schemas_source() == (Path("schemas"), "schemas/ of the working directory")
    result = validate()
    assert result.exit_code == 0, result.output
    assert paths.schema_file("result.schema.json") == paths.packaged_schemas() / "result.schema.json"


def test_a_schemas_directory_without_a_registry_is_not_taken(elsewhere):
    (elsewhere / "schemas").mkdir()
    (elsewhere / "schemas" / "notes.json").write_text("{}", encoding="utf-8")
    assert paths.schemas_source()[1] == "packaged with leaderboard"


def test_the_option_beats_the_variable_which_beats_the_working_directory(elsewhere, monkeypatch):
    shutil.copytree(ROOT / "schemas", elsewhere / "schemas")  # ./schemas: the full registry
    toy = toy_registry_dir(elsewhere / "small")
    assert validate().exit_code == 1
    assert validate("--schemas", str(toy)).exit_code == 0
    monkeypatch.setenv("LEADERBOARD_SCHEMAS", str(toy))
    assert paths.schemas_source() == (toy, "$LEADERBOARD_SCHEMAS")
    assert validate().exit_code == 0
    assert validate("--schemas", str(elsewhere / "schemas")).exit_code == 1


def test_the_option_lasts_for_one_command_and_the_registry_follows_it(elsewhere):
    toy = toy_registry_dir(elsewhere / "small")
    packaged = len(default_registry().benchmarks)
    assert validate("--schemas", str(toy)).exit_code == 0
    assert paths.schemas_source()[1] == "packaged with leaderboard"
    paths.use_schemas(toy)
    try:
        assert len(default_registry().benchmarks) == packaged + 1
    finally:
        paths.use_schemas(None)
    assert len(default_registry().benchmarks) == packaged


def test_review_says_which_registry_it_used(elsewhere):
    base, head = elsewhere / "base", elsewhere / "head"
    base.mkdir()
    shutil.copytree(elsewhere / "results", head)
    toy = toy_registry_dir(elsewhere / "small")
    result = CliRunner().invoke(main, ["review", "--base-dir", str(base), "--head-dir", str(head),
                                       "--schemas", str(toy)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Registry: {toy.as_posix()}/benchmarks.json (--schemas)\n"
    assert "Registry:" not in result.stdout  # stdout is the report, posted as a comment


@pytest.mark.parametrize("command", READERS)
def test_every_command_that_reads_the_registry_takes_schemas(command):
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert "--schemas DIR" in result.output


def test_nothing_points_outside_the_project():
    """--help texts and comments point to the project's own docs, not to a file it does not have."""
    for path in sorted((ROOT / "leaderboard").rglob("*.py")):
        assert "DESIGN" + ".md" not in path.read_text(encoding="utf-8"), path


def test_queue_and_claim_read_the_registry_that_schemas_names(elsewhere):
    toy = toy_registry_dir(elsewhere / "small")
    document = toy_paper()
    document["claims"][0]["status"] = "extracted"  # in the queue
    (elsewhere / "results" / file_name(document)).write_text(json.dumps(document), encoding="utf-8")
    paper_id = Path(file_name(document)).stem

    def reasons(*args: str) -> list[str]:
        result = CliRunner().invoke(main, ["queue", "--format", "json", *args])
        assert result.exit_code == 0, result.output
        [item] = json.loads(result.stdout)
        return item["reasons"]

    assert "unregistered" in reasons()  # ToyBench is not in the packaged registry
    assert "unregistered" not in reasons("--schemas", str(toy))
    move = ["claim", "set", f"{paper_id}#1", "benchmark=ToyBench"]
    refused = CliRunner().invoke(main, move)
    assert refused.exit_code == 1 and "'ToyBench' is not in the registry" in refused.output
    done = CliRunner().invoke(main, [*move, "--schemas", str(toy)])
    assert done.exit_code == 0, done.output
