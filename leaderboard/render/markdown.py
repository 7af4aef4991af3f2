"""All leaderboards as GitHub-flavoured Markdown (tabulate pipe tables), for READMEs and PR comments.

Cells hold text from papers, and GitHub renders what it can: a `|` would split a cell, `[x](javascript:..)`
or `<a>` would become a link, `@name` would notify a stranger, a bare URL would be auto-linked. Text
cells are escaped so that all of these stay plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from tabulate import tabulate

from ..models import Table
from .format import format_date, format_score

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_ZWSP = "\u200b"  # zero-width space: invisible, but breaks mentions and auto-links
_HEADERS = ("Rank", "Model", "Params", "Score", "Kind", "Paper", "Date")


def markdown_text(text: str | None) -> str:
    """One line of inert Markdown text: special characters escaped, mentions and auto-links broken."""
    if not text:
        return ""
    text = " ".join(text.split())  # a newline would end the table row
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"@(?=\w)", "@" + _ZWSP, text)
    text = re.sub(r"(?i)(\w)(://)", r"\1:" + _ZWSP + "//", text)
    return re.sub(r"(?i)\bwww\.", "www" + _ZWSP + ".", text)


def table_heading(table: Table) -> str:
    """"MMLU: Accuracy (5-shot), higher is better"."""
    setting = f" ({table.setting})" if table.setting else ""
    better = "lower" if table.direction == "lower" else "higher"
    return f"{table.benchmark_name}: {table.metric_name}{setting}, {better} is better"


def render_markdown(tables: Iterable[Table]) -> str:
    """Every table as a `##` section with a pipe table; the same text for the same tables."""
    sections = ["# Leaderboards\n"]
    for table in tables:
        rows = [
            (
                str(entry.rank),
                markdown_text(entry.model) + (" ⚠ conflict" if entry.conflict else ""),
                markdown_text(entry.params) or "?",
                markdown_text(format_score(entry.value, entry.unit, entry.source.evidence)),
                entry.kind,
                markdown_text(entry.source.paper_title),
                format_date(entry.source.published) or "no date",
            )
            for entry in table.entries
        ]
        body = tabulate(rows, headers=_HEADERS, tablefmt="github", disable_numparse=True) if rows else "No entries."
        sections.append(f"## {markdown_text(table_heading(table))}\n\n{body}\n")
    return "\n".join(sections)


def write_markdown(tables: Iterable[Table], path: Path | str) -> Path:
    """Write `render_markdown(tables)` to `path` (UTF-8, "\\n" line ends); returns the path."""
    path = Path(path)
    path.write_text(render_markdown(tables), encoding="utf-8", newline="\n")
    return path
