"""The downloads: `data/claims.csv`, `data/<benchmark>.csv` (pandas) and `data/leaderboards.json`.

CSV files are opened in spreadsheets, and our text comes from strangers: a text cell that starts with
=, +, -, @, a tab or a carriage return would be run as a formula, so it gets a leading single quote.
Numeric columns stay numbers (a negative score is a number, not a formula), which is why the
neutralisation looks at column types and never at the cells of numeric columns.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .models import Compiled, Entry, SourceRef, Table
from .render_format import page_name, size_class

if TYPE_CHECKING:
    import pandas as pd  # imported where used: pandas takes a third of a second to import

CLAIMS_COLUMNS = (
    "paper_id", "paper_title", "published", "model", "model_id", "benchmark", "benchmark_text", "metric", "value",
    "unit", "setting", "params", "kind", "status", "evidence", "in_leaderboard", "abstract_url",
)
BENCHMARK_COLUMNS = (
    "benchmark", "metric", "setting", "direction", "rank", "model", "model_id", "params", "size_class", "value", "unit",
    "kind", "conflict", "paper_id", "paper_title", "published", "abstract_url",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def claim_url(paper_id: str, claim_index: int, root: str = "../") -> str:
    """The relative link to a claim's highlighted evidence, from a page `root` levels below the site root."""
    return f"{root}papers/{page_name(paper_id)}.html#claim-{claim_index}"


def neutralise_cell(value: object) -> object:
    """A text cell made inert for spreadsheets; every other value is returned as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text columns are neutralised; numeric and boolean columns are untouched."""
    import pandas

    frame = frame.copy()
    for column in frame.columns:
        if not (pandas.api.types.is_numeric_dtype(frame[column]) or pandas.api.types.is_bool_dtype(frame[column])):
            frame[column] = frame[column].map(_text_cell)
    return frame


def _text_cell(value: object) -> object:
    """`neutralise_cell`, then every carriage return inside the text becomes a line feed. The CSV
    writer quotes a cell holding a line feed but not one holding a lone CR, which spreadsheets and
    the csv module read as a row break: the rest of the cell would start a new row, and its first
    cell could be a formula ("x\\r=HYPERLINK(...)")."""
    value = neutralise_cell(value)
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a header row, "\\n" line ends and empty cells for unknowns: the same bytes every time."""
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def claims_frame(compiled: Compiled) -> pd.DataFrame:
    """Every claim of every paper, in paper-id then claim order; see CLAIMS_COLUMNS."""
    model_ids: dict[tuple[str, int], str] = {}
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
                "abstract_url": claim_url(paper.id, index),
            })
    import pandas

    return pandas.DataFrame(rows, columns=list(CLAIMS_COLUMNS)).astype({"value": "float64", "in_leaderboard": "bool"})


def benchmark_frame(tables: Iterable[Table]) -> pd.DataFrame:
    """The ranked rows of a benchmark's tables, table by table; see BENCHMARK_COLUMNS."""
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
    import pandas

    return pandas.DataFrame(rows, columns=list(BENCHMARK_COLUMNS)).astype(
        {"rank": "int64", "value": "float64", "conflict": "bool"})


def leaderboards_json(compiled: Compiled, tables: Iterable[Table]) -> bytes:
    """All tables and conflicts as JSON (keys sorted, UTF-8, links relative to data/)."""
    document = {
        "tables": [_table(t) for t in tables],
        "conflicts": [
            {"table_key": c.table_key, "benchmark": c.benchmark, "metric": c.metric, "setting": c.setting,
             "model_id": c.model_id, "model": c.model, "chosen": _source(c.chosen),
             "sources": [_source(s) for s in c.sources]}
            for c in compiled.conflicts
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")


def _number(value: float) -> float | None:
    # JSON has no NaN or infinity; such a value cannot be a score anyway.
    return float(value) if math.isfinite(value) else None


def _table(table: Table) -> dict:
    return {
        "key": table.key, "benchmark": table.benchmark, "benchmark_name": table.benchmark_name,
        "metric": table.metric, "metric_name": table.metric_name, "setting": table.setting,
        "direction": table.direction, "unit": table.unit, "entries": [_entry(e) for e in table.entries],
    }


def _entry(entry: Entry) -> dict:
    return {
        "rank": entry.rank, "model_id": entry.model_id, "model": entry.model, "params": entry.params,
        "size_class": size_class(entry.params), "value": _number(entry.value), "unit": entry.unit,
        "setting": entry.setting, "kind": entry.kind, "conflict": entry.conflict,
        "sources": [_source(s) for s in entry.sources],
    }


def _source(source: SourceRef) -> dict:
    return {
        "paper_id": source.paper_id, "paper_title": source.paper_title, "published": source.published,
        "claim_id": source.claim_id, "claim_index": source.claim_index, "model": source.model,
        "value": _number(source.value), "kind": source.kind, "evidence": source.evidence, "status": source.status,
        "abstract_url": claim_url(source.paper_id, source.claim_index),
    }
