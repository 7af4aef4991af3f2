import json
from pathlib import Path

from click.testing import CliRunner

from leaderboard.cli import main

DEV = str(Path(__file__).parent / "gold" / "dev.jsonl")
EXTERNAL = str(Path(__file__).parent / "gold" / "external-dev.jsonl")


def test_eval_text_report():
    result = CliRunner().invoke(main, ["eval", "--gold", DEV])
    assert result.exit_code == 0, result.output
    assert "whole rows (value, kind group, benchmark, model)" in result.output
    assert "leaderboard claims (absolute + cited)" in result.output
    assert "deltas" in result.output and "value+benchmark" in result.output
    assert "field accuracy on value-matched pairs" in result.output and "model 0." in result.output
    assert "whole-row precision by confidence" in result.output and "high " in result.output
    assert "precision" in result.output and "recall" in result.output and "F1" in result.output
    assert "Misses (" in result.output and "False positives (" in result.output


def test_eval_json_report():
    result = CliRunner().invoke(main, ["eval", "--gold", DEV, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["scores"]) == {"leaderboard", "delta"}
    assert report["scores"]["leaderboard"]["precision"] >= 0.95
    assert report["scores"]["leaderboard"]["recall"] >= 0.85
    assert report["papers"] == 290
    assert set(report["confidence"]) == {"high", "medium", "low", "none"}
    for miss in report["misses"]:
        assert set(miss) == {"paper_id", "value", "benchmark", "kind", "evidence", "model", "differs", "counterpart"}


def test_eval_reads_papers_from_a_gold_file_with_abstracts():
    result = CliRunner().invoke(main, ["eval", "--gold", EXTERNAL, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["papers"] == 29 and report["missing_papers"] == []
    assert report["scores"]["leaderboard"]["precision"] >= 0.85


def test_eval_requires_gold():
    result = CliRunner().invoke(main, ["eval"])
    assert result.exit_code == 2


def test_eval_unreadable_gold_is_exit_1(tmp_path):
    result = CliRunner().invoke(main, ["eval", "--gold", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert "Error:" in result.output
