"""The downloads (`render.downloads`, `claims_jsonl` / `claims_parquet` included) against their plain definitions.

The module builds frames from rows and writes JSON column by column for speed; the reference
implementations here are the straightforward ones (a dict per row, `_text_cell` on every cell,
`json.dumps` per claim and of the whole indented document), and every download must be the same
bytes, for the render fixture, a generated corpus whose text is hostile in every field, odd numbers
and an empty corpus.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from dataclasses import replace

import numpy
import pandas as pd
import pyarrow as pa
import pytest
from conftest import make_compiled, make_registry

from leaderboard.cache import object_key
from leaderboard.interop.export import claims_table
from leaderboard.models import Claim, Compiled, Conflict, Entry, Paper, ResultFile, SourceRef, StoredClaim, Table
from leaderboard.render.downloads import (
    BENCHMARK_COLUMNS,
    CLAIMS_COLUMNS,
    _arrow_array_may_change,
    _may_change,
    _text_cell,
    benchmark_frame,
    claim_url,
    claims_frame,
    claims_jsonl,
    claims_parquet,
    json_texts,
    leaderboards_json,
    neutralise_frame,
    prune_table_texts,
    to_csv,
)
from leaderboard.render.format import size_class
from leaderboard.render.site import site_builder

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=cmd", "\r=2+2", "ok\r=3+3", "a\r\nb", "line\nfeed", 'say "hi"',
           "a,b", "", " lead", "ünïcödé ✓", "nul\x00x", "\u2028sep", "back\\slash", "}\n{", '"sources": []',
           "{x}", "tab\tin", "\x1b[31m"]


# ---------------------------------------------------------------- the plain definitions


def reference_to_csv(frame: pd.DataFrame) -> bytes:
    frame = frame.copy()
    for column in frame.columns:
        if not (pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column])):
            frame[column] = frame[column].map(_text_cell)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def reference_claims_frame(compiled: Compiled) -> pd.DataFrame:
    model_ids = {}
    for table in compiled.tables:
        for entry in table.entries:
            for source in entry.sources:
                model_ids.setdefault((source.paper_id, source.claim_index), entry.model_id)
    rows = []
    for result in sorted(compiled.results, key=lambda r: r.paper.id):
        paper = result.paper
        for index, stored in enumerate(result.claims, start=1):
            claim = stored.claim
            model_id = model_ids.get((paper.id, index))
            rows.append({
                "paper_id": paper.id, "paper_title": paper.title, "published": paper.published,
                "model": claim.model, "model_id": model_id, "benchmark": claim.benchmark,
                "benchmark_text": claim.benchmark_text, "metric": claim.metric, "value": float(claim.value),
                "unit": claim.unit, "setting": claim.setting, "params": claim.params, "kind": claim.kind,
                "status": stored.status, "evidence": claim.evidence, "in_leaderboard": model_id is not None,
                "abstract_url": claim_url(paper.id, index), "base_model": claim.base_model,
                "confidence": claim.confidence,
            })
    return pd.DataFrame(rows, columns=list(CLAIMS_COLUMNS)).astype({"value": "float64", "in_leaderboard": "bool"})


def reference_benchmark_frame(tables) -> pd.DataFrame:
    rows = []
    for table in tables:
        for entry in table.entries:
            source = entry.source
            rows.append({
                "benchmark": table.benchmark, "metric": table.metric, "setting": table.setting,
                "direction": table.direction, "rank": entry.rank, "model": entry.model, "model_id": entry.model_id,
                "params": entry.params, "size_class": size_class(entry.params), "value": float(entry.value),
                "unit": entry.unit, "kind": entry.kind, "conflict": entry.conflict, "paper_id": source.paper_id,
                "paper_title": source.paper_title, "published": source.published,
                "abstract_url": claim_url(source.paper_id, source.claim_index),
            })
    return pd.DataFrame(rows, columns=list(BENCHMARK_COLUMNS)).astype(
        {"rank": "int64", "value": "float64", "conflict": "bool"})


def _number(value):
    return float(value) if math.isfinite(value) else None


def _source(s):
    return {"paper_id": s.paper_id, "paper_title": s.paper_title, "published": s.published, "claim_id": s.claim_id,
            "claim_index": s.claim_index, "model": s.model, "value": _number(s.value), "kind": s.kind,
            "evidence": s.evidence, "status": s.status, "abstract_url": claim_url(s.paper_id, s.claim_index)}


def reference_leaderboards_json(compiled: Compiled, tables) -> bytes:
    document = {
        "tables": [{
            "key": t.key, "benchmark": t.benchmark, "benchmark_name": t.benchmark_name, "metric": t.metric,
            "metric_name": t.metric_name, "setting": t.setting, "direction": t.direction, "unit": t.unit,
            "entries": [{
                "rank": e.rank, "model_id": e.model_id, "model": e.model, "params": e.params,
                "size_class": size_class(e.params), "value": _number(e.value), "unit": e.unit, "setting": e.setting,
                "kind": e.kind, "conflict": e.conflict, "sources": [_source(s) for s in e.sources],
            } for e in t.entries],
        } for t in tables],
        "conflicts": [
            {"table_key": c.table_key, "benchmark": c.benchmark, "metric": c.metric, "setting": c.setting,
             "model_id": c.model_id, "model": c.model, "chosen": _source(c.chosen),
             "sources": [_source(s) for s in c.sources]}
            for c in compiled.conflicts
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def reference_jsonl(frame: pd.DataFrame) -> str:
    return "".join(json.dumps({c: _plain(v) for c, v in zip(frame.columns, row, strict=True)},
                              ensure_ascii=False, allow_nan=False) + "\n"
                   for row in frame.itertuples(index=False, name=None))


# ---------------------------------------------------------------- corpora


def generated(papers: int = 400, seed: int = 7) -> Compiled:
    """Papers with a few claims each, every text field drawn from hostile strings half of the time,
    tables over most claims (some with several sources) and conflicts quoting entry sources (the
    same objects, as `compile` makes them) and a few sources of their own."""
    rng = random.Random(seed)

    def text(base: str) -> str:
        return rng.choice(HOSTILE) + base if rng.random() < 0.5 else base

    def maybe(value):
        return None if rng.random() < 0.3 else value

    results, sources = [], []
    for number in range(papers):
        paper_id = f"{number:010x}" if number % 37 else f"Odd Id/{number}"
        paper = Paper(paper_id, text(f"Title {number}"), "abstract", maybe(text("2024-01-02")))
        claims = []
        for index in range(rng.randrange(0, 5)):
            value = rng.choice([rng.uniform(-100, 100), rng.randrange(-5, 100), 1e16, 1e-7, 0.1 + 0.2, -0.0])
            claim = Claim(model=text(f"Model {index}"), benchmark=maybe(rng.choice(["mmlu", "gsm8k"])),
                          benchmark_text=text("MMLU"), metric=text("accuracy"), value=value, unit=maybe(text("%")),
                          setting=maybe(text("5-shot")), params=maybe(rng.choice(["7B", "70B", "1.3B", "x"])),
                          kind=rng.choice(["absolute", "cited"]), evidence=text(f"{value} on MMLU"), start=0, end=1)
            claims.append(StoredClaim(f"c{index}", rng.choice(["extracted", "verified"]), claim))
            if rng.random() < 0.8:
                sources.append(SourceRef(paper_id, paper.title, paper.published, f"c{index}", index + 1, claim.model,
                                         value, claim.kind, claim.evidence, "extracted"))
        results.append(ResultFile(paper, tuple(claims)))
    tables = []
    for number in range(6):
        entries = []
        for rank in range(1, rng.randrange(2, 60)):
            if not sources:
                break
            own = tuple(sources.pop() for _ in range(min(len(sources), rng.choice([1, 1, 2, 3]))))
            entries.append(Entry(rank, text(f"model-{rank}"), text(f"Model {rank}"), maybe(rng.choice(["7B", "70B"])),
                                 own[0].value if number else float("nan"), maybe("%"), maybe(text("5-shot")),
                                 own[0].kind, len(own) > 1, own))
        tables.append(Table(rng.choice(["mmlu", "gsm8k"]), text("MMLU"), f"metric{number}", text("Accuracy"),
                            maybe(text("5-shot")), rng.choice(["higher", "lower"]), maybe("%"), tuple(entries)))
    conflicts = []
    for table in tables:
        for entry in table.entries:
            if entry.conflict:
                chosen = entry.source if rng.random() < 0.8 else replace(entry.source, evidence=text("own evidence"))
                conflicts.append(Conflict(table.key, table.benchmark, table.metric, table.setting, entry.model_id,
                                          entry.model, chosen, (chosen, *entry.sources[1:])))
    return Compiled(tuple(tables), tuple(conflicts), tuple(results))


CORPORA = {
    "render fixture": make_compiled,
    "generated": generated,
    "empty": lambda: Compiled((), (), ()),
    "one paper without claims": lambda: Compiled((), (), (replace(make_compiled().results[0], claims=()),)),
}


@pytest.fixture(params=sorted(CORPORA))
def corpus(request) -> Compiled:
    return CORPORA[request.param]()


# ---------------------------------------------------------------- same bytes as the plain definitions


def test_claims_frame_and_csv_match_the_plain_definitions(corpus):
    frame = claims_frame(corpus)
    reference = reference_claims_frame(corpus)
    pd.testing.assert_frame_equal(frame, reference)
    assert to_csv(frame) == reference_to_csv(reference)


def _cells(frame: pd.DataFrame) -> list[list]:
    return [[None if pd.isna(cell) else cell for cell in row] for row in frame.itertuples(index=False, name=None)]


def test_benchmark_frames_and_csvs_match_the_plain_definitions(corpus):
    groups = [corpus.tables, *([t] for t in corpus.tables), []]
    for tables in groups:
        frame = benchmark_frame(tables)
        reference = reference_benchmark_frame(tables)
        # The same cells; the text columns hold Python strings (object) instead of Arrow strings.
        assert list(frame.columns) == list(reference.columns)
        assert _cells(frame) == _cells(reference)
        assert {c: str(t) for c, t in frame.dtypes.items() if str(t) != "object"} == {
            "rank": "int64", "value": "float64", "conflict": "bool"}
        assert to_csv(frame) == reference_to_csv(reference)


def test_leaderboards_json_matches_the_plain_definition(corpus):
    assert leaderboards_json(corpus, corpus.tables) == reference_leaderboards_json(corpus, corpus.tables)
    reordered = corpus.tables[::-1]
    assert leaderboards_json(corpus, reordered) == reference_leaderboards_json(corpus, reordered)


def _table_keys(tables) -> dict[str, str]:
    """What the caller passes as `table_keys`: a content hash per table key."""
    return {table.key: object_key(table) for table in tables}


def test_leaderboards_json_with_an_empty_cache_stores_the_text_of_every_table(corpus):
    tables = corpus.tables
    keys = _table_keys(tables)
    texts: dict[str, str] = {}
    plain = leaderboards_json(corpus, tables)
    assert leaderboards_json(corpus, tables, texts, keys) == plain == reference_leaderboards_json(corpus, tables)
    assert set(texts) == set(keys.values()) and len(texts) == len(tables)
    # Each text is that table's object exactly as the document has it, two levels deep.
    document = json.loads(plain)
    for position, table in enumerate(tables):
        text = texts[keys[table.key]]
        assert json.loads(text) == document["tables"][position]
        assert ("\n  " + text + ("," if position < len(tables) - 1 else "\n ]")).encode("utf-8") in plain
    # The texts filled in: a second call reuses all of them, in any order, and stores nothing new.
    filled = dict(texts)
    assert leaderboards_json(corpus, tables, texts, keys) == plain
    assert texts == filled
    reordered = tables[::-1]
    assert leaderboards_json(corpus, reordered, texts, keys) == reference_leaderboards_json(corpus, reordered)
    assert texts == filled


def test_leaderboards_json_reuses_cached_texts_and_encodes_only_changed_tables():
    compiled = generated()
    tables = compiled.tables
    keys = _table_keys(tables)
    texts: dict[str, str] = {}
    leaderboards_json(compiled, tables, texts, keys)
    # A sentinel in place of a table's text shows that the cached text is what goes in.
    marked = dict(texts)
    marked[keys[tables[2].key]] = '"sentinel"'
    assert json.loads(leaderboards_json(compiled, tables, marked, keys))["tables"][2] == "sentinel"
    # One table changes (hostile text in an entry and a new table member): only its text is encoded
    # and stored, the output is that of a call without cache.
    table = tables[3]
    entry = replace(table.entries[0], model='changed "</script>" \n 😀 ünï')
    changed = replace(table, benchmark_name="Renamed </script>", entries=(entry, *table.entries[1:]))
    new_tables = (*tables[:3], changed, *tables[4:])
    new_compiled = replace(compiled, tables=new_tables)
    new_keys = _table_keys(new_tables)
    assert new_keys[changed.key] != keys[table.key]
    cache = dict(texts)
    output = leaderboards_json(new_compiled, new_tables, cache, new_keys)
    assert output == leaderboards_json(new_compiled, new_tables) == reference_leaderboards_json(new_compiled, new_tables)
    assert set(cache) - set(texts) == {new_keys[changed.key]}
    assert {key: cache[key] for key in texts} == texts  # the other texts are left as they were
    # The caller keeps the texts of the current tables only.
    prune_table_texts(cache, new_keys)
    assert set(cache) == set(new_keys.values())
    assert leaderboards_json(new_compiled, new_tables, cache, new_keys) == output


def test_conflicts_quoting_sources_of_cached_tables_are_encoded_on_their_own():
    compiled = generated()
    entry_sources = {id(source) for table in compiled.tables for entry in table.entries for source in entry.sources}
    assert any(id(conflict.chosen) in entry_sources for conflict in compiled.conflicts)  # shared objects
    keys = _table_keys(compiled.tables)
    texts: dict[str, str] = {}
    expected = reference_leaderboards_json(compiled, compiled.tables)
    assert leaderboards_json(compiled, compiled.tables, texts, keys) == expected
    assert leaderboards_json(compiled, compiled.tables, texts, keys) == expected  # no table encoded
    partial = {keys[table.key]: texts[keys[table.key]] for table in compiled.tables[::2]}
    assert leaderboards_json(compiled, compiled.tables, partial, keys) == expected  # some encoded
    assert leaderboards_json(compiled, [], texts, keys) == reference_leaderboards_json(compiled, [])


def test_a_table_missing_from_table_keys_is_encoded_and_not_stored():
    compiled = generated()
    tables = compiled.tables
    keys = _table_keys(tables)
    left_out = tables[1]
    del keys[left_out.key]
    expected = reference_leaderboards_json(compiled, tables)
    texts: dict[str, str] = {}
    assert leaderboards_json(compiled, tables, texts, keys) == expected
    assert set(texts) == set(keys.values()) and object_key(left_out) not in texts
    assert leaderboards_json(compiled, tables, texts, keys) == expected
    assert len(texts) == len(tables) - 1
    # With only one of the two, nothing is reused or stored.
    texts = {}
    assert leaderboards_json(compiled, tables, texts) == expected and texts == {}
    assert leaderboards_json(compiled, tables, table_keys=keys) == expected


def test_cached_table_texts_survive_hostile_text_and_nan_is_refused_as_before():
    hostile = [*HOSTILE, "</script><script>alert(1)</script>", "😀 astral", '\\"', "\u2029"]
    source = SourceRef("p1", hostile[0], hostile[1], "c1", 1, hostile[2], float("nan"), "absolute", hostile[3],
                       "verified")
    entries = tuple(
        Entry(rank, text, text, text, float(rank), text, text, "absolute", False,
              (replace(source, paper_title=text, evidence=text, model=text),))
        for rank, text in enumerate(hostile, start=1))
    tables = (Table("mmlu", "</script>", "accuracy", "Ünïcode ✓", None, "higher", None, entries),
              Table("gsm8k", 'say "hi"\n', "accuracy", "😀", "5-shot\r", "lower", "%", entries[:3]))
    conflict = Conflict(tables[0].key, "mmlu", "accuracy", None, hostile[4], hostile[5], entries[0].source,
                        (entries[0].source, source))
    compiled = Compiled(tables, (conflict,), ())
    keys = _table_keys(tables)
    texts: dict[str, str] = {}
    expected = reference_leaderboards_json(compiled, tables)
    assert leaderboards_json(compiled, tables, texts, keys) == expected == leaderboards_json(compiled, tables)
    assert leaderboards_json(compiled, tables, texts, keys) == expected
    assert [json.loads(texts[keys[table.key]]) for table in tables] == json.loads(expected)["tables"]
    assert "</script>" in json.loads(expected)["tables"][0]["benchmark_name"]  # text, not markup: kept as is
    # A NaN where JSON needs a number is refused, with or without cache, and nothing is stored.
    broken = replace(tables[1], entries=(replace(entries[0], rank=float("nan")),))
    broken_compiled = replace(compiled, tables=(tables[0], broken))
    broken_keys = _table_keys(broken_compiled.tables)
    for cache, table_keys in ((None, None), ({}, broken_keys), (dict(texts), broken_keys)):
        before = None if cache is None else dict(cache)
        with pytest.raises(ValueError):
            leaderboards_json(broken_compiled, broken_compiled.tables, cache, table_keys)
        assert cache == before
    # In a conflict too, when every table's text is reused.
    odd = replace(compiled, conflicts=(replace(conflict, chosen=replace(source, claim_index=float("nan"))),))
    with pytest.raises(ValueError):
        leaderboards_json(odd, tables, dict(texts), keys)


def test_prune_table_texts_keeps_the_texts_of_the_current_tables():
    texts = {"a": "1", "b": "2", "c": "3"}
    prune_table_texts(texts, {"t1": "a", "t3": "c", "t4": "d"})
    assert texts == {"a": "1", "c": "3"}
    prune_table_texts(texts, {})
    assert texts == {}


def test_claims_jsonl_and_parquet_match_the_plain_definitions(corpus):
    frame = claims_frame(corpus)
    assert claims_jsonl(frame) == reference_jsonl(frame)
    absolute = claims_table(corpus, "https://example.org/lb/")
    assert list(absolute["abstract_url"]) == ["https://example.org/lb/" + url.removeprefix("../")
                                              for url in frame["abstract_url"]]
    assert claims_jsonl(absolute) == reference_jsonl(absolute)
    assert pd.read_parquet(io.BytesIO(claims_parquet(frame))).equals(reference_claims_frame(corpus))


def test_claims_frame_leaves_text_that_is_not_a_string_to_pandas():
    compiled = make_compiled()
    first = compiled.results[0]
    odd = replace(first, paper=replace(first.paper, published=20190917))  # not from a valid result file
    compiled = replace(compiled, results=(odd, *compiled.results[1:]))
    frame = claims_frame(compiled)
    pd.testing.assert_frame_equal(frame, reference_claims_frame(compiled))
    assert frame["published"].dtype == object and to_csv(frame) == reference_to_csv(frame)


def test_site_data_pages_match_the_plain_definitions():
    compiled = generated(300, seed=11)
    site = site_builder(compiled, make_registry())
    pages = {path: make() for path, _inputs, make in site.download_outputs()}
    frame = reference_claims_frame(compiled)
    assert pages["data/claims.csv"] == reference_to_csv(frame)
    assert pages["data/claims.jsonl"] == reference_jsonl(frame).encode("utf-8")
    assert pages["data/leaderboards.json"] == reference_leaderboards_json(compiled, site.tables)
    for benchmark, tables in site.tables_by_benchmark.items():
        assert pages[f"data/{benchmark}.csv"] == reference_to_csv(reference_benchmark_frame(tables))


# ---------------------------------------------------------------- neutralisation


def test_a_formula_in_every_text_column_is_neutralised():
    """Each text column of both CSVs gets every hostile string; numbers (negative ones too) stay numbers."""
    compiled = generated(40, seed=3)
    frames = {"claims": claims_frame(compiled), "benchmark": benchmark_frame(compiled.tables)}
    for name, frame in frames.items():
        frame = pd.concat([frame] * (len(HOSTILE) // len(frame) + 1), ignore_index=True)[:len(HOSTILE)].copy()
        text_columns = [c for c in frame.columns if c not in ("value", "rank", "in_leaderboard", "conflict")]
        for column in text_columns:
            frame[column] = HOSTILE
        frame["value"] = [-2.5 - i for i in range(len(frame))]
        written = to_csv(frame)
        assert written == reference_to_csv(frame), name
        rows = list(csv.DictReader(io.StringIO(written.decode("utf-8"), newline="")))
        assert len(rows) == len(HOSTILE)
        for row, hostile in zip(rows, HOSTILE, strict=True):
            for column in text_columns:
                assert not row[column].startswith(FORMULA_STARTS), (name, column, row[column])
                assert "\r" not in row[column]
                assert row[column] == _text_cell(hostile)
            assert float(row["value"]) < 0 and row["value"].startswith("-")  # a number, not neutralised


def test_neutralise_frame_handles_every_kind_of_text_column():
    cells = ["=1", None, "ok", "a\rb", "-3"]
    frame = pd.DataFrame({
        "str": pd.Series(cells, dtype="str"),
        "string": pd.Series(cells, dtype="string"),
        "python": pd.Series(cells, dtype=pd.StringDtype("python")),
        "object": pd.Series(cells, dtype=object),
        "mixed": pd.Series(["=x", 1, None, 2.5, "y"], dtype=object),
        "missing": pd.Series([None] * 5, dtype=object),
        "number": [-1.0, 2.0, -3.5, 4.0, float("nan")],
        "flag": [True, False, True, False, True],
    })
    neutral = neutralise_frame(frame)
    assert neutral is not frame
    expected = ["'=1", None, "ok", "a\nb", "'-3"]
    for column in ("str", "string", "python", "object"):
        assert [None if pd.isna(v) else v for v in neutral[column]] == expected, column
    assert list(neutral["mixed"]) == ["'=x", 1, None, 2.5, "y"]
    pd.testing.assert_series_equal(neutral["number"], frame["number"])
    pd.testing.assert_series_equal(neutral["flag"], frame["flag"])
    assert frame["str"][0] == "=1"  # the original is left alone
    assert to_csv(frame) == reference_to_csv(frame)
    safe = frame[["number", "flag", "missing"]].assign(text=["a", "b", None, "c", "d"])
    assert neutralise_frame(safe) is not safe and neutralise_frame(safe).equals(safe)
    assert to_csv(safe) == reference_to_csv(safe)


# ---------------------------------------------------------------- JSON helpers


def test_json_texts_are_json_dumps_of_each_value():
    values = [*HOSTILE, None, True, False, 0, -7, 10**20, 1.5, -0.0, 1e16, 1e-7, 0.1 + 0.2, 5e-324, "\n", "\\n"]
    assert json_texts(values) == [json.dumps(v, ensure_ascii=False) for v in values]
    assert json_texts([]) == []
    with pytest.raises(ValueError):
        json_texts([float("nan")])


def test_claims_jsonl_refuses_what_json_refuses():
    frame = claims_frame(make_compiled())
    frame.loc[0, "value"] = float("inf")
    with pytest.raises(ValueError):
        claims_jsonl(frame)
    frame.loc[0, "value"] = float("nan")  # a missing number is null
    assert json.loads(claims_jsonl(frame).splitlines()[0])["value"] is None
    assert claims_jsonl(frame[[]]) == "{}\n" * len(frame)
    assert claims_jsonl(frame[:0]) == ""
    objects = frame.astype(object)  # numpy scalars and NaN in object columns are plain values too
    assert claims_jsonl(objects) == reference_jsonl(objects) == claims_jsonl(frame)
    objects.at[1, "value"], objects.at[2, "value"] = numpy.float64(12.5), numpy.int64(3)
    objects.at[1, "in_leaderboard"], objects.at[2, "model"] = numpy.bool_(False), float("nan")
    assert claims_jsonl(objects) == reference_jsonl(objects)
    assert '"value": 12.5' in claims_jsonl(objects) and '"model": null' in claims_jsonl(objects)
    with pytest.raises(ValueError):
        claims_jsonl(frame.rename(columns={"model": "paper_id"}))


def test_the_arrow_text_check_finds_every_cell_that_changes():
    """`_may_change` reads Arrow buffers: exact on random text, sliced arrays, both offset widths and string views."""
    rng = random.Random(5)
    alphabet = ["a", "=", "+", "-", "@", "\t", "\r", "\n", "é", "✓", "😀", " ", "'"]
    for _ in range(300):
        cells = [None if rng.random() < 0.1 else "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 4)))
                 for _ in range(rng.randrange(0, 12))]
        start = rng.randrange(0, len(cells) + 1)
        expected = any(c is not None and _text_cell(c) != c for c in cells[start:])
        for kind in (pa.large_string(), pa.string(), pa.string_view()):
            array = pa.array(cells, type=kind)[start:]
            assert _arrow_array_may_change(array) == expected, (cells, start, kind)
        series = pd.Series(cells, dtype="str").iloc[start:]
        assert _may_change(series) == expected
        assert _may_change(series.astype(object)) == expected
        assert to_csv(series.to_frame("text")) == reference_to_csv(series.to_frame("text"))
