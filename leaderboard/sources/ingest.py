"""Ingest: parse Daily Papers listings into Papers, merging a paper seen in several listings.

Three listing formats are read:

* the *page* dump: blank-line separated blocks (title, abstract, then an optional trailer of an
  author-count or organization line, a `·` line and a date line that may end in an upvote count);
* the *compact* dump: one title line, then one abstract line, repeated;
* the *API* listing written by `leaderboard fetch` (JSON, see `leaderboard.sources.listing`).

Abstracts are kept exactly as listed (TeX escapes such as `\\%` included), so that evidence spans
found by `extract` are exact substrings of what a reader sees in the listing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from importlib import resources
from pathlib import Path

from ..errors import ListingError
from ..ids import MONTHS, normalise_title, paper_id
from ..models import Paper, Source
from ..paths import SYNC_STATE_FILE

LISTING_SUFFIXES = (".txt", ".json")

# Lines of the page chrome, not of any paper.
_BOILERPLATE = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
_MONTH_NUMBERS = {month.lower(): number for number, month in enumerate(MONTHS, start=1)}
_DATE_LINE = re.compile(
    rf"^(?P<month>{'|'.join(MONTHS)})[a-z]*\.? (?P<day>\d{{1,2}})"
    r"(?:, (?P<year>\d{4}))?(?: (?P<upvotes>\d+))?$"
)
_AUTHORS_LINE = re.compile(r"^[•·*\-]?\s*(?P<count>\d+)\s+authors?$")
_DOT_LINE = "·"
# An abstract is prose: a title line never runs this long, an abstract never this short.
_MIN_ABSTRACT_WORDS = 12
_MAX_TITLE_CHARS = 400


def embedded_corpus() -> list[Path]:
    """The Daily Papers dumps shipped inside the package: the default input of every command."""
    root = resources.files("leaderboard") / "corpus" / "daily-papers"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(LISTING_SUFFIXES))


def listing_files(inputs: Iterable[str | Path]) -> list[Path]:
    """Expand INPUT arguments (files or directories of listings) into a sorted list of files."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in LISTING_SUFFIXES
                           and p != path / SYNC_STATE_FILE)  # the state of `sync`, not a listing
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ListingError("no such file or directory", file=str(path), hint="pass a listing file or a directory of them")
    return files


def ingest(inputs: Iterable[str | Path] | None = None) -> list[Paper]:
    """Parse every listing and merge papers by normalised title; ordered by id for stable output."""
    files = embedded_corpus() if inputs is None else listing_files(inputs)
    return merge_papers(paper for path in files for paper in parse_listing_file(path))


def display_path(path: Path) -> str:
    """How a listing is named in sources and messages: embedded files by their corpus path (the same
    on every machine), others relative to the working directory when they lie below it."""
    corpus_root = Path(str(resources.files("leaderboard") / "corpus"))
    for root, prefix in ((corpus_root, "corpus/"), (Path.cwd(), "")):
        try:
            return prefix + path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def read_listing_text(path: Path) -> str:
    """Read a listing as UTF-8 text, refusing binary and empty files with a clear message."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListingError(f"cannot read file: {exc.strerror or exc}", file=str(path)) from None
    if b"\x00" in data[:65536]:
        raise ListingError("binary file, not a text listing", file=str(path), hint="pass a Daily Papers page dump (.txt) or a fetched listing (.json)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ListingError("not UTF-8 text", file=str(path), line=line, hint="save the listing as UTF-8") from None
    if not text.strip():
        raise ListingError("empty file: no papers in it", file=str(path), hint="remove it, or fill it with a listing")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_listing_file(path: Path) -> list[Paper]:
    """Parse one listing file of any supported format."""
    text = read_listing_text(path)
    return parse_listing(text, display_path(path))


def parse_listing(text: str, file: str) -> list[Paper]:
    """Parse listing text, choosing the format from its shape."""
    if text.lstrip()[:1] in "{[":
        from .listing import parse_api_listing  # JSON listings written by `fetch`

        return parse_api_listing(text, file)
    lines = _content_lines(text)
    if not lines:
        raise ListingError("no papers found: only page chrome", file=file, hint="is this a Daily Papers dump?")
    papers = _parse_page(text, file) if _is_page_format(text) else _parse_compact(lines, file)
    if not papers:
        raise ListingError("not a known listing format: no title/abstract pairs found", file=file)
    return papers


def _content_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of every non-blank line that is not page chrome, with a glued
    'Subscribe' prefix (the compact dump runs it into the first title) split off."""
    result = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.lower() in _BOILERPLATE:
            continue
        if line.startswith("Subscribe") and number <= 5 and len(line) > len("Subscribe"):
            line = line[len("Subscribe"):].strip()
        result.append((number, line))
    return result


def _is_page_format(text: str) -> bool:
    """The page dump separates blocks by blank lines; the compact dump has none between entries."""
    lines = [line.strip() for line in text.split("\n")]
    content = [i for i, line in enumerate(lines) if line and line.lower() not in _BOILERPLATE]
    followed_by_blank = sum(1 for i in content if i + 1 < len(lines) and not lines[i + 1])
    return followed_by_blank * 2 >= len(content)


def _parse_page(text: str, file: str) -> list[Paper]:
    lines = _content_lines(text)
    # The page's capture date ("Apr 16") stands before the first title.
    while lines and _DATE_LINE.match(lines[0][1]):
        lines = lines[1:]
    papers: list[Paper] = []
    i = 0
    while i < len(lines):
        title_line, title = lines[i]
        _check_title(title, title_line, file)
        abstract = lines[i + 1][1] if i + 1 < len(lines) else None
        if abstract is None or _is_trailer_start(lines, i + 1):
            raise ListingError(f"title with no abstract: {title[:60]!r}", file=file, line=title_line,
                               hint="every title must be followed by its abstract")
        _check_abstract(abstract, lines[i + 1][0], title, title_line, file, first=not papers)
        i += 2
        meta: dict = {}
        if _is_trailer_start(lines, i):
            i = _parse_trailer(lines, i, meta, file)
        papers.append(_paper(title, abstract, file, title_line, **meta))
    return papers


def _is_trailer_start(lines: list[tuple[int, str]], i: int) -> bool:
    """A trailer starts with an author-count line, or an organization line followed by '·'."""
    if i >= len(lines):
        return False
    text = lines[i][1]
    if _AUTHORS_LINE.match(text) or text == _DOT_LINE:
        return True
    return i + 1 < len(lines) and lines[i + 1][1] == _DOT_LINE


def _parse_trailer(lines: list[tuple[int, str]], i: int, meta: dict, file: str) -> int:
    """Consume `• N authors` or an organization line, then `·`, then a date line; return the next index."""
    text = lines[i][1]
    if text != _DOT_LINE:
        authors = _AUTHORS_LINE.match(text)
        if authors:
            meta["authors"] = int(authors.group("count"))
        else:
            meta["organization"] = _organization_name(text)
        i += 1
    if i < len(lines) and lines[i][1] == _DOT_LINE:
        i += 1
        if i < len(lines):
            date = _DATE_LINE.match(lines[i][1])
            if date:
                meta["published"] = _iso_date(date)
                if date.group("upvotes"):
                    meta["upvotes"] = int(date.group("upvotes"))
                i += 1
    return i


def _organization_name(text: str) -> str:
    """`nvidia NVIDIA` / `codefuse-ai CodeFuse AI`: the hub handle, then the display name."""
    handle, _, name = text.partition(" ")
    return name.strip() or handle


def _iso_date(match: re.Match) -> str:
    """An ISO date, or the ISO 8601 partial date `--MM-DD` when the listing shows no year.

    A year-less date means "this year" on the page, but the dumps' own capture date has no year
    either, so guessing one would invent data: the partial date is kept as is.
    """
    month = _MONTH_NUMBERS[match.group("month")[:3].lower()]
    day = int(match.group("day"))
    year = match.group("year")
    return f"{year}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _parse_compact(lines: list[tuple[int, str]], file: str) -> list[Paper]:
    papers = []
    for i in range(0, len(lines), 2):
        title_line, title = lines[i]
        _check_title(title, title_line, file)
        if i + 1 >= len(lines):
            raise ListingError(f"title with no abstract: {title[:60]!r}", file=file, line=title_line,
                               hint="every title line must be followed by its abstract line")
        _check_abstract(lines[i + 1][1], lines[i + 1][0], title, title_line, file, first=not papers)
        papers.append(_paper(title, lines[i + 1][1], file, title_line))
    return papers


def _check_title(title: str, line: int, file: str) -> None:
    if len(title) > _MAX_TITLE_CHARS:
        raise ListingError("expected a title here, found a paragraph", file=file, line=line,
                           hint="is a title line missing before this abstract, or is this not a Daily Papers listing?")


def _check_abstract(abstract: str, line: int, title: str, title_line: int, file: str, first: bool) -> None:
    if len(abstract.split()) >= _MIN_ABSTRACT_WORDS:
        return
    if first:  # nothing in the file looked like a listing: say so rather than blame one entry
        raise ListingError("not a known listing format: expected a title line followed by an abstract",
                           file=file, line=title_line,
                           hint="pass a Daily Papers page dump, a compact dump, or a listing from `leaderboard fetch`")
    raise ListingError(f"title with no abstract: {title[:60]!r} is followed by {abstract[:60]!r}",
                           file=file, line=title_line,
                           hint="every title must be followed by its abstract; is this a Daily Papers listing?")


def _paper(title: str, abstract: str, file: str, line: int, **meta) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract=abstract, sources=(Source(file, line),), **meta)


def merge_papers(papers: Iterable[Paper]) -> list[Paper]:
    """One Paper per normalised title, with every source; the richest metadata wins."""
    merged: dict[str, Paper] = {}
    for paper in papers:
        key = normalise_title(paper.title)
        merged[key] = _merge_two(merged[key], paper) if key in merged else paper
    return sorted(merged.values(), key=lambda p: p.id)


def _merge_two(a: Paper, b: Paper) -> Paper:
    """Keep the first listing's text unless the other is richer; take every known field."""
    richer, other = (b, a) if _richness(b) > _richness(a) else (a, b)
    sources = tuple(dict.fromkeys(a.sources + b.sources))
    return replace(
        richer,
        abstract=richer.abstract if len(richer.abstract) >= len(other.abstract) else other.abstract,
        published=_better_date(richer.published, other.published),
        authors=richer.authors if richer.authors is not None else other.authors,
        organization=richer.organization or other.organization,
        upvotes=max((u for u in (a.upvotes, b.upvotes) if u is not None), default=None),
        sources=sources,
        external_ids={**other.external_ids, **richer.external_ids},
    )


def _richness(paper: Paper) -> tuple:
    known = sum(x is not None for x in (paper.published, paper.authors, paper.organization, paper.upvotes))
    full_date = bool(paper.published and not paper.published.startswith("--"))
    return (len(paper.external_ids), full_date, known, len(paper.abstract))


def _better_date(a: str | None, b: str | None) -> str | None:
    """A full date beats a partial one, a partial one beats none."""
    for date in (a, b):
        if date and not date.startswith("--"):
            return date
    return a or b


def paper_to_json(paper: Paper) -> dict:
    """The JSON form of a paper printed by `ingest --format jsonl`."""
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "published": paper.published,
        "authors": paper.authors,
        "organization": paper.organization,
        "upvotes": paper.upvotes,
        "external_ids": dict(sorted(paper.external_ids.items())),
        "sources": [{"file": s.file, "line": s.line} for s in paper.sources],
    }


def iter_jsonl(papers: Iterable[Paper]) -> Iterator[str]:
    for paper in papers:
        yield json.dumps(paper_to_json(paper), ensure_ascii=False, sort_keys=False)
