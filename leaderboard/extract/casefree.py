"""Case-free regular expression tests that are fast on ASCII text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def ascii_lower_pattern(pattern: str) -> re.Pattern:
    """`pattern` (compiled with IGNORECASE) for lower-cased ASCII text: its letters lower-cased, no flag.
    Only for patterns whose escapes keep their meaning in lower case (\\w, \\s, \\b, \\d, \\-)."""
    escapes = set(re.findall(r"\\(.)", pattern))
    # and without the four non-ASCII letters that IGNORECASE matches to ASCII ones (İ ı ſ K)
    if (escapes & set("WSBDAZPNUX") or re.search(r"\(\?[aiLmsux-]", pattern)
            or set(pattern) & set("\u0130\u0131\u017f\u212a")):  # pragma: no cover - guards a change
        raise ValueError(f"pattern has case-sensitive escapes, inline flags or odd letters: {pattern[:60]}")
    return re.compile(pattern.lower())


class CaseFree:
    """Whether an IGNORECASE pattern matches: on ASCII text, by the lower-cased pattern on the
    lower-cased text (the same answer, several times faster); otherwise by the pattern itself."""

    def __init__(self, pattern: re.Pattern):
        assert pattern.flags & re.IGNORECASE
        self.pattern = pattern
        self.ascii = ascii_lower_pattern(pattern.pattern)

    def search(self, text: str) -> bool:
        if text.isascii():
            return self.ascii.search(text.lower()) is not None
        return self.pattern.search(text) is not None

    def span(self, text: str, group: int = 0) -> tuple[int, int] | None:
        """The span of `group` in the pattern's first match in `text` (lower-casing ASCII text moves no
        offset, so the span is one of `text` itself), or None."""
        match = self.ascii.search(text.lower()) if text.isascii() else self.pattern.search(text)
        return match.span(group) if match else None


def first_named(patterns: Sequence[tuple[CaseFree, T]], text: str) -> T | None:
    """The name of the first of `patterns` that matches `text` (ASCII text lower-cased once), or None."""
    if text.isascii():
        lowered = text.lower()
        return next((name for case_free, name in patterns if case_free.ascii.search(lowered)), None)
    return next((name for case_free, name in patterns if case_free.pattern.search(text)), None)
