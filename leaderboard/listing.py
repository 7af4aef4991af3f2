"""The JSON listing format that `leaderboard fetch` writes and `ingest` reads.

A listing is one JSON document; each paper object stands on its own line so that sources can
name a line::

    {"format": "leaderboard-listing", "version": 1, "source": "hf-daily-papers", "papers": [
    {"arxiv_id": "2406.01234", "title": "...", "abstract": "...", "published": "2024-06-03", ...},
    ...
    ]}
"""

from __future__ import annotations

import json

from .errors import ListingError
from .ids import paper_id
from .models import Paper, Source

FORMAT = "leaderboard-listing"
VERSION = 1


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
    papers = document.get("papers")
    if not isinstance(papers, list):
        raise ListingError('"papers" must be a list', file=file, line=1)
    line_of = _paper_lines(text, len(papers))
    return [_paper(entry, file, index, line_of[index]) for index, entry in enumerate(papers)]


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
    title = " ".join(entry["title"].split())
    external_ids = {k: str(entry[f"{k}_id"]) for k in ("arxiv", "hf") if entry.get(f"{k}_id")}
    authors = entry.get("authors")
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=" ".join(entry["abstract"].split()),
        published=entry.get("published") or None,
        authors=len(authors) if isinstance(authors, list) else (authors if isinstance(authors, int) else None),
        organization=entry.get("organization") or None,
        upvotes=entry.get("upvotes") if isinstance(entry.get("upvotes"), int) else None,
        sources=(Source(file, line),),
        external_ids=external_ids,
    )
