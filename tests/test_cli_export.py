"""`leaderboard export` through the CLI runner: formats, --out, --model, determinism."""

import io
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import make_compiled

from leaderboard.cli import main
from leaderboard.render.downloads import CLAIMS_COLUMNS
from leaderboard.store.results import write_result_file

LISTING = str(Path(__file__).parent / "fixtures" / "listings" / "page.txt")


@pytest.fixture
def results(tmp_path) -> Path:
    """A small results directory: the render fixture's papers as result files."""
    directory = tmp_path / "results"
    for result in make_compiled().results:
        write_result_file(directory / f"{result.paper.id}.json", result)
    return directory


def run(*args: str):
    return CliRunner().invoke(main, ["export", *args])


def test_model_index_for_one_model(results):
    result = run("--format", "model-index", "--results", str(results), "--model", "llama-2-70b",
                 "--site-url", "https://example.org/lb", LISTING)
    assert result.exit_code == 0, result.output
    [document] = list(yaml.safe_load_all(result.stdout))
    [block] = document["model-index"]
    assert block["name"] == "Llama 2 70B"
    assert {(r["dataset"]["type"], r["metrics"][0]["value"]) for r in block["results"]} == {("gsm8k", 56.8),
                                                                                           ("mmlu", 68.9)}


def test_pwc_to_a_file(results, tmp_path):
    out = tmp_path / "evaluation-tables.json"
    result = run("--format", "pwc", "--results", str(results), "--out", str(out), "--site-url",
                 "https://example.org/lb/", LISTING)
    assert result.exit_code == 0, result.output
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert {d["dataset"] for t in tasks for d in t["datasets"]} >= {"MMLU", "GSM8K (8-shot)", "WikiText-103"}
    assert f"wrote {out}" in result.stderr


def test_pwc_without_source_urls_exits_1_and_writes_nothing(results, tmp_path):
    out = tmp_path / "evaluation-tables.json"
    result = run("--format", "pwc", "--results", str(results), "--out", str(out), LISTING)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 5 of 11 numbers have no source URL: ")
    assert "pass --site-url URL" in result.stderr
    assert not out.exists()


def test_jsonl_rows_have_the_claims_csv_columns(results):
    result = run("--format", "jsonl", "--results", str(results), LISTING)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(list(row) == list(CLAIMS_COLUMNS) for row in rows)
    assert {"1909-megatron", "2307-llama2"} <= {row["paper_id"] for row in rows}


def test_parquet_needs_out():
    result = run("--format", "parquet", LISTING)
    assert result.exit_code == 2
    assert "give --out PATH" in result.output


def test_parquet_is_byte_identical_across_runs(results, tmp_path):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (first, second):
        assert run("--format", "parquet", "--results", str(results), "--out", str(out), LISTING).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert list(pd.read_parquet(io.BytesIO(first.read_bytes())).columns) == list(CLAIMS_COLUMNS)


def test_unknown_format_is_a_usage_error():
    result = run("--format", "xlsx")
    assert result.exit_code == 2


def test_help_lists_formats():
    result = CliRunner().invoke(main, ["export", "--help"])
    assert result.exit_code == 0
    assert all(fmt in result.output for fmt in ("model-index", "pwc", "parquet", "jsonl"))
