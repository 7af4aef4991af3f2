"""Which numbers can be scores: the filters that drop sizes, counts, efficiency figures, ratios,
ranges, versions, years and citations, judged from the words around the number."""

from __future__ import annotations

import re

from .casefree import CaseFree, grouped_by_first_letter
from .frames import QUAL
from .numbers import Number

# Figures that are not scores, judged from the clause around the number. The lookahead holds the first
# letters of the words below: most places fail it at once instead of trying fifty words.
EFFICIENCY_WORDS = (
    r"memory|latency|throughput|speed|faster|slower|flop|\bcost|compute|computation|tokens?\b|parameters?\b|"
    r"compress|sparsit|\bbits?\b(?!\s?(?:per|/)\s?(?:char|character|byte|dim))|energy|\bmfu\b|utili[sz]ation|efficien|inference time|training time|gpu|"
    r"\bsize\b|storage|bandwidth|acceptance|\bcache|vocabulary|wall-clock|hours|"
    r"budget|overhead|\bfewer\b|\bless\b|cheaper|smaller|larger|reduc|ratio|\bshare\b|"
    r"of the (?:original|base|teacher|full|dense)|retain|maintain|recover|preserv|attack success|agreement|"
    r"correlation|similarity|kappa")
_EFFICIENCY = re.compile(r"(?=[abcefghiklmoprstuvw])(?:" + EFFICIENCY_WORDS + ")", re.IGNORECASE)
# Words a bare number may be followed by and still be a score ("8.38 on MT-bench", "29.44 win rate").
_BARE_FOLLOWERS = re.compile(
    r"^\s?(?:[,;:)\]]|\((?!\d)|\.(?:\s|$)|$|down\sto\b|on\b|in\b|for\b|at\b|and\b|or\b|vs\b|versus\b|compared\b|to\b|from\b|with\b|by\b|"
    r"over\b|against\b|accuracy|perplexity|ppl\b|score|win|lc\b|length|raw\b|pass@|bleu|chrf|f1\b|em\b|exact|elo\b|"
    r"average\b|avg\b|when\b|while\b|whereas\b|which\b|where\b|but\b|along\b|together\b|respectively|across\b|"
    r"after\b|than\b|as\b|using\b|relative\b|"
    r"absolute\b|improvement|gain|point|rating|success|solve|resolve|top-1|mAP|AP\b|bits?\b|bpc\b|fid\b|"
    r"error\b|uas\b|las\b|smatch\b|miou\b|(?-i:[A-Z]))", re.IGNORECASE)
_PCT_DENY_AFTER = re.compile(r"^\s?(?:of|fewer|less|more|faster|smaller|larger|lower|reduction|speed|memory|tokens?|"
                             r"parameters?|compute|cost|sparsity|compression|data|the)\b", re.IGNORECASE)
_RANGE = re.compile(r"^\s?(?:-{1,2}|–|—|~)\s?[\d.]")
_RANGE_BEFORE = re.compile(r"\d\s?%?\s?(?:\\?%)?\s?(?:-{1,2}|–|—|~)\s?$")
_RANGE_BEFORE_REACH = 12  # a _RANGE_BEFORE match ends the text and is at most 11 characters long ("$" may stand before a "\n")
_VERSION_BEFORE = re.compile(r"(?:^|[\s(])(?:[A-Z][\w\-]*|v|version|Figure|Table|Section|Appendix|Eq\.?|top|Top)\s$")
_YEAR_BEFORE = re.compile(r"(?:\b(?:in|since|from|until|of|by|al\.,?|early|late|mid)|[\[(]|January|February|March|April|"
                          r"May|June|July|August|September|October|November|December)\s?$")


def _clause_window(text: str, number: Number, start: int, end: int) -> tuple[str, str]:
    """The words of the number's own clause: back to a comma/paren, forward to one (40 chars max).

    The right side stops at "with"/"at"/"using": "32.0 with the same FLOPs budget" is a score."""
    left = text[max(start, number.start - 45):number.start]
    cut = max(left.rfind(","), left.rfind("("), left.rfind(";"), left.rfind(":"))
    left = left[cut + 1:]
    right = text[number.end:min(end, number.end + 45)]
    cut = _CLAUSE_END.search(right)
    return left, right[:cut.start()] if cut else right


_CLAUSE_END = re.compile(r"[,();]| (?:and|with|at|using|under|in) ")


# "our 7B-parameter model achieves ...": a model's size is not an efficiency figure.
_SIZE_PHRASE = re.compile(r"\d+(?:\.\d+)?\s?[BMK]?[\s-]?(?:billion|million)?[\s-]?param\w*", re.IGNORECASE)


def _without_sizes(words: str) -> str:
    """`words` with a blank for each model size ("7B-parameter"), which holds "param" in some case."""
    return _SIZE_PHRASE.sub(" ", words) if "param" in words.lower() else words


_HYPOTHETICAL = re.compile(r"\b(?:(?:needed|required|necessary|enough|sufficient|have|has|had|order|expected|want|aim|aims)\sto|must|should|would|could|"
                           r"needed|required)\s(?:achieve|reach|attain|obtain|get|score|exceed)\s"
                           + QUAL + r"$")


def follower_ok(text: str, number: Number, end: int, mention_starts) -> bool:
    """A bare number followed by a capitalised word only when that word is a benchmark: "6 LLM agents",
    "4 A100 GPUs" are counts."""
    if number.unit is None:
        follower = _CAPITAL_FOLLOWER.match(text, number.end, min(end, number.end + 2))
        if follower and follower.end() not in mention_starts and not _METRIC_FOLLOWER.match(text, follower.end(), end):
            return False
    return True


_CAPITAL_FOLLOWER = re.compile(r"\s?(?=[A-Z])")
# "91.8 F 1 on the WSJ benchmark", "62.1 SMATCH": a capitalised metric after a bare number
_METRIC_FOLLOWER = re.compile(r"(?:F\s?1|F-score|BLEU|SMATCH|Smatch|UAS|LAS|AP|mAP|FID|EM|WER|PER|CER|ROUGE|IoU|mIoU)\b")


def score_shaped(text: str, number: Number, start: int, end: int) -> bool:
    """Whether a number can be a score, by every filter but `follower_ok` (which needs the sentence's
    mentions, so the pipeline applies it once they are found). The
    checks are independent (each only rejects), so the cheap ones on the text after the number
    come first."""
    after = text[number.end:min(end, number.end + 40)]
    value = number.value
    if value > 5000 and number.unit is None:
        return False
    if number.unit == "%":
        if _PCT_DENY_AFTER.match(after):
            return False
    elif number.unit is None:
        if not _BARE_FOLLOWERS.match(after):
            return False
    if _RANGE.match(after):
        return False
    before = text[max(start, number.start - 40):number.start]
    if number.unit is None and 1900 <= value <= 2100 and value.is_integer() and _YEAR_BEFORE.search(before):
        return False
    if _RANGE_BEFORE.search(before, max(0, len(before) - _RANGE_BEFORE_REACH)):
        return False
    enumerator = number.unit is None and value.is_integer() and value <= 20 and "." not in text[number.start:number.end]
    if _CITATION_BEFORE.search(before) or (before.endswith("(") and after.startswith(")") and enumerator):
        return False  # citations "[12]" and enumerations "(2)"
    if number.unit != "%" and not number.signed and _VERSION_BEFORE.search(before):
        return False
    if enumerator and (_TO_SMALL_INT.match(after) or _FROM_SMALL_INT.search(before)):
        return False  # "increasing the depth from 1 to 10": a setting, not a score
    if _ON_AVERAGE.match(after) or _HYPOTHETICAL.search(before):
        return False
    left, right = (_without_sizes(w) for w in _clause_window(text, number, start, end))
    if efficiency_in(left, right) or _HUMANS.search(left):
        return False  # efficiency figures, ratios, and human reference scores
    if _TIMES.search(right[:6]):
        return False
    return True


_EFFICIENCY_CI = CaseFree(_EFFICIENCY, grouped_by_first_letter(EFFICIENCY_WORDS))


def efficiency_in(left: str, right: str) -> bool:
    """Whether an efficiency word is in `left` or in `right`: one search of both, joined by a character
    no word can hold and that reads as an end of text to the words' edges ("\b", "(?!...)")."""
    return _EFFICIENCY_CI.search(f"{left}\x00{right}")


_CITATION_BEFORE = re.compile(r"\[[\d,\s]*$")
_ON_AVERAGE = re.compile(r"^\s?on (?:average|avg)\b")
_TO_SMALL_INT = re.compile(r"^\s?to\s\d{1,2}\b(?![.,]\d|\s?%)")
_FROM_SMALL_INT = re.compile(r"\bfrom\s\d{1,2}\sto\s$")
_HUMANS = re.compile(r"\bhumans?\b|\btranscribers?\b|\bannotators?\b|\bhuman (?:experts?|parity|performance)")
_TIMES = re.compile(r"\b(?:[xX×]|times)\b")
