"""Numbers in text: value, sign and unit ("%", "points"), with exact character offsets."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Number:
    start: int  # of the sign or first digit
    end: int  # after the unit, if any
    value: float
    signed: bool
    unit: str | None  # "%", "points" or None

    @property
    def num_end(self) -> int:
        return self.end


DIGIT = re.compile(r"\d")


# Where a NUMBER can start: a sign, a digit or a point not preceded by what the lookbehind of NUMBER
# excludes. Written character first so that the search skips to those characters in C (a pattern
# opening with a lookbehind is tried at every position); "(?<!X.)" is NUMBER's "(?<!X)" once the
# character is consumed.
_NUMBER_START = re.compile(r"[+\-−.\d](?<![\w.@/=^%\-−–].)")


def find_numbers(text: str, start: int, end: int) -> list[Number]:
    """Every NUMBER in text[start:end], as `NUMBER.finditer` finds them: tried only where one can start."""
    found: list[Number] = []
    taken = start
    for candidate in _NUMBER_START.finditer(text, start, end):
        at = candidate.start()
        if at < taken:
            continue
        match = NUMBER.match(text, at, end)
        if match is None:
            continue
        taken = match.end()
        raw = match.group("num").replace(",", "")
        unit = "%" if match.group("pct") else ("points" if match.group("pts") else None)
        found.append(Number(at, taken, float(raw), bool(match.group("sign")), unit))
    return found
