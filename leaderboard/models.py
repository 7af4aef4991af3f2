"""Plain data passed between the pipeline stages.

ingest -> Paper; extract -> Claim; results -> ResultFile (Paper + StoredClaim);
validate -> Issue; reconcile/compile -> Table of Entry rows.
Every stage takes and returns these frozen dataclasses; none reads global state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("absolute", "cited", "delta")
STATUSES = ("extracted", "verified", "rejected", "added")
CONFIDENCES = ("high", "medium", "low")


@dataclass(frozen=True)
class Source:
    """One place a paper was listed: a listing file (as given) and the 1-based line of its title."""

    file: str
    line: int


@dataclass(frozen=True)
class Paper:
    """A paper as ingested from one or more listings.

    `published` is an ISO date ("2019-09-17"), or an ISO 8601 partial date without a year
    ("--01-19") when the listing shows only month and day, or None.
    """

    id: str
    title: str
    abstract: str
    published: str | None = None
    authors: int | None = None
    organization: str | None = None
    upvotes: int | None = None
    sources: tuple[Source, ...] = ()
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """One score claim found in an abstract; `evidence == abstract[start:end]`."""

    model: str
    benchmark: str | None  # canonical registry id, None when the benchmark is not in the registry
    benchmark_text: str  # the benchmark name as written in the abstract
    metric: str
    value: float
    unit: str | None  # "%" or None ("points" for some deltas)
    setting: str | None
    params: str | None  # "8B", "350M" ...
    kind: str  # one of KINDS
    evidence: str
    start: int
    end: int
    qualifier: str | None = None  # "up to", "over", "at least", "about", "below"
    metric_implied: bool = False
    base_model: str | None = None  # the named model a method was applied to ("InternLM2.5-7B")
    confidence: str | None = None  # one of CONFIDENCES: how sure the rule that found it is


@dataclass(frozen=True)
class StoredClaim:
    """A claim as kept in a result file: a Claim plus its stable id, review status and note."""

    id: str
    status: str  # one of STATUSES
    claim: Claim
    note: str | None = None
    source_url: str | None = None  # for imported / third-party numbers


@dataclass(frozen=True)
class ResultFile:
    """The contents of results/<paper-id>.json: the paper and its claims."""

    paper: Paper
    claims: tuple[StoredClaim, ...]
    path: str | None = None  # where it was read from, for messages


@dataclass(frozen=True)
class Issue:
    """A validation finding: printed as `file:pointer: severity[code] message (hint)`."""

    code: str  # stable kebab slug, e.g. "value-out-of-range"
    severity: str  # "error" or "warning"
    file: str
    pointer: str  # RFC 6901 JSON pointer, "" for the whole file
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.file}:{self.pointer}: {self.severity}[{self.code}] {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


@dataclass(frozen=True)
class SourceRef:
    """A claim behind a leaderboard entry: which paper, which claim, what it said."""

    paper_id: str
    paper_title: str
    published: str | None
    claim_id: str
    claim_index: int  # 1-based position in the paper's claims: the page anchor is #claim-N
    model: str  # the model name as written in that paper
    value: float
    kind: str
    evidence: str
    status: str
    base_model: str | None = None  # the named model the paper's method was applied to


@dataclass(frozen=True)
class Entry:
    """One row of a leaderboard: a model's score, with every claim that reported it."""

    rank: int
    model_id: str  # canonical model id (reconcile)
    model: str  # display name
    params: str | None
    value: float  # the chosen value (absolute preferred over cited)
    unit: str | None
    setting: str | None
    kind: str  # kind of the chosen source claim
    conflict: bool  # sources disagree on the value
    sources: tuple[SourceRef, ...]  # chosen source first

    @property
    def source(self) -> SourceRef:
        return self.sources[0]


@dataclass(frozen=True)
class Table:
    """A ranked leaderboard for one (benchmark, metric, setting)."""

    benchmark: str  # registry id
    benchmark_name: str  # display name
    metric: str  # metric id
    metric_name: str
    setting: str | None
    direction: str  # "higher" or "lower"
    unit: str | None
    entries: tuple[Entry, ...]

    @property
    def key(self) -> str:
        """A stable, file-name-safe key for this table."""
        parts = [self.benchmark, self.metric] + ([self.setting] if self.setting else [])
        return "--".join(parts)


@dataclass(frozen=True)
class Conflict:
    """Papers disagree on one (model, benchmark, metric, setting): every number is kept and shown."""

    table_key: str  # Table.key of the leaderboard the entry is in
    benchmark: str
    metric: str
    setting: str | None
    model_id: str
    model: str
    chosen: SourceRef  # the number the leaderboard shows (absolute preferred over cited)
    sources: tuple[SourceRef, ...]  # every claim, chosen first


@dataclass(frozen=True)
class Compiled:
    """Everything the renderers need: the ranked tables, the conflicts, and every paper with its claims."""

    tables: tuple[Table, ...]
    conflicts: tuple[Conflict, ...]
    results: tuple[ResultFile, ...]  # every paper, sorted by id (paper pages show all their claims)
