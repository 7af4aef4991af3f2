"""`leaderboard import` through the CLI runner: what it prints, what it writes, exit codes, a round trip."""

from pathlib import Path

from click.testing import CliRunner
from conftest import make_compiled

from leaderboard.build import gather_validated
from leaderboard.cli import main
from leaderboard.compile.tables import compile_results
from leaderboard.store.registry import default_registry
from leaderboard.store.results import load_results, write_result_file

FIXTURES = Path(__file__).parent / "fixtures"
CARD = str(FIXTURES / "interop" / "modelcard-README.md")
PWC = str(FIXTURES / "interop" / "evaluation-tables.json")
LISTING = str(FIXTURES / "listings" / "page.txt")


def run(*args: str):
    return CliRunner().invoke(main, ["import", *args])


def test_imports_card_and_pwc_and_reports_unknowns(tmp_path):
    results = tmp_path / "results"
    result = run(CARD, PWC, "--results", str(results))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"create {results / 'card-zephyr-7b-beta.json'}: 6 claims added (Model card: zephyr-7b-beta)" in lines
    assert any(line.startswith(f"{CARD}:/model-index/0/results/9/dataset: warning[unknown-benchmark] ")
               for line in lines)
    assert lines[-1] == "wrote 6 result files (12 claims added); 0 errors, 9 warnings"
    assert len(list(results.glob("*.json"))) == 6


def test_dry_run_writes_nothing(tmp_path):
    result = run(CARD, "--results", str(tmp_path / "r"), "--dry-run")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].startswith("would write 1 result file (6 claims added)")
    assert not (tmp_path / "r").exists()


def test_invalid_value_exits_1(tmp_path):
    card = tmp_path / "model.yaml"
    card.write_text("model-index:\n- name: m\n  results:\n  - dataset: {name: MMLU, type: mmlu}\n"
                    "    metrics: [{type: accuracy, value: 104.2}]\n    source: {url: 'https://example.org'}\n")
    result = run(str(card), "--results", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert f"{card}:/model-index/0/results/0/metrics/0: error[value-out-of-range] 104.2 > 100" in result.output


def test_malformed_yaml_exits_1_with_file_and_line(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nmodel-index:\n  - name: [x\n---\n")
    result = run(str(card), "--results", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {card}:4: invalid YAML at column 1: ")


def test_missing_file_is_a_usage_error(tmp_path):
    assert run(str(tmp_path / "nope.md")).exit_code == 2


def test_export_then_import_round_trip(tmp_path):
    """Publish every model's rows as model-index, pull them back: the same leaderboard rows."""
    original = tmp_path / "results"
    for result in make_compiled().results:
        write_result_file(original / f"{result.paper.id}.json", result)
    exported = tmp_path / "model-index.yaml"
    runner = CliRunner()
    for fmt, out in (("model-index", exported), ("pwc", tmp_path / "pwc.json")):
        done = runner.invoke(main, ["export", "--format", fmt, "--results", str(original), "--out", str(out),
                                    "--site-url", "https://example.org/lb/", LISTING])
        assert done.exit_code == 0, done.output
    registry = default_registry()

    def rows(results: list) -> set[tuple]:
        compiled = compile_results(results, registry)
        return {(e.model_id, t.benchmark, t.metric, e.value, t.setting)
                for t in compiled.tables for e in t.entries if not e.model.startswith("(")}

    # what export compiled: the listing's papers and the result files, invalid claims left out
    expected = rows(gather_validated([LISTING], original, registry).results)
    assert ("llama-2-70b", "gsm8k", "accuracy", 56.8, "8-shot") in expected
    for name in ("model-index.yaml", "pwc.json"):
        imported = tmp_path / f"imported-{name}"
        done = run(str(tmp_path / name), "--results", str(imported))
        assert done.exit_code == 0, done.output
        assert rows(load_results(imported)) == expected
