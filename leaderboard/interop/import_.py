"""Import results kept elsewhere: Hugging Face model cards, bare `model-index` YAML, Papers with Code JSON.

Every number becomes a claim of kind `cited` (a third party reports it) and status `added`, with the
URL it came from, in a result file like any other. A result file needs a paper whose abstract holds
the evidence, so each imported source gets a small self-contained paper:

- a model card -> `card-<model slug>`, titled "Model card: <model name>";
- a Papers with Code row -> `pwc-<paper id>`, with the row's paper title, URL and date.

The abstract is generated, one sentence per number ("zephyr-7b-beta reports 61.07 accuracy on MMLU
(5-Shot)."), so that every evidence is an exact substring that states the value. Imported papers get
ids of their own on purpose: a listed paper's result file holds its real abstract, and a file that
shadowed it would hide the paper's own claims.

Benchmarks and metrics are mapped through the registry's names and aliases only; an unknown one is
reported with did-you-mean candidates and left out, never guessed. The produced documents go through
`validate_document`, and claims with errors are left out and reported. Importing into an existing
file adds new claims and appends their sentences to the abstract; other claims are never touched, so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import yaml

from ..errors import InputError, ResultFileError
from ..extract.names import params_of
from ..ids import paper_id as title_paper_id
from ..ids import slugify
from ..models import CONFIDENCES, Claim, Issue, Paper, ResultFile, StoredClaim
from ..render.format import parse_date, safe_web_url
from ..store.registry import Benchmark, Metric, Registry
from ..store.results import (
    claim_id,
    read_json_document,
    result_from_json,
    result_to_json,
    sort_claims,
    write_result_file,
)
from ..store.validate import ERROR, WARNING, IssueCounts, schema_issues, validate_document

_TRAILING_PARENTHESES = re.compile(r"^(?P<name>.*\S)\s*\((?P<inner>[^()]*)\)\s*$")
_ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf)/(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?",
                         re.IGNORECASE)
_HF_PAPER_LINK = re.compile(r"huggingface\.co/papers/(?P<id>\d{4}\.\d{4,5})(?:v\d+)?(?:[/?#]|$)", re.IGNORECASE)
_PWC_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")


class InteropFileError(InputError):
    """A model card, model-index or Papers with Code file that cannot be parsed (names file, line, column)."""


# ---------------------------------------------------------------- what an import found and did


@dataclass(frozen=True)
class PaperSpec:
    """The self-contained paper an imported number is filed under."""

    id: str
    title: str
    published: str | None = None
    external_ids: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ImportedNumber:
    """One number read from an input file and mapped to the registry, with where it was found."""

    paper: PaperSpec
    model: str
    benchmark: Benchmark
    benchmark_text: str
    metric: Metric
    metric_text: str
    value: float
    value_text: str
    unit: str | None
    setting: str | None
    source_url: str | None
    file: str
    pointer: str
    base_model: str | None = None  # from a PwC row's extra keys, as `export --format pwc` writes them
    confidence: str | None = None

    @property
    def sentence(self) -> str:
        """The generated evidence: states the value, and is unique per (model, benchmark, metric, setting, value)."""
        setting = f" ({self.setting})" if self.setting else ""
        return f"{self.model} reports {self.value_text} {self.metric_text} on {self.benchmark_text}{setting}."


@dataclass(frozen=True)
class ImportedFile:
    """A result file an import wrote (or, in a dry run, would write)."""

    path: Path
    paper_id: str
    title: str
    added: int  # claims new to the file
    unchanged: int  # imported claims the file already held
    created: bool

    def __str__(self) -> str:
        verb = "create" if self.created else ("update" if self.added else "unchanged")
        text = f"{verb} {self.path}: {self.added} claim{'s' if self.added != 1 else ''} added"
        return text + (f", {self.unchanged} already there" if self.unchanged else "") + f" ({self.title})"


@dataclass(frozen=True)
class ImportReport(IssueCounts):
    files: tuple[ImportedFile, ...]
    issues: tuple[Issue, ...]  # file, pointer into the input file, code, message, hint
    dry_run: bool = False

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    def __str__(self) -> str:
        changed = sum(1 for f in self.files if f.added)
        verb = "would write" if self.dry_run else "wrote"
        return (f"{verb} {changed} result file{'s' if changed != 1 else ''} ({self.added} claims added); "
                f"{self.errors} error{'s' if self.errors != 1 else ''}, "
                f"{self.warnings} warning{'s' if self.warnings != 1 else ''}")


# ---------------------------------------------------------------- reading input files


FORMATS_TRIED = ("a model card (YAML front matter between `---` lines, with `model-index:`)",
                 "model-index YAML or JSON (`model-index:` or a list of `name`/`results` entries)",
                 "Papers with Code evaluation-tables.json (a list of tasks with `datasets`)")


def read_interop_file(path: Path | str) -> tuple[str, list[object]]:
    """("pwc" or "model-index", parsed documents), told apart by what the file holds, never by its name.

    A file that opens with a `---` line is a model card: its front matter is the YAML. Otherwise the
    text is parsed as JSON when it looks like JSON, else as a YAML stream (which also reads JSON),
    and the shape decides: a list of tasks with `datasets` is Papers with Code, a `model-index` key
    or a list of `name`/`results` entries is model-index. Anything else is an InteropFileError that
    names the file and the formats tried.
    """
    path = Path(path)
    text = _read_text(path)
    front_matter = _front_matter(text, path)
    if front_matter is not None:
        return "model-index", [_parse_yaml(front_matter, path, line_offset=1)]
    documents = _parse_documents(text, path)
    fmt = _sniff(documents)
    if fmt is None:
        found = _describe(documents)
        raise InteropFileError(f"not a format `import` reads: it holds {found}", file=str(path),
                               hint="tried " + "; ".join(FORMATS_TRIED))
    return fmt, documents


def _parse_documents(text: str, path: Path) -> list[object]:
    """The file's documents: one JSON value, or the documents of a YAML stream. Text that starts like
    JSON but is not JSON is reported as a JSON error unless it reads as YAML (flow style is YAML too)."""
    if text.lstrip()[:1] in ("[", "{"):
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            try:
                return _parse_yaml_stream(text, path)
            except InteropFileError:
                raise InteropFileError(f"invalid JSON at column {exc.colno}: {exc.msg}", file=str(path),
                                       line=exc.lineno,
                                       hint="fix the JSON syntax there (a missing comma, quote or bracket?)") from None
    return _parse_yaml_stream(text, path)


def _sniff(documents: list[object]) -> str | None:
    """"pwc", "model-index", or None when the documents are neither."""
    if len(documents) == 1 and _is_pwc(documents[0]):
        return "pwc"
    if documents and all(_is_model_index(document) for document in documents):
        return "model-index"
    return None


def _is_pwc(document: object) -> bool:
    return (isinstance(document, list) and bool(document) and all(isinstance(task, dict) for task in document)
            and all("datasets" in task or "subtasks" in task for task in document))


def _is_model_index(document: object) -> bool:
    if isinstance(document, dict):
        return "model-index" in document
    return (isinstance(document, list) and bool(document)
            and all(isinstance(entry, dict) and "results" in entry for entry in document))


def _describe(documents: list[object]) -> str:
    """What the file holds, in a few words, for the error message."""
    if not documents:
        return "nothing"
    first = documents[0]
    if isinstance(first, dict):
        return "an object with keys " + ", ".join(map(repr, list(first)[:5])) if first else "an empty object"
    if isinstance(first, list):
        return f"a list of {len(first)} item{'s' if len(first) != 1 else ''}"
    return "plain text" if isinstance(first, str) else f"a single value ({first!r})"


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InteropFileError("is a directory", file=str(path), hint="pass model cards, model-index YAML or PwC JSON files") from None
    except OSError as exc:
        raise InteropFileError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InteropFileError(f"not UTF-8 text (byte {exc.start})", file=str(path), line=line,
                               hint="save the file as UTF-8") from None


def _front_matter(text: str, path: Path) -> str | None:
    """The YAML between a README's first two `---` lines, or None when the file has no front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "".join(lines[1:index])
    raise InteropFileError("the front matter opened on line 1 is never closed", file=str(path), line=1,
                           hint="end the YAML block with a line `---`")


def _parse_yaml(text: str, path: Path, line_offset: int = 0) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, line_offset) from None


def _parse_yaml_stream(text: str, path: Path) -> list[object]:
    try:
        return [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, 0) from None


def _yaml_error(exc: yaml.YAMLError, path: Path, line_offset: int) -> InteropFileError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return InteropFileError(message, file=str(path))
    return InteropFileError(f"invalid YAML at column {mark.column + 1}: {problem}" + (f" ({context})" if context else ""),
                            file=str(path), line=mark.line + 1 + line_offset,
                            hint="fix the YAML there (indentation, a missing quote or bracket?)")


# ---------------------------------------------------------------- mapping names through the registry


def match_benchmark(registry: Registry, dataset: dict) -> tuple[Benchmark, str, str | None] | None:
    """(benchmark, the name that matched, setting) for a model-index `dataset`, or None.

    Tried in order: `type` (our own exports write the registry id), `config` (it narrows a dataset
    with several parts: ai2_arc / ARC-Challenge), `name`, `name` without a trailing "(5-shot)", and the
    repository part of a Hugging Face dataset id (cais/mmlu). A trailing parenthesis that is not part
    of a registered name is the setting, as in Open LLM Leaderboard cards; so is `args.num_few_shot`.
    """
    name, kind, config = (_text(dataset.get(key)) for key in ("name", "type", "config"))
    # "ARC (Challenge)" is a registered name; "MMLU (5-shot)" is a name and a setting.
    stripped = _TRAILING_PARENTHESES.match(name) if name and not registry.lookup(name) else None
    setting = (stripped["inner"].strip() or None) if stripped else None
    candidates = [kind, config, name, stripped["name"] if stripped else None,
                  kind.rsplit("/", 1)[-1] if kind and "/" in kind else None]
    for candidate in candidates:
        benchmark = registry.lookup(candidate) if candidate else None
        if benchmark:
            return benchmark, _display_text(candidate, name, stripped), setting or _few_shot(dataset.get("args"))
    return None


def _display_text(candidate: str, name: str | None, stripped) -> str:
    """The benchmark as the evidence names it: the card's own name, without the setting in parentheses."""
    if stripped:
        return stripped["name"]
    return name or candidate


def _few_shot(args: object) -> str | None:
    shots = args.get("num_few_shot") if isinstance(args, dict) else None
    if isinstance(shots, int) and not isinstance(shots, bool) and shots >= 0:
        return f"{shots}-shot"
    return None


def match_metric(benchmark: Benchmark, names: Iterable[object]) -> tuple[Metric, str] | None:
    """The benchmark's metric that one of `names` (type, then name) is the id, name or an alias of."""
    for name in names:
        text = _text(name)
        metric = benchmark.metric(text) if text else None
        if metric:
            return metric, text
    return None


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _unknown_benchmark(registry: Registry, dataset: dict, file: str, pointer: str) -> Issue:
    name = _text(dataset.get("name")) or _text(dataset.get("type")) or "?"
    stripped = _TRAILING_PARENTHESES.match(name)
    close = registry.suggest(stripped["name"] if stripped else name)
    hint = (f"did you mean {' or '.join(map(repr, close))}? " if close else "") + \
        "add the benchmark (or this name as an alias) to schemas/benchmarks.json, or rename it in the file"
    described = f"{name!r}" + (f" (type {dataset.get('type')!r})" if _text(dataset.get("type")) else "")
    return Issue("unknown-benchmark", WARNING, file, pointer, f"dataset {described} is not in the registry: "
                 "its numbers are not imported", hint)


def _unknown_metric(benchmark: Benchmark, names: list[object], file: str, pointer: str) -> Issue:
    written = " / ".join(repr(n) for n in names if _text(n)) or "no metric"
    known = ", ".join(repr(m.id) for m in benchmark.metrics)
    return Issue("unknown-metric", WARNING, file, pointer,
                 f"{written} is not a metric of {benchmark.name}: the number is not imported",
                 f"{benchmark.name} has {known}; add an alias to schemas/benchmarks.json if it is the same metric")


def parse_number(value: object) -> tuple[float, str, str | None] | None:
    """(value, the digits as written, unit) of a score: 87.1, "87.1", "87.1%", "1,234"; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return (number, _digits(number), None) if number == number and abs(number) != float("inf") else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    unit = "%" if text.endswith("%") else None
    text = text.removesuffix("%").strip()
    if not text or not _PWC_NUMBER.match(text) or not any(ch.isdigit() for ch in text):
        return None
    plain = text.replace(",", "")
    return float(plain), plain.lstrip("+"), unit


def _digits(number: float) -> str:
    """A float in positional notation, as short as it is exact: 1e-05 -> "0.00001" (evidence must state it)."""
    text = format(Decimal(repr(number)), "f")
    return text[:-2] if text.endswith(".0") else text


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("", "-", "—"))


# ---------------------------------------------------------------- model-index


def card_paper(model: str) -> PaperSpec:
    return PaperSpec(id=f"card-{slugify(model, 100)}", title=f"Model card: {model}")


def model_index_numbers(documents: list[object], file: str, registry: Registry,
                        ) -> tuple[list[ImportedNumber], list[Issue]]:
    """Every number of a model card / model-index; unknown names and bad values as issues."""
    numbers: list[ImportedNumber] = []
    issues: list[Issue] = []
    found = False
    for position, document in enumerate(documents):
        prefix = f"/{position}" if len(documents) > 1 else ""  # a YAML stream reads as a list of documents
        if isinstance(document, dict) and "model-index" in document:
            entries, where = document["model-index"], f"{prefix}/model-index"
        elif isinstance(document, list):
            entries, where = document, prefix
        else:
            continue
        found = True
        if not isinstance(entries, list):
            issues.append(Issue("invalid-model-index", ERROR, file, where, "model-index is not a list",
                                "write `model-index:` followed by `- name: ...` entries"))
            continue
        for index, entry in enumerate(entries):
            found_numbers, found_issues = _model_entry_numbers(entry, file, f"{where}/{index}", registry)
            numbers += found_numbers
            issues += found_issues
    if not found:
        issues.append(Issue("no-model-index", ERROR, file, "", "no `model-index` found",
                            "a model card carries its results under `model-index:` in the YAML front matter"))
    return numbers, issues


def _model_entry_numbers(entry: object, file: str, where: str, registry: Registry,
                         ) -> tuple[list[ImportedNumber], list[Issue]]:
    name = _text(entry.get("name")) if isinstance(entry, dict) else None
    results = entry.get("results") if isinstance(entry, dict) else None
    if not name or not isinstance(results, list):
        missing = "name" if not name else "results"
        return [], [Issue("invalid-model-index", ERROR, file, f"{where}/{missing}",
                          f"a model-index entry needs a `{missing}`", "see docs/data-formats.md, 'Import formats'")]
    numbers, issues = [], []
    for index, result in enumerate(results):
        found_numbers, found_issues = _result_numbers(name, result, file, f"{where}/results/{index}", registry)
        numbers += found_numbers
        issues += found_issues
    return numbers, issues


def _result_numbers(model: str, result: object, file: str, where: str, registry: Registry,
                    ) -> tuple[list[ImportedNumber], list[Issue]]:
    dataset = result.get("dataset") if isinstance(result, dict) else None
    metrics = result.get("metrics") if isinstance(result, dict) else None
    if not isinstance(dataset, dict) or not isinstance(metrics, list):
        missing = "dataset" if not isinstance(dataset, dict) else "metrics"
        return [], [Issue("invalid-model-index", ERROR, file, f"{where}/{missing}",
                          f"a result needs `{missing}`", "each result has `task`, `dataset` and `metrics`")]
    matched = match_benchmark(registry, dataset)
    if matched is None:
        return [], [_unknown_benchmark(registry, dataset, file, f"{where}/dataset")]
    benchmark, benchmark_text, setting = matched
    source = result.get("source") if isinstance(result, dict) else None
    url = safe_web_url(_text(source.get("url"))) if isinstance(source, dict) else None
    numbers, issues = [], []
    for index, metric in enumerate(metrics):
        pointer = f"{where}/metrics/{index}"
        names = [metric.get("type"), metric.get("name")] if isinstance(metric, dict) else []
        found = match_metric(benchmark, names)
        if found is None:
            issues.append(_unknown_metric(benchmark, names, file, pointer))
            continue
        parsed = parse_number(metric.get("value"))
        if parsed is None:
            issues.append(Issue("invalid-value", ERROR, file, f"{pointer}/value",
                                f"value {metric.get('value')!r} is not a number", "write the score as a number: 87.1"))
            continue
        value, digits, unit = parsed
        numbers.append(ImportedNumber(card_paper(model), model, benchmark, benchmark_text, found[0], found[1],
                                      value, digits, unit, setting, url, file, pointer))
    return numbers, issues


# ---------------------------------------------------------------- Papers with Code


def pwc_paper(row: dict) -> PaperSpec | None:
    title = _text(row.get("paper_title"))
    if not title:
        return None
    date = _text(row.get("paper_date"))
    return PaperSpec(id=f"pwc-{title_paper_id(title)}", title=title,
                     published=date if parse_date(date) else None,
                     external_ids=paper_ids_of_link(_text(row.get("paper_url"))))


def paper_ids_of_link(url: str | None) -> tuple[tuple[str, str], ...]:
    """(("arxiv", id),) for an arXiv abstract or PDF link, (("hf", id),) for a Hugging Face paper page."""
    for name, pattern in (("arxiv", _ARXIV_LINK), ("hf", _HF_PAPER_LINK)):
        found = pattern.search(url or "")
        if found:
            return ((name, found["id"]),)
    return ()


def pwc_numbers(document: object, file: str, registry: Registry) -> tuple[list[ImportedNumber], list[Issue]]:
    """Every number of an evaluation-tables.json: tasks -> datasets (and subtasks, subdatasets) -> sota rows."""
    if not isinstance(document, list):
        return [], [Issue("invalid-pwc", ERROR, file, "", "expected a list of tasks (evaluation-tables.json)",
                          "a Papers with Code file is `[{\"task\": ..., \"datasets\": [...]}]`")]
    numbers, issues = [], []
    for index, task in enumerate(document):
        _pwc_task(task, f"/{index}", file, registry, numbers, issues)
    return numbers, issues


def _pwc_task(task: object, where: str, file: str, registry: Registry, numbers: list, issues: list) -> None:
    if not _is_pwc_object(task, "task", file, where, issues):
        return
    for index, dataset in enumerate(_list(task.get("datasets"))):
        _pwc_dataset(dataset, f"{where}/datasets/{index}", file, registry, numbers, issues)
    for index, subtask in enumerate(_list(task.get("subtasks"))):
        _pwc_task(subtask, f"{where}/subtasks/{index}", file, registry, numbers, issues)


def _pwc_dataset(dataset: object, where: str, file: str, registry: Registry, numbers: list, issues: list) -> None:
    if not _is_pwc_object(dataset, "dataset", file, where, issues):
        return
    for index, sub in enumerate(_list(dataset.get("subdatasets"))):
        _pwc_dataset(sub, f"{where}/subdatasets/{index}", file, registry, numbers, issues)
    sota = dataset.get("sota") if isinstance(dataset.get("sota"), dict) else {}
    rows = _list(sota.get("rows"))
    if not rows:
        return
    matched = match_benchmark(registry, {"name": dataset.get("dataset")})
    if matched is None:
        issues.append(_unknown_benchmark(registry, {"name": dataset.get("dataset")}, file, f"{where}/dataset"))
        return
    benchmark, benchmark_text, setting = matched
    listed = [_text(m) for m in _list(sota.get("metrics"))]
    metrics = _pwc_metrics(benchmark, listed, rows, f"{where}/sota", file, issues)
    for index, row in enumerate(rows):
        numbers += _pwc_row(row, f"{where}/sota/rows/{index}", benchmark, benchmark_text, setting, metrics, file, issues)


def _is_pwc_object(value: object, what: str, file: str, where: str, issues: list) -> bool:
    """Whether `value` is a JSON object; anything else is reported as an invalid `what`."""
    if not isinstance(value, dict):
        issues.append(Issue("invalid-pwc", ERROR, file, where, f"a {what} is not an object", None))
    return isinstance(value, dict)


def _pwc_metrics(benchmark: Benchmark, listed: list[str | None], rows: list, where: str, file: str,
                 issues: list) -> dict[str, Metric | None]:
    """Each metric name of a dataset mapped once; an unknown one is reported once, where it is listed."""
    names = list(dict.fromkeys([n for n in listed if n] + [k for r in rows if isinstance(r, dict)
                                                            for k in _dict(r.get("metrics"))]))
    mapped: dict[str, Metric | None] = {}
    for name in names:
        found = match_metric(benchmark, [name])
        mapped[name] = found[0] if found else None
        if found is None:
            pointer = f"{where}/metrics/{listed.index(name)}" if name in listed else f"{where}/rows"
            issues.append(_unknown_metric(benchmark, [name], file, pointer))
    return mapped


def _pwc_row(row: object, where: str, benchmark: Benchmark, benchmark_text: str, setting: str | None,
             metrics: dict[str, Metric | None], file: str, issues: list) -> list[ImportedNumber]:
    paper = pwc_paper(row) if isinstance(row, dict) else None
    model = _text(row.get("model_name")) if isinstance(row, dict) else None
    if paper is None or model is None:
        missing = "paper_title" if paper is None else "model_name"
        issues.append(Issue("invalid-pwc", ERROR, file, f"{where}/{missing}", f"a row needs `{missing}`", None))
        return []
    url = safe_web_url(_text(row.get("paper_url")))
    base_model, confidence = _text(row.get("base_model")), row.get("confidence")
    if confidence is not None and confidence not in CONFIDENCES:
        issues.append(Issue("invalid-value", ERROR, file, f"{where}/confidence",
                            f"confidence {confidence!r} is not one of {', '.join(CONFIDENCES)}",
                            "leave it out, or write high, medium or low"))
        return []
    numbers = []
    for name, raw in _dict(row.get("metrics")).items():
        metric = metrics.get(name)
        if metric is None or _is_missing(raw):
            continue
        parsed = parse_number(raw)
        if parsed is None:
            issues.append(Issue("invalid-value", ERROR, file, f"{where}/metrics/{_escape(name)}",
                                f"value {raw!r} is not a number", "a score is a number such as \"87.1\" or \"87.1%\""))
            continue
        value, digits, unit = parsed
        numbers.append(ImportedNumber(paper, model, benchmark, benchmark_text, metric, name, value, digits, unit,
                                      setting, url, file, f"{where}/metrics/{_escape(name)}", base_model, confidence))
    return numbers


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------- result files


def _stored(number: ImportedNumber, start: int) -> StoredClaim:
    evidence = number.sentence
    # The size in the name is the model's size, as extraction reads it: "CWM 32B" is CWM at 32B.
    claim = Claim(model=number.model, benchmark=number.benchmark.id, benchmark_text=number.benchmark_text,
                  metric=number.metric_text, value=number.value, unit=number.unit, setting=number.setting,
                  params=params_of(number.model), kind="cited", evidence=evidence, start=start, end=start + len(evidence),
                  base_model=number.base_model, confidence=number.confidence)
    return StoredClaim(id=claim_id(claim), status="added", claim=claim, source_url=number.source_url)


def merged_result(existing: ResultFile | None, spec: PaperSpec,
                  numbers: list[ImportedNumber]) -> tuple[ResultFile, list[tuple[ImportedNumber, StoredClaim]]]:
    """The file with `numbers` added: their sentences appended to the abstract (or found there, from an
    earlier import), existing claims untouched. Returns the result and each number's claim."""
    abstract = existing.paper.abstract if existing else ""
    claims = {c.id: c for c in existing.claims} if existing else {}
    placed = []
    for number in numbers:
        start = abstract.find(number.sentence)
        if start < 0:
            abstract, start = _append(abstract, number.sentence)
        stored = _stored(number, start)
        placed.append((number, stored))
        claims.setdefault(stored.id, stored)
    if existing:
        paper = replace(existing.paper, abstract=abstract)
    else:
        paper = Paper(id=spec.id, title=spec.title, abstract=abstract, published=spec.published,
                      external_ids=dict(spec.external_ids))
    return ResultFile(paper=paper, claims=sort_claims(claims.values())), placed


def _append(abstract: str, sentence: str) -> tuple[str, int]:
    if not abstract:
        return sentence, 0
    return abstract + " " + sentence, len(abstract) + 1


def existing_result(path: Path) -> ResultFile | None:
    """The result file at `path`, or None. A file that breaks the schema is refused: merging into it
    and writing it back could lose what a person typed."""
    if not path.exists():
        return None
    document = read_json_document(path)
    problems = schema_issues(document, str(path))
    if problems:
        raise ResultFileError(f"{problems[0].pointer}: {problems[0].message}", file=str(path),
                              hint=f"run `leaderboard validate {path}` and fix it first")
    return result_from_json(document, path=str(path))


def _import_paper(spec: PaperSpec, numbers: list[ImportedNumber], results_dir: Path, registry: Registry,
                  dry_run: bool) -> tuple[ImportedFile | None, list[Issue]]:
    """Validate the paper's new claims as a whole result file; write it with the valid ones."""
    path = results_dir / f"{spec.id}.json"
    existing = existing_result(path)
    result, placed = merged_result(existing, spec, numbers)
    issues, rejected = _claim_issues(result, placed, path, registry)
    if rejected is None:
        return None, issues  # the paper itself is invalid: nothing to write
    kept = [number for number, stored in placed if stored.id not in rejected]
    if not kept:
        return None, issues
    result, placed = merged_result(existing, spec, kept)
    before = {c.id for c in existing.claims} if existing else set()
    new_ids = {stored.id for _number, stored in placed}
    added = len(new_ids - before)
    if added and not dry_run:
        write_result_file(path, result)
    return ImportedFile(path=path, paper_id=spec.id, title=spec.title, added=added,
                        unchanged=len(new_ids & before), created=existing is None), issues


def _claim_issues(result: ResultFile, placed: list[tuple[ImportedNumber, StoredClaim]], path: Path,
                  registry: Registry) -> tuple[list[Issue], set[str] | None]:
    """The validation issues of the imported claims, placed where the number was read; and the ids of
    the claims with errors (None when the paper itself is invalid)."""
    number_of = {stored.id: number for number, stored in reversed(placed)}
    issues, rejected, paper_invalid = [], set(), False
    for issue in validate_document(result_to_json(result), str(path), registry):
        index = _claim_position(issue.pointer)
        stored_id = result.claims[index].id if index is not None and index < len(result.claims) else None
        number = number_of.get(stored_id)
        if index is not None and number is None:
            continue  # a claim that was there before: `leaderboard validate` reports it, not the import
        where = number or placed[0][0]
        issues.append(replace(issue, file=where.file, pointer=where.pointer))
        if issue.severity == ERROR:
            paper_invalid |= number is None
            rejected.add(stored_id)
    return issues, (None if paper_invalid else rejected)


def _claim_position(pointer: str) -> int | None:
    parts = pointer.split("/")
    return int(parts[2]) if len(parts) >= 3 and parts[1] == "claims" and parts[2].isdigit() else None


def _with_source(numbers: list[ImportedNumber], source_url: str | None) -> tuple[list[ImportedNumber], list[Issue]]:
    """Every imported number carries where it came from: its own link, else `source_url`."""
    fallback = safe_web_url(source_url)
    kept, issues = [], []
    for number in numbers:
        if number.source_url:
            kept.append(number)
        elif fallback:
            kept.append(replace(number, source_url=fallback))
        else:
            issues.append(Issue("missing-source-url", ERROR, number.file, number.pointer,
                                "no http(s) source URL for this number",
                                "give the result a `source.url`, or pass --source-url (the model card's address)"))
    return kept, issues


def import_files(paths: Iterable[Path | str], registry: Registry, results_dir: Path | str, *,
                 source_url: str | None = None, dry_run: bool = False) -> ImportReport:
    """Import model cards, model-index YAML and PwC JSON files into `results_dir`.

    Every file is parsed before anything is written, so a malformed one (InteropFileError) leaves
    the results untouched. Unknown benchmarks and metrics are warnings; bad values, missing source
    URLs and claims that fail validation are errors; everything valid is written.
    """
    parsed = [(str(path), *read_interop_file(path)) for path in paths]
    numbers, issues = [], []
    for file, fmt, documents in parsed:
        found, problems = (pwc_numbers(documents[0], file, registry) if fmt == "pwc"
                           else model_index_numbers(documents, file, registry))
        numbers += found
        issues += problems
    numbers, missing = _with_source(numbers, source_url)
    issues += missing
    # Rows of one paper may differ in date or link: the first one seen describes the paper.
    specs: dict[str, PaperSpec] = {}
    by_paper: dict[str, list[ImportedNumber]] = {}
    for number in numbers:
        specs.setdefault(number.paper.id, number.paper)
        by_paper.setdefault(number.paper.id, []).append(number)
    files = []
    for paper_id in sorted(by_paper):
        written, problems = _import_paper(specs[paper_id], by_paper[paper_id], Path(results_dir), registry, dry_run)
        issues += problems
        if written:
            files.append(written)
    return ImportReport(files=tuple(files), issues=tuple(issues), dry_run=dry_run)
