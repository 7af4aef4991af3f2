"""An abstract as HTML with every claim's evidence in an anchored <mark id="claim-N">.

Evidence spans may overlap (two claims quoting one sentence, or crossing phrases). Marks nest when
one span lies inside another; when spans cross, the earlier mark is widened to cover the later one
(merged), so the HTML stays well formed and every claim still gets its own anchor around its number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape

from ..models import StoredClaim


@dataclass(slots=True)
class _Span:
    index: int  # 1-based claim position: the anchor is #claim-N
    start: int
    end: int
    status: str
    kind: str
    children: list[_Span] = field(default_factory=list)


def locate(abstract: str, evidence: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the evidence is in the abstract: its stored offsets when they match, else its first occurrence."""
    if 0 <= start <= end <= len(abstract) and abstract[start:end] == evidence and evidence:
        return start, end
    found = abstract.find(evidence) if evidence else -1
    return (found, found + len(evidence)) if found >= 0 else None


def highlight_abstract(abstract: str, claims: Sequence[StoredClaim]) -> tuple[Markup, tuple[int, ...]]:
    """The abstract as escaped HTML with nested/merged marks, and the claim numbers whose evidence is not in it."""
    spans: list[_Span] = []
    missing: list[int] = []
    for index, stored in enumerate(claims, start=1):
        claim = stored.claim
        where = locate(abstract, claim.evidence, claim.start, claim.end)
        if where is None:
            missing.append(index)
        else:
            spans.append(_Span(index, where[0], where[1], stored.status, claim.kind))
    if not spans:
        return escape(abstract), tuple(missing)
    # Outer spans first: an earlier start, then the longer span, then claim order (deterministic).
    spans.sort(key=lambda s: (s.start, -s.end, s.index))
    roots: list[_Span] = []
    stack: list[_Span] = []
    for span in spans:
        while stack and stack[-1].end <= span.start:
            stack.pop()
        if stack:
            # A crossing span widens every open ancestor it sticks out of: merge instead of overlap.
            for open_span in stack:
                open_span.end = max(open_span.end, span.end)
            stack[-1].children.append(span)
        else:
            roots.append(span)
        stack.append(span)
    parts: list[str] = []
    _emit(abstract, roots, 0, len(abstract), parts)
    return Markup("".join(parts)), tuple(missing)


@lru_cache(maxsize=1024)
def mark_open(index: int, status: str, kind: str) -> Markup:
    """The opening tag of claim N's mark (also used for evidence shown outside the abstract).

    Cached: pages ask for the same few (number, status, kind) combinations over and over.
    """
    number = escape(index)
    rejected = " ev-rejected" if status == "rejected" else ""
    return Markup(f'<mark id="claim-{number}" class="ev ev-{escape(kind)}{rejected}" data-claim="{number}">')


def _emit(text: str, spans: list[_Span], start: int, end: int, parts: list[str]) -> None:
    """Append text[start:end] as HTML to `parts`: escaped text, and each span's mark around its children."""
    position = start
    for span in spans:
        parts.append(escape(text[position:span.start]))
        parts.append(mark_open(span.index, span.status, span.kind))
        _emit(text, span.children, span.start, span.end, parts)
        parts.append("</mark>")
        position = span.end
    parts.append(escape(text[position:end]))
