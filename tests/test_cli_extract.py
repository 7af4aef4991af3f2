import json

from click.testing import CliRunner

from leaderboard.cli import main

KEYS = ["paper_id", "paper_title", "model", "benchmark", "benchmark_text", "metric", "value", "unit", "setting",
        "params", "kind", "evidence", "start", "end", "qualifier", "metric_implied",
        "base_model", "confidence"]

LISTING = """Gazal-R1: Achieving State-of-the-Art Medical Reasoning
We present Gazal-R1, a 32-billion-parameter language model. Gazal-R1 achieves exceptional performance across medical benchmarks, scoring 87.1% on MedQA, 81.6% on MMLU Pro (Medical), and 79.6% on PubMedQA.
Fast Kernels for Everything
We present a kernel library that improves throughput by 3.2x and reduces memory use by 61% on eight GPUs, with no change in model quality at all.
"""


def test_extract_prints_jsonl_with_design_keys():
    result = CliRunner().invoke(main, ["extract"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) > 100
    first = json.loads(lines[0])
    assert list(first) == KEYS
    assert first["kind"] in ("absolute", "cited", "delta")


def test_extract_listing_file(tmp_path):
    listing = tmp_path / "listing.txt"
    listing.write_text(LISTING, encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(listing), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    claims = [json.loads(line) for line in result.output.splitlines()]
    assert [(c["value"], c["benchmark"], c["model"], c["params"]) for c in claims] == [
        (87.1, "medqa", "Gazal-R1", "32B"), (81.6, "mmlu-pro-medical", "Gazal-R1", "32B"),
        (79.6, "pubmedqa", "Gazal-R1", "32B")]


def test_extract_jobs_gives_the_same_output():
    runner = CliRunner()
    one = runner.invoke(main, ["extract"])
    two = runner.invoke(main, ["extract", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 0
    assert one.output == two.output


def test_extract_write_creates_result_files(tmp_path):
    listing = tmp_path / "listing.txt"
    listing.write_text(LISTING, encoding="utf-8")
    results = tmp_path / "results"
    result = CliRunner().invoke(main, ["extract", str(listing), "--write", "--results", str(results)])
    assert result.exit_code == 0, result.output
    assert result.output.strip()
    assert len(list(results.glob("*.json"))) == 2


def test_extract_missing_input_is_exit_1(tmp_path):
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert "Error:" in result.output


def test_extract_bad_option_is_exit_2():
    assert CliRunner().invoke(main, ["extract", "--jobs", "0"]).exit_code == 2
    assert "Examples" in CliRunner().invoke(main, ["extract", "--help"]).output
