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


def find_numbers(text: str, start: int, end: int) -> list[Number]:
    found: list[Number] = []
    # A match holds a digit at most two characters after its start ("-.5"), so none starts before
    # the first digit less two; the lookbehind still sees the text before the search position.
    first = DIGIT.search(text, start, end)
    if first is None:
        return found
    for match in NUMBER.finditer(text, max(start, first.start() - 2), end):
        raw = match.group("num").replace(",", "")
        try:
            value = float(raw)
        except ValueError:  # pragma: no cover - the pattern only admits numerals
            continue
        unit = "%" if match.group("pct") else ("points" if match.group("pts") else None)
        found.append(Number(match.start(), match.end(), value, bool(match.group("sign")), unit))
    return found
