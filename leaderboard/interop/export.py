"""Export the compiled leaderboards to the formats people already keep results in.

- `model-index`: one Hugging Face model-card `model-index` YAML block per model, ready to paste into
  the model card's front matter.
- `pwc`: the Papers with Code `evaluation-tables.json` shape (task -> datasets -> `sota`).

In both, every number links to where it came from (`source.url`, `paper_url`): the paper on arXiv or
Hugging Face when its listing gave the id, else the claim on the published site (`--site-url`). A
number with neither is an ExportError: `leaderboard import` refuses numbers without a source, so
such a file could not be read back.
- `jsonl` and `parquet`: every claim, one row each, with exactly the columns of `data/claims.csv`
  (the rows come from the same function, `render.downloads.claims_frame`).

Every exporter is a pure function of the compiled data; the output is sorted and has no timestamp,
so the same input gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import yaml

from ..compile.reconcile import canonical_model_id, is_placeholder, load_model_aliases, rule_model_id
from ..errors import LeaderboardError
from ..models import Claim, Compiled, Entry, Paper, ResultFile, Table
from ..render.downloads import claims_frame, claims_jsonl, claims_parquet, download_root
from ..render.format import arxiv_url, format_number, hf_url, page_name, parse_date
from ..store.registry import Registry
from ..store.results import OPTIONAL_FIELDS

if TYPE_CHECKING:
    import pandas as pd  # only in annotations: pandas takes a third of a second to import

EXPORT_FORMATS = ("model-index", "pwc", "jsonl", "parquet")
BINARY_FORMATS = ("parquet",)
DEFAULT_TASK_TYPE = "text-generation"


# ---------------------------------------------------------------- links


class ExportError(LeaderboardError):
    """An export that would publish numbers without a link to where they came from."""


def abstract_link(paper: Paper, claim_index: int, site_url: str | None = None) -> str | None:
    """Where a number came from: the paper on arXiv, else on Hugging Face (when its listing gave the
    id), else the claim on the site (`papers/<id>.html#claim-N` under `site_url`); None without any."""
    ids = paper.external_ids
    link = arxiv_url(ids.get("arxiv")) or hf_url(ids.get("hf")) if ids else None
    if link or not site_url:
        return link
    return f"{site_url.rstrip('/')}/papers/{page_name(paper.id)}.html#claim-{claim_index}"


def _source_links(compiled: Compiled, site_url: str | None) -> dict[tuple[str, int], str]:
    """The link of every published row's source, {(paper id, claim number): URL}; ExportError when a
    row has none, naming the papers (a model card or PwC row without a source cannot be imported)."""
    papers = _papers(compiled)
    links, missing = {}, {}
    for _table, entry in _rows(compiled):
        source = entry.source
        key = (source.paper_id, source.claim_index)
        link = abstract_link(papers[source.paper_id], source.claim_index, site_url)
        if link:
            links[key] = link
        else:
            missing[key] = source.paper_id
    if missing:
        papers_without = sorted(set(missing.values()))
        shown = ", ".join(papers_without[:5]) + (f" and {len(papers_without) - 5} more" if len(papers_without) > 5 else "")
        raise ExportError(f"{len(missing)} of {len(missing) + len(links)} numbers have no source URL: "
                          f"{len(papers_without)} paper{'s have' if len(papers_without) != 1 else ' has'} "
                          f"no arXiv or Hugging Face id ({shown}) (hint: "
                          "pass --site-url URL (where the site is published) to link each number to its claim "
                          "on the site, or give the listings arxiv_id / hf_id)")
    return links


def export_name(entry: Entry) -> str:
    """The model's display name, with its size when the name lacks it: "Llama 3" at 8B is "Llama 3 8B",
    so that an importer derives the same canonical model id from the name alone."""
    if entry.params and rule_model_id(entry.model) != rule_model_id(entry.model, entry.params):
        return f"{entry.model} {entry.params}"
    return entry.model


def dataset_name(table: Table) -> str:
    """"MMLU", or "MMLU (5-shot)" for a setting: the convention of Open LLM Leaderboard model cards."""
    return f"{table.benchmark_name} ({table.setting})" if table.setting else table.benchmark_name


def _papers(compiled: Compiled) -> dict[str, Paper]:
    return {result.paper.id: result.paper for result in compiled.results}


def _rows(compiled: Compiled) -> Iterable[tuple[Table, Entry]]:
    """Every leaderboard entry that names a model: placeholders ("(prior SOTA)") are no model to publish."""
    for table in compiled.tables:
        for entry in table.entries:
            if not is_placeholder(entry.model):
                yield table, entry


# ---------------------------------------------------------------- model-index


def model_index(compiled: Compiled, registry: Registry, *, site_url: str | None = None,
                task_type: str = DEFAULT_TASK_TYPE, model: str | None = None,
                aliases: dict[str, str] | None = None) -> list[dict]:
    """One `model-index` entry (`name`, `results`) per model, sorted by canonical model id.

    `model` keeps only the model of that name (any spelling that reconciles to the same id).
    Results with the same dataset, setting and source share one entry with several metrics.
    """
    wanted = None
    if model is not None:
        aliases = load_model_aliases() if aliases is None else aliases
        wanted = canonical_model_id(model, aliases)
    by_model: dict[str, list[tuple[Table, Entry]]] = {}
    for table, entry in _rows(compiled):
        if wanted is None or entry.model_id == wanted:
            by_model.setdefault(entry.model_id, []).append((table, entry))
    links = _source_links(compiled, site_url)
    return [
        {"name": export_name(rows[0][1]), "results": _model_results(rows, registry, links, task_type)}
        for _model_id, rows in sorted(by_model.items())
    ]


def _model_results(rows: list[tuple[Table, Entry]], registry: Registry, links: dict[tuple[str, int], str],
                   task_type: str) -> list[dict]:
    grouped: dict[tuple, dict] = {}
    for table, entry in rows:
        source = entry.source
        url = links[(source.paper_id, source.claim_index)]
        benchmark = registry.get(table.benchmark)
        task_name = (benchmark.task if benchmark and benchmark.task else table.benchmark_name)
        result = grouped.setdefault((table.benchmark, table.setting, url), {
            "task": {"type": task_type, "name": task_name},
            "dataset": {"name": dataset_name(table), "type": table.benchmark},
            "metrics": [],
            "source": {"url": url, "name": source.paper_title},
        })
        result["metrics"].append({"type": table.metric, "value": _yaml_number(entry.value), "name": table.metric_name})
    return list(grouped.values())


def _yaml_number(value: float) -> float | int:
    # 70.0 is written 70: model cards hold numbers as people type them.
    return int(value) if float(value).is_integer() else float(value)


def model_index_yaml(blocks: list[dict]) -> str:
    """One YAML document per model (`model-index: [...]`), separated by `---`: each pastes as it is
    into a model card's front matter."""
    documents = [{"model-index": [block]} for block in blocks]
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, default_flow_style=False,
                              width=1000) if documents else ""


# ---------------------------------------------------------------- Papers with Code


def pwc_tables(compiled: Compiled, registry: Registry, *, site_url: str | None = None) -> list[dict]:
    """Papers with Code `evaluation-tables.json`: tasks (by name) -> datasets (by name) -> `sota`.

    A dataset is one (benchmark, setting); its `sota.metrics` are the metric names in registry order,
    and each row is one model as reported by one paper, with its numbers as strings.
    """
    results = {result.paper.id: result for result in compiled.results}
    links = _source_links(compiled, site_url)
    tasks: dict[str, dict[str, list[tuple[Table, Entry]]]] = {}
    for table, entry in _rows(compiled):
        benchmark = registry.get(table.benchmark)
        task = benchmark.task if benchmark and benchmark.task else table.benchmark_name
        tasks.setdefault(task, {}).setdefault(dataset_name(table), []).append((table, entry))
    return [
        {"task": task, "description": "", "categories": [],
         "datasets": [_pwc_dataset(name, rows, registry, results, links) for name, rows in sorted(datasets.items())],
         "subtasks": [], "synonyms": [], "source_link": None}
        for task, datasets in sorted(tasks.items())
    ]


def _pwc_dataset(name: str, rows: list[tuple[Table, Entry]], registry: Registry, results: dict[str, ResultFile],
                 links: dict[tuple[str, int], str]) -> dict:
    benchmark = registry.get(rows[0][0].benchmark)
    order = {metric.id: position for position, metric in enumerate(benchmark.metrics)} if benchmark else {}
    rows = sorted(rows, key=lambda row: (order.get(row[0].metric, len(order)), row[0].metric, row[1].rank))
    metric_names = list(dict.fromkeys(table.metric_name for table, _entry in rows))
    by_source: dict[tuple, dict] = {}
    for table, entry in rows:
        result = results[entry.source.paper_id]
        paper = result.paper
        extras = _claim_extras(result.claims[entry.source.claim_index - 1].claim)
        row = by_source.setdefault((entry.model_id, paper.id, *extras.items()), {
            "model_name": export_name(entry),
            "paper_title": paper.title,
            "paper_url": links[(entry.source.paper_id, entry.source.claim_index)],
            "paper_date": paper.published if parse_date(paper.published) else None,
            "code_links": [],
            "model_links": [],
            "metrics": {},
            "uses_additional_data": False,
            **extras,
        })
        row["metrics"][table.metric_name] = format_number(entry.value, entry.source.evidence)
    return {"dataset": name, "description": "", "subdatasets": [], "dataset_links": [], "dataset_citations": [],
            "sota": {"metrics": metric_names, "rows": list(by_source.values())}}


def _claim_extras(claim: Claim) -> dict[str, str]:
    """The claim's optional fields that are set, as extra keys of a PwC row (which the importer reads back;
    numbers of one model and paper that differ in them go in separate rows)."""
    return {name: value for name in OPTIONAL_FIELDS if (value := getattr(claim, name)) is not None}


def pwc_json(tasks: list[dict]) -> str:
    return json.dumps(tasks, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- every claim: JSONL and Parquet


def claims_table(compiled: Compiled, site_url: str | None = None) -> pd.DataFrame:
    """The rows and columns of `data/claims.csv`; with `site_url` the abstract links are absolute."""
    return claims_frame(compiled, download_root(site_url))


# ---------------------------------------------------------------- entry points


def export(compiled: Compiled, registry: Registry, fmt: str, *, site_url: str | None = None,
           task_type: str = DEFAULT_TASK_TYPE, model: str | None = None) -> bytes:
    """The exported file in format `fmt` (one of EXPORT_FORMATS), as bytes (text is UTF-8)."""
    if fmt == "model-index":
        blocks = model_index(compiled, registry, site_url=site_url, task_type=task_type, model=model)
        return model_index_yaml(blocks).encode("utf-8")
    if fmt == "pwc":
        return pwc_json(pwc_tables(compiled, registry, site_url=site_url)).encode("utf-8")
    if fmt == "jsonl":
        return claims_jsonl(claims_table(compiled, site_url)).encode("utf-8")
    if fmt == "parquet":
        return claims_parquet(claims_table(compiled, site_url))
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
