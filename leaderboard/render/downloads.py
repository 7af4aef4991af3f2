"""The downloads: `data/claims.csv` (also as `claims.jsonl` and `claims.parquet`), `data/<benchmark>.csv`
(pandas) and `data/leaderboards.json`.

CSV files are opened in spreadsheets, and our text comes from strangers: a text cell that starts with
=, +, -, @, a tab or a carriage return would be run as a formula, so it gets a leading single quote.
Numeric columns stay numbers (a negative score is a number, not a formula), which is why the
neutralisation looks at column types and never at the cells of numeric columns.

Every download depends on every claim, so all of them are made again after any change (but for
the tables of `data/leaderboards.json` whose texts a caller keeps from the last build, see
`leaderboards_json`), and they are made column by column: frames from whole columns, the
neutralisation with whole-column string operations where a cell needs it (found out from the Arrow
buffers), JSON with one call of `json`'s C encoder per member of all objects of a kind. The bytes
are those of the plain definitions (a dict per row, `_text_cell` on every text cell,
`json.dumps(..., indent=1, sort_keys=True)` of the whole document), which tests/test_render_downloads.py
keeps as the reference.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from ..models import Compiled, Conflict, Entry, SourceRef, Table
from .format import page_name, size_class

if TYPE_CHECKING:
    import pandas as pd  # imported where used: pandas takes a third of a second to import
    import pyarrow as pa

CLAIMS_COLUMNS = (
    "paper_id", "paper_title", "published", "model", "model_id", "benchmark", "benchmark_text", "metric", "value",
    "unit", "setting", "params", "kind", "status", "evidence", "in_leaderboard", "abstract_url",
    # Columns are only ever added at the end, so that scripts that read them by position keep working.
    "base_model", "confidence",
)
BENCHMARK_COLUMNS = (
    "benchmark", "metric", "setting", "direction", "rank", "model", "model_id", "params", "size_class", "value", "unit",
    "kind", "conflict", "paper_id", "paper_title", "published", "abstract_url",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"[=+\-@\t\r]"  # matched at the start of a cell: it starts with one of _FORMULA_STARTS
_FORMULA_BYTES = tuple("".join(_FORMULA_STARTS).encode("ascii"))
_CR_BYTE = ord("\r")


DATA_ROOT = "../"  # the site root seen from data/, where the downloads are


def download_root(site_url: str | None) -> str:
    """What the downloads' `abstract_url` links start with: the site root as seen from data/
    ("../papers/..."), or the published site's address when it is known ("https://.../papers/...")
    so that the links still work in a file that was downloaded."""
    return site_url.rstrip("/") + "/" if site_url else DATA_ROOT


def claim_url(paper_id: str, claim_index: int, root: str = "../") -> str:
    """The relative link to a claim's highlighted evidence, from a page `root` levels below the site root."""
    return f"{_claim_url_prefix(paper_id, root)}{claim_index}"


def _claim_url_prefix(paper_id: str, root: str = "../") -> str:
    """`claim_url` without the claim number: computed once per paper."""
    return f"{root}papers/{page_name(paper_id)}.html#claim-"


def neutralise_cell(value: object) -> object:
    """A text cell made inert for spreadsheets; every other value is returned as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text columns are neutralised (`_text_cell` on every cell); numeric and
    boolean columns are untouched."""
    neutral = _neutralised(frame)
    return frame.copy() if neutral is frame else neutral


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """`neutralise_frame`, or `frame` itself when no cell changes (as usual)."""
    import pandas

    text = [position for position, dtype in enumerate(frame.dtypes)
            if not (pandas.api.types.is_numeric_dtype(dtype) or pandas.api.types.is_bool_dtype(dtype))]
    arrow = [position for position in text if _is_arrow_text(frame.dtypes.iloc[position])]
    changing = [position for position in arrow if _arrow_text_may_change(frame.iloc[:, position])]
    others = [position for position in text if position not in arrow]
    # The other text columns (Python objects) are looked at together first: usually nothing changes.
    if others and _cells_may_change(frame.iloc[:, others].to_numpy(dtype=object).ravel().tolist()):
        changing += [position for position in others if _cells_may_change(frame.iloc[:, position].tolist())]
    if not changing:
        return frame
    frame = frame.copy()
    for position in changing:
        frame.isetitem(position, _text_column(frame.iloc[:, position]))
    return frame


def _text_column(column: pd.Series) -> pd.Series:
    """`column.map(_text_cell)`, with whole-column string operations on a string column."""
    import pandas

    if not isinstance(column.dtype, pandas.StringDtype):
        return column.map(_text_cell)  # object columns (the small benchmark frames') cell by cell
    formula = column.str.match(_FORMULA_PATTERN, na=False)
    if formula.any():
        column = column.where(~formula, "'" + column)
    if column.str.contains("\r", regex=False, na=False).any():
        column = column.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    return column


def _is_arrow_text(dtype: object) -> bool:
    import pandas

    return isinstance(dtype, pandas.StringDtype) and dtype.storage == "pyarrow"


def _may_change(column: pd.Series) -> bool:
    """Whether `_text_cell` may change a cell of this text column; never False when it would."""
    if _is_arrow_text(column.dtype):
        return _arrow_text_may_change(column)
    return _cells_may_change(column.tolist())


def _cells_may_change(cells: list) -> bool:
    """`_may_change` for Python values; the loops run in C when they are strings and Nones."""
    try:
        texts = list(filter(None, cells))  # None and empty strings never change
        return "\r" in "".join(texts) or not set(map(itemgetter(0), texts)).isdisjoint(_FORMULA_STARTS)
    except TypeError:  # something else than strings and None (pandas' NA, numbers)
        return any(isinstance(cell, str) and (cell.startswith(_FORMULA_STARTS) or "\r" in cell) for cell in cells)


def _arrow_text_may_change(column: pd.Series) -> bool:
    """`_may_change` for an Arrow-backed string column."""
    import pyarrow

    array = pyarrow.array(column)
    chunks = array.chunks if isinstance(array, pyarrow.ChunkedArray) else [array]
    return any(_arrow_array_may_change(chunk) for chunk in chunks)


def _arrow_array_may_change(array: pa.Array) -> bool:
    """`_may_change` for an Arrow string array, read straight from its buffers: the UTF-8 text of
    all cells one after another, and the offsets where each cell starts. The formula characters
    and CR are single bytes, which never occur inside the encoding of another character, so a
    cell changes when its first byte is one of them or a CR is anywhere in the text. (A null cell
    normally has no bytes; if it had some, the answer is a harmless True.)"""
    import numpy
    import pyarrow

    if pyarrow.types.is_large_string(array.type):
        offset_type = numpy.int64
    elif pyarrow.types.is_string(array.type):
        offset_type = numpy.int32
    else:  # another layout (string views)
        return _arrow_array_may_change(array.cast(pyarrow.large_string()))
    _validity, offsets, data = array.buffers()
    if data is None or len(array) == 0:
        return False
    bounds = numpy.frombuffer(offsets, dtype=offset_type)[array.offset:array.offset + len(array) + 1]
    text = numpy.frombuffer(data, dtype=numpy.uint8)
    if (text[bounds[0]:bounds[-1]] == _CR_BYTE).any():
        return True
    starts = bounds[:-1][bounds[:-1] < bounds[1:]]  # of the cells that are not empty
    return bool(numpy.isin(text[starts], _FORMULA_BYTES).any())


def _text_cell(value: object) -> object:
    """`neutralise_cell`, then every carriage return inside the text becomes a line feed. The CSV
    writer quotes a cell holding a line feed but not one holding a lone CR, which spreadsheets and
    the csv module read as a row break: the rest of the cell would start a new row, and its first
    cell could be a formula ("x\\r=HYPERLINK(...)")."""
    value = neutralise_cell(value)
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a header row, "\\n" line ends and empty cells for unknowns: the same bytes every time."""
    return _neutralised(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def claims_frame(compiled: Compiled, root: str = DATA_ROOT) -> pd.DataFrame:
    """Every claim of every paper, in paper-id then claim order; see CLAIMS_COLUMNS. `abstract_url`
    starts with `root` (see `download_root`).

    Built column by column: a text column is an Arrow string column ("str"), or an object column
    when every cell is unknown, as pandas reads the same rows."""
    model_ids: dict[tuple[str, int], str] = {}
    for table in compiled.tables:
        for entry in table.entries:
            for source in entry.sources:
                model_ids.setdefault((source.paper_id, source.claim_index), entry.model_id)
    results = sorted((result for result in compiled.results if result.claims), key=attrgetter("paper.id"))
    paper_ids, titles, published, urls, indexes, stored = [], [], [], [], [], []
    for result in results:
        paper, count = result.paper, len(result.claims)
        paper_ids += [paper.id] * count
        titles += [paper.title] * count
        published += [paper.published] * count
        urls += [_claim_url_prefix(paper.id, root)] * count
        indexes += range(1, count + 1)
        stored += result.claims
    model, benchmark, benchmark_text, metric, value, unit, setting, params, kind, evidence, base_model, confidence = (
        zip(*map(_CLAIM_FIELDS, map(attrgetter("claim"), stored)), strict=True) if stored else [()] * 12)
    model_id = list(map(model_ids.get, zip(paper_ids, indexes, strict=True)))
    columns = {
        "paper_id": paper_ids, "paper_title": titles, "published": published, "model": model, "model_id": model_id,
        "benchmark": benchmark, "benchmark_text": benchmark_text, "metric": metric, "value": list(map(float, value)),
        "unit": unit, "setting": setting, "params": params, "kind": kind,
        "status": list(map(attrgetter("status"), stored)), "evidence": evidence,
        "in_leaderboard": [identifier is not None for identifier in model_id],
        "abstract_url": list(map("{}{}".format, urls, indexes)),
        "base_model": base_model, "confidence": confidence,
    }
    import numpy
    import pandas

    numeric = {"value": "float64", "in_leaderboard": "bool"}
    return pandas.DataFrame({
        name: numpy.array(columns[name], dtype=numeric[name]) if name in numeric else _text_series(columns[name])
        for name in CLAIMS_COLUMNS
    })


_CLAIM_FIELDS = attrgetter("model", "benchmark", "benchmark_text", "metric", "value", "unit", "setting", "params",
                           "kind", "evidence", "base_model", "confidence")


def _text_series(values: Sequence[str | None]) -> pd.Series:
    """A column of strings and Nones as pandas reads it: Arrow strings ("str", NaN for None), or
    objects when every value is None (or there are none). Anything else is left to pandas."""
    import pandas

    if all(value is None for value in values):
        return pandas.Series(values, dtype=object)
    import pyarrow

    try:
        strings = pyarrow.array(values, type=pyarrow.large_string())
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, UnicodeEncodeError):  # not from valid result files
        return pandas.Series(list(values))
    return pandas.Series(strings, dtype="str")


def benchmark_frame(tables: Iterable[Table], root: str = DATA_ROOT) -> pd.DataFrame:
    """The ranked rows of a benchmark's tables, table by table; see BENCHMARK_COLUMNS (`abstract_url`
    starts with `root`, see `download_root`).

    The frame is written to CSV and nothing else, so its text columns hold plain Python strings
    (dtype object, None for unknowns) rather than Arrow strings: pandas builds and writes those at
    half the cost, which counts for the 200-odd small frames of a site."""
    size_classes: dict[str | None, str] = {}
    urls: dict[str, str] = {}
    rows = []  # tuples in BENCHMARK_COLUMNS order
    for table in tables:
        benchmark, metric, setting, direction = table.benchmark, table.metric, table.setting, table.direction
        for entry in table.entries:
            source = entry.source
            params = entry.params
            if params not in size_classes:
                size_classes[params] = size_class(params)
            paper_id = source.paper_id
            if paper_id not in urls:
                urls[paper_id] = _claim_url_prefix(paper_id, root)
            rows.append((
                benchmark, metric, setting, direction, entry.rank, entry.model, entry.model_id, params,
                size_classes[params], float(entry.value), entry.unit, entry.kind, entry.conflict, paper_id,
                source.paper_title, source.published, f"{urls[paper_id]}{source.claim_index}",
            ))
    import numpy
    import pandas

    numeric = {"rank": "int64", "value": "float64", "conflict": "bool"}
    columns = zip(*rows, strict=True) if rows else [()] * len(BENCHMARK_COLUMNS)
    return pandas.DataFrame({
        name: numpy.array(values, dtype=numeric[name]) if name in numeric else pandas.Series(values, dtype=object)
        for name, values in zip(BENCHMARK_COLUMNS, columns, strict=True)
    })


# ---------------------------------------------------------------- leaderboards.json


def leaderboards_json(compiled: Compiled, tables: Iterable[Table], table_texts: MutableMapping[str, str] | None = None,
                      table_keys: Mapping[str, str] | None = None, root: str = DATA_ROOT) -> bytes:
    """All tables and conflicts as JSON (keys sorted, UTF-8, links starting with `root`: relative to
    data/ by default, see `download_root`).

    The bytes are those of `json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True,
    allow_nan=False)` and a line feed, where the document is {"tables": [table, ...], "conflicts":
    [conflict, ...]} (see `_table_members` and the others for the members of each object). With an
    indent `json` encodes in Python, a second or more for a big corpus: here each member of all
    objects of a kind is encoded at once (`json_texts`), and the objects and lists are put together
    from those texts as `json` indents them (`_objects`, `_arrays`).

    A table's text does not depend on the other tables, so a rebuild where few tables changed can
    reuse the others': `table_keys` maps a table's key to a hash of the table (equal hashes, equal
    tables) and `table_texts` maps such a hash to the text of that table as it stands in the
    document. With both, a table whose hash has a text is not encoded again; the others are encoded
    together as above and their texts added to `table_texts` (but those of tables missing from
    `table_keys`). The conflicts are always encoded. `prune_table_texts` drops the texts of tables
    no longer there.
    """
    tables = list(tables)
    conflicts = compiled.conflicts
    hashes: list[str | None] = [None] * len(tables)
    reused: list[str | None] = [None] * len(tables)
    if table_texts is not None and table_keys is not None:
        hashes = [table_keys.get(table.key) for table in tables]
        reused = [None if key is None else table_texts.get(key) for key in hashes]
    missing = [position for position, text in enumerate(reused) if text is None]
    encoded, conflict_texts = _tables_and_conflicts([tables[position] for position in missing], conflicts, root)
    if table_texts is not None:
        for position, text in zip(missing, encoded, strict=True):
            if (key := hashes[position]) is not None:
                table_texts[key] = text
    fresh = iter(encoded)
    table_objects = [next(fresh) if text is None else text for text in reused]
    return _document(table_objects, conflict_texts)


def prune_table_texts(table_texts: MutableMapping[str, str], table_keys: Mapping[str, str]) -> None:
    """Drop from `table_texts` (see `leaderboards_json`) the texts of tables other than those of `table_keys`."""
    current = set(table_keys.values())
    for key in [key for key in table_texts if key not in current]:
        del table_texts[key]


def _document(table_objects: list[str], conflict_objects: list[str]) -> bytes:
    """`_objects({"tables": _arrays(table_objects, [len(table_objects)], 1), "conflicts": ...}, 0)`
    and a line feed, in UTF-8. Put together from the UTF-8 of each object rather than as one string:
    one character beyond Latin-1 anywhere would make all of a joined string two or four bytes a
    character, and copying and encoding that took more time than all the rest when texts are reused."""

    def array(objects: list[str]) -> bytes:  # `_arrays(objects, [len(objects)], 1)`
        if not objects:
            return b"[]"
        return b"[\n  " + b",\n  ".join(text.encode("utf-8") for text in objects) + b"\n ]"

    # The members in sorted order, as `_objects` writes them one level deep.
    return b"".join((b'{\n "conflicts": ', array(conflict_objects), b',\n "tables": ', array(table_objects), b"\n}\n"))


def _tables_and_conflicts(tables: list[Table], conflicts: Sequence[Conflict], root: str = DATA_ROOT,
                          ) -> tuple[list[str], list[str]]:
    """The texts of the table objects and of the conflict objects, as they stand in the document."""
    entries = [entry for table in tables for entry in table.entries]
    entry_sources = [source for entry in entries for source in entry.sources]
    chosen = [conflict.chosen for conflict in conflicts]
    conflict_sources = [source for conflict in conflicts for source in conflict.sources]
    # A conflict quotes sources of entries (the same objects): each source is encoded once. The
    # sources of tables not encoded here (their texts are reused) are encoded for the conflicts alone.
    positions = {id(source): position for position, source in enumerate(entry_sources)}
    unique = list(entry_sources)
    for source in chosen + conflict_sources:
        if id(source) not in positions:
            positions[id(source)] = len(unique)
            unique.append(source)
    members = _source_members(unique, root)

    def source_objects(sources: list[SourceRef], level: int) -> list[str]:
        picked = [positions[id(source)] for source in sources]
        return _objects({key: [texts[i] for i in picked] for key, texts in members.items()}, level)

    entry_members = _entry_members(entries)
    entry_members["sources"] = _arrays(
        _objects({key: texts[:len(entry_sources)] for key, texts in members.items()}, 6),
        [len(entry.sources) for entry in entries], 5)
    table_members = _table_members(tables)
    table_members["entries"] = _arrays(_objects(entry_members, 4), [len(table.entries) for table in tables], 3)
    conflict_members = _conflict_members(conflicts)
    conflict_members["chosen"] = source_objects(chosen, 3)
    conflict_members["sources"] = _arrays(source_objects(conflict_sources, 4),
                                          [len(conflict.sources) for conflict in conflicts], 3)
    return _objects(table_members, 2), _objects(conflict_members, 2)


def json_texts(values: list) -> list[str]:
    """`json.dumps(value, ensure_ascii=False, allow_nan=False)` of each value (a string, number,
    boolean or None), from one call of `json`'s C encoder: the values are written as one list
    whose items are separated by a line feed, which the encoder escapes within strings."""
    if not values:
        return []
    return json.dumps(values, ensure_ascii=False, allow_nan=False, separators=("\n", ": "))[1:-1].split("\n")


def _objects(members: dict[str, list[str]], level: int) -> list[str]:
    """Objects from the JSON texts of their members (one list of texts per member, one text per
    object), as `json.dumps(indent=1, sort_keys=True)` writes them nested `level` deep. A member's
    text is its encoded value (`json_texts`), or a nested object or list encoded one level deeper."""
    keys = sorted(members)
    indent = "\n" + " " * (level + 1)
    template = "{{" + indent + ("," + indent).join(
        json.dumps(key, ensure_ascii=False).replace("{", "{{").replace("}", "}}") + ": {}" for key in keys
    ) + "\n" + " " * level + "}}"
    return list(map(template.format, *(members[key] for key in keys)))


def _arrays(items: list[str], counts: list[int], level: int) -> list[str]:
    """`items` (encoded one level deeper) cut into consecutive lists of `counts` items each, as
    `json.dumps(indent=1)` writes a list nested `level` deep ("[]" when empty)."""
    indent = "\n" + " " * (level + 1)
    separator = "," + indent
    end = "\n" + " " * level + "]"
    arrays = []
    start = 0
    for count in counts:
        stop = start + count
        arrays.append("[" + indent + separator.join(items[start:stop]) + end if count else "[]")
        start = stop
    return arrays


def _number(value: float) -> float | None:
    # JSON has no NaN or infinity; such a value cannot be a score anyway.
    return float(value) if math.isfinite(value) else None


def _fields(objects: Sequence, names: tuple[str, ...]) -> dict[str, Sequence]:
    """The attributes `names` (two or more) of every object, as one sequence per name, read in one pass."""
    if not objects:
        return dict.fromkeys(names, ())
    return dict(zip(names, zip(*map(attrgetter(*names), objects), strict=True), strict=True))


def _encode_all(fields: dict[str, Sequence]) -> dict[str, list[str]]:
    return {name: json_texts(values) for name, values in fields.items()}


def _table_members(tables: list[Table]) -> dict[str, list[str]]:
    """The encoded members of each table but "entries"."""
    fields = _fields(tables, ("benchmark", "benchmark_name", "metric", "metric_name", "setting", "direction", "unit"))
    fields["key"] = [table.key for table in tables]
    return _encode_all(fields)


def _entry_members(entries: list[Entry]) -> dict[str, list[str]]:
    """The encoded members of each entry but "sources"."""
    fields = _fields(entries, ("rank", "model_id", "model", "params", "value", "unit", "setting", "kind", "conflict"))
    size_classes = {params: size_class(params) for params in set(fields["params"])}
    fields["size_class"] = [size_classes[params] for params in fields["params"]]
    fields["value"] = list(map(_number, fields["value"]))
    return _encode_all(fields)


def _conflict_members(conflicts: Sequence[Conflict]) -> dict[str, list[str]]:
    """The encoded members of each conflict but "chosen" and "sources"."""
    return _encode_all(_fields(conflicts, ("table_key", "benchmark", "metric", "setting", "model_id", "model")))


def _source_members(sources: list[SourceRef], root: str = DATA_ROOT) -> dict[str, list[str]]:
    """The encoded members of each source."""
    fields = _fields(sources, ("paper_id", "paper_title", "published", "claim_id", "claim_index", "model", "value",
                               "kind", "evidence", "status"))
    urls = {paper_id: _claim_url_prefix(paper_id, root) for paper_id in set(fields["paper_id"])}
    fields["abstract_url"] = list(map("{}{}".format, map(urls.__getitem__, fields["paper_id"]), fields["claim_index"]))
    fields["value"] = list(map(_number, fields["value"]))
    return _encode_all(fields)


# ---------------------------------------------------------------- every claim: JSON Lines and Parquet


def claims_jsonl(frame: pd.DataFrame) -> str:
    """One JSON object per claim, keys in column order, null for unknowns: for every row,
    `json.dumps(row, ensure_ascii=False, allow_nan=False)` and a line feed.

    Each column is encoded by one call of `json`'s C encoder (`json_texts`), and the rows are put
    together from those texts: the members separated by ", ", as `json.dumps` writes them."""
    names = [str(name) for name in frame.columns]
    if len(set(names)) != len(names) or names != list(frame.columns):
        raise ValueError("claims_jsonl needs distinct string column names")
    if not names:
        return "{}\n" * len(frame)
    rows = len(frame)
    stride = 2 * len(names) + 1  # per row: a key and a value per column, then the row's end
    parts: list[str | None] = [None] * (rows * stride)
    for position, name in enumerate(names):
        key = json.dumps(name, ensure_ascii=False) + ": "
        parts[2 * position::stride] = [("{" if position == 0 else ", ") + key] * rows
        parts[2 * position + 1::stride] = json_texts(_plain_column(frame.iloc[:, position]))
    parts[stride - 1::stride] = ["}\n"] * rows
    return "".join(parts)


def _plain_column(column: pd.Series) -> list:
    """A column's cells as plain JSON values (`_plain` of each)."""
    if column.dtype == object:
        return [_plain(value) for value in column.tolist()]
    values = column.tolist()  # Python str, float, int and bool; NaN for a missing cell
    if column.hasnans:
        values = [None if missing else value for value, missing in zip(values, column.isna().tolist(), strict=True)]
    return values


def _plain(value: object) -> object:
    """numpy scalars and pandas' missing markers as plain JSON values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


def claims_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()
