"""Word patterns around a number that several steps share: scoring frames ("achieves", "a score
of"), delta frames ("improves ... by"), comparisons ("vs.", "than") and clause blockers."""

from __future__ import annotations

import re

from .casefree import CaseFree

QUAL = r"(?:(?:only|just|over|up to|about|nearly|approximately|around|roughly|almost|at least|at most|more than|" \
        r"less than|under|below|above|exceeding|a staggering|a remarkable|a substantial|a significant|" \
        r"an impressive|a notable|a|an|the|~|≈|>|<|>=|<=|≥|≤)\s?)*"
# The number is what a system scored: "achieves 87.1%", "a score of 65.1%", "to 34%", "by 5.6".
SCORING_FRAME = re.compile(
    r"(?:achiev\w*|scor\w*|reach\w*|obtain\w*|attain\w*|gets?|getting|yield\w*|record\w*|deliver\w*|hits?|"
    r"to|from|of|by|vs\.?|versus|compared (?:to|with)|than|with|at|is|was|are|were|:|=|"
    r"improv\w*|increas\w*|boost\w*|rais\w*|drop\w*|fall\w*|fell|ris\w*|climb\w*|jump\w*|'s|’s|"
    r"\((?=[^()]*$))\s?" + QUAL + r"$")
BY_FRAME = re.compile(r"\bby\s?" + QUAL + r"$")
_DELTA_BEFORE = re.compile(
    r"(?:improvement|gain|increase|boost|difference|margin|advantage|jump|drop|decrease|degradation|uplift|lead|loss|losse)s?"
    r"(?:\s(?:of|in [\w\s\-]{1,30}? of|by))?\s?\(?" + QUAL + r"$", re.IGNORECASE)
DELTA_AFTER = re.compile(
    r"^\s?(?:(?:absolute|relative|average|overall|performance|accuracy|point|points|pp|percentage points?)\s)*"
    r"(?:\w+\s)?(?:improvement|gain|increase|boost|higher|better|lower|worse|drop|decrease|difference|degradation|"
    r"advantage|margin|uplift|jump|lead|more|above)\b", re.IGNORECASE)
# "improves 2.55% accuracy", "boosts pass@1 by 17": a change, not a level
_IMPROVES_BY = re.compile(r"\b(?:improv|increas|boost|enhanc|rais|lift|reduc|decreas|lower)\w*\s(?:(?!from\b|to\b|of\b)[\w@\-]+\s){0,2}?"
                          r"(?:by\s)?" + QUAL + r"$", re.IGNORECASE)
FROM = re.compile(r"\bfrom\s?" + QUAL + r"$")
IMPROVES_BY_CI = CaseFree(_IMPROVES_BY)
DELTA_BEFORE_CI = CaseFree(_DELTA_BEFORE)
CHANGE_VERB = re.compile(
    r"\b(?:improv|increas|boost|rais|ris|ros|jump|grow|grew|climb|go|went|drop|decreas|fall|fell|reduc|declin|lift|push|"
    r"bring|brought|enhanc|advanc|mov|elevat)\w*", re.IGNORECASE)
COMPARATOR = re.compile(
    r"\b(?:compared (?:to|with)|vs\.?|versus|than|outperform\w*|surpass\w*|exceed\w*|beat\w*|over|against|"
    r"relative to)\b", re.IGNORECASE)
COORDINATION = re.compile(r"^[\s,()\w.\-'’]*$")
BLOCKERS = re.compile(
    r";|\bwhile\b|\bwhereas\b|\bbut\b|\bhowever\b|\bwhich\b|\bwhere\b|\balthough\b|\bcompared\b|\bthan\b|\bvs\b|"
    r"\bversus\b|\boutperform|\bsurpass|\bexceed|\bbeat|\brespectively\b|\bwhen\b|\bcompar", re.IGNORECASE)
PARENS = re.compile(r"\([^()]*\)")
_MODEL_PAREN = re.compile(r"(?:baseline|model|[A-Z][\w.\-]*\d[\w.\-]*|[A-Z]\w*[A-Z]\w*)\s?\($")
FROM_WORD = re.compile(r"\bfrom\b")
TO_WORD = re.compile(r"\bto\s")


def model_paren(before: str) -> bool:
    """"the Self-Rewarding baseline (19.69)": a number in parentheses after a model or baseline."""
    return bool(_MODEL_PAREN.search(before))


GROUP_SEP = re.compile(r"^\s?(?:,\s?(?:and\s)?|and\s)\s?$")
