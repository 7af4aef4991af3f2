"""Numbers in text: value, sign and unit ("%", "points"), with exact character offsets."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# A number that stands alone: not inside a word ("GPT-4", "8B", "5-shot", "pass@1"), with an
# optional sign and an optional unit. TeX escapes the percent sign ("\%").
NUMBER = re.compile(
    r"(?<![\w.@/=^%\-−–])"
    r"(?P<sign>[+\-−](?=\d|\.\d))?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,12}(?:\.\d+)?|\.\d+)"
    r"(?:(?P<pct>\s?\\?%|\s?percent\b)|(?P<pts>\s?percentage points?\b|\s?pp\b|\s?points?\b)|(?![\w]|[.,]\d|-[A-Za-z]|\.\d))"
)


# Not frozen: one is made for every number of every abstract, and a frozen one costs four times as much
# to make. Nothing changes one once made.
@dataclass(slots=True, unsafe_hash=True)
class Number:
    start: int  # of the sign or first digit
    end: int  # after the unit, if any
    value: float
    signed: bool
    unit: str | None  # "%", "points" or None



# Where a NUMBER can start: a sign, a digit or a point not preceded by what the lookbehind of NUMBER
# excludes. Written character first so that the search skips to those characters in C (a pattern
# opening with a lookbehind is tried at every position); "(?<!X.)" is NUMBER's "(?<!X)" once the
# character is consumed.
_NUMBER_START = re.compile(r"[+\-−.\d](?<![\w.@/=^%\-−–].)")
# _NUMBER_START for ASCII text, which holds no "−", "–" or non-ASCII digit: a class of plain characters
# is scanned twice as fast as one with a Unicode category (\d).
_NUMBER_START_ASCII = re.compile(r"[+\-.0-9](?<![\w.@/=^%\-].)")


def number_starts(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Where a NUMBER can start in text[start:end] (the lookbehind sees the text before `start`)."""
    pattern = _NUMBER_START_ASCII if text.isascii() else _NUMBER_START
    return [m.start() for m in pattern.finditer(text, start, len(text) if end is None else end)]


def find_numbers(text: str, start: int, end: int) -> list[Number]:
    """Every NUMBER in text[start:end], as `NUMBER.finditer` finds them: tried only where one can start."""
    return _numbers_at(text, number_starts(text, start, end), start, end)


def numbers_in_spans(text: str, spans: list[tuple[int, int]]) -> list[list[Number]]:
    """`find_numbers` of each of the sorted, disjoint `spans` (a text's sentences), from one scan of the
    whole text: a candidate start is one character whatever the bounds (its lookbehind sees the text
    before them), so those of the whole text within a span are that span's own."""
    starts = number_starts(text)
    found = []
    for start, end in spans:
        first = bisect.bisect_left(starts, start)
        last = bisect.bisect_left(starts, end, first)
        found.append(_numbers_at(text, starts[first:last], start, end) if last > first else [])
    return found


def _numbers_at(text: str, starts: list[int], start: int, end: int) -> list[Number]:
    """The NUMBERs of text[start:end] that begin at one of `starts` (ascending), not overlapping."""
    found: list[Number] = []
    taken = start
    for at in starts:
        if at < taken:
            continue
        match = NUMBER.match(text, at, end)
        if match is None:
            continue
        taken = match.end()
        sign, num, pct, pts = match.groups()
        unit = "%" if pct else ("points" if pts else None)
        found.append(Number(at, taken, float(num.replace(",", "") if "," in num else num), bool(sign), unit))
    return found
