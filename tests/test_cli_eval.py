import json
from pathlib import Path

from click.testing import CliRunner

from leaderboard.cli import main

DEV = str(Path(__file__).parent / "gold" / "dev.jsonl")


def test_eval_text_report():
    result = CliRunner().invoke(main, ["eval", "--gold", DEV])
    assert result.exit_code == 0, result.output
    assert "leaderboard claims (absolute + cited)" in result.output
    assert "deltas" in result.output
    assert "precision" in result.output and "recall" in result.output and "F1" in result.output
    assert "Misses (" in result.output and "False positives (" in result.output


def test_eval_json_report():
    result = CliRunner().invoke(main, ["eval", "--gold", DEV, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["scores"]) == {"leaderboard", "delta"}
    assert report["scores"]["leaderboard"]["precision"] >= 0.9
    assert report["scores"]["leaderboard"]["recall"] >= 0.8
    assert report["papers"] == 290
    for miss in report["misses"]:
        assert set(miss) == {"paper_id", "value", "benchmark", "kind", "evidence"}


def test_eval_requires_gold():
    result = CliRunner().invoke(main, ["eval"])
    assert result.exit_code == 2


def test_eval_unreadable_gold_is_exit_1(tmp_path):
    result = CliRunner().invoke(main, ["eval", "--gold", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert "Error:" in result.output
