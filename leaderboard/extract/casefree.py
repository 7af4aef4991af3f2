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

    def __init__(self, pattern: re.Pattern, ascii_pattern: str | None = None):
        """`ascii_pattern`: a lower-case pattern that finds a match where `pattern` does on lower-cased
        ASCII text (by default `pattern` itself, lower-cased)."""
        assert pattern.flags & re.IGNORECASE
        self.pattern = pattern
        self.ascii = ascii_lower_pattern(ascii_pattern or pattern.pattern)

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


def grouped_by_first_letter(alternation: str) -> str:
    """An alternation of words rewritten, for lower-cased text, as one branch per first letter
    ("cost|Compute|cheaper" -> "c(?:ost|ompute|heaper)"): a search then tries a place against the few
    words that start with its letter instead of every word, and skips in C to the letters that start
    one. Only the words that start with the letter at a place can match there, and they keep their
    order: the same word matches at each place, with the same span. Each branch must start with an
    ASCII letter or with "\\b" and one; the rest is left for `ascii_lower_pattern` to lower-case."""
    groups: dict[str, list[str]] = {}
    for branch in _top_level_branches(alternation):
        if branch.startswith("\\b"):  # "\bcost": the letter consumed, then the word start checked
            letter, rest = branch[2], r"(?<!\w.)" + branch[3:]
        else:
            letter, rest = branch[0], branch[1:]
        if not ("a" <= letter.lower() <= "z"):  # pragma: no cover - guards a change of the word list
            raise ValueError(f"branch does not start with an ASCII letter: {branch!r}")
        groups.setdefault(letter.lower(), []).append(rest)
    return "|".join(f"{letter}(?:{'|'.join(rests)})" for letter, rests in sorted(groups.items()))


def _top_level_branches(alternation: str) -> list[str]:
    """The branches of a regular expression's outermost alternation."""
    branches, current, depth, in_class, i = [], "", 0, False, 0
    while i < len(alternation):
        char = alternation[i]
        if char == "\\":
            current += alternation[i:i + 2]
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            branches.append(current)
            current, i = "", i + 1
            continue
        current += char
        i += 1
    return [*branches, current]
