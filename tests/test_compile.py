from dataclasses import replace
from pathlib import Path

import pytest

from leaderboard.compile.tables import compile_results
from leaderboard.models import Claim, Paper, ResultFile, StoredClaim
from leaderboard.store.registry import load_registry

REGISTRY = load_registry(Path(__file__).parent / "fixtures" / "registry" / "benchmarks.json")


def stored(model: str, value: float, benchmark: str | None = "mmlu", metric: str | None = "accuracy",
           kind: str = "absolute", status: str = "extracted", setting: str | None = None,
           params: str | None = None, claim_id: str | None = None, start: int = 0) -> StoredClaim:
    claim = Claim(model=model, benchmark=benchmark, benchmark_text=benchmark or "Some Bench", metric=metric,
                  value=value, unit=None, setting=setting, params=params, kind=kind, evidence=f"{value}",
                  start=start, end=start + len(f"{value}"))
    return StoredClaim(id=claim_id or f"{model}-{value}-{start}".lower().replace(" ", "-"), status=status, claim=claim)


def paper(paper_id: str, *claims: StoredClaim, published: str | None = "2024-01-01") -> ResultFile:
    return ResultFile(Paper(id=paper_id, title=f"Paper {paper_id}", abstract="...", published=published),
                      tuple(claims))


def table(compiled, key):
    return next(t for t in compiled.tables if t.key == key)


def rows(compiled, key):
    return [(e.rank, e.model, e.value) for e in table(compiled, key).entries]


def test_higher_is_better_with_shared_ranks():
    compiled = compile_results([paper("p1", stored("A", 70.0), stored("B", 80.0, start=1), stored("C", 80.0, start=2),
                                          stored("D", 60.0, start=3))], REGISTRY, aliases={})
    assert rows(compiled, "mmlu--accuracy") == [(1, "B", 80.0), (1, "C", 80.0), (3, "A", 70.0), (4, "D", 60.0)]


def test_lower_is_better_ties_ordered_by_name():
    claims = [stored(m, v, benchmark="wikitext-103", metric="ppl", start=i)
              for i, (m, v) in enumerate([("Zed", 10.8), ("Alpha", 15.8), ("Beta", 10.8), ("Gamma", 9.1)])]
    compiled = compile_results([paper("p1", *claims)], REGISTRY, aliases={})
    assert table(compiled, "wikitext-103--perplexity").direction == "lower"
    assert rows(compiled, "wikitext-103--perplexity") == [(1, "Gamma", 9.1), (2, "Beta", 10.8), (2, "Zed", 10.8),
                                                         (4, "Alpha", 15.8)]


def test_rejected_deltas_unregistered_and_unknown_metrics_stay_out():
    compiled = compile_results([paper(
        "p1",
        stored("Kept", 50.0),
        stored("Rejected", 99.0, status="rejected", start=1),
        stored("Delta", 5.0, kind="delta", start=2),
        stored("Unregistered", 70.0, benchmark=None, start=3),
        stored("Unknown metric", 70.0, metric="BLEU", start=4),
        stored("Out of range", 104.2, start=5),
    )], REGISTRY, aliases={})
    assert [t.key for t in compiled.tables] == ["mmlu--accuracy"]
    assert rows(compiled, "mmlu--accuracy") == [(1, "Kept", 50.0)]
    assert len(compiled.results[0].claims) == 6  # paper pages still show every claim


def test_no_metric_means_the_headline_metric_and_aliases_map():
    compiled = compile_results([paper("p1", stored("A", 40.0, benchmark="humaneval", metric=None),
                                      stored("B", 41.0, benchmark="humaneval", metric="pass@1", start=1))],
                               REGISTRY, aliases={})
    assert rows(compiled, "humaneval--pass-at-1") == [(1, "B", 41.0), (2, "A", 40.0)]


def test_settings_make_separate_tables():
    compiled = compile_results([paper("p1", stored("A", 70.0, setting="5-shot"), stored("A", 60.0, setting="0-shot", start=1),
                                      stored("B", 65.0, setting="Zero-shot", start=2))], REGISTRY, aliases={})
    assert [t.key for t in compiled.tables] == ["mmlu--accuracy--5-shot", "mmlu--accuracy--zero-shot"]
    assert rows(compiled, "mmlu--accuracy--zero-shot") == [(1, "B", 65.0), (2, "A", 60.0)]
    assert not compiled.conflicts


def test_conflict_across_two_papers_prefers_the_absolute_number():
    introducing = paper("bbbbbbbbbb", stored("Llama 2 7B", 45.3, claim_id="own", start=3), published="2023-07-18")
    citing = paper("aaaaaaaaaa", stored("Foo", 50.0),
                   stored("LLaMA-2-7B", 46.0, kind="cited", status="verified", claim_id="cited", start=7),
                   published="2023-06-01")
    compiled = compile_results([citing, introducing], REGISTRY, aliases={})
    entry = next(e for e in table(compiled, "mmlu--accuracy").entries if e.model_id == "llama-2-7b")
    assert entry.value == 45.3 and entry.kind == "absolute" and entry.conflict
    assert [s.claim_id for s in entry.sources] == ["own", "cited"]
    assert [s.claim_index for s in entry.sources] == [1, 2]  # 1-based position in each paper's claims
    [conflict] = compiled.conflicts
    assert conflict.table_key == "mmlu--accuracy" and conflict.model_id == "llama-2-7b"
    assert conflict.chosen.paper_id == "bbbbbbbbbb" and {s.value for s in conflict.sources} == {45.3, 46.0}


def test_preference_among_absolutes_verified_then_earliest_then_paper_id():
    later_verified = paper("cccccccccc", stored("A", 71.0, status="verified"), published="2024-05-01")
    earlier = paper("bbbbbbbbbb", stored("A", 70.0), published="2024-01-01")
    same_day = paper("aaaaaaaaaa", stored("A", 69.0), published="2024-01-01")
    compiled = compile_results([earlier, later_verified, same_day], REGISTRY, aliases={})
    entry = table(compiled, "mmlu--accuracy").entries[0]
    assert [s.paper_id for s in entry.sources] == ["cccccccccc", "aaaaaaaaaa", "bbbbbbbbbb"]
    assert entry.value == 71.0 and entry.sources[0].status == "verified"


def test_same_value_from_two_papers_is_one_entry_without_conflict():
    compiled = compile_results([paper("p1", stored("GPT-4o", 88.7)), paper("p2", stored("gpt4o", 88.7)),
                                paper("p3", stored("GPT-4o", 88.7))], REGISTRY, aliases={})
    [entry] = table(compiled, "mmlu--accuracy").entries
    assert not entry.conflict and len(entry.sources) == 3 and entry.model == "GPT-4o"
    assert compiled.conflicts == ()


def test_placeholders_from_two_papers_never_merge():
    compiled = compile_results([paper("p1", stored("(prior SOTA)", 60.0)), paper("p2", stored("(prior SOTA)", 62.0))],
                               REGISTRY, aliases={})
    entries = table(compiled, "mmlu--accuracy").entries
    assert len(entries) == 2 and not compiled.conflicts


def test_params_come_from_any_source():
    compiled = compile_results([paper("p1", stored("Llama-2-7B", 45.3)), paper("p2", stored("Llama 2 7B", 45.3, params="7B"))],
                               REGISTRY, aliases={})
    [entry] = table(compiled, "mmlu--accuracy").entries
    assert entry.params == "7B" and entry.model_id == "llama-2-7b"


def test_aliases_merge_models_and_a_stated_size_separates_them():
    compiled = compile_results([paper("p1", stored("GPT-4 Omni", 88.0)), paper("p2", stored("GPT-4o", 88.0)),
                                paper("p3", stored("AQLM", 60.0, params="7B")), paper("p4", stored("AQLM", 70.0, params="70B"))],
                               REGISTRY, aliases={"gpt-4-omni": "gpt-4o"})
    assert sorted(e.model_id for e in table(compiled, "mmlu--accuracy").entries) == ["aqlm-70b", "aqlm-7b", "gpt-4o"]


def test_output_is_sorted_and_independent_of_input_order():
    results = [paper("p2", stored("A", 1.0, benchmark="mmlu-pro")), paper("p1", stored("B", 2.0)),
               paper("p3", stored("C", 3.0, benchmark="humaneval", metric=None))]
    first = compile_results(results, REGISTRY, aliases={})
    second = compile_results(list(reversed(results)), REGISTRY, aliases={})
    assert first == second
    assert [r.paper.id for r in first.results] == ["p1", "p2", "p3"]
    assert [t.key for t in first.tables] == sorted(t.key for t in first.tables)


def test_integer_values_and_default_alias_file():
    result = paper("p1", replace(stored("GPT-4 Omni", 88.0), claim=replace(stored("GPT-4 Omni", 88.0).claim, value=88)))
    compiled = compile_results([result], REGISTRY)  # None: the shipped alias file
    assert table(compiled, "mmlu--accuracy").entries[0].model_id == "gpt-4o"
    assert table(compiled, "mmlu--accuracy").entries[0].value == 88.0


def test_results_are_sorted_by_id_then_path_when_not_already_in_order():
    one = replace(paper("p1", stored("A", 1.0)), path="results/z.json")
    two = replace(paper("p1", stored("B", 2.0)), path="results/a.json")
    empty = paper("p0")
    compiled = compile_results([one, two, empty], REGISTRY, aliases={})
    assert [(r.paper.id, r.path) for r in compiled.results] == [("p0", None), ("p1", "results/a.json"),
                                                                ("p1", "results/z.json")]
    ordered = compile_results([paper("p0"), paper("p1", stored("A", 1.0)), paper("p2")], REGISTRY, aliases={})
    assert [r.paper.id for r in ordered.results] == ["p0", "p1", "p2"]  # already in order: kept, results without claims too
    assert compile_results(iter([paper("p2"), paper("p1")]), REGISTRY, aliases={}).results[0].paper.id == "p1"


def test_rows_cache_gives_the_same_compilation_and_reuses_rows():
    results = [paper("p1", stored("A", 70.0), stored("(prior SOTA)", 60.0, start=1)),
               paper("p2", stored("A", 71.0, kind="cited"), stored("B", 10.0, benchmark="wikitext-103", metric="ppl")),
               paper("p3")]
    cache: dict = {}
    first = compile_results(results, REGISTRY, aliases={}, rows_cache=cache)
    assert first == compile_results(results, REGISTRY, aliases={})
    assert set(cache) == {id(results[0]), id(results[1])}  # a result without claims has no rows to keep
    kept = dict(cache)
    changed = [results[0], paper("p2", stored("A", 72.0, kind="cited"))]
    second = compile_results(changed, REGISTRY, aliases={}, rows_cache=cache)
    assert second == compile_results(changed, REGISTRY, aliases={})
    assert cache[id(results[0])] is kept[id(results[0])]


def test_lookups_are_cached_per_compilation_only():
    results = [paper("p1", stored("GPT-4 Omni", 88.0)), paper("p2", stored("GPT-4 Omni", 87.0, setting="0-shot")),
               paper("p3", stored("(prior SOTA)", 60.0)), paper("p4", stored("(prior SOTA)", 61.0))]
    merged = compile_results(results, REGISTRY, aliases={"gpt-4-omni": "gpt-4o"})
    plain = compile_results(results, REGISTRY, aliases={})
    assert {e.model_id for t in merged.tables for e in t.entries} == {"gpt-4o", "prior-sota--p3", "prior-sota--p4"}
    assert {e.model_id for t in plain.tables for e in t.entries} == {"gpt-4-omni", "prior-sota--p3", "prior-sota--p4"}
    assert [t.key for t in plain.tables] == ["mmlu--accuracy", "mmlu--accuracy--zero-shot"]


def test_garbage_collector_state_is_restored():
    import gc

    assert gc.isenabled()
    compile_results([paper("p1", stored("A", 70.0))], REGISTRY, aliases={})
    assert gc.isenabled()
    gc.disable()
    try:
        compile_results([paper("p1", stored("A", 70.0))], REGISTRY, aliases={})
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(AttributeError):
        compile_results([object()], REGISTRY, aliases={})
    assert gc.isenabled()


def test_ranks_ties_and_conflicts_match_the_documented_rules():
    results = [paper("p1", stored("A", 80.0), stored("B", 80.0, start=1), stored("C", 70.0, start=2)),
               paper("p2", stored("A", 81.0, kind="cited"), stored("C", 70.0, start=1), published="2023-01-01")]
    compiled = compile_results(results, REGISTRY, aliases={})
    assert rows(compiled, "mmlu--accuracy") == [(1, "A", 80.0), (1, "B", 80.0), (3, "C", 70.0)]
    [conflict] = compiled.conflicts
    assert conflict.model_id == "a" and [s.value for s in conflict.sources] == [80.0, 81.0]
    c = table(compiled, "mmlu--accuracy").entries[2]
    assert not c.conflict and [s.paper_id for s in c.sources] == ["p2", "p1"]  # earlier publication first
