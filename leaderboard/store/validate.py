"""Validation of result files, the registry and the model alias file: a report, never an exception.

Every finding is an Issue with a stable kebab `code`, a `severity`, the `file`, an RFC 6901 `pointer`
into it, a `message` saying what is wrong and a `hint` saying how to fix it. All findings are
collected (every JSON Schema error, every claim), so that one run lists everything to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jsonschema

from ..errors import RegistryError
from ..models import Issue
from ..paths import DEFAULT_RESULTS, RESULT_SCHEMA, schema_file, schemas_dir
from .registry import Benchmark, Metric, Registry, load_registry

ERROR, WARNING = "error", "warning"

# JSON Schema keywords -> issue codes: the code says what kind of fix is needed.
_SCHEMA_CODES = {
    "required": "missing-property",
    "additionalProperties": "unknown-property",
    "type": "wrong-type",
    "pattern": "invalid-format",
    "format": "invalid-format",
    "not": "invalid-format",
}
_NUMBER = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+")


class IssueCounts:
    """The counts of a report's `issues` by severity (validation and import reports alike)."""

    issues: tuple[Issue, ...]

    @property
    def errors(self) -> int:
        return sum(1 for issue in self.issues if issue.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for issue in self.issues if issue.severity == WARNING)


@dataclass(frozen=True)
class Report(IssueCounts):
    """The outcome of a validation run: every issue found and every file looked at."""

    issues: tuple[Issue, ...]
    files: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """Warnings alone keep a report valid."""
        return self.errors == 0

    def summary(self) -> str:
        return (f"{_count(len(self.files), 'file')} checked, {_count(self.errors, 'error')}, "
                f"{_count(self.warnings, 'warning')}")

    def to_json(self) -> dict:
        return {
            "valid": self.valid,
            "files": list(self.files),
            "errors": self.errors,
            "warnings": self.warnings,
            "issues": [issue_to_json(issue) for issue in self.issues],
        }


def issue_to_json(issue: Issue) -> dict:
    return {"code": issue.code, "severity": issue.severity, "file": issue.file, "pointer": issue.pointer,
            "message": issue.message, "hint": issue.hint}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# ---------------------------------------------------------------- entry points


def validate_paths(paths: Iterable[Path | str] | None = None, registry: Registry | None = None,
                   aliases_path: Path | str | None = None) -> Report:
    """Validate result files (a directory means every *.json in it; default `results/`).

    Without a `registry` the project's registry is loaded and checked too; the model alias file
    (default `schemas/models.json`) is always checked.
    """
    issues: list[Issue] = []
    checked: list[str] = []  # result files only: the summary counts what a contributor edits
    if registry is None:
        registry, registry_problems = validate_registry()
        issues += registry_problems
    issues += validate_model_aliases(aliases_path)
    for path in expand_paths(paths or [DEFAULT_RESULTS]):
        checked.append(display(path))
        issues += validate_file(path, registry)
    return Report(issues=tuple(issues), files=tuple(checked))


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Directories become their *.json files (sorted); other paths are kept, to be reported if missing."""
    expanded: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir() and not str(item).endswith(".json"):
            expanded.extend(sorted(p for p in path.glob("*.json")))
        else:
            expanded.append(path)
    return expanded


def display(path: Path) -> str:
    return path.as_posix()


def validate_registry(path: Path | str | None = None) -> tuple[Registry | None, list[Issue]]:
    """Load the registry; a broken one is an `invalid-registry` issue (and no registry checks)."""
    try:
        return load_registry(path, validate_generated=True), []
    except RegistryError as exc:
        return None, [Issue("invalid-registry", ERROR, exc.file or str(path or _registry_file()), "",
                            exc.bare_message, exc.hint or "fix schemas/benchmarks.json")]


def validate_model_aliases(path: Path | str | None = None) -> list[Issue]:
    from ..compile.reconcile import load_model_aliases  # reconcile is a later stage; keep imports one-way at load time

    try:
        load_model_aliases(path)
    except RegistryError as exc:
        return [Issue("invalid-model-aliases", ERROR, exc.file or str(path), "", exc.bare_message,
                      exc.hint or "fix schemas/models.json")]
    return []


def _registry_file() -> str:
    return display(schemas_dir() / "benchmarks.json")


def validate_file(path: Path, registry: Registry | None) -> list[Issue]:
    """Every issue of one result file, starting with whether it can be read at all."""
    file = display(path)
    document, problems = read_document(path, file)
    if problems:
        return problems
    return validate_document(document, file, registry)


def read_document(path: Path, file: str) -> tuple[object, list[Issue]]:
    """The parsed JSON, or an issue saying why there is none (missing, directory, unreadable, not UTF-8, bad JSON)."""
    if not path.exists():
        return None, [Issue("file-not-found", ERROR, file, "", "no such file or directory",
                            "pass a result file or a directory of them")]
    if path.is_dir():
        return None, [Issue("not-a-file", ERROR, file, "", "is a directory, not a result file",
                            "name the directory without a .json suffix to check every *.json in it")]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Issue("unreadable-file", ERROR, file, "", f"cannot read: {exc.strerror or exc}",
                            "check the file's permissions")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Issue("not-utf8", ERROR, file, "", f"not UTF-8 text: byte {exc.start} (line {line})",
                            "save the file as UTF-8")]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [Issue("invalid-json", ERROR, file, "", f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}", "fix the JSON syntax there (a missing comma, quote or bracket?)")]


def validate_document(document: object, file: str, registry: Registry | None) -> list[Issue]:
    """Every issue of a parsed result file: schema first, then the checks a schema cannot express."""
    issues = schema_issues(document, file)
    if not isinstance(document, dict):
        return issues
    issues += _file_name_issues(document, file)
    claims = document.get("claims") if isinstance(document.get("claims"), list) else []
    issues += _duplicate_id_issues(claims, file)
    abstract = document.get("abstract") if isinstance(document.get("abstract"), str) else None
    for index, claim in enumerate(claims):
        if isinstance(claim, dict):
            where = f"/claims/{index}"
            issues += evidence_issues(claim, where, abstract, file)
            if registry is not None:
                issues += registry_issues(claim, where, registry, file)
    return sorted(issues, key=lambda issue: _pointer_key(issue.pointer))


def _pointer_key(pointer: str) -> list:
    """Document order: /claims/2 before /claims/10."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in pointer.split("/")[1:]]


# ---------------------------------------------------------------- JSON Schema


@lru_cache(maxsize=4)
def _result_validator(schema_path: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@lru_cache(maxsize=4)
def _result_fast_check(schema_path: str):
    validator = _result_validator(schema_path)
    return _plainly_valid(validator.schema, validator.schema, validator.format_checker, {})


def schema_issues(document: object, file: str) -> list[Issue]:
    """Every JSON Schema error of a result file, each at its own pointer."""
    schema_path = str(schema_file(RESULT_SCHEMA))
    if _result_fast_check(schema_path)(document):
        return []  # plainly valid: no error to report
    validator = _result_validator(schema_path)
    issues: list[Issue] = []
    for error in validator.iter_errors(document):
        issues += _schema_error_issues(error, file)
    return sorted(issues, key=lambda issue: _pointer_key(issue.pointer))


# A quick test that a document is valid, compiled from the schema for the keywords result files
# use. It answers True only when the schema surely accepts the document (integers must be ints,
# enums match in type and value, patterns and formats are checked as jsonschema checks them); any
# doubt, or any keyword it does not know, answers False and the full validator runs, so the issues
# reported are always jsonschema's. Most result files are valid: this makes them about ten times
# cheaper to check.
_ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "default", "examples", "$defs"}
_TYPE_TESTS = {
    "string": lambda x: type(x) is str,
    "null": lambda x: x is None,
    "integer": lambda x: type(x) is int,
    "number": lambda x: type(x) is int or type(x) is float,
    "boolean": lambda x: type(x) is bool,
    "object": lambda x: type(x) is dict,
    "array": lambda x: type(x) is list,
}


def _never(_instance: object) -> bool:
    return False


def _plainly_valid(schema: object, root: dict, format_checker, refs: dict):
    """A predicate: True only for instances `schema` surely accepts (see above)."""
    if schema is True:
        return lambda _instance: True
    if not isinstance(schema, dict):
        return _never
    tests = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        test = _keyword_test(keyword, value, schema, root, format_checker, refs)
        if test is None:
            return _never
        tests.append(test)
    return lambda instance: all(test(instance) for test in tests)


def _keyword_test(keyword: str, value, schema: dict, root: dict, format_checker, refs: dict):  # noqa: C901
    """The test of one keyword, or None for a keyword (or a form of it) this quick check does not know."""
    if keyword == "type":
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or any(name not in _TYPE_TESTS for name in names):
            return None
        checks = [_TYPE_TESTS[name] for name in names]
        return lambda x: any(check(x) for check in checks)
    if keyword == "enum":
        options = list(value)
        return lambda x: any(type(x) is type(option) and x == option for option in options)
    if keyword == "required":
        names = list(value)
        return lambda x: type(x) is not dict or all(name in x for name in names)
    if keyword == "properties":
        subs = {name: _plainly_valid(sub, root, format_checker, refs) for name, sub in value.items()}
        return lambda x: type(x) is not dict or all(subs[k](v) for k, v in x.items() if k in subs)
    if keyword == "additionalProperties":
        if value is not False or "patternProperties" in schema:
            return None
        allowed = set(schema.get("properties", {}))
        return lambda x: type(x) is not dict or all(k in allowed for k in x)
    if keyword == "items":
        if "prefixItems" in schema:
            return None
        sub = _plainly_valid(value, root, format_checker, refs)
        return lambda x: type(x) is not list or all(sub(item) for item in x)
    if keyword == "$ref":
        if not isinstance(value, str) or not value.startswith("#/$defs/") or "/" in value[len("#/$defs/"):]:
            return None
        name = value[len("#/$defs/"):]
        if name not in refs:
            refs[name] = _never  # a recursive reference stays in doubt
            refs[name] = _plainly_valid(root.get("$defs", {}).get(name), root, format_checker, refs)
        return lambda x: refs[name](x)
    if keyword == "anyOf":
        subs = [_plainly_valid(sub, root, format_checker, refs) for sub in value]
        return lambda x: any(sub(x) for sub in subs)
    if keyword == "not":
        if not isinstance(value, dict) or set(value) - _ANNOTATIONS != {"pattern"}:
            return None
        rejected = re.compile(value["pattern"])
        # "not" holds when the subschema fails: only for a string the pattern does not find
        return lambda x: type(x) is str and rejected.search(x) is None
    if keyword == "pattern":
        wanted = re.compile(value)
        return lambda x: type(x) is not str or wanted.search(x) is not None
    if keyword == "minLength":
        return lambda x: type(x) is not str or len(x) >= value
    if keyword == "minimum":
        return lambda x: not (type(x) is int or type(x) is float) or x >= value
    if keyword == "format":
        if format_checker is None:
            return lambda x: True
        return lambda x: format_checker.conforms(x, value)
    return None


def _schema_error_issues(error: jsonschema.ValidationError, file: str) -> list[Issue]:
    code = _SCHEMA_CODES.get(error.validator, "invalid-value")
    where = pointer(error.absolute_path)
    if error.validator == "required":
        return [
            Issue(code, ERROR, file, f"{where}/{_escape(name)}", f"missing required property {name!r}",
                  _describe(error.schema.get("properties", {}).get(name), f"add {name!r}"))
            for name in _missing(error)
        ]
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return [
            Issue(code, ERROR, file, f"{where}/{_escape(name)}", f"unknown property {name!r}",
                  f"remove it or fix its spelling; allowed: {', '.join(allowed)}")
            for name in sorted(set(error.instance) - set(allowed))
        ]
    message = f"{error.instance!r} is not allowed here" if error.validator == "not" else error.message
    return [Issue(code, ERROR, file, where, message, _describe(error.schema, f"see schemas/{RESULT_SCHEMA}"))]


def _missing(error: jsonschema.ValidationError) -> list[str]:
    """The property a `required` error is about (one error per missing property, named in its message)."""
    names = [n for n in error.validator_value if isinstance(error.instance, dict) and n not in error.instance]
    return [n for n in names if repr(n) in error.message][:1] or names[:1]


def _describe(schema: object, fallback: str) -> str:
    description = schema.get("description") if isinstance(schema, dict) else None
    return f"expected: {description}" if description else fallback


def pointer(parts: Iterable) -> str:
    """RFC 6901 pointer of a path of keys and indices."""
    return "".join(f"/{_escape(str(p))}" for p in parts)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------- file-level checks


def _file_name_issues(document: dict, file: str) -> list[Issue]:
    paper_id = document.get("id")
    name = Path(file).name
    if not isinstance(paper_id, str) or not name.endswith(".json") or name == f"{paper_id}.json":
        return []
    return [Issue("file-name-mismatch", ERROR, file, "/id", f"file is named {name!r} but the paper id is {paper_id!r}",
                  f"rename the file to {paper_id}.json, or fix the id")]


def _duplicate_id_issues(claims: list, file: str) -> list[Issue]:
    first_use: dict[str, int] = {}
    issues = []
    for index, claim in enumerate(claims):
        claim_id = claim.get("id") if isinstance(claim, dict) else None
        if not isinstance(claim_id, str):
            continue
        if claim_id in first_use:
            issues.append(Issue("duplicate-claim-id", ERROR, file, f"/claims/{index}/id",
                                f"claim id {claim_id!r} is already used by /claims/{first_use[claim_id]}",
                                "give every claim its own id (for a claim you added, any new safe id)"))
        else:
            first_use[claim_id] = index
    return issues


# ---------------------------------------------------------------- evidence


def evidence_issues(claim: dict, where: str, abstract: str | None, file: str) -> list[Issue]:
    """The evidence is an exact substring of the abstract, at its offsets, and states the value."""
    evidence = _typed(claim, "evidence", str)
    value = _number(claim.get("value"))
    issues = []
    if evidence and abstract is not None:
        issues += _span_issues(claim, where, abstract, evidence, file)
    if evidence and value is not None and not value_in_text(value, evidence):
        issues.append(Issue("value-not-in-evidence", ERROR, file, f"{where}/value",
                            f"{format_number(value)} does not appear in the evidence {evidence!r}",
                            "fix the value, or choose evidence that contains the number"))
    return issues


def _span_issues(claim: dict, where: str, abstract: str, evidence: str, file: str) -> list[Issue]:
    if evidence not in abstract:
        folded = " ".join(evidence.split()) in " ".join(abstract.split())
        hint = ("it differs from the abstract only in whitespace: copy the exact characters" if folded
                else "copy the evidence from the abstract character for character")
        return [Issue("evidence-not-in-abstract", ERROR, file, f"{where}/evidence",
                      f"evidence {_clip(evidence)!r} is not a substring of the abstract", hint)]
    start, end = _typed(claim, "start", int), _typed(claim, "end", int)
    if start is None or end is None or abstract[start:end] == evidence:
        return []
    found = _nearest_occurrence(abstract, evidence, start)
    field = "start" if start != found else "end"
    return [Issue("evidence-offsets", ERROR, file, f"{where}/{field}",
                  f"abstract[{start}:{end}] is {_clip(abstract[start:end])!r}, not the evidence",
                  f"the evidence is at start {found}, end {found + len(evidence)}")]


def _nearest_occurrence(text: str, part: str, near: int) -> int:
    positions, at = [], text.find(part)
    while at != -1:
        positions.append(at)
        at = text.find(part, at + 1)
    return min(positions, key=lambda p: (abs(p - near), p))


def value_in_text(value: float, text: str) -> bool:
    """True when `text` states the number: 87.1 matches "87.1" and "87.10", 87.0 matches "87"."""
    target = abs(value)
    return any(abs(float(n.replace(",", "")) - target) < 1e-9 for n in _NUMBER.findall(text))


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- registry


def registry_issues(claim: dict, where: str, registry: Registry, file: str) -> list[Issue]:
    """Benchmark, metric, range and unit checks; rejected claims are skipped (they are out already)."""
    if claim.get("status") == "rejected" or "benchmark" not in claim:
        return []
    benchmark_id = claim["benchmark"]
    if benchmark_id is None:
        return [_unregistered(claim, where, registry, file)]
    if not isinstance(benchmark_id, str):
        return []
    benchmark = registry.get(benchmark_id)
    if benchmark is None:
        return [_unknown_benchmark(benchmark_id, where, registry, file)]
    metric_text = claim.get("metric")
    metric = benchmark.metric(metric_text) if isinstance(metric_text, str | None) else None
    if metric is None:
        if not isinstance(metric_text, str):
            return []
        names = ", ".join(repr(m.id) for m in benchmark.metrics)
        return [Issue("unknown-metric", ERROR, file, f"{where}/metric",
                      f"{metric_text!r} is not a metric of {benchmark.name}",
                      f"use one of {names}, or add it (or an alias) to the benchmark in schemas/benchmarks.json")]
    if metric.direction == "unknown":
        return [Issue("unknown-direction", WARNING, file, f"{where}/metric",
                      f"whether higher or lower {metric.name} on {benchmark.name} is better is not known: "
                      "the claim stays out of the leaderboards",
                      f"set the direction in schemas/benchmarks.json (copy the {benchmark.id!r} entry there "
                      "from schemas/benchmarks-generated.json and set \"direction\")")]
    value = _number(claim.get("value"))
    if value is None:
        return []
    if claim.get("kind") == "delta":
        return _delta_issues(claim, where, value, metric, file)
    return _score_issues(claim, where, value, benchmark, metric, file)


def _unregistered(claim: dict, where: str, registry: Registry, file: str) -> Issue:
    text = claim.get("benchmark_text")
    known = registry.lookup(text) if isinstance(text, str) else None
    if known is not None:
        hint = f"it is registered: set benchmark to {known.id!r}"
    else:
        close = registry.suggest(text) if isinstance(text, str) else []
        hint = (f"did you mean {' or '.join(map(repr, close))}? " if close else "") + \
            "set benchmark to a registry id, or add the benchmark to schemas/benchmarks.json"
    return Issue("unregistered-benchmark", WARNING, file, f"{where}/benchmark",
                 f"benchmark {text!r} is not in the registry: the claim stays out of the leaderboards", hint)


def _unknown_benchmark(benchmark_id: str, where: str, registry: Registry, file: str) -> Issue:
    by_name = registry.lookup(benchmark_id)
    if by_name is not None:
        hint = f"use the registry id {by_name.id!r}"
    else:
        close = registry.suggest(benchmark_id)
        hint = (f"did you mean {' or '.join(map(repr, close))}? " if close else "") + \
            "use a registry id, null for a benchmark not in the registry, or add it to schemas/benchmarks.json"
    return Issue("unknown-benchmark", ERROR, file, f"{where}/benchmark",
                 f"{benchmark_id!r} is not a benchmark id in the registry", hint)


def _score_issues(claim: dict, where: str, value: float, benchmark: Benchmark, metric: Metric, file: str) -> list[Issue]:
    issues = []
    if not metric.accepts(value):
        bound = (f"{format_number(value)} < {format_number(metric.min)}"
                 if metric.min is not None and value < metric.min else f"{format_number(value)} > {format_number(metric.max)}")
        issues.append(Issue("value-out-of-range", ERROR, file, f"{where}/value", bound,
                            f"{metric.name} on {benchmark.name} lies in {_range(metric)}; check the number, "
                            "and whether it is a delta (kind \"delta\")"))
    unit = claim.get("unit")
    if unit is not None and unit != metric.unit:
        expected = f"{metric.unit!r}" if metric.unit else "null (a plain number)"
        issues.append(Issue("unit-mismatch", ERROR, file, f"{where}/unit",
                            f"unit {unit!r}, but {metric.name} on {benchmark.name} takes {expected}",
                            f"set unit to {expected}, or check the metric"))
    elif unit is None and metric.unit == "%" and metric.max == 100 and 0 < value <= 1:
        issues.append(Issue("value-may-be-fraction", WARNING, file, f"{where}/value",
                            f"{format_number(value)} looks like a fraction, but {metric.name} is a percentage",
                            f"if the abstract means {format_number(value * 100)} %, the leaderboard needs the percentage"))
    return issues


def _delta_issues(claim: dict, where: str, value: float, metric: Metric, file: str) -> list[Issue]:
    """Deltas are differences, not scores: only a sign, and for points the width of the scale, bound them."""
    if value < 0:
        return [Issue("value-out-of-range", ERROR, file, f"{where}/value", f"{format_number(value)} < 0",
                      "a delta's value is the size of the difference, always positive")]
    span = metric.max - metric.min if metric.max is not None and metric.min is not None else None
    if claim.get("unit") == "points" and span is not None and value > span:
        return [Issue("value-out-of-range", ERROR, file, f"{where}/value", f"{format_number(value)} > {format_number(span)}",
                      f"a difference in {metric.name} cannot exceed the width of its scale, {_range(metric)}")]
    return []


def _range(metric: Metric) -> str:
    low = format_number(metric.min) if metric.min is not None else "-inf"
    high = format_number(metric.max) if metric.max is not None else "inf"
    return f"[{low}, {high}]" + (f" {metric.unit}" if metric.unit else "")


def format_number(value: float) -> str:
    """104.2 -> '104.2', 100.0 -> '100'."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _typed(mapping: dict, key: str, kind: type):
    value = mapping.get(key)
    return value if isinstance(value, kind) and not isinstance(value, bool) else None
