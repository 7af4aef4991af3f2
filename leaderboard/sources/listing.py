"""The JSON listing format that `leaderboard fetch` writes and `ingest` reads.

A listing is one UTF-8 JSON document. The header stands on the first line and each paper object on
a line of its own, so that messages can name the line of a paper and a re-fetch gives a small diff::

    {"format": "leaderboard-listing", "version": 1, "source": "hf-daily-papers", "query": {"date": "2025-06-30"}, "papers": [
    {"arxiv_id": "2506.21594", "hf_id": "2506.21594", "title": "...", "abstract": "...", "published": "2025-06-26", "authors": ["..."], "organization": "NVIDIA", "upvotes": 12},
    ...
    ]}

Header keys:

* `format`: always `"leaderboard-listing"`; `version`: `1` (a reader refuses newer versions);
* `source`: where the papers came from, `"hf-daily-papers"` or `"arxiv"` (free text for others);
* `query`: what was asked for, e.g. `{"date": "2025-06-30"}` or `{"id": "1909.08053"}`;
* `papers`: a list (possibly empty: a day without papers is still a finished day).

Paper keys (`title` and `abstract` are required, the others may be absent or `null`):

* `arxiv_id`: the arXiv id without version suffix (`"2406.12345"`, `"hep-th/9901001"`);
* `hf_id`: the Hugging Face paper id (the arXiv id for papers on Daily Papers);
* `title`, `abstract`: text, whitespace runs folded to one space;
* `published`: ISO date (`"2025-06-26"`);
* `authors`: the author names (a list of strings) or just their number;
* `organization`: display name of the submitting organization (`"NVIDIA"`);
* `upvotes`: Daily Papers upvotes (an integer).

`ingest` turns `arxiv_id` and `hf_id` into the paper's `external_ids` (`"arxiv"`, `"hf"`), so a paper
fetched by API keeps its links when it merges with the same paper from a page dump.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import date
from pathlib import Path

from ..errors import ListingError
from ..ids import paper_id
from ..models import Paper, Source

FORMAT = "leaderboard-listing"
VERSION = 1
SOURCE_HF_DAILY_PAPERS = "hf-daily-papers"
SOURCE_ARXIV = "arxiv"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- writing ---------------------------------------------------------------------------------


def listing_paper(
    title: str,
    abstract: str,
    *,
    arxiv_id: str | None = None,
    hf_id: str | None = None,
    published: str | None = None,
    authors: list[str] | int | None = None,
    organization: str | None = None,
    upvotes: int | None = None,
) -> dict:
    """One paper object of a listing, keys in the documented order, text whitespace folded."""
    return {
        "arxiv_id": arxiv_id,
        "hf_id": hf_id,
        "title": " ".join(title.split()),
        "abstract": " ".join(abstract.split()),
        "published": published,
        "authors": authors,
        "organization": organization,
        "upvotes": upvotes,
    }


def render_listing(source: str, query: dict, papers: list[dict]) -> str:
    """The text of a listing: the header on line 1, then one paper a line (see the module docstring)."""
    header = json.dumps({"format": FORMAT, "version": VERSION, "source": source, "query": query}, ensure_ascii=False)
    lines = [json.dumps(paper, ensure_ascii=False) for paper in papers]
    body = ",\n".join(lines) + "\n" if lines else ""
    return header[:-1] + ', "papers": [\n' + body + "]}\n"


def write_listing(path: Path, source: str, query: dict, papers: list[dict]) -> None:
    """Write a listing atomically: readers (and an interrupted run) see the old file or the new one."""
    write_text_atomic(path, render_listing(source, query, papers))


def write_text_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename over it; the temp name ends in `.tmp`, so
    `ingest` never reads a half-written file left by a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


# --- reading ---------------------------------------------------------------------------------


def parse_api_listing(text: str, file: str) -> list[Paper]:
    """Parse a JSON listing; every error names the file and line (or JSON pointer)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ListingError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno,
                           hint="re-fetch the listing, or fix the JSON by hand") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ListingError(f'not a leaderboard listing: expected an object with "format": "{FORMAT}"', file=file, line=1,
                           hint="JSON listings are written by `leaderboard fetch`")
    _check_version(document.get("version"), file)
    papers = document.get("papers")
    if not isinstance(papers, list):
        raise ListingError('"papers" must be a list', file=file, line=1)
    line_of = _paper_lines(text, len(papers))
    return [_paper(entry, file, index, line_of[index]) for index, entry in enumerate(papers)]


def _check_version(version: object, file: str) -> None:
    if version is None:  # listings written before the version key was required
        return
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ListingError("/version: must be a positive integer", file=file, line=1)
    if version > VERSION:
        raise ListingError(f"/version: listing version {version} is newer than this leaderboard reads ({VERSION})",
                           file=file, line=1, hint="upgrade leaderboard, or re-fetch with this version")


def _paper_lines(text: str, count: int) -> list[int]:
    """Line of each paper object when written one a line (as `fetch` does); else line 1."""
    starts = [n for n, line in enumerate(text.split("\n"), start=1) if line.lstrip().startswith("{") and n > 1]
    return starts if len(starts) == count else [1] * count


def _paper(entry: object, file: str, index: int, line: int) -> Paper:
    where = f"/papers/{index}"
    if not isinstance(entry, dict):
        raise ListingError(f"{where}: a paper must be a JSON object", file=file, line=line)
    for key in ("title", "abstract"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ListingError(f"{where}/{key}: missing or empty", file=file, line=line,
                               hint=f'every paper needs a non-empty "{key}"')
    _check_optional_fields(entry, where, file, line)
    title = " ".join(entry["title"].split())
    external_ids = {k: str(entry[f"{k}_id"]) for k in ("arxiv", "hf") if entry.get(f"{k}_id")}
    authors = entry.get("authors")
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=" ".join(entry["abstract"].split()),
        published=entry.get("published") or None,
        authors=len(authors) if isinstance(authors, list) else authors,
        organization=entry.get("organization") or None,
        upvotes=entry.get("upvotes"),
        sources=(Source(file, line),),
        external_ids=external_ids,
    )


def _check_optional_fields(entry: dict, where: str, file: str, line: int) -> None:
    """Wrong types are errors, not silently dropped metadata: a hand-edited listing should say so."""
    def fail(key: str, expected: str) -> None:
        raise ListingError(f"{where}/{key}: expected {expected}, got {type(entry[key]).__name__}",
                           file=file, line=line, hint="see the listing format in leaderboard/sources/listing.py")

    for key in ("arxiv_id", "hf_id", "organization", "published"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            fail(key, "a string")
    published = entry.get("published")
    if published and not (_ISO_DATE.match(published) and _is_calendar_date(published)):
        raise ListingError(f"{where}/published: {published!r} is not an ISO date (YYYY-MM-DD)", file=file, line=line)
    if entry.get("upvotes") is not None and not _is_int(entry["upvotes"]):
        fail("upvotes", "an integer")
    authors = entry.get("authors")
    if authors is not None and not _is_int(authors) and not (
            isinstance(authors, list) and all(isinstance(a, str) for a in authors)):
        fail("authors", "a number or a list of names")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_calendar_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
