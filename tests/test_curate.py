"""Curation: the publishing policy, claim references, the `claim` commands and the review queue.

The commands run on temporary copies of the project's results/ (and on small result files made
here with explicit confidences); every failure must leave the file byte for byte as it was.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard.cli import main
from leaderboard.compile.queue import review_queue, sentence_around
from leaderboard.compile.tables import compile_results
from leaderboard.models import Claim, Paper
from leaderboard.store import curate
from leaderboard.store.curate import (
    DEFAULT_POLICY,
    CurationError,
    Policy,
    PolicyError,
    load_policy,
    parse_ref,
    set_claim,
    verify_claim,
)
from leaderboard.store.registry import default_registry
from leaderboard.store.results import dump_result, load_result_file, merge_result, result_from_paper, write_result_file

PROJECT_RESULTS = Path(__file__).parent.parent / "results"
MEGATRON = "01646feb6a"  # 6 extracted claims: #2 Megatron-LM 10.8 on WikiText103, #4 Megatron-LM on LAMBADA


@pytest.fixture
def results(tmp_path) -> Path:
    target = tmp_path / "results"
    shutil.copytree(PROJECT_RESULTS, target)
    return target


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def claims_of(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["claims"]


# ---------------------------------------------------------------- policy


def test_the_policy_file_says_which_claims_are_published(tmp_path):
    assert load_policy(tmp_path / "missing.toml") == DEFAULT_POLICY
    path = tmp_path / "leaderboard.toml"
    path.write_text('[publish]\nstatuses = ["added", "verified"]\nextracted = ["high"]\n', encoding="utf-8")
    policy = load_policy(path)
    assert policy == Policy(statuses=("verified", "added"), extracted=("high",))
    stored = result_from_paper(*_paper_and_claims([("Foo-7B", "mmlu", 61.0, None)])).claims[0]
    assert DEFAULT_POLICY.publishes(stored)  # no confidence counts as medium: published by default
    assert not policy.publishes(stored)
    assert policy.publishes(replace(stored, status="verified"))
    assert not policy.publishes(replace(stored, status="rejected"))
    assert not DEFAULT_POLICY.publishes(replace(stored, claim=replace(stored.claim, confidence="low")))


@pytest.mark.parametrize(("text", "message", "line"), [
    ('[publish]\nextracted = ["sure"]\n', "publish.extracted must be a list of", None),
    ('[publish]\nstatus = ["verified"]\n', "unknown key publish.status", None),
    ('[publish]\nextracted = [high]\n', "invalid TOML", 2),
])
def test_a_bad_policy_file_is_a_clear_error(tmp_path, text, message, line):
    path = tmp_path / "leaderboard.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    assert message in str(error.value) and str(path) in str(error.value)
    assert error.value.line == line


def test_compile_leaves_out_what_the_policy_holds_back():
    paper, claims = _paper_and_claims([("Foo-7B", "mmlu", 61.0, "low"), ("Bar-3B", "mmlu", 48.0, "high")])
    result = result_from_paper(paper, claims)
    boards = compile_results([result], default_registry(), aliases={})
    assert [e.model for t in boards.tables for e in t.entries] == ["Bar-3B"]
    verified = replace(result, claims=tuple(replace(c, status="verified") for c in result.claims))
    boards = compile_results([verified], default_registry(), aliases={})
    assert sorted(e.model for t in boards.tables for e in t.entries) == ["Bar-3B", "Foo-7B"]
    everything = Policy(extracted=("high", "medium", "low"))
    assert len(compile_results([result], default_registry(), aliases={}, policy=everything).tables[0].entries) == 2


# ---------------------------------------------------------------- references


def test_references_name_a_claim_by_number_or_id():
    assert parse_ref("01646feb6a#3") == curate.ClaimRef("01646feb6a#3", "01646feb6a", index=3)
    assert parse_ref("01646feb6a#c96e693ab0a").claim_id == "c96e693ab0a"
    assert parse_ref("c96e693ab0a") == curate.ClaimRef("c96e693ab0a", None, claim_id="c96e693ab0a")
    for bad in ("../etc#1", "01646feb6a#0", "A B", "x#y#z", ""):
        with pytest.raises(CurationError):
            parse_ref(bad)


def test_the_sentence_around_the_evidence_is_what_a_reviewer_reads():
    text = "We train models. Foo-7B reaches 61.0% on MMLU (5-shot). It is fast."
    start = text.index("61.0%")
    assert sentence_around(text, start, start + 5) == "Foo-7B reaches 61.0% on MMLU (5-shot)."


# ---------------------------------------------------------------- the claim commands


def test_verify_changes_one_line_and_prints_it(results):
    path = results / f"{MEGATRON}.json"
    before = path.read_text(encoding="utf-8")
    out = run("claim", "verify", f"{MEGATRON}#2", f"{MEGATRON}#4", "--results", str(results))
    assert out.exit_code == 0, out.output
    assert f"{MEGATRON}#2 (" in out.output and "extracted -> verified" in out.output
    after = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [('      "status": "extracted",', '      "status": "verified",')] * 2
    assert after == dump_result(load_result_file(path))  # canonical form, key order kept
    again = run("claim", "verify", f"{MEGATRON}#2", "--results", str(results))
    assert again.exit_code == 0 and "unchanged, already verified" in again.output


def test_reject_keeps_the_reason_and_a_bare_claim_id_finds_its_file(results):
    path = results / f"{MEGATRON}.json"
    claim_id = claims_of(path)[2]["id"]
    out = run("claim", "reject", claim_id, "--reason", "cited, not measured", "--results", str(results))
    assert out.exit_code == 0, out.output
    rejected = claims_of(path)[2]
    assert rejected["status"] == "rejected" and rejected["note"] == "cited, not measured"


@pytest.mark.parametrize("args", [
    ("claim", "verify", f"{MEGATRON}#99"),
    ("claim", "verify", "0000000000#1"),
    ("claim", "verify", "cffffffffff"),
    ("claim", "reject", f"{MEGATRON}#2", "--reason", " "),
    ("claim", "set", f"{MEGATRON}#2", "colour=red"),
    ("claim", "set", f"{MEGATRON}#2", "value=ten"),
    ("claim", "set", f"{MEGATRON}#2", "benchmark=no-such-benchmark"),
    ("claim", "set", f"{MEGATRON}#2", "value=11.5"),  # not in the evidence: validation refuses it
    ("claim", "set", f"{MEGATRON}#2", "evidence=not in the abstract"),
    ("claim", "add", MEGATRON, "--evidence", "not in the abstract", "model=X", "benchmark=race", "value=90.9"),
    ("claim", "add", MEGATRON, "--evidence", "RACE dataset (90.9%", "model=X", "benchmark=race"),
])
def test_a_bad_reference_or_field_exits_1_and_leaves_every_file_untouched(results, args):
    before = {p.name: p.read_bytes() for p in results.iterdir()}
    out = run(*args, "--results", str(results))
    assert out.exit_code == 1, out.output
    assert out.output.startswith("Error: ") and "Traceback" not in out.output
    assert {p.name: p.read_bytes() for p in results.iterdir()} == before


def test_set_corrects_fields_marks_the_claim_verified_and_survives_re_extraction(results):
    path = results / f"{MEGATRON}.json"
    old = claims_of(path)[1]
    out = run("claim", "set", f"{MEGATRON}#2", "model=GPT-2 8.3B", "setting=zero-shot", "params=8.3B",
              "--results", str(results))
    assert out.exit_code == 0, out.output
    assert "extracted -> verified" in out.output and 'model: "Megatron-LM" -> "GPT-2 8.3B"' in out.output
    new = claims_of(path)[1]
    assert new["id"] == old["id"] and new["status"] == "verified"
    assert (new["model"], new["setting"], new["params"]) == ("GPT-2 8.3B", "zero-shot", "8.3B")
    # Extracting the paper again brings the original claim back, but the person's version wins.
    stored = load_result_file(path)
    extracted = [c.claim for c in load_result_file(PROJECT_RESULTS / f"{MEGATRON}.json").claims]
    merged = merge_result(stored, stored.paper, extracted)
    assert len(merged.claims) == 6 and [c.claim.model for c in merged.claims].count("Megatron-LM") == 1  # LAMBADA's
    assert next(c for c in merged.claims if c.id == old["id"]).claim.model == "GPT-2 8.3B"


def test_set_on_a_rejected_claim_keeps_it_rejected(results):
    run("claim", "reject", f"{MEGATRON}#3", "--reason", "cited", "--results", str(results))
    out = run("claim", "set", f"{MEGATRON}#3", "setting=dev", "--results", str(results))
    assert out.exit_code == 0 and "still rejected" in out.output
    assert claims_of(results / f"{MEGATRON}.json")[2]["status"] == "rejected"


def test_add_finds_the_evidence_and_computes_the_offsets(results):
    path = results / f"{MEGATRON}.json"
    out = run("claim", "add", MEGATRON, "--evidence", "RACE dataset (90.9%", "model=Megatron-BERT 3.9B",
              "benchmark=RACE", "value=90.9", "--note", "the 3.9B BERT", "--results", str(results))
    assert out.exit_code == 0, out.output
    assert "added as added" in out.output
    document = json.loads(path.read_text(encoding="utf-8"))
    added = next(c for c in document["claims"] if c["status"] == "added")
    assert document["abstract"][added["start"]:added["end"]] == "RACE dataset (90.9%"
    assert (added["benchmark"], added["metric"], added["unit"], added["kind"]) == ("race", "accuracy", "%", "absolute")
    assert added["note"] == "the 3.9B BERT" and added["benchmark_text"] == "RACE"
    assert run("validate", str(path)).exit_code == 0
    # the same claim twice: the second add is refused
    twice = run("claim", "add", MEGATRON, "--evidence", "RACE dataset (90.9%", "model=Megatron-BERT 3.9B",
                "benchmark=RACE", "value=90.9", "--note", "the 3.9B BERT", "--results", str(results))
    assert twice.exit_code == 1 and "already has this claim" in twice.output


def _hold_then_verify(results: str, ref: str, hold: float) -> None:
    curate._between_read_and_write = lambda: time.sleep(hold)
    verify_claim(Path(results), ref, default_registry())


def test_concurrent_edits_of_one_file_lose_nothing(results):
    """Two processes edit the same file at once: the first holds its edit between reading and
    writing; the second must wait for it and re-read, or it would write back the old status of
    the first one's claim."""
    context = multiprocessing.get_context("fork")
    slow = context.Process(target=_hold_then_verify, args=(str(results), f"{MEGATRON}#2", 0.6))
    slow.start()
    time.sleep(0.2)  # the slow edit has read the file and holds it
    fast = context.Process(target=_hold_then_verify, args=(str(results), f"{MEGATRON}#3", 0.0))
    fast.start()
    slow.join(10)
    fast.join(10)
    assert slow.exitcode == 0 and fast.exitcode == 0
    statuses = [c["status"] for c in claims_of(results / f"{MEGATRON}.json")]
    assert statuses[:3] == ["extracted", "verified", "verified"]


def _die_while_renaming(results: str) -> None:
    os.replace = lambda *_: os.kill(os.getpid(), signal.SIGKILL)  # killed after writing the temporary file
    verify_claim(Path(results), f"{MEGATRON}#2", default_registry())


def test_an_interrupted_write_leaves_the_file_intact(results, monkeypatch):
    path = results / f"{MEGATRON}.json"
    before = path.read_bytes()
    child = multiprocessing.get_context("fork").Process(target=_die_while_renaming, args=(str(results),))
    child.start()
    child.join(10)
    assert child.exitcode == -signal.SIGKILL
    assert path.read_bytes() == before
    left = set(results.glob(f".{path.name}.*.tmp"))  # the killed process could not clean up
    # ... and in this process, an interruption (Ctrl-C) at the same point cleans up after itself.
    monkeypatch.setattr("leaderboard.store.results.os.replace", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        set_claim(results, f"{MEGATRON}#2", {"setting": "zero-shot"}, default_registry())
    assert path.read_bytes() == before
    assert set(results.glob(f".{path.name}.*.tmp")) == left
    assert load_result_file(path).claims[1].status == "extracted"


def _interrupt(*_args):
    raise KeyboardInterrupt


# ---------------------------------------------------------------- the review queue


ABSTRACT = ("We study small models. Foo-7B reaches 99.5% on MMLU. Bar-3B scores 61.0% on MMLU. "
            "Our model gets 70.2% on GSM8K. Baz-1B gets 55.0% on FooBench. Qux-2B gets 48.0% on GSM8K.")
ROWS = [("Foo-7B", "mmlu", 99.5, "high"), ("Bar-3B", "mmlu", 61.0, "low"), ("(unnamed)", "gsm8k", 70.2, "medium"),
        ("Baz-1B", None, 55.0, "high"), ("Qux-2B", "gsm8k", 48.0, "high")]


def _paper_and_claims(rows, abstract: str = ABSTRACT, title: str = "Small models") -> tuple[Paper, list[Claim]]:
    paper = Paper(id=title.lower().replace(" ", "-"), title=title, abstract=abstract)
    claims = []
    for model, benchmark, value, confidence in rows:
        evidence = f"{value:.1f}%"
        start = abstract.index(evidence)
        text = {"mmlu": "MMLU", "gsm8k": "GSM8K"}.get(benchmark, "FooBench")
        claims.append(Claim(model=model, benchmark=benchmark, benchmark_text=text, metric="accuracy", value=value,
                            unit="%", setting=None, params=None, kind="absolute", evidence=evidence, start=start,
                            end=start + len(evidence), confidence=confidence))
    return paper, claims


def queue_results(directory: Path) -> Path:
    directory.mkdir(parents=True)
    first = result_from_paper(*_paper_and_claims(ROWS))
    other = result_from_paper(*_paper_and_claims([("Qux-2B", "gsm8k", 50.0, "high")],
                                                 abstract="Qux-2B gets 50.0% on GSM8K.", title="Other paper"))
    for result in (first, other):
        write_result_file(directory / f"{result.paper.id}.json", result)
    return directory


def test_the_queue_puts_what_most_needs_a_person_first(tmp_path):
    from leaderboard.store.results import load_results

    items = review_queue(load_results(queue_results(tmp_path / "results")), default_registry())
    order = [(i.stored.claim.model, i.stored.claim.value, i.reasons, i.held_back) for i in items]
    assert order == [
        ("Bar-3B", 61.0, ("low-confidence",), True),
        ("(unnamed)", 70.2, ("placeholder",), False),
        ("Qux-2B", 50.0, ("conflict",), False),
        ("Qux-2B", 48.0, ("conflict",), False),
        ("Baz-1B", 55.0, ("unregistered",), False),
        ("Foo-7B", 99.5, ("range-edge",), False),
    ]
    assert items[2].ref == "other-paper#1" and items[0].ref == "small-models#2"


def test_queue_as_text_and_json_and_reviewed_claims_leave_it(tmp_path):
    results = queue_results(tmp_path / "results")
    out = run("queue", "--results", str(results))
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("small-models#2\tlow-confidence\tBar-3B | mmlu accuracy 61.0% | absolute | low [held back]")
    assert lines[-1] == "6 unreviewed claims; 1 held back by the policy"
    verify = run("claim", "verify", "small-models#2", "--results", str(results))
    assert verify.exit_code == 0, verify.output
    data = json.loads(run("queue", "--results", str(results), "--format", "json", "--limit", "2").output)
    assert [d["ref"] for d in data] == ["small-models#3", "other-paper#1"]
    assert data[0]["reasons"] == ["placeholder"] and data[0]["sentence"] == "Our model gets 70.2% on GSM8K."
    assert set(data[0]) >= {"id", "confidence", "held_back", "evidence", "model", "benchmark", "value"}


def test_interactive_queue_needs_a_terminal(tmp_path):
    out = run("queue", "--interactive", "--results", str(queue_results(tmp_path / "results")))
    assert out.exit_code == 2 and "needs a terminal" in out.output


# ---------------------------------------------------------------- --interactive, on a pseudo-terminal


PROMPT = b"[q]uit > "


class Terminal:
    """A command on a pseudo-terminal: what it printed, and keys typed into it."""

    def __init__(self, args: list[str], cwd: Path):
        self.master, slave = pty.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
        self.process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
                                        close_fds=True)
        os.close(slave)
        self.output = b""

    def expect(self, text: bytes, timeout: float = 20) -> bytes:
        """Read until `text` has been printed (after what was read before); returns what came before it."""
        deadline = time.monotonic() + timeout
        start = len(self.output)
        while text not in self.output[start:]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out waiting for {text!r}; got {self.output[start:]!r}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the command ended: the terminal is closed
                    chunk = b""
                assert chunk, f"the command ended before {text!r}; got {self.output[start:]!r}"
                self.output += chunk
        end = self.output.index(text, start)
        return self.output[start:end]

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def close(self) -> int:
        try:
            return self.process.wait(20)
        finally:
            os.close(self.master)


def statuses(results: Path) -> dict[str, str]:
    found = {}
    for path in sorted(results.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for n, claim in enumerate(document["claims"], start=1):
            found[f"{document['id']}#{n}"] = (claim["status"], claim.get("note"), claim["value"], claim["setting"])
    return found


def test_review_claims_one_key_at_a_time(tmp_path):
    results = queue_results(tmp_path / "results")
    terminal = Terminal([sys.executable, "-m", "leaderboard", "queue", "--interactive", "--results", str(results)],
                        cwd=tmp_path)
    try:
        shown = terminal.expect(PROMPT)
        assert b"[1/6] small-models#2  Small models" in shown
        assert b"Bar-3B scores \x1b[1m\x1b[7m61.0%" in shown  # the evidence in its sentence, highlighted
        assert b"why now: the extractor is not sure of it" in shown and b"held back by the policy" in shown
        terminal.type("v")
        assert b"small-models#2 (" in terminal.expect(PROMPT)
        assert statuses(results)["small-models#2"][0] == "verified"  # written at once, before the next decision

        terminal.type("r")
        terminal.expect(b"reason")
        terminal.type("the model is not named\r")
        terminal.expect(PROMPT)
        assert statuses(results)["small-models#3"][:2] == ("rejected", "the model is not named")

        terminal.type("e")
        terminal.expect(b"FIELD=VALUE")
        terminal.type("setting=bogus=1 colour=red\r")  # a bad field: the error, and the same claim again
        assert b"Error: unknown field 'colour'" in terminal.expect(PROMPT)
        terminal.type("e")
        terminal.expect(b"FIELD=VALUE")
        terminal.type("setting=5-shot\r")
        assert b"extracted -> verified" in terminal.expect(PROMPT)
        assert statuses(results)["other-paper#1"] == ("verified", None, 50.0, "5-shot")

        terminal.type("s")
        terminal.expect(PROMPT)
        terminal.type("q")
        assert terminal.expect(b" of 6.").endswith(b"Reviewed 4")
        assert terminal.close() == 0
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
    after = statuses(results)
    assert after["small-models#5"][0] == "extracted"  # skipped: untouched
    assert sum(1 for s in after.values() if s[0] == "extracted") == 3


# ---------------------------------------------------------------- the pull-request review


def test_the_review_lists_review_decisions_and_edits(results, tmp_path):
    from leaderboard.review import render_review_markdown, review_directories, review_to_json

    head = tmp_path / "head"
    shutil.copytree(results, head)
    registry = default_registry()
    verify_claim(head, f"{MEGATRON}#4", registry)
    verify_claim(head, f"{MEGATRON}#6", registry)
    curate.reject_claim(head, f"{MEGATRON}#3", "cited, not measured", registry)
    set_claim(head, f"{MEGATRON}#5", {"setting": "test"}, registry)
    review = review_directories(results, head, registry)
    report = render_review_markdown(review)
    assert "**Review decisions:** 3 extracted → verified, 1 extracted → rejected" in report
    assert "status extracted → verified; setting \\(none\\) → test" in report
    assert "status extracted → rejected; note \\(none\\) → cited, not measured" in report
    assert review_to_json(review)["claims"]["status_changes"] == [
        {"from": "extracted", "to": "verified", "claims": 3}, {"from": "extracted", "to": "rejected", "claims": 1}]
