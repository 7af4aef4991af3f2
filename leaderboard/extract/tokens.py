"""Tokenised text ("CIFAR - 10 ( 4.62 % error )", "Transformer - XL", "F 1"), as PDF-to-text tools and
old corpora write it, read as ordinary prose.

`detokenise` only deletes spaces, so every offset into the result maps back to an offset into the
original text: evidence spans stay exact substrings of the abstract as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Spaces a tokeniser put in, each rule the span of the spaces to delete (group "gap").
_GAPS = re.compile(
    r"(?<=\w)(?P<gap> )-(?= \w)|(?<=\w -)(?P<gap2> )(?=\w)"  # "CIFAR - 10" -> "CIFAR-10"
    r"|(?<=\w)(?P<gap3> )(?=[,.;:)%](?:\s|$))"  # "word ," "4.62 %" ")" closing
    r"|(?<=\()(?P<gap4> )"  # "( 4.62"
    r"|(?<=\w)(?P<gap5> )/(?= \w)|(?<=\w /)(?P<gap6> )(?=\w)"  # "bits / char"
    r"|(?<=[\s(])\+(?P<gap7> )(?=\d)"  # "+ 1.8 %"
    r"|(?<=\d)(?P<gap8> )(?=%)"  # "4.62 %"
)
_TOKENISED = re.compile(r"\w \, |\w - \w|\w \. [A-Z]")
# What each _TOKENISED match holds: three matches hold three of these, apart (each is three characters,
# so a leftmost scan finds at least as many as any set apart)
_SPACED_MARK = re.compile(r" [,.\-] ")


def looks_tokenised(text: str) -> bool:
    """Text with tokeniser spacing: several " , ", " - " between words or " . " before a capital."""
    if len(_SPACED_MARK.findall(text)) < 3:  # the common case, one scan in C
        return False
    return len(_TOKENISED.findall(text)) >= 3


@dataclass(frozen=True)
class Detokenised:
    text: str
    origin: tuple[int, ...]  # origin[i]: the offset in the original text of text[i]; plus one past the end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of text[start:end]."""
        return self.origin[start], (self.origin[end - 1] + 1 if end > start else self.origin[start])


def detokenise(text: str) -> Detokenised:
    """`text` without the spaces a tokeniser put in, with a map back to the original offsets."""
    drop = set()
    for match in _GAPS.finditer(text):
        for name, value in match.groupdict().items():
            if value is not None:
                drop.add(match.start(name))
    kept = [i for i in range(len(text)) if i not in drop]
    return Detokenised("".join(text[i] for i in kept), tuple(kept) + (len(text),))
