"""Phase one of the site build: every page's content, computed from the compiled data alone.

`site_files(compiled, registry)` returns {relative path: bytes} for the whole site and touches no file
system output; `output.render_site` writes the result. Templates are Jinja2 with autoescape on (every
string here comes from papers written by strangers); the only Markup passed in is HTML built here from
escaped text (highlighted abstracts) and the charts' SVG.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Protocol
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..cache import content_key
from ..compile.queue import REASON_LABELS, review_queue
from ..errors import LeaderboardError
from ..models import Compiled, Conflict, Entry, ResultFile, Table
from ..paths import PACKAGE_DIR  # templates/ and static/ sit in the package's top directory
from ..store.curate import DEFAULT_POLICY, Policy, confidence_of, is_checked
from ..store.registry import Benchmark, Registry
from .chart import Chart, sota_chart
from .downloads import (
    BENCHMARK_COLUMNS,
    CLAIMS_COLUMNS,
    benchmark_frame,
    claim_url,
    claims_frame,
    claims_jsonl,
    claims_parquet,
    download_root,
    leaderboards_json,
    prune_table_texts,
    to_csv,
)
from .format import (
    SIZE_CLASSES,
    anchor_id,
    arxiv_url,
    date_sort_key,
    format_date,
    format_number,
    format_score,
    hf_url,
    model_with_base,
    page_name,
    params_count,
    parse_date,
    safe_web_url,
    size_class,
)
from .highlight import highlight_abstract, mark_open
from .markdown import table_heading

TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
KIND_LABELS = {"absolute": "reported", "cited": "cited", "delta": "delta"}
QUEUE_PAGE_LIMIT = 1000  # the review queue page lists this many claims (the CLI lists them all)


@dataclass(frozen=True)
class SiteOptions:
    """What the site shows besides the data: the publishing policy (the paper pages say which
    claims wait for review) and the repository whose result files "Suggest a fix" edits."""

    policy: Policy = DEFAULT_POLICY
    repo_url: str | None = None  # https://github.com/OWNER/REPO, without a trailing slash
    # Where the site is published: makes the downloads' links absolute. Not in `token`: the pages do not
    # depend on it, and the downloads' keys include it themselves.
    site_url: str | None = None

    @property
    def token(self) -> str:
        """A text for the build cache's page keys: empty for the defaults, so that their keys stay as they were."""
        parts = ([] if self.policy == DEFAULT_POLICY else [self.policy.token]) + \
            ([f"repo:{self.repo_url}"] if self.repo_url else [])
        return "\0".join(parts)


class SiteError(LeaderboardError):
    """The site cannot be written: two pages on one path, an unsafe path, or an output directory we must not replace."""


@dataclass(frozen=True)
class BenchmarkInfo:
    """A benchmark as the site shows it: from the registry, or made up from a table for ids it lacks."""

    id: str
    name: str
    task: str
    homepage: str | None
    aliases: tuple[str, ...]
    metric_order: tuple[str, ...]


def environment() -> Environment:
    """The Jinja2 environment: autoescape on for every template, undefined names are errors.

    Set up for sites of 100k pages and more: the layout's fixed parts are rendered once per depth
    (page_chrome), the kind badge once per kind, and `row.name` on a dict context is a plain lookup.
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates ship with the package: no stat() of three files per page
        cache_size=-1,  # a plain dict of the dozen templates, no LRU bookkeeping on every get_template
    )
    env.filters["date"] = format_date
    # No default globals (range, dict, namespace...): no template uses them, and Jinja copies every
    # global into every page's context, a few microseconds a page (at 100k pages, half a second).
    env.globals.clear()
    chromes: dict[tuple[str, str, str | None], dict[str, str]] = {}

    def page_chrome(root: str, page: str, generated: str | None) -> dict[str, str]:
        """_chrome.html's parts (Markup) for a page, shared by every page they are the same for: the nav
        marks only top-level pages as current, so below the top level the page's name does not matter."""
        key = (root, page if "/" not in page else "", generated)
        chrome = chromes.get(key)
        if chrome is None:
            parts = env.get_template("_chrome.html").make_module({"root": root, "page": key[1], "generated": generated})
            chrome = chromes[key] = {name: getattr(parts, name) for name in ("head", "top", "bottom")}
        return chrome

    env.filters["page_chrome"] = page_chrome  # a filter: Jinja calls those directly, globals through the context
    badges: dict[tuple[str, str], str] = {}

    def kind_badge(kind: str, labels: Mapping[str, str]) -> str:
        """The kind_badge macro of _macros.html (its output depends on the kind and its label only),
        rendered once per kind rather than once per table row."""
        key = (kind, labels.get(kind, kind))
        badge = badges.get(key)
        if badge is None:
            badge = env.get_template("_macros.html").module.kind_badge(kind, labels)  # type: ignore[attr-defined]
            if kind in KIND_LABELS:  # an odd kind from a paper is rendered each time, never kept
                badges[key] = badge
        return badge

    env.filters["kind_badge"] = kind_badge

    dict_attributes = frozenset(dir(dict))
    jinja_getattr = env.getattr

    def getattr_(obj: object, attribute: str) -> object:
        """Jinja's `row.name`, quicker on the plain dicts the contexts are made of. Jinja tries the
        attribute first, and a dict's failed attribute lookup (an exception) costs more than the item
        lookup; a plain dict has no attributes but dict's own, so the answer is the same."""
        if type(obj) is dict:
            if attribute not in dict_attributes:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return jinja_getattr(obj, attribute)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            return jinja_getattr(obj, attribute)  # an item, or undefined

    env.getattr = getattr_  # type: ignore[method-assign]
    return env


def site_files(compiled: Compiled, registry: Registry, generated: str | None = None,
               options: SiteOptions | None = None) -> dict[str, bytes]:
    """Every file of the site, {posix path relative to the site root: content}, in a stable order."""
    site = _Site(compiled, registry, generated, options=options)
    return site.files()


class TableTexts(Protocol):
    """Where the JSON text of each table in data/leaderboards.json is kept between builds (see
    downloads.leaderboards_json): `load` gives {table hash: text}, `store` keeps the texts used."""

    def load(self) -> dict[str, str]: ...

    def store(self, texts: dict[str, str]) -> None: ...


def site_builder(compiled: Compiled, registry: Registry, generated: str | None = None,
                 charts: Mapping[str, Chart] | None = None, table_texts: TableTexts | None = None,
                 options: SiteOptions | None = None) -> _Site:
    """The site's pages one at a time, for a writer that renders only what changed (the cached build).

    `charts` maps Table.key to that table's chart, drawn beforehand (in parallel or from a cache);
    a table missing from it is drawn here. With `table_texts`, data/leaderboards.json encodes only
    the tables whose text is not kept there. With `options.site_url` (where the site is published), the
    downloads' `abstract_url` links are absolute; the pages are the same either way.
    """
    return _Site(compiled, registry, generated, charts, table_texts, options)


class _Site:
    """Indexes over the compiled data that several pages share; built once, read-only afterwards."""

    def __init__(self, compiled: Compiled, registry: Registry, generated: str | None,
                 charts: Mapping[str, Chart] | None = None, table_texts: TableTexts | None = None,
                 options: SiteOptions | None = None):
        self.compiled = compiled
        self.registry = registry
        self.options = options or SiteOptions()
        self.site_url = self.options.site_url
        self.data_root = download_root(self.site_url)  # what the downloads' links start with
        self.table_texts = table_texts
        self.charts = {} if charts is None else charts  # may be computed on first use
        self._claims_frame = None
        self.generated = generated
        self.env = environment()
        self.benchmarks = _benchmarks(registry, compiled.tables)
        order = {b.id: (i, b) for i, b in enumerate(self.benchmarks)}
        self.tables = sorted(compiled.tables, key=lambda t: (order[t.benchmark][0], _metric_position(order[t.benchmark][1], t),
                                                              t.setting or "", t.key))
        self.tables_by_benchmark: dict[str, list[Table]] = defaultdict(list)
        for table in self.tables:
            self.tables_by_benchmark[table.benchmark].append(table)

    # The indexes below are made when first used: the downloads, made apart (see
    # render._make_site), need none of them, and at 100k papers they take a quarter of a second.

    @cached_property
    def results(self) -> dict[str, ResultFile]:
        results = self.compiled.results
        ids = [r.paper.id for r in results]
        if any(ids[n] > ids[n + 1] for n in range(len(ids) - 1)):  # the build passes them sorted
            order = sorted(range(len(ids)), key=ids.__getitem__)
            ids, results = [ids[n] for n in order], [results[n] for n in order]
        return dict(zip(ids, results, strict=True))

    @cached_property
    def conflicts(self) -> dict[tuple[str, str], Conflict]:
        return {(c.table_key, c.model_id): c for c in self.compiled.conflicts}

    @cached_property
    def uses(self) -> dict[tuple[str, int], list[tuple[Table, Entry]]]:
        """Which leaderboards each claim feeds: (paper id, claim number) -> [(table, entry)]."""
        uses: dict[tuple[str, int], list[tuple[Table, Entry]]] = defaultdict(list)
        for table in self.tables:
            for entry in table.entries:
                for source in entry.sources:
                    uses[(source.paper_id, source.claim_index)].append((table, entry))
        return uses

    @cached_property
    def models(self) -> dict[str, list[tuple[Table, Entry]]]:
        """Every model's rows: model id -> [(table, entry)], in site order."""
        models: dict[str, list[tuple[Table, Entry]]] = defaultdict(list)
        for table in self.tables:
            for entry in table.entries:
                models[entry.model_id].append((table, entry))
        return models

    # -- links ------------------------------------------------------------------------------------

    @staticmethod
    def benchmark_href(benchmark_id: str, root: str) -> str:
        return f"{root}benchmarks/{page_name(benchmark_id)}.html"

    def table_href(self, table: Table, root: str) -> str:
        return f"{self.benchmark_href(table.benchmark, root)}#{anchor_id('table', table.key)}"

    @staticmethod
    def model_href(model_id: str, root: str) -> str:
        return f"{root}models/{page_name(model_id)}.html"

    def paper_href(self, paper_id: str, root: str) -> str | None:
        return f"{root}papers/{page_name(paper_id)}.html" if paper_id in self.results else None

    def claim_href(self, paper_id: str, claim_index: int, root: str) -> str | None:
        result = self.results.get(paper_id)
        if result is None or not 1 <= claim_index <= len(result.claims):
            return None  # the anchor would not exist: show the paper as text rather than a dead link
        return claim_url(paper_id, claim_index, root)

    def conflict_href(self, table: Table, model_id: str, root: str) -> str | None:
        if (table.key, model_id) not in self.conflicts:
            return None
        return f"{root}conflicts.html#{anchor_id('conflict', table.key, model_id)}"

    # -- page contexts ----------------------------------------------------------------------------

    def files(self) -> dict[str, bytes]:
        """Every file of the site, made: the list of `outputs`, the one the cached build goes through."""
        files: dict[str, bytes] = {}
        for path, _inputs, make in self.outputs():
            _add(files, path, make())
        return files

    def render(self, path: str, template: str, context: dict) -> bytes:
        root = "../" * path.count("/")
        html = self.env.get_template(template).render(context, root=root, generated=self.generated, page=path)
        return html.encode("utf-8")

    @staticmethod
    def static_files() -> dict[str, bytes]:
        return {f"static/{asset.name}": asset.read_bytes() for asset in sorted(STATIC_DIR.iterdir())
                if asset.is_file() and not asset.name.startswith(".")}

    def claims_frame(self):
        """Every claim as one frame, made once for the three downloads that share it (a second each at 100k papers)."""
        if self._claims_frame is None:
            self._claims_frame = claims_frame(self.compiled, self.data_root)
        return self._claims_frame

    def data_pages(self) -> Iterator[tuple[str, object, Callable[[], bytes]]]:
        """(path, inputs, content maker) of every download. `inputs` is everything the content
        depends on (the cached build skips unchanged ones), or None when that is the whole site."""
        yield "data/claims.csv", None, lambda: to_csv(self.claims_frame())
        # The same rows for data tools: Parquet keeps types, JSON Lines streams.
        yield "data/claims.parquet", None, lambda: claims_parquet(self.claims_frame())
        yield "data/claims.jsonl", None, lambda: claims_jsonl(self.claims_frame()).encode("utf-8")
        for benchmark in self.benchmarks:
            tables = self.tables_by_benchmark[benchmark.id]
            yield f"data/{page_name(benchmark.id)}.csv", tables, partial(_benchmark_csv, tables, self.data_root)
        yield "data/leaderboards.json", None, lambda: leaderboards_json(self.compiled, self.tables, root=self.data_root)

    def _leaderboards_json(self, table_keys: Mapping[str, str]) -> bytes:
        """data/leaderboards.json, encoding only the tables whose text is not kept from a build before."""
        texts = self.table_texts.load()
        known = set(texts)
        if self.site_url:  # a table's text holds its links: kept apart from the text with relative links
            table_keys = {key: f"{digest}@{self.site_url}" for key, digest in table_keys.items()}
        data = leaderboards_json(self.compiled, self.tables, texts, table_keys, root=self.data_root)
        prune_table_texts(texts, table_keys)
        if texts.keys() != known:
            self.table_texts.store(texts)
        return data

    def index_context(self) -> dict:
        rows = []
        for benchmark in self.benchmarks:
            tables = self.tables_by_benchmark[benchmark.id]
            if not tables:  # the registry page lists the others: a thousand "no results yet" rows would bury the boards
                continue
            headline = _headline(tables)
            leader = headline.entries[0] if headline and headline.entries else None
            dates = [s.published for t in tables for e in t.entries for s in e.sources if s.published]
            rows.append({
                "name": benchmark.name,
                "href": self.benchmark_href(benchmark.id, ""),
                "task": benchmark.task,
                "search": " ".join((benchmark.id, benchmark.name, *benchmark.aliases, benchmark.task)).lower(),
                "entries": sum(len(t.entries) for t in tables),
                "tables": len(tables),
                "leader": leader and {
                    "model": self.leader_name(leader),
                    "href": self.model_href(leader.model_id, ""),
                    "score": format_score(leader.value, leader.unit, leader.source.evidence),
                    "metric": headline.metric_name + (f" ({headline.setting})" if headline.setting else ""),
                },
                "updated": _latest(dates),
            })
        return {"title": "Benchmarks", "benchmarks": rows, "registry_size": len(self.registry), "papers": len(self.results),
                "claims": sum(len(r.claims) for r in self.results.values()), "conflicts": len(self.compiled.conflicts)}

    def registry_context(self) -> dict:
        """registry.html: every benchmark of the registry, with its metrics, sources and licences."""
        pages = {b.id for b in self.benchmarks}
        rows = []
        for benchmark in sorted(self.registry, key=lambda b: (b.name.casefold(), b.id)):
            rows.append({
                "id": benchmark.id, "name": benchmark.name, "aliases": benchmark.aliases, "task": benchmark.task,
                "search": " ".join((benchmark.id, benchmark.name, *benchmark.aliases, benchmark.task)).lower(),
                "metrics": [(m.name, m.direction) for m in benchmark.metrics],
                "sources": [{"source": s.source, "licence": s.licence, "ref": s.ref,
                             "href": f"https://github.com/{s.repository}/tree/{s.commit}" if s.repository and s.commit else None}
                            for s in benchmark.source_refs],
                "href": self.benchmark_href(benchmark.id, "") if benchmark.id in pages else None,
                "entries": sum(len(t.entries) for t in self.tables_by_benchmark.get(benchmark.id, ())),
            })
        unknown = sum(1 for row in rows if any(direction == "unknown" for _, direction in row["metrics"]))
        return {"title": "Benchmark registry", "benchmarks": rows, "unknown": unknown}

    def leader_name(self, entry) -> str:
        """A leader's name for the index: a placeholder ("(unnamed)", "(baseline)") never heads a board
        bare; it reads as the unnamed system of the paper that reported it."""
        if not entry.model.startswith("("):
            return entry.model
        return f"unnamed system of “{entry.source.paper_title}”"

    def benchmark_context(self, benchmark: BenchmarkInfo) -> dict:
        tables = []
        kinds: set[str] = set()
        sizes: set[str] = set()
        for table in self.tables_by_benchmark[benchmark.id]:
            rows = [self.entry_row(table, entry, "../") for entry in table.entries]
            kinds.update(r["kind"] for r in rows)
            sizes.update(r["size"] for r in rows)
            chart = self.charts.get(table.key) or sota_chart(table)
            tables.append({
                "id": anchor_id("table", table.key),
                "caption": table_heading(table),
                "metric": table.metric_name,
                "setting": table.setting,
                "lower": table.direction == "lower",
                "rows": rows,
                "checked": sum(1 for r in rows if r["checked"]),
                "chart": chart,
                "chart_records": [{"date": format_date(p.date.isoformat()), "model": p.model,
                                   "score": format_score(p.value, table.unit),
                                   "href": self.claim_href(p.paper_id, p.claim_index, "../")} for p in chart.records],
            })
        return {
            "title": benchmark.name,
            "benchmark": benchmark,
            "homepage": safe_web_url(benchmark.homepage),
            "tables": tables,
            "kinds": [k for k in ("absolute", "cited", "delta") if k in kinds] + sorted(kinds - set(KIND_LABELS)),
            "kind_labels": KIND_LABELS,
            "sizes": [s for s in SIZE_CLASSES if s in sizes],
            "csv_href": f"../data/{page_name(benchmark.id)}.csv",
        }

    def entry_row(self, table: Table, entry: Entry, root: str) -> dict:
        source = entry.source
        count = params_count(entry.params)
        conflict_title = ""
        if entry.conflict:  # the conflict mark's tooltip: a row without the mark has no use for it
            conflict = self.conflicts.get((table.key, entry.model_id))
            others = conflict.sources if conflict else entry.sources
            conflict_title = "Papers disagree: " + ", ".join(
                f"{format_score(s.value, entry.unit, s.evidence)} ({s.paper_title})" for s in others)
        return {
            "rank": entry.rank,
            "model": model_with_base(entry.model, source.base_model),
            "model_href": self.model_href(entry.model_id, root),
            "params": entry.params or "",
            "params_sort": format_number(count) if count is not None else "",
            "size": size_class(entry.params),
            "score": format_score(entry.value, entry.unit, source.evidence),
            "score_sort": format_number(entry.value),
            "setting": entry.setting or "",
            "kind": entry.kind,
            "conflict": entry.conflict,
            "conflict_href": self.conflict_href(table, entry.model_id, root),
            "conflict_title": conflict_title,
            "paper": source.paper_title,
            "paper_href": self.claim_href(source.paper_id, source.claim_index, root),
            "evidence": source.evidence,
            "date": format_date(source.published) or "",
            "date_sort": date_sort_key(source.published),
            "sources": len(entry.sources),
            "checked": is_checked(source.status),
        }

    def paper_context(self, result: ResultFile) -> dict:
        paper = result.paper
        abstract, missing = highlight_abstract(paper.abstract, result.claims)
        claims = []
        for index, stored in enumerate(result.claims, start=1):
            claim = stored.claim
            placed = self.uses.get((paper.id, index))
            uses = [{"caption": table_heading(t), "href": self.table_href(t, "../"), "rank": e.rank,
                     "model_href": self.model_href(e.model_id, "../")} for t, e in placed] if placed else []
            claims.append({
                "n": index, "model": model_with_base(claim.model, claim.base_model), "benchmark": claim.benchmark_text,
                "benchmark_href": self.benchmark_href(claim.benchmark, "../") if claim.benchmark in
                self.tables_by_benchmark or any(b.id == claim.benchmark for b in self.benchmarks) else None,
                "metric": claim.metric, "score": format_score(claim.value, claim.unit, claim.evidence), "setting": claim.setting or "",
                "params": claim.params or "", "kind": claim.kind, "status": stored.status, "note": stored.note,
                "qualifier": claim.qualifier, "source_url": safe_web_url(stored.source_url), "uses": uses,
                "missing": index in missing, "evidence": claim.evidence,
                "mark_open": mark_open(index, stored.status, claim.kind),
                "confidence": (claim.confidence or "unrated") if stored.status == "extracted" else "",
                "held_back": stored.status == "extracted" and not self.options.policy.publishes(stored),
                "ref": f"{paper.id}#{index}", **self.repo_links(result, index, stored),
            })
        ids = paper.external_ids
        links = [(name, url) for name, url in (("arXiv", arxiv_url(ids.get("arxiv"))),
                                               ("Hugging Face", hf_url(ids.get("hf")))) if url] if ids else []
        return {"title": paper.title, "paper": paper, "abstract": abstract, "claims": claims, "links": links,
                "missing": [c for c in claims if c["missing"]] if missing else [], "kind_labels": KIND_LABELS}

    def repo_links(self, result: ResultFile, index: int, stored) -> dict:
        """"Suggest a fix" (the repository's editor on the result file) and "Report" (a new issue
        about the claim, prefilled) when the site was built with a repository URL."""
        repo = self.options.repo_url
        if not repo:
            return {"fix_href": None, "report_href": None}
        paper, claim = result.paper, stored.claim
        ref = f"{paper.id}#{index}"
        title = f"Claim {ref}: {claim.model} on {claim.benchmark_text}"
        body = (f"Paper: {paper.title} ({paper.id})\nClaim: {ref} (id {stored.id}, {stored.status})\n"
                f"Model: {claim.model}\nBenchmark: {claim.benchmark_text} ({claim.benchmark or 'not in the registry'})\n"
                f"Value: {claim.value}{claim.unit or ''} {claim.metric}\nEvidence: \"{claim.evidence}\"\n\n"
                "What is wrong:\n")
        return {"fix_href": f"{repo}/edit/main/results/{quote(paper.id)}.json",
                "report_href": f"{repo}/issues/new?{urlencode({'title': title, 'body': body}, quote_via=quote)}"}

    def queue_context(self) -> dict:
        items = review_queue(self.results.values(), self.registry, self.options.policy, compiled=self.compiled)
        shown = []
        for item in items[:QUEUE_PAGE_LIMIT]:
            claim = item.stored.claim
            shown.append({"ref": item.ref, "href": self.claim_href(item.paper_id, item.index, ""),
                          "paper": item.paper_title, "model": claim.model,
                          "benchmark": claim.benchmark_text, "registered": bool(claim.benchmark),
                          "score": format_score(claim.value, claim.unit, claim.evidence) if isinstance(
                              claim.value, int | float) else str(claim.value),
                          "metric": claim.metric, "setting": claim.setting or "", "kind": claim.kind,
                          "confidence": confidence_of(claim), "held_back": item.held_back,
                          "reasons": [REASON_LABELS[r] for r in item.reasons], "evidence": claim.evidence})
        return {"title": "Review queue", "items": shown, "total": len(items),
                "held_back": sum(1 for i in items if i.held_back), "kind_labels": KIND_LABELS,
                "policy": self.options.policy.describe()}

    def model_context(self, model_id: str) -> dict:
        placed = self.models[model_id]
        names = sorted({s.model for _, e in placed for s in e.sources} | {e.model for _, e in placed})
        rows = []
        for table, entry in placed:
            row = self.entry_row(table, entry, "../")
            row.update(benchmark=table.benchmark_name, benchmark_href=self.table_href(table, "../"),
                       caption=table_heading(table), of=len(table.entries))
            rows.append(row)
        return {"title": placed[0][1].model, "model_id": model_id, "names": names, "rows": rows,
                "kinds": sorted({r["kind"] for r in rows}), "kind_labels": KIND_LABELS,
                "sizes": [s for s in SIZE_CLASSES if s in {r["size"] for r in rows}]}

    def papers_context(self) -> dict:
        # One row per paper, as a tuple (href, title, date_sort, date, claims, ranked): papers.html unpacks it.
        papers = []
        uses = self.uses
        paper_href = self.paper_href
        for paper_id, result in self.results.items():
            paper = result.paper
            claims = len(result.claims)
            ranked = sum(1 for i in range(1, claims + 1) if (paper_id, i) in uses) if claims else 0
            papers.append((paper_href(paper_id, ""), paper.title, date_sort_key(paper.published),
                           format_date(paper.published), claims, ranked))
        return {"title": "Papers", "papers": papers}

    def models_context(self) -> dict:
        models = []
        for model_id in sorted(self.models):
            placed = self.models[model_id]
            first = placed[0][1]
            models.append({"name": first.model, "href": self.model_href(model_id, ""), "params": first.params or "",
                           "params_sort": format_number(params_count(first.params) or 0) if first.params else "",
                           "results": len(placed), "best_rank": min(e.rank for _, e in placed)})
        return {"title": "Models", "models": models}

    def conflicts_context(self) -> dict:
        order = {t.key: i for i, t in enumerate(self.tables)}
        tables = {t.key: t for t in self.tables}
        items = []
        for conflict in sorted(self.compiled.conflicts, key=lambda c: (order.get(c.table_key, len(order)), c.table_key,
                                                                        c.model_id)):
            table = tables.get(conflict.table_key)
            unit = table.unit if table else None
            items.append({
                "id": anchor_id("conflict", conflict.table_key, conflict.model_id),
                "model": conflict.model,
                "model_href": self.model_href(conflict.model_id, "") if conflict.model_id in self.models else None,
                "caption": table_heading(table) if table else conflict.table_key,
                "table_href": self.table_href(table, "") if table else None,
                "sources": [{
                    "chosen": s == conflict.chosen, "score": format_score(s.value, unit, s.evidence), "kind": s.kind,
                    "status": s.status, "model": s.model, "paper": s.paper_title,
                    "href": self.claim_href(s.paper_id, s.claim_index, ""), "date": format_date(s.published),
                    "evidence": s.evidence,
                } for s in conflict.sources],
            })
        return {"title": "Conflicts", "conflicts": items, "kind_labels": KIND_LABELS}

    def downloads_context(self) -> dict:
        return {
            "title": "Downloads",
            "claims_columns": CLAIMS_COLUMNS,
            "benchmark_columns": BENCHMARK_COLUMNS,
            "benchmarks": [{"name": b.name, "href": f"data/{page_name(b.id)}.csv",
                            "entries": sum(len(t.entries) for t in self.tables_by_benchmark[b.id])}
                           for b in self.benchmarks],
        }


    # -- what each file depends on (the cached build) ----------------------------------------------

    def outputs(self, sources: Mapping[str, str] | None = None, table_keys: Mapping[str, str] | None = None,
                entry_keys: Mapping[str, Mapping[str, str]] | None = None,
                ) -> Iterator[tuple[str, object, Callable[[], bytes]]]:
        """(path, inputs, make) of every file of the site: the downloads first, then the pages.

        `inputs` is a small picklable value that determines the file's bytes (with the code and
        `generated`, which the caller adds), so that a writer can skip a file whose inputs are
        unchanged without making it; None when there is no such value (always make the file). A paper's page is named by `sources[paper id]`, a hash of
        everything its validated result came from, and by the leaderboard places of its claims;
        other pages by `table_keys[table key]`, a hash of each Table they show, and a model's page
        by `entry_keys[table key][model id]`, a hash of its row and the table's heading and size
        (so that a change to one row of a large table redraws one model's page). Without those
        hashes (or for small pages) `inputs` is the page's context or the file's content itself.
        The mappings are read only when needed, so they may be computed on first use.
        """
        yield from self.download_outputs(sources, table_keys)
        yield from self.page_outputs(sources, table_keys, entry_keys)

    def download_outputs(self, sources: Mapping[str, str] | None = None, table_keys: Mapping[str, str] | None = None,
                         ) -> Iterator[tuple[str, object, Callable[[], bytes]]]:
        """`outputs` of the files under data/: they depend on every claim (see `outputs`)."""
        table_keys = {} if table_keys is None else table_keys
        whole = self._tables_digest(table_keys)
        results_digest = self._results_digest(sources) if table_keys else None
        for path, inputs, make in self.data_pages():
            if path.startswith("data/claims."):
                inputs = (path, results_digest, whole) if results_digest is not None and whole else None
            elif path == "data/leaderboards.json":
                inputs = (path, whole) if whole else None
                if whole and self.table_texts is not None:
                    make = partial(self._leaderboards_json, table_keys)
            elif inputs is not None:
                hashes = tuple(table_keys.get(t.key) for t in inputs) if table_keys else None
                inputs = (path, hashes) if hashes is not None and None not in hashes else (path, inputs)
            if self.site_url and inputs is not None:  # the links in every download depend on it
                inputs = (inputs, self.site_url)
            yield path, inputs, make  # None: no cheap inputs, always made

    def page_outputs(self, sources: Mapping[str, str] | None = None, table_keys: Mapping[str, str] | None = None,
                     entry_keys: Mapping[str, Mapping[str, str]] | None = None,
                     ) -> Iterator[tuple[str, object, Callable[[], bytes]]]:
        """`outputs` of every file but the downloads (see `_page_outputs`); the site options
        (policy, repository URL) are part of every page's inputs."""
        token = self.options.token
        outputs = self._page_outputs(sources, table_keys, entry_keys)
        if not token:
            yield from outputs
            return
        for path, inputs, make in outputs:
            if inputs is not None:
                inputs = f"{token}\0{inputs}" if isinstance(inputs, str) else (token, inputs)
            yield path, inputs, make

    def _page_outputs(self, sources: Mapping[str, str] | None, table_keys: Mapping[str, str] | None,
                      entry_keys: Mapping[str, Mapping[str, str]] | None,
                      ) -> Iterator[tuple[str, object, Callable[[], bytes]]]:
        """The one list of the site's pages and static files: each one's path, what its bytes
        depend on, and how they are made. The full build (`files`, `render.render_site`) and the
        cached one (`render.render_site_cached`) both go through it; a page whose inputs are None
        here (no hashes given) is keyed by its whole context, which is then made at once."""
        table_keys = {} if table_keys is None else table_keys
        # The charts may be drawn on first use (see site_builder): here, before pages are made in
        # forked children, which would each draw them again.
        len(self.charts)
        benchmark_ids = {b.id for b in self.benchmarks}

        def page(path: str, template: str, make_context: Callable[[], dict], inputs: object = None):
            if inputs is None:
                context = make_context()
                return path, ("context", template, context), lambda: self.render(path, template, context)
            inputs = f"{template}\0{inputs}" if isinstance(inputs, str) else (template, inputs)
            return path, inputs, lambda: self.render(path, template, make_context())

        yield page("index.html", "index.html", self.index_context)
        for b in self.benchmarks:
            tables = self.tables_by_benchmark[b.id]
            hashes = tuple(table_keys.get(t.key) for t in tables) if table_keys else None
            yield page(f"benchmarks/{page_name(b.id)}.html", "benchmark.html", partial(self.benchmark_context, b),
                       (b, hashes) if hashes is not None and None not in hashes else None)
        # 100,000 papers at scale: each gets its inputs and maker with as little work as possible.
        # The inputs are a string, not a tuple: used as the key as it is (see build._page_key).
        render_paper = self._paper_page
        places = self._claim_places
        for pid, result in self.results.items():
            path = f"papers/{page_name(pid)}.html"
            signature = sources.get(pid) if sources is not None else None
            if signature:
                inputs: object = f"paper.html\0{signature}\0{places(pid, result, benchmark_ids)!r}" if result.claims \
                    else f"paper.html\0{signature}\0()"
                yield path, inputs, partial(render_paper, path, result)
            else:
                yield page(path, "paper.html", partial(self.paper_context, result))
        for mid in sorted(self.models):
            rows = [entry_keys.get(t.key, {}).get(mid) for t, _ in self.models[mid]] if entry_keys else None
            yield page(f"models/{page_name(mid)}.html", "model.html", partial(self.model_context, mid),
                       "\0".join(rows) if rows and all(rows) else None)
        whole = self._tables_digest(table_keys)
        papers_rows = self._papers_rows() if sources is not None and table_keys else None
        yield page("papers.html", "papers.html", self.papers_context, papers_rows)
        yield page("models.html", "models.html", self.models_context, whole and ("models", whole))
        yield page("conflicts.html", "conflicts.html", self.conflicts_context, whole and ("conflicts", whole))
        yield page("downloads.html", "downloads.html", self.downloads_context)
        yield page("registry.html", "registry.html", self.registry_context)  # its context is its inputs
        results_digest = self._results_digest(sources)
        yield page("queue.html", "queue.html", self.queue_context,
                   ("queue", results_digest, whole) if results_digest and whole else None)
        for path, content in self.static_files().items():
            yield path, ("content", content), lambda c=content: c

    def _tables_digest(self, table_keys: Mapping[str, str]) -> str | None:
        """A hash of every table's hash, in site order; None when one is unknown."""
        if not table_keys:
            return None
        digest = [table_keys.get(t.key) for t in self.tables]
        return None if None in digest else content_key("\0".join(digest))

    def _results_digest(self, sources: Mapping[str, str] | None) -> str | None:
        """A hash of every paper's source hash (hex strings), in paper order; None when one is unknown."""
        if sources is None:
            return None
        digest = [sources.get(pid) for pid in self.results]
        return None if None in digest else content_key("\0".join(digest))

    def _paper_page(self, path: str, result: ResultFile) -> bytes:
        return self.render(path, "paper.html", self.paper_context(result))

    def _claim_places(self, paper_id: str, result: ResultFile, benchmark_ids: set[str]) -> tuple:
        """What a paper's page shows besides the paper itself: for each claim, whether its benchmark
        has a page, and the leaderboard places it feeds (table, heading, rank, model)."""
        if not result.claims:
            return ()
        return tuple(
            (stored.claim.benchmark in benchmark_ids,
             tuple((t.key, table_heading(t), e.rank, e.model_id) for t, e in self.uses.get((paper_id, n), ())))
            for n, stored in enumerate(result.claims, start=1))

    def _papers_rows(self) -> tuple:
        """Everything papers.html shows of each paper (cheaper to compare than to render)."""
        uses = self.uses
        return tuple((pid, r.paper.title, r.paper.published, len(r.claims),
                      sum(1 for n in range(1, len(r.claims) + 1) if (pid, n) in uses) if r.claims else 0)
                     for pid, r in self.results.items())


def _benchmark_csv(tables: list[Table], root: str) -> bytes:
    return to_csv(benchmark_frame(tables, root))


def _add(files: dict[str, bytes], path: str, content: bytes) -> None:
    """The one place pages are collected: two pages on one path is a bug, never a silent overwrite."""
    if path in files:
        raise SiteError(f"two pages would be written to {path}")
    files[path] = content


def _benchmarks(registry: Registry, tables: Iterable[Table]) -> list[BenchmarkInfo]:
    """Every curated benchmark, the generated ones with a table, and any benchmark a table names that the
    registry lacks; sorted by name. (A thousand generated benchmarks without results would bury the index.)"""
    tables = list(tables)
    with_tables = {table.benchmark for table in tables}
    found: dict[str, BenchmarkInfo] = {b.id: _info(b) for b in registry if not b.generated or b.id in with_tables}
    for table in tables:
        if table.benchmark not in found:
            found[table.benchmark] = BenchmarkInfo(table.benchmark, table.benchmark_name, "", None, (), ())
    return sorted(found.values(), key=lambda b: (b.name.casefold(), b.id))


def _info(benchmark: Benchmark) -> BenchmarkInfo:
    return BenchmarkInfo(benchmark.id, benchmark.name, benchmark.task, benchmark.homepage, benchmark.aliases,
                         tuple(m.id for m in benchmark.metrics))


def _metric_position(benchmark: BenchmarkInfo, table: Table) -> int:
    order = benchmark.metric_order
    return order.index(table.metric) if table.metric in order else len(order)


def _headline(tables: list[Table]) -> Table | None:
    """The table whose leader the index shows: the headline metric's (tables come in metric order), largest first."""
    if not tables:
        return None
    metric = tables[0].metric
    return max((t for t in tables if t.metric == metric), key=lambda t: (len(t.entries), t.setting is None))


def _latest(dates: list[str]) -> str:
    """The latest date shown as text: full dates win over partial ones (a year-less date cannot be placed)."""
    full = [d for d in dates if parse_date(d)]
    pool = full or dates
    return format_date(max(pool, key=date_sort_key)) if pool else ""
